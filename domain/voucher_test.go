package domain

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVoucherRefundAmount(t *testing.T) {
	for _, tc := range []struct {
		name  string
		units int
		price string
		cur   string
		ratio int
		want  string
	}{
		{"plain", 3, "50.00", "CNY", 9000, "134.00"},               // 135.00 − 1.00
		{"price below the fee", 1, "0.80", "CNY", 10000, "0.00"},   // 0.80 − 1.00 → 0
		{"exactly the fee", 1, "1.00", "CNY", 10000, "0.00"},       // never below zero
		{"rounds half up", 1, "0.15", "CNY", 5000, "0.00"},         // 0.075 → 0.08, − 1.00 → 0
		{"half up above the fee", 1, "10.05", "CNY", 5000, "4.03"}, // 5.025 → 5.03 − 1.00
		{"rounds down below half", 3, "3.33", "CNY", 3333, "2.33"}, // 3.329667 → 3.33 − 1.00
		{"three decimals", 2, "1.235", "KWD", 9000, "1.223"},       // 2.223 − 1.000
		{"three decimals half up", 1, "2.001", "BHD", 2500, "0.000"},
		{"three decimals rounding", 1, "10.005", "KWD", 5000, "4.003"}, // 5.0025 → 5.003 − 1.000
		{"no decimals", 2, "500", "JPY", 9000, "899"},                  // 900 − 1
		{"zero units", 0, "50.00", "CNY", 9000, "0.00"},
		{"zero ratio", 2, "50.00", "CNY", 0, "0.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseMoney(tc.price, tc.cur)
			if err != nil {
				t.Fatal(err)
			}
			got := VoucherRefundAmount(tc.units, p, tc.ratio)
			if got.Decimal() != tc.want || got.Currency != tc.cur {
				t.Fatalf("VoucherRefundAmount(%d, %s, %d) = %s, want %s %s", tc.units, p, tc.ratio, got, tc.want, tc.cur)
			}
		})
	}
}

