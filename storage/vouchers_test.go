package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// stepReader gives 0, 1, 2 … as 8-byte big-endian numbers: codes drawn from it are
// 10000000, 10000001, … with eight digits.
type stepReader struct{ n uint64 }

func (r *stepReader) Read(p []byte) (int, error) {
	for i := 0; i+8 <= len(p); i += 8 {
		binary.BigEndian.PutUint64(p[i:], r.n)
		r.n++
	}
	return len(p) - len(p)%8, nil
}

var sup = Actor{Operator: "sam", Role: domain.RoleSupervisor}
var opr = Actor{Operator: "ola", Role: domain.RoleOperator}

func voucherTrade(id string, qty int, price string, terms domain.VoucherTerms) domain.Trade {
	tr := trade("tb", id, t0, 0)
	p, _ := domain.ParseMoney(price, "CNY")
	tr.Total = p.Times(qty)
	tr.Consignee.Phone = "138-0013-8000"
	tr.Items = []domain.Item{{SKU: "CAKE-50", Title: "Cake voucher", Qty: qty, Price: p, Voucher: terms}}
	return tr
}

func terms(days int, ratio int, expiredRefund, auto bool) domain.VoucherTerms {
	return domain.VoucherTerms{ValidUntil: t0.AddDate(0, 0, days), RefundRatio: ratio, ExpiredRefund: expiredRefund, AutoRefund: auto}
}

