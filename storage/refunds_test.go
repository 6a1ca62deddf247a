package storage

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

func rkey(ch, id string) domain.RefundKey { return domain.RefundKey{Channel: ch, RefundID: id} }

func claim(ch, id, trade string, kind domain.RefundKind, minor int64, at time.Time) domain.RefundClaim {
	return domain.RefundClaim{RefundKey: rkey(ch, id), TradeID: trade, Kind: kind,
		Amount: domain.Money{Minor: minor, Currency: "CNY"}, Reason: "buyer says so", RequestedAt: at}
}

// refundStore has sales orders tb:T1 (SO1, awaiting shipment), tb:T2 (SO2, shipped) and
// tb:T3 (SO4, shipped) of 144.97 CNY each, jd:T2 (SO3) awaiting, and tb:T9 only in the pool.
func refundStore(t *testing.T) *Store {
	t.Helper()
	s := shippingStore(t)
	for _, ref := range []string{"SO00000002", "SO00000004"} {
		if _, _, err := s.Ship(orderRef(ref), domain.ShipInput{Carrier: "ems", Number: map[string]string{"SO00000002": numA, "SO00000004": numB}[ref]}, cn, t0, Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func mustImportRefunds(t *testing.T, s *Store, now time.Time, claims ...domain.RefundClaim) RefundImportResult {
	t.Helper()
	res, err := s.ImportRefunds(claims, now, Actor{Operator: "test", Role: domain.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func request(t *testing.T, s *Store, k domain.RefundKey) domain.RefundRequest {
	t.Helper()
	r, found, err := s.Refund(k)
	if err != nil || !found {
		t.Fatalf("refund %s: found=%v err=%v", k, found, err)
	}
	return r
}

func refundCountsAt(t *testing.T, s *Store, now time.Time) RefundCounts {
	t.Helper()
	c, err := s.Counts(now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return c.Refunds
}

func TestRefundImportIsIdempotent(t *testing.T) {
	s := refundStore(t)
	a := claim("tb", "R1", "T1", domain.RefundNotReceived, 14497, t0)
	b := claim("tb", "R2", "T2", domain.RefundAfterSale, 1000, t0)
	c := claim("tb", "R3", "T3", domain.RefundAfterSale, 1000, t0)
	if res := mustImportRefunds(t, s, t0, a, b, c); res != (RefundImportResult{New: 3}) {
		t.Fatalf("first import: %+v", res)
	}
	if res := mustImportRefunds(t, s, t0, a, b, c); res != (RefundImportResult{Unchanged: 3}) {
		t.Fatalf("same import again: %+v", res)
	}
	b2 := b
	b2.Reason = "changed my mind"
	if res := mustImportRefunds(t, s, t0, b2); res != (RefundImportResult{Updated: 1}) {
		t.Fatalf("changed request: %+v", res)
	}
	if r := request(t, s, b.RefundKey); !r.Changed || r.Reason != "changed my mind" {
		t.Fatalf("updated request: %+v", r)
	}
	if c := refundCountsAt(t, s, t0); c.Pending != 3 || c.Changed != 1 {
		t.Fatalf("counts: %+v", c)
	}
	// A key twice in one import counts once, with its last content.
	a2 := a
	a2.Reason = "second"
	if res := mustImportRefunds(t, s, t0, a2, a); res != (RefundImportResult{Unchanged: 1}) {
		t.Fatalf("repeated key: %+v", res)
	}
	if r := request(t, s, a.RefundKey); r.Reason != a.Reason || r.Changed {
		t.Fatalf("repeated key stored %+v", r)
	}

	// Answered requests are skipped; processed ones suppressed (rule 19).
	if res, err := s.ConvertRefunds([]domain.RefundKey{a.RefundKey}, t0, Actor{Operator: "op", Role: domain.RoleSupervisor}); err != nil || res.Done() != 1 {
		t.Fatalf("convert: %v %+v", err, res)
	}
	if res, err := s.RejectRefunds([]domain.RefundKey{b.RefundKey}, "goods used", t0, Actor{Operator: "op", Role: domain.RoleSupervisor}); err != nil || res.Done() != 1 {
		t.Fatalf("reject: %v %+v", err, res)
	}
	if res, err := s.ProcessRefunds([]domain.RefundKey{c.RefundKey}, "buyer withdrew", t0, Actor{Operator: "op", Role: domain.RoleSupervisor}); err != nil || res.Done() != 1 {
		t.Fatalf("process: %v %+v", err, res)
	}
	if res := mustImportRefunds(t, s, t0, a2, b2, c); res != (RefundImportResult{Skipped: 2, Suppressed: 1}) {
		t.Fatalf("import after answers: %+v", res)
	}
	if got := request(t, s, c.RefundKey); got.State != domain.RefundProcessed || got.Decision != "buyer withdrew" {
		t.Fatalf("processed request after import: %+v", got)
	}
	cs := refundCountsAt(t, s, t0)
	if cs.Pending != 0 || cs.Changed != 0 || cs.Converted != 1 || cs.Rejected != 1 || cs.Processed != 1 {
		t.Fatalf("counts after answers: %+v", cs)
	}
}

func TestConvertCancelsUnshippedOrderAndRefundsInFull(t *testing.T) {
	s := refundStore(t)
	mustImportRefunds(t, s, t0, claim("tb", "R1", "T1", domain.RefundReturnGoods, 100, t0))
	before := counts(t, s)
	res, err := s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R1")}, t0, Actor{Operator: "op", Role: domain.RoleSupervisor})
	if err != nil || res.Done() != 1 {
		t.Fatalf("convert: %v %+v", err, res)
	}
	if row := res.Rows[0]; row.OrderNo != 1 || !strings.Contains(row.Text, "cancelled") || !strings.Contains(row.Text, "144.97 CNY") {
		t.Fatalf("row: %+v", row)
	}
	o, _, _ := s.Order(1)
	if o.Status != domain.OrderCancelled || o.AwaitingReturn {
		t.Fatalf("order after convert: %+v", o)
	}
	after := counts(t, s)
	if after.Orders[domain.OrderAwaitingShipment] != before.Orders[domain.OrderAwaitingShipment]-1 || after.Orders[domain.OrderCancelled] != 1 {
		t.Fatalf("order counters: before %v after %v", before.Orders, after.Orders)
	}
	rs, err := s.OrderRefunds(1)
	if err != nil || len(rs) != 1 || rs[0].Amount != (domain.Money{Minor: 14497, Currency: "CNY"}) || rs[0].Request != rkey("tb", "R1") || rs[0].Operator != "op" {
		t.Fatalf("refunds: %v %+v", err, rs)
	}
	if got := after.Refunds.Refunded; len(got) != 1 || got[0] != (domain.Money{Minor: 14497, Currency: "CNY"}) {
		t.Fatalf("refunded total: %+v", got)
	}
	if r := request(t, s, rkey("tb", "R1")); r.State != domain.RefundConverted || r.OrderNo != 1 || r.Refunded.Minor != 14497 {
		t.Fatalf("request: %+v", r)
	}
	// The awaiting-shipment list no longer holds it.
	rows, _, err := s.OrderWindow(context.Background(), OrderQuery{}, nil, false, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Order.No == 1 {
			t.Fatal("cancelled order still listed as awaiting shipment")
		}
	}
}

func TestConvertShippedOrderByKind(t *testing.T) {
	s := refundStore(t)
	mustImportRefunds(t, s, t0,
		claim("tb", "NR", "T2", domain.RefundNotReceived, 1, t0),
		claim("tb", "RG", "T3", domain.RefundReturnGoods, 5000, t0),
	)
	res, err := s.ConvertRefunds([]domain.RefundKey{rkey("tb", "NR"), rkey("tb", "RG")}, t0, Actor{Operator: "op", Role: domain.RoleSupervisor})
	if err != nil || res.Done() != 2 {
		t.Fatalf("convert: %v %+v", err, res)
	}
	if rs, _ := s.OrderRefunds(2); len(rs) != 1 || rs[0].Amount.Minor != 14497 {
		t.Fatalf("not_received gives the whole paid amount: %+v", rs)
	}
	if rs, _ := s.OrderRefunds(4); len(rs) != 1 || rs[0].Amount.Minor != 5000 || rs[0].Kind != domain.RefundReturnGoods {
		t.Fatalf("return_goods gives the requested amount: %+v", rs)
	}
	o, _, _ := s.Order(4)
	if o.Status != domain.OrderShipped || !o.AwaitingReturn || o.Shipment.Number != numB {
		t.Fatalf("return_goods order: %+v", o)
	}
	// The order still exports as shipped, and becoming returned clears the wait.
	n := 0
	if err := s.EachShipment(time.Time{}, func(domain.SalesOrder) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("shipments: %d %v", n, err)
	}
	if res, err := s.SetOrderStatus([]uint64{4}, domain.OrderReturned, t0, Actor{Operator: "op", Role: domain.RoleSupervisor}); err != nil || res.Done() != 1 {
		t.Fatalf("returned: %v %+v", err, res)
	}
	if o, _, _ := s.Order(4); o.AwaitingReturn || o.Status != domain.OrderReturned {
		t.Fatalf("returned order: %+v", o)
	}
	if got := refundCountsAt(t, s, t0).Refunded; len(got) != 1 || got[0].Minor != 14497+5000 {
		t.Fatalf("refunded total: %+v", got)
	}
}

func TestConvertRefusesMissingOriginalAndUnknownKeys(t *testing.T) {
	s := refundStore(t)
	mustImportRefunds(t, s, t0,
		claim("tb", "R9", "T9", domain.RefundNotReceived, 100, t0),   // in the pool only
		claim("tb", "R0", "NOPE", domain.RefundNotReceived, 100, t0), // not in shipdesk at all
		claim("jd", "R3", "T2", domain.RefundNotReceived, 100, t0),
	)
	res, err := s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R9"), rkey("tb", "R0"), rkey("jd", "R3")}, t0, Actor{Operator: "op", Role: domain.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done() != 1 || res.Skipped() != 2 {
		t.Fatalf("result: %+v", res)
	}
	if want := "original order tb:NOPE is not in shipdesk — import and convert it first"; res.Rows[1].Reason != want {
		t.Fatalf("missing original: %q, want %q", res.Rows[1].Reason, want)
	}
	if !strings.Contains(res.Rows[0].Reason, "tb:T9") {
		t.Fatalf("pool-only original: %q", res.Rows[0].Reason)
	}
	if r := request(t, s, rkey("tb", "R0")); r.State != domain.RefundPending {
		t.Fatalf("refused request changed: %+v", r)
	}

	// A key not in the queue rejects the whole batch.
	_, err = s.ProcessRefunds([]domain.RefundKey{rkey("tb", "R9"), rkey("tb", "GHOST")}, "x", t0, Actor{Operator: "op", Role: domain.RoleSupervisor})
	var unknown ErrUnknownRefunds
	if !errors.As(err, &unknown) || len(unknown) != 1 || unknown[0] != rkey("tb", "GHOST") {
		t.Fatalf("unknown key: %v", err)
	}
	if r := request(t, s, rkey("tb", "R9")); r.State != domain.RefundPending {
		t.Fatalf("batch with unknown key wrote: %+v", r)
	}
	// Nothing done is nothing written: no audit event, no publish.
	res, err = s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R0")}, t0, Actor{Operator: "op", Role: domain.RoleSupervisor})
	if err != nil || res.Done() != 0 {
		t.Fatalf("all refused: %v %+v", err, res)
	}
}

func TestRejectQueuesWriteBackAndNeedsReason(t *testing.T) {
	s := refundStore(t)
	mustImportRefunds(t, s, t0, claim("tb", "R1", "T2", domain.RefundAfterSale, 100, t0))
	res, err := s.RejectRefunds([]domain.RefundKey{rkey("tb", "R1")}, "  ", t0, Actor{Operator: "op", Role: domain.RoleSupervisor})
	if err != nil || res.Done() != 0 || !strings.Contains(res.Rows[0].Reason, "needs a reason") {
		t.Fatalf("reject without reason: %v %+v", err, res)
	}
	res, err = s.RejectRefunds([]domain.RefundKey{rkey("tb", "R1")}, "photos show no damage", t0.Add(time.Hour), Actor{Operator: "op", Role: domain.RoleSupervisor})
	if err != nil || res.Done() != 1 {
		t.Fatalf("reject: %v %+v", err, res)
	}
	var msgs []domain.OutboxMessage
	if err := s.EachOutbox(func(seq uint64, m domain.OutboxMessage) error {
		if seq != uint64(len(msgs)+1) {
			t.Errorf("seq %d", seq)
		}
		msgs = append(msgs, m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := domain.OutboxMessage{Channel: "tb", Kind: domain.OutboxRefundReject, Key: "R1", Body: "photos show no damage", CreatedAt: t0.Add(time.Hour)}
	if len(msgs) != 1 || msgs[0] != want {
		t.Fatalf("outbox: %+v", msgs)
	}
	if r := request(t, s, rkey("tb", "R1")); r.State != domain.RefundRejected || r.Decision != "photos show no damage" || r.Operator != "op" {
		t.Fatalf("rejected request: %+v", r)
	}
	// A second answer is refused with what was decided.
	res, _ = s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R1")}, t0, Actor{Operator: "op", Role: domain.RoleSupervisor})
	if res.Done() != 0 || !strings.Contains(res.Rows[0].Reason, "already rejected") {
		t.Fatalf("convert after reject: %+v", res)
	}
}

func TestPartialRefundsNeverExceedPaid(t *testing.T) {
	s := refundStore(t)
	// Two operators look at SO2 at the same moment: 144.97 paid, nothing refunded yet.
	o, _, _ := s.Order(2)
	stale, _ := s.OrderRefunds(2)
	first, second := domain.Money{Minor: 10000, Currency: "CNY"}, domain.Money{Minor: 5000, Currency: "CNY"}
	if domain.CheckRefund(o, stale, first) != nil || domain.CheckRefund(o, stale, second) != nil {
		t.Fatal("each amount alone should pass the domain check")
	}
	res, err := s.PartialRefund(orderRef("tb:T2"), amountOf("100.00"), "scratched box", t0, Actor{Operator: "ann", Role: domain.RoleSupervisor})
	if err != nil || res.Left != (domain.Money{Minor: 4497, Currency: "CNY"}) || res.Refund.Amount != first {
		t.Fatalf("first partial: %v %+v", err, res)
	}
	_, err = s.PartialRefund(orderRef("SO00000002"), amountOf("50"), "late delivery", t0, Actor{Operator: "bob", Role: domain.RoleSupervisor})
	if err == nil || !strings.Contains(err.Error(), "exceeds what is left to refund on SO00000002: 44.97 CNY") {
		t.Fatalf("second partial over paid: %v", err)
	}
	if _, err := s.PartialRefund(orderRef("tb:T2"), amountOf("44.97"), "late delivery", t0, Actor{Operator: "bob", Role: domain.RoleSupervisor}); err != nil {
		t.Fatalf("the rest: %v", err)
	}
	if _, err := s.PartialRefund(orderRef("tb:T2"), amountOf("0.01"), "more", t0, Actor{Operator: "bob", Role: domain.RoleSupervisor}); err == nil || !strings.Contains(err.Error(), "0.00 CNY") {
		t.Fatalf("nothing left: %v", err)
	}
	rs, _ := s.OrderRefunds(2)
	if len(rs) != 2 || domain.Refundable(o.Total, rs).Minor != 0 || !rs[0].Partial() || rs[1].Reason != "late delivery" {
		t.Fatalf("refunds: %+v", rs)
	}
	for _, bad := range []struct{ ref, amount, reason, want string }{
		{"tb:T3", "abc", "x", "amount"},
		{"tb:T3", "10", "", "needs a reason"},
		{"tb:T3", "-5", "x", ""},
		{"tb:T9", "1", "x", "not converted"},
		{"tb:NOPE", "1", "x", "not in shipdesk"},
	} {
		if _, err := s.PartialRefund(orderRef(bad.ref), amountOf(bad.amount), bad.reason, t0, Actor{Operator: "bob", Role: domain.RoleSupervisor}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("partial %+v: %v", bad, err)
		}
	}
	if rs, _ := s.OrderRefunds(4); len(rs) != 0 {
		t.Fatalf("refused partials wrote: %+v", rs)
	}
}

// The invariant holds in storage even when the caller's decision skipped the domain
// check: a refund decided on refunds read before another session's commit.
func TestStorageRechecksTheInvariant(t *testing.T) {
	s := refundStore(t)
	if _, err := s.PartialRefund(orderRef("SO00000002"), amountOf("100"), "first", t0, Actor{Operator: "ann", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	o, _, _ := s.Order(2)
	r, err := domain.PartialRefund(o, nil, domain.Money{Minor: 5000, Currency: "CNY"}, "decided on a stale view", t0, "bob")
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return newWtx(tx, 1).addRefund(&o, r) })
	if err == nil || !strings.Contains(err.Error(), "44.97 CNY") {
		t.Fatalf("stale refund: %v", err)
	}
	if rs, _ := s.OrderRefunds(2); len(rs) != 1 {
		t.Fatalf("refunds: %+v", rs)
	}
}

func TestRefundBatchAuditsBeforeAndAfter(t *testing.T) {
	s := refundStore(t)
	mustImportRefunds(t, s, t0, claim("tb", "R1", "T1", domain.RefundNotReceived, 1, t0))
	if _, err := s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R1")}, t0, Actor{Operator: "op", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	var last AuditEvent
	if err := s.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bAudit).Cursor().Last()
		return json.Unmarshal(v, &last)
	}); err != nil {
		t.Fatal(err)
	}
	if last.Action != "refund.convert" || last.Operator != "op" || !reflect.DeepEqual(last.Objects, []string{"SO00000001", "tb:R1"}) {
		t.Fatalf("audit: %+v", last)
	}
	for _, want := range []domain.FieldChange{
		{Key: "SO00000001", Field: "status", Before: "awaiting_shipment", After: "cancelled"},
		{Key: "SO00000001", Field: "refund", After: "144.97 CNY (tb:R1)"},
		{Key: "tb:R1", Field: "state", Before: "pending", After: "converted"},
	} {
		if !slices.Contains(last.Changes, want) {
			t.Fatalf("audit changes lack %+v: %+v", want, last.Changes)
		}
	}
	if got := last.Detail["tb:R1"]; got != "pending → converted: SO00000001 cancelled, refunded 144.97 CNY" {
		t.Fatalf("request change: %q", got)
	}
	if got := last.Detail["SO00000001"]; got != "awaiting_shipment → cancelled" {
		t.Fatalf("order change: %q", got)
	}
}

func TestRefundQueueOrderAndUrgencyCounts(t *testing.T) {
	s := refundStore(t)
	now := t0.Add(10 * 24 * time.Hour)
	// respond-by = requested + 5 days.
	mustImportRefunds(t, s, t0,
		claim("tb", "LATER", "T1", domain.RefundNotReceived, 1, now.Add(-2*24*time.Hour)),        // 3 days left
		claim("tb", "OVERDUE", "T2", domain.RefundAfterSale, 1, now.Add(-6*24*time.Hour)),        // a day late
		claim("jd", "SOON", "T2", domain.RefundAfterSale, 1, now.Add(-5*24*time.Hour+time.Hour)), // an hour left
		claim("tb", "DONE", "T3", domain.RefundAfterSale, 1, now.Add(-9*24*time.Hour)),
	)
	if _, err := s.ProcessRefunds([]domain.RefundKey{rkey("tb", "DONE")}, "dup", now, Actor{Operator: "op", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	c := refundCountsAt(t, s, now)
	if c.Pending != 3 || c.Overdue != 1 || c.DueSoon != 1 || c.Processed != 1 {
		t.Fatalf("counts: %+v", c)
	}
	ids := func(q RefundQuery) []string {
		t.Helper()
		rows, _, err := s.RefundWindow(context.Background(), q, nil, false, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.Request.RefundID)
		}
		return out
	}
	if got := ids(RefundQuery{}); !reflect.DeepEqual(got, []string{"OVERDUE", "SOON", "LATER"}) {
		t.Fatalf("queue: %v", got)
	}
	if got := ids(RefundQuery{Desc: true}); !reflect.DeepEqual(got, []string{"LATER", "SOON", "OVERDUE"}) {
		t.Fatalf("queue reversed: %v", got)
	}
	if got := ids(RefundQuery{States: domain.RefundStates}); !reflect.DeepEqual(got, []string{"DONE", "OVERDUE", "SOON", "LATER"}) {
		t.Fatalf("every state: %v", got)
	}
	if got := ids(RefundQuery{Channel: "jd"}); !reflect.DeepEqual(got, []string{"SOON"}) {
		t.Fatalf("channel: %v", got)
	}
	if got := ids(RefundQuery{Words: []string{"after_sale"}}); !reflect.DeepEqual(got, []string{"OVERDUE", "SOON"}) {
		t.Fatalf("words: %v", got)
	}
	if n, exact, _ := s.RefundCount(RefundQuery{}); n != 3 || !exact {
		t.Fatalf("count: %d %v", n, exact)
	}
	// Rows carry the original order's number, 0 when it is not in shipdesk.
	rows, more, err := s.RefundWindow(context.Background(), RefundQuery{}, nil, false, 2)
	if err != nil || !more || len(rows) != 2 || rows[0].OrderNo != 2 || rows[1].OrderNo != 3 {
		t.Fatalf("rows: %v %v %+v", err, more, rows)
	}
	next, more, err := s.RefundWindow(context.Background(), RefundQuery{}, rows[1].Pos, false, 2)
	if err != nil || more || len(next) != 1 || next[0].Request.RefundID != "LATER" {
		t.Fatalf("next page: %v %v %+v", err, more, next)
	}
	d, err := s.RefundDetail(rkey("tb", "OVERDUE"))
	if err != nil || d.Order == nil || d.Order.No != 2 || d.Order.Shipment.Number != numA || len(d.Refunds) != 0 {
		t.Fatalf("detail: %v %+v", err, d)
	}
	if _, err := s.RefundDetail(rkey("tb", "GHOST")); !errors.Is(err, ErrNoRefund) {
		t.Fatalf("missing detail: %v", err)
	}
}

func TestRefundCodecRoundTrip(t *testing.T) {
	r := domain.RefundRequest{
		RefundClaim: claim("tb-main", "R1", "T1", domain.RefundReceivedNoReturn, 2000, t0),
		State:       domain.RefundConverted, RespondBy: t0.Add(domain.DefaultRespondWithin), Changed: true,
		ImportedAt: t0, UpdatedAt: t0.Add(time.Minute), Decision: "杯子有裂纹", Operator: "ann", OrderNo: 7,
		Refunded: domain.Money{Minor: 2000, Currency: "CNY"},
	}
	r.Amount.Currency = ""
	got, err := decodeRefundRequest(encodeRefundRequest(&r))
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("request round trip:\n got %+v\nwant %+v (%v)", got, r, err)
	}
	f := domain.Refund{OrderNo: 7, At: t0, Amount: domain.Money{Minor: 5, Currency: "JPY"}, Request: rkey("a", "b"), Kind: domain.RefundAfterSale, Reason: "x", Operator: "y"}
	gotF, err := decodeRefund(7, encodeRefund(&f))
	if err != nil || !reflect.DeepEqual(gotF, f) {
		t.Fatalf("refund round trip:\n got %+v\nwant %+v (%v)", gotF, f, err)
	}
	o := domain.SalesOrder{No: 3, Trade: domain.Trade{Key: domain.Key{Channel: "tb", TradeID: "T"}}, Status: domain.OrderShipped,
		CreatedAt: t0, ShipBy: t0, AwaitingReturn: true, Shipment: domain.Shipment{Carrier: "ems", Number: numA, URL: "http://www.ems.com.cn/english-main.jsp", ShippedAt: t0}}
	gotO, err := decodeOrder(encodeOrder(nil, &o))
	if err != nil || !reflect.DeepEqual(gotO, o) {
		t.Fatalf("order round trip:\n got %+v\nwant %+v (%v)", gotO, o, err)
	}
	o.AwaitingReturn = false
	if v := encodeOrder(nil, &o); v[0] != orderShippedVersion {
		t.Fatalf("an order not awaiting a return is written as before: version %d", v[0])
	}
	if _, err := decodeRefundRequest(encodeRefundRequest(&r)[:12]); err == nil {
		t.Fatal("truncated request decoded")
	}
}

// A file written before the refund queue existed reads as an empty queue when opened
// read-only: the open upgrades it to schema 4, which creates the buckets.
func TestOlderFileReadsAsEmptyQueue(t *testing.T) {
	ro := olderFile(t, [][]byte{bRefunds, bRefundsByState, bOrderRefunds, bOutbox}, trade("tb", "T1", t0, 1))
	if c, err := ro.Counts(t0, time.UTC); err != nil || c.Refunds.Pending != 0 {
		t.Fatalf("counts: %v %+v", err, c.Refunds)
	}
	if rows, _, err := ro.RefundWindow(context.Background(), RefundQuery{}, nil, false, 10); err != nil || len(rows) != 0 {
		t.Fatalf("window: %v %v", err, rows)
	}
	n := 0
	count := func() error { n++; return nil }
	if err := ro.EachRefund(func(domain.RefundRequest) error { return count() }); err != nil {
		t.Fatal(err)
	}
	if err := ro.EachOutbox(func(uint64, domain.OutboxMessage) error { return count() }); err != nil {
		t.Fatal(err)
	}
	if rs, err := ro.OrderRefunds(1); err != nil || len(rs) != 0 || n != 0 {
		t.Fatalf("refunds: %v %v %d", err, rs, n)
	}
	if _, found, err := ro.Refund(rkey("tb", "R1")); err != nil || found {
		t.Fatalf("refund: %v %v", found, err)
	}
}

func TestRefundImportAuditsUpdatedRequests(t *testing.T) {
	s := refundStore(t)
	mustImportRefunds(t, s, t0, claim("tb", "R1", "T1", domain.RefundNotReceived, 1, t0))
	changed := claim("tb", "R1", "T1", domain.RefundReceivedNoReturn, 1, t0)
	mustImportRefunds(t, s, t0, changed)
	var last AuditEvent
	if err := s.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bAudit).Cursor().Last()
		return json.Unmarshal(v, &last)
	}); err != nil {
		t.Fatal(err)
	}
	if last.Action != "refund.import" || !slices.Contains(last.Objects, "tb:R1") {
		t.Fatalf("audit of an updating import: %+v", last)
	}
	want := domain.FieldChange{Key: "tb:R1", Field: "kind", Before: "not_received", After: "received_no_return"}
	if !slices.Contains(last.Changes, want) {
		t.Fatalf("changes lack %+v: %+v", want, last.Changes)
	}
}