func TestParseRatio(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		bad  bool
	}{
		{"90%", 9000, false}, {"92.5%", 9250, false}, {"0.9", 9000, false}, {"1", 10000, false},
		{"100%", 10000, false}, {"x", 0, true}, {"", 0, true}, {"9.123%", 0, true}, {"-5%", 0, true},
	} {
		got, err := ParseRatio(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseRatio(%q) = %d, %v; want %d, bad %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
	if RatioText(9250) != "92.5%" || RatioText(9000) != "90%" {
		t.Errorf("RatioText: %s %s", RatioText(9250), RatioText(9000))
	}
}

func voucherTrade(items ...RawItem) RawTrade {
	return RawTrade{Channel: "tb", Platform: "taobao", TradeID: "V1", Buyer: "b",
		Consignee:   RawConsignee{Name: "n", Phone: "138-0013-8000", Address: "a", Country: "CN"},
		TradeStatus: "paid", PaidAt: "2026-12-01T10:00:00Z", Currency: "CNY", Total: "150.00", Items: items}
}

func cake(qty int, v *RawVoucher) RawItem {
	return RawItem{SKU: "CAKE-50", Title: "Cake voucher", Qty: qty, Price: "50.00", Voucher: v}
}

func TestVoucherImportRules(t *testing.T) {
	good := &RawVoucher{ValidUntil: "2027-01-31", RefundRatio: "90%", MinRatio: "80%", ExpiredRefund: true, AutoRefund: true}
	tr, err := voucherTrade(cake(3, good)).Validate()
	if err != nil {
		t.Fatal(err)
	}
	v := tr.Items[0].Voucher
	if !v.IsVoucher() || v.Day != "2027-01-31" || v.RefundRatio != 9000 || v.MinRatio != 8000 || !v.ExpiredRefund || !v.AutoRefund {
		t.Fatalf("terms %+v", v)
	}
	loc := time.FixedZone("CST", 8*3600)
	ResolveVoucherDays(&tr, loc)
	if want := time.Date(2027, 1, 31, 23, 59, 59, 0, loc); !tr.Items[0].Voucher.ValidUntil.Equal(want) {
		t.Fatalf("valid until %s, want %s", tr.Items[0].Voucher.ValidUntil, want)
	}
	rfc := *good
	rfc.ValidUntil = "2027-01-31T12:00:00+08:00"
	if tr, err := voucherTrade(cake(3, &rfc)).Validate(); err != nil || !tr.Items[0].Voucher.ValidUntil.Equal(time.Date(2027, 1, 31, 4, 0, 0, 0, time.UTC)) {
		t.Fatalf("rfc 3339: %v %v", err, tr.Items)
	}
	for _, tc := range []struct {
		name string
		raw  RawTrade
		want string
	}{
		{"mixed", voucherTrade(cake(1, good), RawItem{SKU: "MUG", Qty: 1, Price: "1.00"}), "item 2 (MUG) is goods"},
		{"mixed the other way", voucherTrade(RawItem{SKU: "MUG", Qty: 1, Price: "1.00"}, cake(1, good)), "item 2 (CAKE-50) is a voucher"},
		{"ratio over 100", voucherTrade(cake(1, &RawVoucher{ValidUntil: "2027-01-31", RefundRatio: "101%"})), "over 100%"},
		{"under the minimum", voucherTrade(cake(1, &RawVoucher{ValidUntil: "2027-01-31", RefundRatio: "70%", MinRatio: "80%"})), "under the category minimum 80%"},
		{"no date", voucherTrade(cake(1, &RawVoucher{RefundRatio: "90%"})), "valid_until is missing"},
		{"bad date", voucherTrade(cake(1, &RawVoucher{ValidUntil: "2027-13-31", RefundRatio: "90%"})), "not a date"},
		{"no phone", func() RawTrade { r := voucherTrade(cake(1, good)); r.Consignee.Phone = ""; return r }(), "needs the buyer's phone"},
	} {
		_, err := tc.raw.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	// Goods without a phone are still fine.
	g := voucherTrade(RawItem{SKU: "MUG", Qty: 1, Price: "1.00"})
	g.Consignee.Phone = ""
	if _, err := g.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestVoucherCSV(t *testing.T) {
	head := strings.Join(CSVColumns, ",") + "," + strings.Join(VoucherCSVColumns, ",") + "\n"
	row := "tb,taobao,V1,b,n,13800138000,a,CN,paid,,2026-12-01T10:00:00Z,CNY,150.00,CAKE-50,Cake,3,50.00,2027-01-31,90%,80%,true,false\n"
	f, err := ParseCSV("v.csv", strings.NewReader(head+row))
	if err != nil {
		t.Fatal(err)
	}
	v := f.Trades[0].Items[0].Voucher
	if v.RefundRatio != 9000 || !v.ExpiredRefund || v.AutoRefund || v.Day != "2027-01-31" {
		t.Fatalf("%+v", v)
	}
	mixed := head + row + "tb,taobao,V1,b,n,13800138000,a,CN,paid,,2026-12-01T10:00:00Z,CNY,150.00,MUG,Mug,1,1.00,,,,,\n"
	if _, err := ParseCSV("v.csv", strings.NewReader(mixed)); err == nil || !strings.Contains(err.Error(), "item 2 (MUG) is goods") {
		t.Fatalf("mixed csv: %v", err)
	}
	// JSON Lines: a line of goods after a voucher line keeps no terms from it.
	jl := `{"channel":"tb","platform":"taobao","trade_id":"V1","buyer":"b","consignee":{"phone":"13800138000"},"trade_status":"paid","paid_at":"2026-12-01T10:00:00Z","currency":"CNY","total":"1","items":[{"sku":"CAKE-50","qty":1,"price":"1.00","voucher":{"valid_until":"2027-01-31","refund_ratio":"90%"}}]}
{"channel":"tb","platform":"taobao","trade_id":"G1","buyer":"b","trade_status":"paid","paid_at":"2026-12-01T10:00:00Z","currency":"CNY","total":"1","items":[{"sku":"MUG","qty":1,"price":"1.00"}]}
`
	jf, err := ParseJSONL("v.jsonl", strings.NewReader(jl))
	if err != nil {
		t.Fatal(err)
	}
	if !jf.Trades[0].Items[0].Voucher.IsVoucher() || jf.Trades[1].Items[0].Voucher.IsVoucher() {
		t.Fatalf("terms leaked: %+v", jf.Trades)
	}
}

func TestNewVoucherCode(t *testing.T) {
	src := bytes.NewReader(bytes.Repeat([]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}, 64))
	for _, n := range []int{6, 10, 11} {
		c, err := NewVoucherCode(src, n)
		if err != nil || len(c) != n || !ValidCodeShape(c) || c[0] == '0' {
			t.Fatalf("%d digits: %q %v", n, c, err)
		}
	}
	// The same stream gives the same code: tests can rely on it.
	a, _ := NewVoucherCode(bytes.NewReader(make([]byte, 8)), 10)
	b, _ := NewVoucherCode(bytes.NewReader(make([]byte, 8)), 10)
	if a != b || a != "1000000000" {
		t.Fatalf("zero stream: %q %q", a, b)
	}
	for _, n := range []int{5, 12} {
		if _, err := NewVoucherCode(src, n); err == nil {
			t.Errorf("%d digits allowed", n)
		}
	}
	if _, err := NewVoucherCode(bytes.NewReader(nil), 10); err == nil {
		t.Error("an empty source gave a code")
	}
	// A source that only gives values in the rejected top range cannot loop forever.
	if _, err := NewVoucherCode(bytes.NewReader(bytes.Repeat([]byte{0xff}, 8*64)), 10); err == nil {
		t.Error("rejection never gave up")
	}
	if MaskCode("1234567890") != "••••••7890" {
		t.Error(MaskCode("1234567890"))
	}
}

// A code is shown whole on the warehouse's own machine and to supervisors; over SSH anyone
// else sees its last four digits.
func TestShownCode(t *testing.T) {
	for _, c := range []struct {
		role   Role
		remote bool
		want   string
	}{
		{RoleViewer, false, "1234567890"},
		{RoleOperator, false, "1234567890"},
		{RoleViewer, true, "••••••7890"},
		{RoleOperator, true, "••••••7890"},
		{RoleSupervisor, true, "1234567890"},
	} {
		if got := ShownCode("1234567890", c.role, c.remote); got != c.want {
			t.Errorf("%v remote %v: %s, want %s", c.role, c.remote, got, c.want)
		}
	}
}

// An extension's date alone is the end of that day in the warehouse's zone; a time is
// taken as given; nothing, or not a date, is refused.
func TestParseValidUntil(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	got, err := ParseValidUntil(" 2027-03-31 ", shanghai)
	if err != nil || !got.Equal(time.Date(2027, 3, 31, 23, 59, 59, 0, shanghai)) {
		t.Fatalf("date alone: %v %v", got, err)
	}
	got, err = ParseValidUntil("2027-03-31 12:00", shanghai)
	if err != nil || !got.Equal(time.Date(2027, 3, 31, 12, 0, 0, 0, shanghai)) {
		t.Fatalf("date and time: %v %v", got, err)
	}
	for _, bad := range []string{"", "  ", "soon", "2027-13-01"} {
		if got, err := ParseValidUntil(bad, shanghai); err == nil {
			t.Errorf("%q gave %v", bad, got)
		}
	}
}

// seqCodes draws codes 100001, 100002, … for tests.
func seqCodes() func() (string, error) {
	n := 100000
	return func() (string, error) {
		n++
		return itoa(n), nil
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func issued(t *testing.T, qty int, price string, ratio int, expiredRefund bool) Voucher {
	t.Helper()
	p, _ := ParseMoney(price, "CNY")
	o := SalesOrder{No: 7, Trade: Trade{Key: Key{Channel: "tb", TradeID: "V1"}, Consignee: Consignee{Phone: "13800138000"},
		Total: p.Times(qty), Items: []Item{{SKU: "CAKE-50", Title: "Cake", Qty: qty, Price: p,
			Voucher: VoucherTerms{ValidUntil: day(10), RefundRatio: ratio, ExpiredRefund: expiredRefund}}}}}
	v, err := IssueCodes(o, day(0), seqCodes())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func day(n int) time.Time { return time.Date(2026, 12, 1+n, 12, 0, 0, 0, time.UTC) }

func TestRedeemChain(t *testing.T) {
	v := issued(t, 3, "50.00", 9000, false)
	draw := func() (string, error) { return "2000" + itoa(len(v.Codes)+10), nil }
	code := v.Codes[0].Code
	for i := 1; i <= 3; i++ {
		c := v.Code(code)
		r, next, err := Redeem(&v, c, RedeemInput{Code: code, Phone4: "8000", Units: 1, POS: "P1"}, day(1), "ana", draw)
		if err != nil {
			t.Fatalf("redeem %d: %v", i, err)
		}
		if r.Units != 1 || r.Left != 3-i || r.Operator != "ana" || r.POS != "P1" {
			t.Fatalf("redemption %d: %+v", i, r)
		}
		if i < 3 {
			if next == nil || c.State != CodeVoid || c.ReplacedBy != next.Code || next.Units != 3-i || next.Replaces != code {
				t.Fatalf("step %d: %+v → %+v", i, c, next)
			}
			v.Codes = append(v.Codes, *next)
			code = next.Code
		} else if next != nil || c.State != CodeUsed {
			t.Fatalf("last: %+v %+v", c, next)
		}
	}
	tl := v.Tally()
	if tl.Issued != 3 || tl.Redeemed != 3 || tl.Live != 0 || tl.OrderState() != "used" || len(v.Codes) != 3 {
		t.Fatalf("tally %+v, codes %d", tl, len(v.Codes))
	}
	// A used or void code is refused with its state.
	if _, _, err := Redeem(&v, &v.Codes[0], RedeemInput{}, day(1), "ana", draw); err == nil || !strings.Contains(err.Error(), "void") {
		t.Fatalf("void: %v", err)
	}
	if _, _, err := Redeem(&v, &v.Codes[2], RedeemInput{}, day(1), "ana", draw); err == nil || !strings.Contains(err.Error(), "used") {
		t.Fatalf("used: %v", err)
	}
}

func TestRedeemRefusals(t *testing.T) {
	v := issued(t, 2, "50.00", 9000, false)
	c := &v.Codes[0]
	if _, _, err := Redeem(&v, c, RedeemInput{Units: 3}, day(1), "ana", seqCodes()); err == nil || !strings.Contains(err.Error(), "2 left") {
		t.Fatalf("too many: %v", err)
	}
	if _, _, err := Redeem(&v, c, RedeemInput{}, day(11), "ana", seqCodes()); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired: %v", err)
	}
	// All left by default.
	r, next, err := Redeem(&v, c, RedeemInput{}, day(1), "ana", seqCodes())
	if err != nil || r.Units != 2 || next != nil || c.State != CodeUsed {
		t.Fatalf("all: %+v %v %v", r, next, err)
	}
	for _, in := range []RedeemInput{{Code: "12", Phone4: "8000"}, {Code: "1234567", Phone4: "80"}, {Code: "1234567", Phone4: "8000", Units: -1}} {
		if CheckRedeemInput(in) == nil {
			t.Errorf("accepted %+v", in)
		}
	}
}

func TestLockoutByTheClock(t *testing.T) {
	v := issued(t, 1, "50.00", 9000, false)
	c := &v.Codes[0]
	t0 := day(1)
	// Four failures, then one more after the first has aged out: not locked.
	for i := 0; i < 4; i++ {
		RecordFailure(c, t0.Add(time.Duration(i)*time.Minute))
	}
	RecordFailure(c, t0.Add(61*time.Minute))
	if c.Locked(t0.Add(61 * time.Minute)) {
		t.Fatal("locked by failures spread over more than an hour")
	}
	v = issued(t, 1, "50.00", 9000, false)
	c = &v.Codes[0]
	for i := 0; i < 5; i++ { // five within the hour
		RecordFailure(c, t0.Add(time.Duration(i)*12*time.Minute))
	}
	at := t0.Add(48 * time.Minute)
	if !c.Locked(at) || c.StateAt(at) != "locked" {
		t.Fatal("not locked after 5 failures within an hour")
	}
	_, _, err := Redeem(&v, c, RedeemInput{}, at.Add(59*time.Minute), "ana", seqCodes())
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("locked code redeemed: %v", err)
	}
	if c.Locked(at.Add(LockFor)) {
		t.Fatal("still locked after an hour")
	}
	if _, _, err := Redeem(&v, c, RedeemInput{}, at.Add(LockFor), "ana", seqCodes()); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

func TestExtendNeverShortens(t *testing.T) {
	v := issued(t, 1, "50.00", 9000, false)
	if err := Extend(&v, day(9)); err == nil || !strings.Contains(err.Error(), "2026-12-11 12:00 UTC") || !strings.Contains(err.Error(), "2026-12-10 12:00 UTC") {
		t.Fatalf("shortened: %v", err)
	}
	if err := Extend(&v, day(10)); err == nil {
		t.Fatal("same date accepted as an extension")
	}
	if err := Extend(&v, day(20)); err != nil || !v.Codes[0].ValidUntil.Equal(day(20)) {
		t.Fatalf("extend: %v %s", err, v.Codes[0].ValidUntil)
	}
	v.Codes[0].State = CodeUsed
	if err := Extend(&v, day(30)); err == nil {
		t.Fatal("extended a voucher with no live code")
	}
}

func TestExpire(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refund bool
		want   string
	}{{"with expired_refund", true, "59.00"}, {"without", false, "0.00"}} {
		t.Run(tc.name, func(t *testing.T) {
			v := issued(t, 3, "50.00", 6000, tc.refund)
			c := &v.Codes[0]
			if _, next, err := Redeem(&v, c, RedeemInput{Units: 1}, day(1), "ana", seqCodes()); err != nil {
				t.Fatal(err)
			} else {
				v.Codes = append(v.Codes, *next)
			}
			if got := Expire(&v, day(10)); len(got) != 0 {
				t.Fatalf("expired at valid-until: %+v", got)
			}
			got := Expire(&v, day(10).Add(time.Second))
			if len(got) != 1 || got[0].Units != 2 || got[0].Refund.Decimal() != tc.want {
				t.Fatalf("expire: %+v", got)
			}
			if again := Expire(&v, day(12)); len(again) != 0 {
				t.Fatal("expired twice")
			}
			tl := v.Tally()
			if tl.Expired != 2 || tl.Redeemed != 1 || tl.OrderState() != "unavailable" {
				t.Fatalf("tally %+v", tl)
			}
		})
	}
}

func TestUnexpiredAndResend(t *testing.T) {
	v := issued(t, 3, "0.50", 10000, false)
	if got := UnexpiredRefund(&v, "CNY"); got.Decimal() != "0.50" { // 1.50 − 1.00
		t.Fatalf("unexpired: %s", got)
	}
	loc := time.FixedZone("CST", 8*3600)
	if err := CheckResend(&v, day(1), loc); err != nil {
		t.Fatalf("first resend: %v", err)
	}
	v.ResentAt = day(1) // 20:00 local
	if err := CheckResend(&v, day(1).Add(3*time.Hour), loc); err == nil || !strings.Contains(err.Error(), "2026-12-03 00:00 CST") {
		t.Fatalf("second the same local day: %v", err)
	}
	if err := CheckResend(&v, day(1).Add(4*time.Hour+time.Minute), loc); err != nil {
		t.Fatalf("next local day: %v", err)
	}
	RefundCodes(&v, day(2), false)
	if v.Codes[0].State != CodeRefunded || v.Codes[0].Refunded.Decimal() != "0.50" || v.Tally().OrderState() != "unavailable" {
		t.Fatalf("refunded %+v", v.Codes[0])
	}
	if err := CheckResend(&v, day(5), loc); err == nil {
		t.Fatal("resent a refunded voucher")
	}
}

// A live code is expiring from now until ExpiringWithin ahead, both ends included (as the
// status counts it); a code past its date, or not live, is not.
func TestVoucherCodeExpiring(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		state CodeState
		until time.Time
		want  bool
	}{
		{CodeLive, now, true},
		{CodeLive, now.Add(ExpiringWithin), true},
		{CodeLive, now.Add(ExpiringWithin + time.Second), false},
		{CodeLive, now.Add(-time.Second), false},
		{CodeUsed, now.Add(time.Hour), false},
	} {
		code := VoucherCode{State: c.state, ValidUntil: c.until}
		if got := code.Expiring(now); got != c.want {
			t.Errorf("%v until %v: %v, want %v", c.state, c.until, got, c.want)
		}
	}
}