// voucherStore has voucher orders converted from tb:V1 … (SO1 …) in the order given, and
// shipdesk's clock at t0.
func voucherStore(t *testing.T, trades ...domain.Trade) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "v.db"), Options{CodeDigits: 8, CodeRand: &stepReader{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	mustImport(t, s, trades...)
	keys := make([]domain.Key, len(trades))
	for i, tr := range trades {
		keys[i] = tr.Key
	}
	res, err := s.Convert(keys, t0, opr)
	if err != nil || res.Done() != len(trades) {
		t.Fatalf("convert: %+v %v", res, err)
	}
	return s
}

func detail(t *testing.T, s *Store, ref string) VoucherDetail {
	t.Helper()
	d, err := s.VoucherDetail(orderRef(ref))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func vcounts(t *testing.T, s *Store, now time.Time) VoucherCounts {
	t.Helper()
	c, err := s.Counts(now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return c.Vouchers
}

func doctorClean(t *testing.T, s *Store) {
	t.Helper()
	rep, err := s.Doctor(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("doctor: %v %v", rep.Problems, err)
	}
}

func TestVoucherIssueAndRedeemChain(t *testing.T) {
	s := voucherStore(t, voucherTrade("V1", 3, "50.00", terms(30, 9000, false, false)), voucherTrade("V2", 2, "50.00", terms(3, 9000, false, false)))
	d := detail(t, s, "SO00000001")
	if d.Order.Status != domain.OrderShipped || len(d.Voucher.Codes) != 1 || d.Voucher.Codes[0].Code != "10000000" || d.Voucher.Codes[0].Units != 3 {
		t.Fatalf("issued: %+v %+v", d.Order.Status, d.Voucher.Codes)
	}
	var msgs []domain.OutboxMessage
	s.EachOutbox(func(_ uint64, m domain.OutboxMessage) error { msgs = append(msgs, m); return nil })
	if len(msgs) != 2 || msgs[0].Kind != domain.OutboxVoucherCode || !strings.Contains(msgs[0].Body, "10000000") || msgs[0].Key != "138-0013-8000" {
		t.Fatalf("messages: %+v", msgs)
	}
	if c := vcounts(t, s, t0); c != (VoucherCounts{Live: 2, UnitsUnredeemed: 5, Expiring7d: 1}) {
		t.Fatalf("counts: %+v", c)
	}
	code := "10000000"
	for i := 1; i <= 3; i++ {
		res, err := s.Redeem(domain.RedeemInput{Code: code, Phone4: "8000", Units: 1, POS: "POS-7"}, t0.Add(time.Duration(i)*time.Minute), opr)
		if err != nil {
			t.Fatalf("redeem %d: %v", i, err)
		}
		r := res.Redemption
		if r.Units != 1 || r.Left != 3-i || (i < 3) != (r.NewCode != "") || r.Operator != "ola" {
			t.Fatalf("redeem %d: %+v", i, r)
		}
		if r.NewCode != "" {
			if r.NewCode == code {
				t.Fatal("a code was reused")
			}
			code = r.NewCode
		}
	}
	d = detail(t, s, "SO00000001")
	if len(d.Voucher.Codes) != 3 || len(d.Redemptions) != 3 || d.Redemptions[2].POS != "POS-7" {
		t.Fatalf("chain: %+v, log %+v", d.Voucher.Codes, d.Redemptions)
	}
	states := []domain.CodeState{d.Voucher.Codes[0].State, d.Voucher.Codes[1].State, d.Voucher.Codes[2].State}
	if states[0] != domain.CodeVoid || states[1] != domain.CodeVoid || states[2] != domain.CodeUsed {
		t.Fatalf("states %v", states)
	}
	// A void code is refused with its state; redeemed units count today.
	if _, err := s.Redeem(domain.RedeemInput{Code: "10000000", Phone4: "8000"}, t0.Add(time.Hour), opr); err == nil || !strings.Contains(err.Error(), "void") {
		t.Fatalf("void: %v", err)
	}
	if c := vcounts(t, s, t0.Add(time.Hour)); c != (VoucherCounts{Live: 1, UnitsUnredeemed: 2, Expiring7d: 1, RedeemedToday: 3}) {
		t.Fatalf("counts: %+v", c)
	}
	if c := vcounts(t, s, t0.Add(24*time.Hour)); c.RedeemedToday != 0 {
		t.Fatalf("redeemed yesterday counted today: %+v", c)
	}
	doctorClean(t, s)
}

func TestVoucherRefusalsAndLockout(t *testing.T) {
	s := voucherStore(t, voucherTrade("V1", 2, "50.00", terms(30, 9000, false, false)))
	unknown := domain.RedeemInput{Code: "99999999", Phone4: "8000"}
	wrong := domain.RedeemInput{Code: "10000000", Phone4: "1234"}
	_, e1 := s.Redeem(unknown, t0, opr)
	_, e2 := s.Redeem(wrong, t0, opr)
	if !errors.Is(e1, domain.ErrRedeemRefused) || e1.Error() != e2.Error() {
		t.Fatalf("unknown code %v and wrong phone %v must be refused alike", e1, e2)
	}
	for i := 0; i < 4; i++ { // five failures on the code within the hour
		s.Redeem(wrong, t0.Add(time.Duration(i+1)*time.Minute), opr)
	}
	at := t0.Add(10 * time.Minute)
	_, err := s.Redeem(domain.RedeemInput{Code: "10000000", Phone4: "8000"}, at, opr)
	var le *domain.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("not locked: %v", err)
	}
	// A wrong phone on a locked code learns nothing more.
	if _, err := s.Redeem(wrong, at, opr); !errors.Is(err, domain.ErrRedeemRefused) {
		t.Fatalf("locked, wrong phone: %v", err)
	}
	rows, _, _ := s.VoucherWindow(t.Context(), VoucherQuery{Locked: true, Now: at}, nil, false, 10)
	if len(rows) != 1 {
		t.Fatalf("locked filter: %+v", rows)
	}
	// Every failure is an audit event.
	fails := 0
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bAudit).ForEach(func(_, v []byte) error {
			if strings.Contains(string(v), voucherAuditFail) {
				fails++
			}
			return nil
		})
	})
	if fails != 8 {
		t.Fatalf("%d failure events, want 8", fails)
	}
	if res, err := s.Redeem(domain.RedeemInput{Code: "10000000", Phone4: "8000"}, t0.Add(5*time.Minute+time.Hour), opr); err != nil || res.Redemption.Units != 2 {
		t.Fatalf("after the lock: %+v %v", res, err)
	}
	doctorClean(t, s)
}

