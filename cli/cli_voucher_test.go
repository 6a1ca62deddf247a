package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type codeRow struct {
	Code       string `json:"code"`
	Order      string `json:"order"`
	SKU        string `json:"sku"`
	State      string `json:"state"`
	Units      int    `json:"units"`
	Redeemed   int    `json:"redeemed"`
	ValidUntil string `json:"valid_until"`
	ReplacedBy string `json:"replaced_by"`
	Refunded   string `json:"refunded"`
}

func exportedCodes(t *testing.T, db string) map[string][]codeRow {
	t.Helper()
	r := shipdesk(t, db, "export", "vouchers")
	want(t, r, 0)
	out := map[string][]codeRow{}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if l == "" {
			continue
		}
		var c codeRow
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		out[c.Order] = append(out[c.Order], c)
	}
	return out
}

type voucherStatusJSON struct {
	Vouchers map[string]int `json:"vouchers"`
}

func voucherLine(id string, qty int, price, until string, expiredRefund bool) string {
	return fmt.Sprintf(`{"channel":"tb","platform":"taobao","trade_id":%q,"buyer":"b","consignee":{"name":"n","phone":"138 0013 8000","address":"a","country":"CN"},"trade_status":"paid","paid_at":"2026-11-20T10:00:00Z","currency":"CNY","total":"150.00","items":[{"sku":"CAKE-50","title":"Cake voucher","qty":%d,"price":%q,"voucher":{"valid_until":%q,"refund_ratio":"90%%","min_ratio":"80%%","expired_refund":%v,"auto_refund":false}}]}`,
		id, qty, price, until, expiredRefund)
}

func TestCLIVouchers(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	past := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	file := filepath.Join(t.TempDir(), "v.jsonl")
	lines := []string{voucherLine("V1", 3, "50.00", "2099-01-31", false), voucherLine("V2", 2, "50.00", past, true)}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Rule 26 at import: a ratio under the minimum is refused, naming the line.
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(strings.Replace(lines[0], `"refund_ratio":"90%"`, `"refund_ratio":"70%"`, 1)+"\n"), 0o600)
	want(t, shipdesk(t, db, "import", "orders", bad), 1, "bad.jsonl:1", "under the category minimum 80%")

	want(t, shipdesk(t, db, "import", "orders", file), 0, "2 new")
	want(t, shipdesk(t, db, "pool", "convert", "tb:V1", "tb:V2"), 0)
	codes := exportedCodes(t, db)
	c1 := codes["SO00000001"][0]
	if len(c1.Code) != 10 || c1.State != "live" || c1.Units != 3 || !strings.HasPrefix(c1.ValidUntil, "2099-01-31T23:59:59") {
		t.Fatalf("issued: %+v", c1)
	}
	var st voucherStatusJSON
	r := shipdesk(t, db, "status", "--json")
	want(t, r, 0)
	json.Unmarshal([]byte(r.stdout), &st)
	if st.Vouchers["live"] != 2 || st.Vouchers["units_unredeemed"] != 5 || st.Vouchers["expiring_7d"] != 0 {
		t.Fatalf("status: %s", r.stdout)
	}

	// Unknown code and wrong phone: the same refusal, exit 1.
	a := shipdesk(t, db, "voucher", "redeem", "9999999999", "--phone4", "8000")
	b := shipdesk(t, db, "voucher", "redeem", c1.Code, "--phone4", "1111")
	want(t, a, 1, "do not match")
	want(t, b, 1)
	if a.stderr != b.stderr {
		t.Fatalf("refusals differ:\n%s\n%s", a.stderr, b.stderr)
	}
	want(t, shipdesk(t, db, "voucher", "redeem", c1.Code, "--phone4", "80"), 1, "four digits")
	want(t, shipdesk(t, db, "voucher", "redeem", c1.Code), 2)

	// 1 + 1 + 1 over three codes.
	code := c1.Code
	for i := 1; i <= 3; i++ {
		r := shipdesk(t, db, "voucher", "redeem", code, "--phone4", "8000", "--units", "1", "--pos", "POS-1")
		want(t, r, 0, fmt.Sprintf("redeemed 1 of %d", 4-i))
		if i < 3 {
			f := strings.Fields(r.stdout[strings.Index(r.stdout, "new code")+len("new code"):])
			if len(f) == 0 || f[0] == code {
				t.Fatalf("no new code: %s", r.stdout)
			}
			code = f[0]
		}
	}
	codes = exportedCodes(t, db)
	if got := codes["SO00000001"]; len(got) != 3 || got[0].State != "void" || got[0].ReplacedBy != got[1].Code || got[2].State != "used" {
		t.Fatalf("chain: %+v", got)
	}
	r = shipdesk(t, db, "export", "redemptions", "--format", "csv", "--since", "24h")
	want(t, r, 0, "POS-1", "cli-test")
	if n := strings.Count(strings.TrimSpace(r.stdout), "\n"); n != 3 {
		t.Fatalf("redemptions: %s", r.stdout)
	}

	today := time.Now().UTC().Format("2006-01-02")
	want(t, shipdesk(t, db, "export", "redemptions", "--pos", "POS-1", "--by", "cli-test", "--day", today), 0, "POS-1")
	for _, narrow := range [][]string{{"--pos", "POS-9"}, {"--by", "someone"}, {"--day", "2001-01-01"}} {
		r := shipdesk(t, db, append([]string{"export", "redemptions", "--format", "csv"}, narrow...)...)
		want(t, r, 0)
		if strings.Contains(r.stdout, "POS-1") {
			t.Fatalf("%v kept rows: %s", narrow, r.stdout)
		}
	}
	want(t, shipdesk(t, db, "export", "vouchers", "--pos", "POS-1"), 2, "go with export redemptions")

	// Resend once a day; extend never earlier.
	want(t, shipdesk(t, db, "voucher", "resend", "SO00000002"), 0, "resent 1 codes")
	want(t, shipdesk(t, db, "voucher", "resend", "tb:V2"), 1, "wait until")
	want(t, shipdesk(t, db, "voucher", "extend", "SO00000001", "--until", "2099-12-31"), 1, "no live code")
	want(t, shipdesk(t, db, "voucher", "extend", "SO00000002", "--until", "2000-01-01"), 1, "never shortened")

	// V2 is past its valid-until: redeeming is refused, expiry refunds 2 × 50 × 90% − 1.
	want(t, shipdesk(t, db, "voucher", "redeem", codes["SO00000002"][0].Code, "--phone4", "8000"), 1, "expired")
	want(t, shipdesk(t, db, "voucher", "expire"), 0, "expired 1 codes (2 units); 1 refunds recorded, 89.00 CNY")
	want(t, shipdesk(t, db, "voucher", "expire"), 0, "no voucher has expired")
	if c := exportedCodes(t, db)["SO00000002"][0]; c.State != "expired" || c.Refunded != "89.00" {
		t.Fatalf("expired: %+v", c)
	}
	r = shipdesk(t, db, "voucher", "report", "--json")
	want(t, r, 0)
	var rep struct {
		SKUs   []map[string]any `json:"skus"`
		Orders []map[string]any `json:"orders"`
	}
	json.Unmarshal([]byte(r.stdout), &rep)
	if len(rep.SKUs) != 1 || rep.SKUs[0]["issued"] != 5.0 || rep.SKUs[0]["redeemed"] != 3.0 || rep.SKUs[0]["expired"] != 2.0 ||
		rep.Orders[0]["state"] != "used" || rep.Orders[1]["state"] != "unavailable" {
		t.Fatalf("report: %s", r.stdout)
	}
	want(t, shipdesk(t, db, "voucher", "report"), 0, "CAKE-50", "unavailable")
	want(t, shipdesk(t, db, "doctor"), 0)
}

