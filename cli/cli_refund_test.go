package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type refundStatusJSON struct {
	Refunds struct {
		Pending       int               `json:"pending"`
		DueWithin24h  int               `json:"due_within_24h"`
		Overdue       int               `json:"overdue"`
		RefundedTotal map[string]string `json:"refunded_total"`
	} `json:"refunds"`
}

func refundStatusOf(t *testing.T, db string) refundStatusJSON {
	t.Helper()
	r := shipdesk(t, db, "status", "--json")
	want(t, r, 0)
	var s refundStatusJSON
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	return s
}

// refundDB has SO00000001 tb-main:T1001 (144.97 CNY, awaiting shipment), SO00000002
// jd-store:J900 (300.00 CNY, shipped) and SO00000003 insales-ru:R-77 (2500.00 RUB,
// awaiting); tb-main:T1002 is still in the pool.
func refundDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl", "testdata/orders.csv"), 0)
	want(t, shipdesk(t, db, "pool", "convert", "tb-main:T1001", "jd-store:J900", "insales-ru:R-77"), 0, "SO00000003")
	want(t, shipdesk(t, db, "ship", "SO00000002", "--carrier", "ems", "--tracking", "EE040293660CN"), 0)
	return db
}

// writeRefunds writes JSON Lines requested the given hours before now, so that the
// respond-by deadline (5 days) is passed, close or far away.
func writeRefunds(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "refunds.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func refundLine(ch, id, trade, kind, amount string, hoursAgo int) string {
	at := time.Now().UTC().Add(-time.Duration(hoursAgo) * time.Hour).Format(time.RFC3339)
	return fmt.Sprintf(`{"channel":%q,"refund_id":%q,"trade_id":%q,"kind":%q,"amount":%q,"reason":"buyer \u001b[31mcomplains","requested_at":%q}`,
		ch, id, trade, kind, amount, at)
}

func TestCLIRefundQueue(t *testing.T) {
	db := refundDB(t)
	file := writeRefunds(t,
		refundLine("tb-main", "R9001", "T1001", "not_received", "144.97", 6*24), // overdue
		refundLine("jd-store", "R9002", "J900", "received_no_return", "20", 4*24+12),
		refundLine("tb-main", "R9003", "T1002", "not_received", "88.00", 24),
		refundLine("insales-ru", "RF-77", "R-77", "return_goods", "100", 24),
	)
	want(t, shipdesk(t, db, "import", "refunds", file), 0, "imported 4 refund requests: 4 new")
	want(t, shipdesk(t, db, "import", "refunds", file), 0, "4 unchanged")

	s := refundStatusOf(t, db)
	if s.Refunds.Pending != 4 || s.Refunds.Overdue != 1 || s.Refunds.DueWithin24h != 1 || len(s.Refunds.RefundedTotal) != 0 {
		t.Fatalf("status before answers: %+v", s.Refunds)
	}

	// Convert: unshipped → cancelled in full; shipped → negotiated amount; no original → refused.
	r := shipdesk(t, db, "refund", "convert", "tb-main:R9001", "jd-store:R9002", "tb-main:R9003")
	want(t, r, 0,
		"converted tb-main:R9001: SO00000001 cancelled, refunded 144.97 CNY",
		"converted jd-store:R9002: SO00000002 refunded 20.00 CNY",
		"skipped tb-main:R9003: original order tb-main:T1002 is not in shipdesk — import and convert it first",
		"2 converted, 1 skipped")
	want(t, shipdesk(t, db, "refund", "convert", "tb-main:R9003"), 1, "nothing converted")

	want(t, shipdesk(t, db, "refund", "reject", "insales-ru:RF-77"), 2, "--reason")
	want(t, shipdesk(t, db, "refund", "reject", "insales-ru:RF-77", "--reason", "size chart was clear"), 0,
		"rejected insales-ru:RF-77: rejected, write-back to insales-ru queued")
	want(t, shipdesk(t, db, "refund", "process", "--reason", "duplicate of R9001", "tb-main:R9003"), 0, "processed tb-main:R9003")
	want(t, shipdesk(t, db, "refund", "process", "--reason", "again", "tb-main:R9003"), 1, "already processed")
	want(t, shipdesk(t, db, "refund", "convert", "tb-main:R9001", "tb-main:GHOST"), 1, "nothing changed", "tb-main:GHOST")

	// Later imports skip answered requests and suppress processed ones.
	want(t, shipdesk(t, db, "import", "refunds", file), 0, "1 suppressed", "3 skipped")

	// Partial refunds: several allowed, never past what was paid.
	want(t, shipdesk(t, db, "refund", "partial", "jd-store:J900", "--amount", "250", "--reason", "late"), 0,
		"SO00000002: refunded 250.00 CNY (late); left to refund 30.00 CNY of 300.00 CNY paid")
	want(t, shipdesk(t, db, "refund", "partial", "JD-PAY-900", "--amount", "30.01", "--reason", "more"), 1,
		"exceeds what is left to refund on SO00000002: 30.00 CNY")
	want(t, shipdesk(t, db, "refund", "partial", "SO00000002", "--amount", "30"), 2, "--reason")
	want(t, shipdesk(t, db, "refund", "partial", "tb-main:T1002", "--amount", "1", "--reason", "x"), 1, "not converted")

	s = refundStatusOf(t, db)
	if s.Refunds.Pending != 0 || s.Refunds.Overdue != 0 || s.Refunds.RefundedTotal["CNY"] != "414.97" {
		t.Fatalf("status after answers: %+v", s.Refunds)
	}
	want(t, shipdesk(t, db, "status"), 0, "refunds   0 pending: 0 due within 24 h, 0 overdue; refunded 414.97 CNY")

	r = shipdesk(t, db, "export", "refunds")
	want(t, r, 0, `"key":"tb-main:R9001","state":"converted"`, `"order_no":"SO00000001","refunded":"144.97"`,
		`"key":"insales-ru:RF-77","state":"rejected"`, `"decision":"size chart was clear"`)
	if n := strings.Count(r.stdout, "\n"); n != 4 {
		t.Fatalf("export refunds: %d lines\n%s", n, r.stdout)
	}
	r = shipdesk(t, db, "export", "refunds", "--format", "csv")
	want(t, r, 0, "key,state,changed,channel,refund_id", "tb-main:R9003,processed,false,tb-main,R9003,T1002,not_received,88.00,,")
	r = shipdesk(t, db, "export", "outbox")
	// The shipment earlier queued its own messages (1, 2); the rejection's write-back is 3,
	// with today's fields first and its delivery after.
	want(t, r, 0, `{"seq":3,"channel":"insales-ru","kind":"refund.reject","key":"RF-77","body":"size chart was clear"`,
		`"stage":"insales-ru:RF-77","transport":"webhook","to":"","state":"queued","attempts":0,`, `"last_error":""`)
	want(t, shipdesk(t, db, "export", "outbox", "--format", "csv"), 0,
		"seq,channel,kind,key,body,created_at,order,stage,transport,to,state,attempts,next_attempt,last_error,sent_at,idempotency_key\n",
		"\n3,insales-ru,refund.reject,RF-77,size chart was clear,")
	want(t, shipdesk(t, db, "export", "outbox", "--format", "xml"), 2, "--format")

	// The cancelled order shows in the orders export.
	want(t, shipdesk(t, db, "export", "orders"), 0, `"order_no":"SO00000001","key":"tb-main:T1001","status":"cancelled"`)
}

