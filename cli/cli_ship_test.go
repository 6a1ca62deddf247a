package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shipdesk/domain"
)

// s10 is a valid China EMS number with serial n.
func s10(prefix string, n int) string { return domain.S10Number(prefix, n, "CN") }

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// shippingDB has SO00000001 (tb-main:T1001, payment ref TR1223370463258, to CN) and
// SO00000002 (insales-ru:R-77, payment ref RU-PAY-77, to RU) awaiting shipment.
func shippingDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0)
	want(t, shipdesk(t, db, "pool", "convert", "--all-ready"), 0, "SO00000001", "SO00000002")
	return db
}

func TestCLIShipCorrectAndNoTracking(t *testing.T) {
	db := shippingDB(t)
	want(t, shipdesk(t, db, "ship", "T1001", "--carrier", "ems", "--tracking", "EB084456702CN"), 1,
		"S10 check digit should be 7, got 2", "--override")
	want(t, shipdesk(t, db, "ship", "T1001", "--carrier", "ems", "--tracking", "ee 040293660 cn"), 0,
		"SO00000001 shipped with ems EE040293660CN", "arrives")
	want(t, shipdesk(t, db, "ship", "TR1223370463258", "--carrier", "ems", "--tracking", "EE040293660CN"), 0, "nothing changed")
	want(t, shipdesk(t, db, "ship", "SO1", "--carrier", "ems", "--tracking", "EE040293660CN", "--eta", "2026-12-24"), 0, "URL or dates were updated", "arrives   2026-12-24")
	want(t, shipdesk(t, db, "ship", "SO2", "--carrier", "ems", "--tracking", "EE040293660CN", "--eta", "2026-12-20"), 1, "already used by SO00000001")
	want(t, shipdesk(t, db, "ship", "tb-main:T1001", "--carrier", "ems", "--tracking", "EB084456702CN", "--override", "printed by the post office"), 0,
		"corrected EE040293660CN → EB084456702CN", "replaced 1 time", "override")
	want(t, shipdesk(t, db, "ship", "R-77", "--no-tracking", "courier took it without a label"), 1, "international parcel to RU", "give --eta")
	want(t, shipdesk(t, db, "ship", "R-77", "--no-tracking", "courier took it without a label", "--eta", "2026-12-20"), 0, "shipped without tracking")
	s := statusOf(t, db)
	if s.Orders["shipped"] != 2 || s.Orders["shipped_no_tracking"] != 1 || s.Tracking["replaced"] != 1 {
		t.Fatalf("status after shipping: %+v", s)
	}
	r := shipdesk(t, db, "export", "tracking", "--format", "jsonl")
	want(t, r, 0, `"tracking":"EB084456702CN"`, `"old":"EE040293660CN"`, `"no_tracking":"courier took it without a label"`)
	want(t, shipdesk(t, db, "ship", "T404", "--carrier", "ems", "--tracking", "EE040293660CN"), 1, "unknown order")
	want(t, shipdesk(t, db, "ship", "T1001"), 2, "--carrier and --tracking")
	want(t, shipdesk(t, db, "ship", "T1001", "--carrier", "ems", "--tracking", "EE040293660CN", "--eta", "soon"), 2, "--eta")
}