// Over SSH the voucher commands run with the operator's role, and codes show in full only
// to supervisors.
func TestServeVouchersOverSSH(t *testing.T) {
	s := startServer(t)
	orders := voucherLine("V1", 3, "50.00", "2099-01-31", false) + "\n"
	want(t, s.ssh("bob", orders, "import", "orders", "-"), 0, "1 new")
	want(t, s.ssh("bob", "", "pool", "convert", "tb:V1"), 0)
	full := s.ssh("ana", "", "export", "vouchers", "--format", "csv")
	want(t, full, 0)
	masked := s.ssh("bob", "", "export", "vouchers", "--format", "csv")
	want(t, masked, 0, "••••••")
	row := strings.Split(strings.TrimSpace(full.stdout), "\n")[1]
	code := strings.Split(row, ",")[0]
	if len(code) != 10 || strings.Contains(masked.stdout, code) {
		t.Fatalf("supervisor sees %q; operator sees %s", code, masked.stdout)
	}
	if out := s.ssh("bob", "", "export", "outbox"); out.code != 0 || strings.Contains(out.stdout, code) || !strings.Contains(out.stdout, "voucher.code") {
		t.Fatalf("the outbox shows the operator the code: %+v", out)
	}
	want(t, s.ssh("ana", "", "export", "outbox"), 0, code)
	want(t, s.ssh("vic", "", "voucher", "redeem", code, "--phone4", "8000"), 1, "needs the operator role")
	r := s.ssh("bob", "", "voucher", "redeem", code, "--phone4", "8000", "--units", "1")
	want(t, r, 0, "redeemed 1 of 3", "new code ••••••")
	want(t, s.ssh("bob", "", "voucher", "extend", "SO00000001", "--until", "2099-12-31"), 1, "needs the supervisor role")
	want(t, s.ssh("ana", "", "voucher", "extend", "SO00000001", "--until", "2099-12-31"), 0, "valid until 2099-12-31 23:59")
}
