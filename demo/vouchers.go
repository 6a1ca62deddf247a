package demo

import (
	"fmt"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// goodsRefundKinds are the kinds the demo's requests on orders of goods draw from.
var goodsRefundKinds = []domain.RefundKind{domain.RefundNotReceived, domain.RefundReceivedNoReturn, domain.RefundReturnGoods, domain.RefundAfterSale}

// voucherDemo is one demo voucher order: its product terms and what happens to it.
type voucherDemo struct {
	sku, title    string
	qty           int
	price         int64 // minor units, CNY
	validDays     int   // valid-until from now; negative: already past
	ratio         int
	expiredRefund bool
	auto          bool
	redeem        []int // units redeemed, one redemption each, in turn
	wrongTries    int   // failed tries with a wrong phone just now (5 locks the code)
	refund        domain.RefundKind
}

var voucherDemos = []voucherDemo{
	{sku: "CAKE-50", title: "Cake voucher 蛋糕券", qty: 3, price: 5000, validDays: 60, ratio: 9000},                                                    // live
	{sku: "CAKE-50", title: "Cake voucher 蛋糕券", qty: 3, price: 5000, validDays: 60, ratio: 9000, redeem: []int{1}},                                  // partly used: void + live
	{sku: "SPA-200", title: "Spa day pass", qty: 2, price: 20000, validDays: 30, ratio: 8500, redeem: []int{1, 1}},                                  // used
	{sku: "MOVIE-2", title: "Cinema for two", qty: 4, price: 3500, validDays: 5, ratio: 8000},                                                       // expiring within 7 days
	{sku: "MOVIE-2", title: "Cinema for two", qty: 2, price: 3500, validDays: -2, ratio: 8000},                                                      // expired, no refund
	{sku: "SPA-200", title: "Spa day pass", qty: 2, price: 20000, validDays: -1, ratio: 8500, expiredRefund: true},                                  // expired, refunded by formula
	{sku: "CAKE-50", title: "Cake voucher 蛋糕券", qty: 2, price: 5000, validDays: 90, ratio: 9000, auto: true, refund: domain.RefundVoucherUnexpired}, // auto-refunded at import
	{sku: "BUFFET-1", title: "Buffet lunch", qty: 5, price: 8800, validDays: 45, ratio: 9000, refund: domain.RefundVoucherUnexpired},                // waits in the refund queue
	{sku: "BUFFET-1", title: "Buffet lunch", qty: 1, price: 8800, validDays: 45, ratio: 9000, wrongTries: 5},                                        // locked
	{sku: "CAKE-50", title: "Cake voucher 蛋糕券", qty: 1, price: 5000, validDays: 20, ratio: 9000, refund: domain.RefundNotReceived},                  // not received: pending
}

// demoPhone is the demo buyers' phone: redeem with the last four digits 8000.
const demoPhone = "138-0013-8000"

// Vouchers writes the demo's e-voucher orders (tb-main:VCH0001 …) in every state at now:
// imported, converted (the codes issued), redeemed, locked, refunded and expired through
// the same store calls as the console and the commands.
func Vouchers(s *storage.Store, now time.Time) error {
	by := storage.Actor{Operator: "demo", Role: domain.RoleSupervisor}
	var trades []domain.Trade
	var keys []domain.Key
	paid := now.Add(-3 * 24 * time.Hour)
	for i, d := range voucherDemos {
		price := domain.Money{Minor: d.price, Currency: "CNY"}
		t := domain.Trade{Key: domain.Key{Channel: "tb-main", TradeID: fmt.Sprintf("VCH%04d", i+1)}, Platform: "taobao",
			Buyer: fmt.Sprintf("voucher-buyer-%d", i+1), Consignee: domain.Consignee{Name: "李小红", Phone: demoPhone, Address: "杭州市西湖区", Country: "CN"},
			TradeStatus: domain.TradePaid, PaymentRef: fmt.Sprintf("VP%08d", i+1), PaidAt: paid, Total: price.Times(d.qty),
			Items: []domain.Item{{SKU: d.sku, Title: d.title, Qty: d.qty, Price: price, Voucher: domain.VoucherTerms{
				ValidUntil: now.AddDate(0, 0, d.validDays), RefundRatio: d.ratio, MinRatio: 8000, ExpiredRefund: d.expiredRefund, AutoRefund: d.auto}}}}
		trades = append(trades, t)
		keys = append(keys, t.Key)
	}
	if _, err := s.Import(trades, paid, by); err != nil {
		return err
	}
	// Issued two days ago; the expired ones were live until their valid-until passed.
	issued := now.Add(-48 * time.Hour)
	if _, err := s.Convert(keys, issued, by); err != nil {
		return err
	}
	counter := storage.Actor{Operator: "counter-1", Role: domain.RoleOperator}
	for i, d := range voucherDemos {
		ref := domain.OrderRef{Key: keys[i]}
		for j, units := range d.redeem {
			det, err := s.VoucherDetail(ref)
			if err != nil {
				return err
			}
			live := det.Voucher.Live()
			if len(live) == 0 {
				break
			}
			at := issued.Add(time.Duration(j+1) * 5 * time.Hour)
			if _, err := s.Redeem(domain.RedeemInput{Code: live[0].Code, Phone4: "8000", Units: units, POS: "POS-0" + fmt.Sprint(1+j%2)}, at, counter); err != nil {
				return fmt.Errorf("demo voucher %s: %w", keys[i], err)
			}
		}
		if d.wrongTries > 0 {
			det, err := s.VoucherDetail(ref)
			if err != nil {
				return err
			}
			for k := 0; k < d.wrongTries; k++ {
				s.Redeem(domain.RedeemInput{Code: det.Voucher.Codes[0].Code, Phone4: "1234"}, now.Add(-time.Duration(10-k)*time.Minute), counter)
			}
		}
	}
	var claims []domain.RefundClaim
	for i, d := range voucherDemos {
		if d.refund == 0 {
			continue
		}
		claims = append(claims, domain.RefundClaim{RefundKey: domain.RefundKey{Channel: "tb-main", RefundID: fmt.Sprintf("RF-VCH%04d", i+1)},
			TradeID: keys[i].TradeID, Kind: d.refund, Amount: trades[i].Total, Reason: "voucher not wanted any more", RequestedAt: now.Add(-6 * time.Hour)})
	}
	if _, err := s.ImportRefunds(claims, now.Add(-5*time.Hour), by); err != nil {
		return err
	}
	_, err := s.ExpireVouchers(now, by)
	return err
}