func TestVoucherResendExtend(t *testing.T) {
	s := voucherStore(t, voucherTrade("V1", 2, "50.00", terms(3, 9000, false, false)))
	if _, err := s.Resend(orderRef("SO00000001"), t0, time.UTC, opr); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resend(orderRef("tb:V1"), t0.Add(time.Hour), time.UTC, opr); err == nil || !strings.Contains(err.Error(), "wait until 2026-11-21 00:00") {
		t.Fatalf("second resend: %v", err)
	}
	if _, err := s.Resend(orderRef("SO00000001"), t0.Add(14*time.Hour), time.UTC, opr); err != nil {
		t.Fatalf("next day: %v", err)
	}
	if _, err := s.Extend(orderRef("SO00000001"), t0.AddDate(0, 0, 10), t0, opr); err == nil {
		t.Fatal("an operator extended")
	}
	if _, err := s.Extend(orderRef("SO00000001"), t0.AddDate(0, 0, 1), t0, sup); err == nil || !strings.Contains(err.Error(), "never shortened") {
		t.Fatalf("shortened: %v", err)
	}
	v, err := s.Extend(orderRef("SO00000001"), t0.AddDate(0, 0, 10), t0, sup)
	if err != nil || !v.Codes[0].ValidUntil.Equal(t0.AddDate(0, 0, 10)) {
		t.Fatalf("extend: %v", err)
	}
	if c := vcounts(t, s, t0); c.Expiring7d != 0 {
		t.Fatalf("extended code still expiring: %+v", c)
	}
	doctorClean(t, s)
}

func TestVoucherExpiry(t *testing.T) {
	s := voucherStore(t,
		voucherTrade("V1", 3, "50.00", terms(3, 6000, true, false)),  // refunds expired units
		voucherTrade("V2", 2, "50.00", terms(3, 6000, false, false)), // does not
		voucherTrade("V3", 2, "50.00", terms(30, 6000, true, false))) // not yet
	if _, err := s.Redeem(domain.RedeemInput{Code: "10000000", Phone4: "8000", Units: 1}, t0, opr); err != nil {
		t.Fatal(err)
	}
	if res, err := s.ExpireVouchers(t0.AddDate(0, 0, 2), opr); err != nil || res.Codes != 0 {
		t.Fatalf("early: %+v %v", res, err)
	}
	res, err := s.ExpireVouchers(t0.AddDate(0, 0, 4), opr)
	if err != nil || res.Codes != 2 || res.Units != 4 || res.Refunds != 1 || res.Refunded[0].String() != "59.00 CNY" {
		t.Fatalf("expire: %+v %v", res, err)
	}
	again, err := s.ExpireVouchers(t0.AddDate(0, 0, 5), opr)
	if err != nil || again.Codes != 0 {
		t.Fatalf("not idempotent: %+v %v", again, err)
	}
	rs, _ := s.OrderRefunds(1)
	if len(rs) != 1 || rs[0].Amount.Minor != 5900 || rs[0].Kind != domain.RefundVoucherExpired || rs[0].Source() != "voucher_expired" {
		t.Fatalf("refunds of SO1: %+v", rs)
	}
	if rs, _ := s.OrderRefunds(2); len(rs) != 0 {
		t.Fatalf("SO2 refunded without expired_refund: %+v", rs)
	}
	rep, err := s.VoucherReport()
	if err != nil || len(rep.SKUs) != 1 {
		t.Fatal(err, rep)
	}
	if k := rep.SKUs[0]; k != (SKUReport{SKU: "CAKE-50", Issued: 7, Redeemed: 1, Live: 2, Expired: 4}) {
		t.Fatalf("sku report: %+v", k)
	}
	if o := rep.Orders; o[0].State != "unavailable" || o[0].Used != 1 || o[0].Unavailable != 2 || o[2].State != "available" || o[2].Available != 2 {
		t.Fatalf("order report: %+v", o)
	}
	doctorClean(t, s)
}

