package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

func voucherTradeTUI(id string, qty int) domain.Trade {
	tr := trade("tb", id, "cathy", testNow.Add(-2*time.Hour), qty)
	tr.Consignee.Phone = "13800138000"
	for i := range tr.Items {
		tr.Items[i].SKU = "CAKE-50"
		tr.Items[i].Voucher = domain.VoucherTerms{ValidUntil: testNow.Add(3 * 24 * time.Hour), RefundRatio: 9000}
	}
	return tr
}

// vouchersFixture has SO00000001 tb:V1, a voucher order of 3 units, converted (its code
// issued) and the vouchers view open in counter mode.
func vouchersFixture(t *testing.T) (*harness, string) {
	t.Helper()
	h := newHarness(t, []domain.Trade{voucherTradeTUI("V1", 3)}, 120, 34)
	if res, err := h.store.Convert([]domain.Key{{Channel: "tb", TradeID: "V1"}}, testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil || res.Done() != 1 {
		t.Fatalf("convert: %v %+v", err, res)
	}
	d, err := h.store.VoucherDetail(orderRef("SO00000001"))
	if err != nil || len(d.Voucher.Codes) != 1 {
		t.Fatalf("voucher: %v %+v", err, d)
	}
	h.press("6")
	if h.activeView() != "Vouchers" {
		t.Fatalf("key 6 shows %s", h.activeView())
	}
	return h, d.Voucher.Codes[0].Code
}

func TestVoucherCounterMode(t *testing.T) {
	h, code := vouchersFixture(t)
	h.mustShow("Voucher counter", "last four")
	// A wrong phone: refused, large, and the code stays for a retry.
	h.typeText(code)
	h.press("enter")
	h.typeText("1111")
	h.press("enter")
	h.mustShow("✗ REFUSED", "do not match")
	if h.activeView() != "Vouchers" {
		t.Fatal("digits typed at the counter switched views")
	}
	// Fix the phone (the code field keeps its value), one unit.
	h.press("up", "ctrl+u")
	h.typeText("8000")
	h.typeText("1")
	h.press("enter")
	h.mustShow("✓ REDEEMED 1 of 3", "new code", "for the 2 left", "SO00000001")
	h.mustNotShow("REFUSED")
	d, _ := h.store.VoucherDetail(orderRef("SO00000001"))
	if len(d.Voucher.Codes) != 2 || d.Voucher.Codes[0].State != domain.CodeVoid || len(d.Redemptions) != 1 || d.Redemptions[0].Operator != "tester" {
		t.Fatalf("after redeem: %+v", d)
	}
	next := d.Voucher.Codes[1].Code
	h.mustShow(next)
	// The next customer: typing clears the result; units empty redeems all left.
	h.typeText(next)
	h.mustNotShow("REDEEMED")
	h.press("enter")
	h.typeText("8000")
	h.press("enter")
	h.mustShow("✓ REDEEMED 2 of 2", "code used up")
	// Bad input is refused at the counter without a trip to the store.
	h.typeText("12")
	h.press("enter", "enter")
	h.mustShow("✗ REFUSED")
}

func TestVoucherListDetailResendExtend(t *testing.T) {
	h, code := vouchersFixture(t)
	h.typeText(code)
	h.press("enter")
	h.typeText("8000")
	h.typeText("1")
	h.press("enter")
	h.press("esc")
	h.mustShow("Vouchers", "newest order first", "row 1 of 2", "void", "live")
	h.press("/")
	h.typeText("state:void")
	h.press("enter")
	h.mustShow("row 1 of 1", "void")
	h.mustNotShow(" live ")
	h.press("enter")
	h.mustShow("SO00000001", "Redemptions", "by tester", "→ new code")
	h.press("r")
	h.mustShow("Send the live codes of SO00000001 to the buyer's phone again?")
	h.press("y")
	h.mustShow("SO00000001: 1 live code resent to the phone ending 8000")
	h.press("esc") // the results give way to the detail
	h.mustShow("Redemptions", "last resent")
	h.press("r", "y")
	if !strings.Contains(h.model().status.text, "wait until") {
		t.Fatalf("second resend: %q", h.model().status.text)
	}
	h.press("e")
	h.mustShow("until when?", "valid until:")
	h.typeText("2000-01-01")
	h.press("enter")
	if !strings.Contains(h.model().status.text, "never shortened") {
		t.Fatalf("shortening: %q", h.model().status.text)
	}
	h.press("e")
	h.typeText("someday")
	h.press("enter")
	h.mustShow(`"someday" is not a time`, "until when?") // the prompt stays open to mend the line
	h.press("ctrl+u")
	h.typeText("2030-01-31")
	h.press("enter")
	h.mustShow("SO00000001: valid until 2030-01-31 23:59")
	h.press("esc")
	h.mustShow("2030-01-31 23:59")
	h.press("esc", "esc", "1")
	h.mustShow("Vouchers", "live codes", "units unredeemed")
	if got := h.lineWith("units unredeemed"); !strings.Contains(got, " 2") {
		t.Fatalf("dashboard: %q", got)
	}
}

func TestVoucherViewRoles(t *testing.T) {
	h, _ := vouchersFixture(t)
	h.model().c.role = domain.RoleViewer
	h.model().c.session = "ssh-1"
	h.typeText("1234567890")
	h.press("enter")
	h.typeText("8000")
	h.press("enter")
	if !strings.Contains(h.model().status.text, "needs the operator role") {
		t.Fatalf("viewer redeemed: %q", h.model().status.text)
	}
	h.press("esc")
	// Over SSH, codes show in full only to supervisors.
	h.mustShow("••••••")
	h.press("enter", "e")
	if !strings.Contains(h.model().status.text, "needs the supervisor role") {
		t.Fatalf("viewer extended: %q", h.model().status.text)
	}
}

// The list of codes is the list component's: every code of every voucher order, paged
// from storage (no cap), newest order first or reversed; c goes back to the counter.
func TestVoucherListPagesEveryCode(t *testing.T) {
	var trades []domain.Trade
	codes := 0
	for i := 1; i <= 40; i++ {
		tr := voucherTradeTUI(fmt.Sprintf("V%d", i), 2)
		if i%3 == 0 { // a second item, so a second code of the same order
			item := tr.Items[0]
			item.SKU = "SPA-200"
			tr.Items = append(tr.Items, item)
		}
		codes += len(tr.Items)
		trades = append(trades, tr)
	}
	h := newHarness(t, trades, 120, 20)
	keys := make([]domain.Key, len(trades))
	for i, tr := range trades {
		keys[i] = tr.Key
	}
	if res, err := h.store.Convert(keys, testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil || res.Done() != len(keys) {
		t.Fatalf("convert: %v %+v", err, res)
	}
	h.press("6", "esc")
	h.mustShow("Vouchers", "row 1 of", "SO00000040")
	h.mustNotShow("SO00000001 ")
	// Down through every code, the window paged from storage on the way: each code once,
	// newest order first, and so an order's last code first.
	var want []voucherCode
	for no := 40; no >= 1; no-- {
		for idx := len(trades[no-1].Items) - 1; idx >= 0; idx-- {
			want = append(want, voucherCode{no: uint64(no), idx: uint16(idx)})
		}
	}
	if len(want) != codes || codes < 50 {
		t.Fatalf("fixture: %d codes", codes)
	}
	v := viewOf[*vouchersView](h.model())
	var seen []voucherCode
	for i := 0; i < codes; i++ {
		k, ok := v.list.current()
		if !ok {
			t.Fatalf("no cursor row at step %d", i)
		}
		seen = append(seen, k)
		h.press("down")
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("cursor went through\n%v\nwant\n%v", seen, want)
	}
	h.mustShow("SO00000001 ")
	h.press("enter")
	h.mustShow("Redemptions")
	// A detail that cannot be read says why in its title, not "reading" for ever.
	h.send(voucherDetailMsg{no: 1, err: errors.New("disk on fire")})
	if !strings.Contains(h.lineWith("SO00000001"), "✗ disk on fire") {
		t.Fatalf("detail title: %q", h.lineWith("SO00000001"))
	}
	h.press("esc", "home")
	h.press("end")
	h.mustShow("row 1 from the end", "SO00000001 ")
	h.press("S") // oldest order first
	h.mustShow("oldest order first", "SO00000001 ")
	h.mustNotShow("SO00000040")
	h.press("/")
	h.typeText("sku:nothing")
	h.press("enter")
	h.mustShow("no voucher codes match the filter")
	h.press("ctrl+l", "/")
	h.typeText("tb:V17") // an order's key pasted in is a word, not an unknown term
	h.press("enter")
	h.mustShow("row 1 of 1", "SO00000017")
	h.mustNotShow("unknown term")
	h.press("ctrl+l", "c")
	h.mustShow("Voucher counter", "last four")
	h.press("esc")
	h.mustShow("Vouchers", "SO00000001 ")
}