func TestCLIImportTrackingVerdictsAndAllOrNothing(t *testing.T) {
	db := shippingDB(t)
	file := writeFile(t, "upload.txt", "\ufeffTR1223370463258 :: http://www.ems.com.cn/english-main.jsp ::Tracking ID=EE040293660CN\r\n"+
		"\r\n"+
		"RU-PAY-77:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EB084456702CN\r\n"+
		"S-5:: http://www.ems.com.cn/english-main.jsp:: Tracking ID="+s10("EA", 5)+"\r\n"+
		"this line is not GSPAY\r\n")
	before := shipdesk(t, db, "export", "orders")
	r := shipdesk(t, db, "import", "tracking", file)
	want(t, r, 1, "upload.txt:1", "will ship with EE040293660CN", "upload.txt:3", "should be 7, got 2",
		"upload.txt:4", "not converted", "upload.txt:5", "nothing written")
	if after := shipdesk(t, db, "export", "orders"); after.stdout != before.stdout {
		t.Fatal("a rejected upload changed the orders")
	}
	want(t, shipdesk(t, db, "import", "tracking", file, "--dry-run", "--skip-bad"), 0, "dry run, nothing written")
	if after := shipdesk(t, db, "export", "orders"); after.stdout != before.stdout {
		t.Fatal("a dry run changed the orders")
	}
	want(t, shipdesk(t, db, "import", "tracking", file, "--skip-bad"), 0, "1 shipped", "3 bad lines skipped")
	want(t, shipdesk(t, db, "export", "tracking"), 0, "TR1223370463258:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EE040293660CN")
	// CSV: a correction, the same number again, and an international parcel without arrival.
	csvFile := writeFile(t, "fix.csv", "order,carrier,tracking,shipped_at,eta\n"+
		"tb-main:T1001,ems,"+s10("EA", 1)+",,\n"+
		"SO1,ems,"+s10("EA", 1)+",,\n"+
		"R-77,ems,"+s10("EA", 2)+",2026-11-23,\n")
	want(t, shipdesk(t, db, "import", "tracking", csvFile), 0, "will correct EE040293660CN → "+s10("EA", 1), "unchanged", "1 shipped, 1 corrected, 1 unchanged")
	if s := statusOf(t, db); s.Tracking["replaced"] != 1 || s.Orders["shipped"] != 2 {
		t.Fatalf("status %+v", s)
	}
	// A second different number for one order in one file: both lines are errors.
	clash := writeFile(t, "clash.csv", "order,carrier,tracking\nSO1,ems,"+s10("EA", 3)+"\nSO1,ems,"+s10("EA", 4)+"\n")
	want(t, shipdesk(t, db, "import", "tracking", clash), 1, "clash.csv:2", "clash.csv:3", "keep one")
	want(t, shipdesk(t, db, "import", "tracking", "-", "--dry-run"), 1, "nothing imported")
}

func TestCLIExportTrackingGSPAYChunks(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	var orders, upload strings.Builder
	for i := 1; i <= 205; i++ {
		fmt.Fprintf(&orders, `{"channel":"gspay","platform":"gspay","trade_id":"G%d","consignee":{"name":"N","country":"CN"},"trade_status":"paid","payment_ref":"TR%d","paid_at":"2026-11-20T10:00:00Z","currency":"CNY","total":"10.00","items":[{"sku":"S","title":"T","qty":1,"price":"10.00"}]}`+"\n", i, 1000+i)
		fmt.Fprintf(&upload, "TR%d:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=%s\n", 1000+i, s10("EA", i))
	}
	want(t, shipdesk(t, db, "import", "orders", writeFile(t, "o.jsonl", orders.String())), 0, "205 new")
	want(t, shipdesk(t, db, "pool", "convert", "--all-ready"), 0, "205 converted")
	want(t, shipdesk(t, db, "import", "tracking", writeFile(t, "u.txt", upload.String())), 0, "205 shipped")
	r := shipdesk(t, db, "export", "tracking", "--format", "gspay")
	want(t, r, 0)
	chunks := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n\n")
	if len(chunks) != 3 {
		t.Fatalf("%d chunks, want 3 (100, 100, 5)", len(chunks))
	}
	for i, n := range []int{100, 100, 5} {
		if got := len(strings.Split(chunks[i], "\n")); got != n {
			t.Fatalf("chunk %d has %d lines, want %d", i+1, got, n)
		}
	}
	want(t, shipdesk(t, db, "export", "tracking", "--format", "csv"), 0, "order,carrier,tracking,shipped_at,eta", "gspay:G1,ems,"+s10("EA", 1))
	want(t, shipdesk(t, db, "export", "tracking", "--since", "2999-01-01"), 0)
	if r := shipdesk(t, db, "export", "tracking", "--since", "2999-01-01"); strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("--since in the future exported %q", r.stdout)
	}
	want(t, shipdesk(t, db, "export", "tracking", "--format", "xml"), 2, "gspay, csv or jsonl")
	want(t, shipdesk(t, db, "carriers"), 0, "ems", "russianpost", "ups", "other")
}

func TestCLIOutputNeverCarriesEscapes(t *testing.T) {
	db := shippingDB(t)
	evil := writeFile(t, "evil.txt", "TR\x1b]0;pwned\x07X:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EE040293660CN\n")
	r := shipdesk(t, db, "import", "tracking", evil)
	want(t, r, 1, "nothing written")
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07") {
		t.Fatalf("raw escape in the output: %q", r.stdout+r.stderr)
	}
	r = shipdesk(t, db, "ship", "T1001", "--no-tracking", "label\x1b[2Jprinter")
	want(t, r, 1, "control or invisible characters")
	if strings.ContainsRune(r.stdout+r.stderr, '\x1b') {
		t.Fatalf("raw escape in the output: %q", r.stdout)
	}
}