func TestVoucherRefundRequests(t *testing.T) {
	s := voucherStore(t,
		voucherTrade("V1", 3, "50.00", terms(30, 9000, false, true)),  // auto_refund
		voucherTrade("V2", 3, "50.00", terms(30, 9000, false, false)), // waits in the queue
		voucherTrade("V3", 3, "50.00", terms(30, 9000, false, false))) // not received
	if _, err := s.Redeem(domain.RedeemInput{Code: "10000000", Phone4: "8000", Units: 1}, t0, opr); err != nil {
		t.Fatal(err)
	}
	res := mustImportRefunds(t, s, t0.Add(time.Hour),
		claim("tb", "R1", "V1", domain.RefundVoucherUnexpired, 1, t0),
		claim("tb", "R2", "V2", domain.RefundVoucherUnexpired, 1, t0),
		claim("tb", "R3", "V3", domain.RefundNotReceived, 15000, t0))
	if res.AutoRefunded != 1 || res.New != 3 {
		t.Fatalf("import: %+v", res)
	}
	r1 := request(t, s, rkey("tb", "R1"))
	// 2 unredeemed × 50.00 × 90% − 1.00 = 89.00
	if r1.State != domain.RefundConverted || r1.Refunded.String() != "89.00 CNY" || r1.Operator != AutoRefundOperator || r1.Amount.Minor != 1 {
		t.Fatalf("auto: %+v", r1)
	}
	if d := detail(t, s, "SO00000001"); d.Voucher.Codes[1].State != domain.CodeRefunded || d.Voucher.Tally().OrderState() != "unavailable" {
		t.Fatalf("codes after auto refund: %+v", d.Voucher.Codes)
	}
	// Importing it again decides nothing twice.
	if res := mustImportRefunds(t, s, t0.Add(2*time.Hour), claim("tb", "R1", "V1", domain.RefundVoucherUnexpired, 1, t0)); res.Skipped != 1 {
		t.Fatalf("again: %+v", res)
	}
	if request(t, s, rkey("tb", "R2")).State != domain.RefundPending {
		t.Fatal("R2 decided without auto_refund")
	}
	if d, err := s.RefundDetail(rkey("tb", "R2")); err != nil || d.Proposed == nil || d.Proposed.String() != "134.00 CNY" {
		t.Fatalf("R2 proposal: %+v %v", d.Proposed, err)
	}
	b, err := s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R2"), rkey("tb", "R3")}, t0.Add(3*time.Hour), sup)
	if err != nil || b.Done() != 2 {
		t.Fatalf("convert: %+v %v", b, err)
	}
	if r := request(t, s, rkey("tb", "R2")); r.Refunded.String() != "134.00 CNY" || r.Amount.Minor != 1 {
		t.Fatalf("R2 refunded %s, want the formula's 134.00", r.Refunded)
	}
	if r := request(t, s, rkey("tb", "R3")); r.Refunded.String() != "150.00 CNY" {
		t.Fatalf("R3 refunded %s, want everything paid", r.Refunded)
	}
	for _, ref := range []string{"SO00000002", "SO00000003"} {
		if d := detail(t, s, ref); d.Voucher.Codes[0].State != domain.CodeRefunded {
			t.Fatalf("%s codes: %+v", ref, d.Voucher.Codes)
		}
	}
	if c := vcounts(t, s, t0); c.Live != 0 || c.UnitsUnredeemed != 0 {
		t.Fatalf("counts: %+v", c)
	}
	doctorClean(t, s)
}

func TestVoucherDoctorNamesDamageAndRepairFixesIt(t *testing.T) {
	s := voucherStore(t, voucherTrade("V1", 2, "50.00", terms(3, 9000, false, false)))
	if err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bVoucherByCode).Delete([]byte("10000000")); err != nil {
			return err
		}
		if err := tx.Bucket(bVoucherByUntil).Put([]byte("stray"), nil); err != nil {
			return err
		}
		return putCounter(tx, cVoucherUnits, 5)
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Doctor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(rep.Problems, "\n")
	for _, want := range []string{"voucher_by_code: row \"10000000\" is missing", "voucher_by_until: row \"stray\"", "voucher/units"} {
		if !strings.Contains(text, want) {
			t.Errorf("doctor does not say %q:\n%s", want, text)
		}
	}
	if _, err := s.Repair(context.Background(), t0, sup); err != nil {
		t.Fatal(err)
	}
	doctorClean(t, s)
	if _, err := s.Redeem(domain.RedeemInput{Code: "10000000", Phone4: "8000"}, t0, opr); err != nil {
		t.Fatalf("after repair: %v", err)
	}
}