func TestCLIRefundImportIsAllOrNothing(t *testing.T) {
	db := refundDB(t)
	good := writeRefunds(t, refundLine("tb-main", "R1", "T1001", "not_received", "1", 1))
	bad := writeRefunds(t,
		refundLine("tb-main", "R2", "T1001", "not_received", "1", 1),
		`{"channel":"tb-main","refund_id":"R3","trade_id":"T1001","kind":"lost","amount":"1","requested_at":"2026-11-21T08:00:00Z"}`,
	)
	r := shipdesk(t, db, "import", "refunds", good, bad)
	want(t, r, 1, "nothing imported", "refunds.jsonl:2: kind \"lost\"")
	if s := refundStatusOf(t, db); s.Refunds.Pending != 0 {
		t.Fatalf("a rejected import wrote %d requests", s.Refunds.Pending)
	}
	want(t, shipdesk(t, db, "import", "refunds", "nope.txt"), 1, "nothing imported", "unknown file type")
	want(t, shipdesk(t, db, "import", "refunds"), 2, "FILE")
	want(t, shipdesk(t, db, "refund", "convert", "R1"), 1, "CHANNEL:REFUND_ID")
	want(t, shipdesk(t, db, "refund", "explode", "tb-main:R1"), 2, "unknown refund action")
	want(t, shipdesk(t, db, "refund", "convert"), 2, "KEY")

	// Standard input: CSV, or JSON Lines when it starts with "{".
	cmd := exec.Command(binary, "import", "refunds", "-")
	cmd.Env = append(os.Environ(), "SHIPDESK_DB="+db, "SHIPDESK_TZ=UTC", "SHIPDESK_OPERATOR=cli-test")
	cmd.Stdin = strings.NewReader("channel,refund_id,trade_id,kind,amount,reason,requested_at\ntb-main,R7,T1001,after_sale,5.00,broken lid,2026-11-21T08:00:00Z\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 new") {
		t.Fatalf("import refunds - (CSV): %v\n%s", err, out)
	}
	cmd = exec.Command(binary, "import", "refunds", "-")
	cmd.Env = append(os.Environ(), "SHIPDESK_DB="+db, "SHIPDESK_TZ=UTC", "SHIPDESK_OPERATOR=cli-test")
	cmd.Stdin = strings.NewReader(refundLine("tb-main", "R8", "T1001", "after_sale", "1", 1) + "\n")
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 new") {
		t.Fatalf("import refunds - (JSON Lines): %v\n%s", err, out)
	}
	if s := refundStatusOf(t, db); s.Refunds.Pending != 2 {
		t.Fatalf("pending after stdin imports: %+v", s.Refunds)
	}
}
