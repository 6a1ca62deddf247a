package demo

import (
	"fmt"
	"time"

	"shipdesk/domain"
)

// maxRefunds bounds the demo's refund queue: enough to scroll, filter and act on.
const maxRefunds = 200

var refundReasons = []string{"parcel never arrived", "包裹一直没有收到", "杯子有裂纹，协商补偿", "wrong colour", "尺码不合适 size does not fit",
	"Не подошёл размер", "商品与描述不符 not as described", "buyer changed mind", "\x1b[31mRED\x1b[0m escape in a reason"}

// Refunds are the demo's refund requests as a channel would send them at now: about one
// in fifty of the most recent converted orders, raised over the last six days so the
// queue holds overdue, due-soon and later requests, and two for trades shipdesk never
// saw, which converting refuses.
func (g *Generator) Refunds(n int) []domain.RefundClaim {
	var out []domain.RefundClaim
	for i := n - 1; i >= 0 && len(out) < maxRefunds; i-- {
		r := rng{mix(g.seed ^ mix(uint64(i)^0x2efd))}
		if r.intn(50) != 0 {
			continue
		}
		f := g.Plan(i)
		if f.Pool != domain.PoolConverted || f.Order == domain.OrderCancelled {
			continue
		}
		t := g.Trade(i)
		at := g.now.Add(-time.Duration(r.intn(6*86400)) * time.Second)
		if at.Before(t.PaidAt) {
			continue
		}
		kind := goodsRefundKinds[r.intn(len(goodsRefundKinds))]
		if kind == domain.RefundAfterSale && f.Order != domain.OrderCompleted {
			kind = domain.RefundReceivedNoReturn // after-sale only once the order completed (rule 15)
		}
		amount := t.Total
		if kind != domain.RefundNotReceived {
			amount.Minor = max(1, t.Total.Minor*int64(10+r.intn(60))/100)
		}
		out = append(out, domain.RefundClaim{
			RefundKey: domain.RefundKey{Channel: t.Channel, RefundID: fmt.Sprintf("RF%07d", i)},
			TradeID:   t.TradeID, Kind: kind, Amount: amount, Reason: pick(&r, refundReasons), RequestedAt: at,
		})
	}
	for i, ch := range []string{"tb-main", "jd-store"} {
		out = append(out, domain.RefundClaim{
			RefundKey: domain.RefundKey{Channel: ch, RefundID: fmt.Sprintf("RF-LOST-%d", i+1)},
			TradeID:   fmt.Sprintf("UNKNOWN-%d", i+1), Kind: domain.RefundNotReceived,
			Amount: domain.Money{Minor: 9900}, Reason: "original trade never downloaded", RequestedAt: g.now.Add(-time.Duration(i+1) * 30 * time.Hour),
		})
	}
	return out
}