func TestVoucherCodesSurviveTheRecord(t *testing.T) {
	// The terms travel in the pool entry's trade encoding and read back whole.
	tr := voucherTrade("V1", 2, "50.00", domain.VoucherTerms{ValidUntil: t0, Day: "2026-11-20", RefundRatio: 9250, MinRatio: 8000, ExpiredRefund: true, AutoRefund: true})
	e := domain.PoolEntry{Trade: tr, State: domain.PoolReady}
	got, err := decodeEntry(encodeEntry(nil, &e))
	if err != nil || !got.Trade.Equal(tr) {
		t.Fatalf("round trip: %+v %v", got.Trade.Items, err)
	}
	g := trade("tb", "G1", t0, 1)
	e = domain.PoolEntry{Trade: g}
	if got, err := decodeEntry(encodeEntry(nil, &e)); err != nil || got.Trade.Items[0].Voucher.IsVoucher() {
		t.Fatalf("goods: %+v %v", got.Trade.Items, err)
	}
}

// The vouchers list reads in windows: the newest voucher order first, each order's codes
// newest first. Read on from any row's position, either way, it gives the rows a single
// read gives; a filter keeps that order; limit cuts with more.
func TestVoucherWindowReadsOnFromAnyRow(t *testing.T) {
	var trades []domain.Trade
	for i := 1; i <= 7; i++ {
		tr := voucherTrade(fmt.Sprintf("V%d", i), 2, "50.00", terms(30, 9000, true, false))
		tea := tr.Items[0]
		tea.SKU, tea.Title = "TEA-20", "Tea voucher"
		tr.Items = append(tr.Items, tea)
		tr.Total = tr.Total.Times(2)
		trades = append(trades, tr)
	}
	s := voucherStore(t, trades...)
	ctx, q := t.Context(), VoucherQuery{Now: t0}
	all, more, err := s.VoucherWindow(ctx, q, nil, false, 1000)
	if err != nil || more || len(all) != 14 {
		t.Fatalf("all: %d rows, more %v, %v", len(all), more, err)
	}
	name := func(r VoucherRow) string { return domain.OrderNumber(r.OrderNo) + " " + r.Code.SKU }
	for i, r := range all {
		want := fmt.Sprintf("%s %s", domain.OrderNumber(uint64(7-i/2)), []string{"TEA-20", "CAKE-50"}[i%2])
		if name(r) != want {
			t.Fatalf("row %d: %s, want %s", i, name(r), want)
		}
	}
	names := func(rows []VoucherRow) string {
		var out []string
		for _, r := range rows {
			out = append(out, name(r))
		}
		return strings.Join(out, ", ")
	}
	for i := range all {
		got, more, err := s.VoucherWindow(ctx, q, all[i].Pos, false, 3)
		want := all[i+1 : min(i+4, len(all))]
		if err != nil || names(got) != names(want) || more != (i+4 < len(all)) {
			t.Fatalf("after row %d: %s (more %v, %v), want %s", i, names(got), more, err, names(want))
		}
		got, more, err = s.VoucherWindow(ctx, q, all[i].Pos, true, 3)
		want = all[max(0, i-3):i] // in the list's order, the last nearest
		if err != nil || names(got) != names(want) || more != (i > 3) {
			t.Fatalf("before row %d: %s (more %v, %v), want %s", i, names(got), more, err, names(want))
		}
	}
	end, _, err := s.VoucherWindow(ctx, q, nil, true, 2)
	if err != nil || names(end) != "SO00000001 TEA-20, SO00000001 CAKE-50" {
		t.Fatalf("from the end: %s %v", names(end), err)
	}
	tea, _, err := s.VoucherWindow(ctx, VoucherQuery{SKU: "tea", Now: t0}, all[2].Pos, false, 1000)
	if err != nil || len(tea) != 5 || tea[0].OrderNo != 5 || tea[4].OrderNo != 1 || tea[0].Code.SKU != "TEA-20" {
		t.Fatalf("tea after SO6's tea: %s %v", names(tea), err)
	}
	if n, exact, err := s.VoucherCount(VoucherQuery{State: domain.CodeLive, Now: t0}); err != nil || !exact || n != 14 {
		t.Fatalf("live codes counted: %d %v %v", n, exact, err)
	}
	if _, exact, _ := s.VoucherCount(VoucherQuery{SKU: "tea", Now: t0}); exact {
		t.Fatal("a filtered count claimed to be exact")
	}
	if _, _, err := s.VoucherWindow(ctx, q, Pos{1}, false, 3); err == nil {
		t.Fatal("a position that does not read was taken")
	}
}
