package domain

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// paidOrder is sales order SO00000042 of the sample trade (144.97 CNY paid) in a status.
func paidOrder(s OrderStatus) SalesOrder {
	return SalesOrder{No: 42, Trade: sampleTrade(), Status: s, CreatedAt: t0, ShipBy: t0.Add(DefaultShipWithin)}
}

func cny(minor int64) Money { return Money{Minor: minor, Currency: "CNY"} }

// claimOf is the sample claim of the given kind asking for amount.
func claimOf(k RefundKind, amount Money) RefundClaim {
	c := sampleClaim()
	c.Kind, c.Amount = k, amount
	return c
}

func partial(minor int64) Refund {
	return Refund{OrderNo: 42, At: t0, Amount: cny(minor), Reason: "damaged box", Operator: "ana"}
}

func TestConvertRefund(t *testing.T) {
	tests := []struct {
		name        string
		kind        RefundKind
		asked       Money
		status      OrderStatus
		prior       []Refund
		wantStatus  OrderStatus
		wantRefund  int64 // minor units; -1: no refund record
		awaitReturn bool
	}{
		// Not yet shipped: cancelled and refunded in full whatever the kind or the amount asked.
		{"not_received unshipped", RefundNotReceived, cny(1000), OrderAwaitingShipment, nil, OrderCancelled, 14497, false},
		{"received_no_return unshipped", RefundReceivedNoReturn, cny(2000), OrderAwaitingShipment, nil, OrderCancelled, 14497, false},
		{"return_goods unshipped", RefundReturnGoods, cny(2000), OrderAwaitingShipment, nil, OrderCancelled, 14497, false},
		{"after_sale unshipped", RefundAfterSale, Money{Minor: 500}, OrderAwaitingShipment, nil, OrderCancelled, 14497, false},
		{"unshipped after a partial refund gives what is left", RefundReceivedNoReturn, cny(2000), OrderAwaitingShipment, []Refund{partial(4497)}, OrderCancelled, 10000, false},
		{"unshipped with nothing left is cancelled without a refund", RefundNotReceived, cny(14497), OrderAwaitingShipment, []Refund{partial(14497)}, OrderCancelled, -1, false},
		// Shipped: by kind.
		{"not_received shipped is full", RefundNotReceived, cny(1000), OrderShipped, nil, OrderShipped, 14497, false},
		{"not_received shipped without currency is full", RefundNotReceived, Money{Minor: 1000}, OrderShipped, nil, OrderShipped, 14497, false},
		{"not_received after a partial gives what is left", RefundNotReceived, cny(14497), OrderShipped, []Refund{partial(4497)}, OrderShipped, 10000, false},
		{"received_no_return shipped takes the negotiated amount", RefundReceivedNoReturn, cny(2000), OrderShipped, nil, OrderShipped, 2000, false},
		{"received_no_return without currency", RefundReceivedNoReturn, Money{Minor: 2000}, OrderShipped, nil, OrderShipped, 2000, false},
		{"return_goods shipped waits for the return", RefundReturnGoods, cny(14497), OrderShipped, nil, OrderShipped, 14497, true},
		{"after_sale completed takes the requested amount", RefundAfterSale, cny(999), OrderCompleted, nil, OrderCompleted, 999, false},
		// Delivered, completed and returned orders count as shipped.
		{"not_received delivered", RefundNotReceived, cny(1), OrderDelivered, nil, OrderDelivered, 14497, false},
		{"received_no_return delivered", RefundReceivedNoReturn, cny(3000), OrderDelivered, nil, OrderDelivered, 3000, false},
		{"return_goods delivered waits", RefundReturnGoods, cny(10000), OrderDelivered, nil, OrderDelivered, 10000, true},
		{"after_sale completed", RefundAfterSale, cny(5000), OrderCompleted, []Refund{partial(1000)}, OrderCompleted, 5000, false},
		{"return_goods completed waits", RefundReturnGoods, cny(14497), OrderCompleted, nil, OrderCompleted, 14497, true},
		{"return_goods on a returned order has its goods back", RefundReturnGoods, cny(14497), OrderReturned, nil, OrderReturned, 14497, false},
		{"requested exactly what is left", RefundReceivedNoReturn, cny(10000), OrderDelivered, []Refund{partial(4497)}, OrderDelivered, 10000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := *request(claimOf(tt.kind, tt.asked), RefundPending)
			req.Changed = true
			order := paidOrder(tt.status)
			orderBefore := order
			priorBefore := slices.Clone(tt.prior)
			got, err := ConvertRefund(req, &order, tt.prior, tNow, " ana ")
			if err != nil {
				t.Fatalf("ConvertRefund: %v", err)
			}
			if !reflect.DeepEqual(order, orderBefore) || !reflect.DeepEqual(tt.prior, priorBefore) {
				t.Error("ConvertRefund modified its inputs")
			}
			if got.Order.Status != tt.wantStatus {
				t.Errorf("order status = %v, want %v", got.Order.Status, tt.wantStatus)
			}
			wantOrder := orderBefore
			wantOrder.Status = tt.wantStatus
			if !reflect.DeepEqual(got.Order, wantOrder) {
				t.Errorf("order = %+v, want only its status changed", got.Order)
			}
			if got.AwaitReturn != tt.awaitReturn {
				t.Errorf("AwaitReturn = %v, want %v", got.AwaitReturn, tt.awaitReturn)
			}
			r := got.Request
			if r.State != RefundConverted || r.Changed || !r.UpdatedAt.Equal(tNow) || r.Operator != "ana" || r.OrderNo != 42 {
				t.Errorf("request = %+v, want converted on SO00000042 by ana at %v, not changed", r, tNow)
			}
			if !r.RefundClaim.Equal(req.RefundClaim) || !r.ImportedAt.Equal(req.ImportedAt) {
				t.Errorf("request claim or import time changed: %+v", r)
			}
			if tt.wantRefund < 0 {
				if got.Refund != nil {
					t.Errorf("refund = %+v, want none", *got.Refund)
				}
				if r.Refunded != cny(0) {
					t.Errorf("Refunded = %v, want 0.00 CNY", r.Refunded)
				}
				return
			}
			if got.Refund == nil {
				t.Fatalf("no refund, want %v", cny(tt.wantRefund))
			}
			want := Refund{OrderNo: 42, At: tNow, Amount: cny(tt.wantRefund), Request: req.RefundKey, Kind: tt.kind, Reason: "parcel lost", Operator: "ana"}
			if !reflect.DeepEqual(*got.Refund, want) {
				t.Errorf("refund = %+v\nwant     %+v", *got.Refund, want)
			}
			if r.Refunded != want.Amount {
				t.Errorf("Refunded = %v, want %v", r.Refunded, want.Amount)
			}
			if left := Refundable(order.Total, append(slices.Clone(tt.prior), *got.Refund)); left.Minor < 0 {
				t.Errorf("refunds exceed what was paid: left %v", left)
			}
		})
	}
}

func TestConvertRefundRefused(t *testing.T) {
	shipped := paidOrder(OrderShipped)
	pending := func(k RefundKind, amount Money) RefundRequest { return *request(claimOf(k, amount), RefundPending) }
	otherOrder := paidOrder(OrderShipped)
	otherOrder.TradeID = "T1002"
	tests := []struct {
		name     string
		req      RefundRequest
		order    *SalesOrder
		prior    []Refund
		operator string
		want     string // the whole message when it starts with "=", else a part of it
	}{
		{"original order missing", pending(RefundNotReceived, cny(14497)), nil, nil, "ana",
			"=original order tb-main:T1001 is not in shipdesk — import and convert it first"},
		{"over-refund after a partial", pending(RefundReceivedNoReturn, cny(15000)), &shipped, []Refund{partial(10000)}, "ana",
			"=refund of 150.00 CNY exceeds what is left to refund on SO00000042: 44.97 CNY"},
		{"requested more than paid", pending(RefundReceivedNoReturn, cny(14498)), &shipped, nil, "ana",
			"=refund of 144.98 CNY exceeds what is left to refund on SO00000042: 144.97 CNY"},
		{"return_goods more than left", pending(RefundReturnGoods, Money{Minor: 5000}), &shipped, []Refund{partial(10000)}, "ana",
			"exceeds what is left to refund on SO00000042: 44.97 CNY"},
		{"currency mismatch", pending(RefundReceivedNoReturn, Money{2000, "USD"}), &shipped, nil, "ana",
			"asks for 20.00 USD but the original order tb-main:T1001 was paid in CNY"},
		{"currency mismatch on an unshipped order", pending(RefundNotReceived, Money{2000, "USD"}), ptr(paidOrder(OrderAwaitingShipment)), nil, "ana", "paid in CNY"},
		{"cancelled order", pending(RefundNotReceived, cny(14497)), ptr(paidOrder(OrderCancelled)), nil, "ana",
			"SO00000042 (tb-main:T1001) is cancelled — nothing to refund; mark refund tb-main:R9001 processed"},
		{"not_received with nothing left", pending(RefundNotReceived, cny(14497)), &shipped, []Refund{partial(14497)}, "ana",
			"nothing is left to refund on SO00000042: 144.97 CNY paid"},
		{"zero requested", pending(RefundReceivedNoReturn, cny(0)), &shipped, nil, "ana", "more than zero"},
		{"wrong order", pending(RefundNotReceived, cny(14497)), &otherOrder, nil, "ana", "not tb-main:T1001"},
		{"no operator", pending(RefundNotReceived, cny(14497)), &shipped, nil, "  ", "operator"},
		{"already converted", *request(sampleClaim(), RefundConverted), &shipped, nil, "ana", "already converted: 144.97 CNY refunded on SO00000042 by ana"},
		{"already rejected", *request(sampleClaim(), RefundRejected), &shipped, nil, "ana", "already rejected by ana at 2026-11-20 10:00 UTC (goods already signed for)"},
		{"already processed", *request(sampleClaim(), RefundProcessed), nil, nil, "ana", "already processed"},
		{"foreign refund on record", pending(RefundReceivedNoReturn, cny(100)), &shipped, []Refund{{Amount: Money{100, "USD"}}}, "ana", "fix that record first"},
		{"after_sale on a shipped order", pending(RefundAfterSale, cny(100)), &shipped, nil, "ana", "after_sale, accepted only on a completed order; SO00000042 is shipped"},
		{"after_sale on a delivered order", pending(RefundAfterSale, cny(100)), ptr(paidOrder(OrderDelivered)), nil, "ana", "SO00000042 is delivered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConvertRefund(tt.req, tt.order, tt.prior, tNow, tt.operator)
			if err == nil {
				t.Fatalf("ConvertRefund succeeded: %+v", got)
			}
			if whole, ok := strings.CutPrefix(tt.want, "="); ok {
				if err.Error() != whole {
					t.Errorf("error = %q\nwant    %q", err, whole)
				}
			} else if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if !reflect.DeepEqual(got, RefundConversion{}) {
				t.Errorf("refused conversion returned %+v", got)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestConvertRefundWithoutCurrencyInJPY(t *testing.T) {
	o := paidOrder(OrderDelivered)
	o.Total = Money{3000, "JPY"}
	req := *request(claimOf(RefundReceivedNoReturn, Money{Minor: 120000}), RefundPending)
	got, err := ConvertRefund(req, &o, nil, tNow, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if got.Refund.Amount != (Money{1200, "JPY"}) {
		t.Errorf("refund = %v, want 1200 JPY", got.Refund.Amount)
	}
}

func TestConversionSummary(t *testing.T) {
	for _, tt := range []struct {
		kind   RefundKind
		status OrderStatus
		prior  []Refund
		want   string
	}{
		{RefundNotReceived, OrderAwaitingShipment, nil, "tb-main:R9001: SO00000042 cancelled, refunded 144.97 CNY"},
		{RefundNotReceived, OrderAwaitingShipment, []Refund{partial(14497)}, "tb-main:R9001: SO00000042 cancelled, nothing left to refund"},
		{RefundReturnGoods, OrderShipped, nil, "tb-main:R9001: SO00000042 refunded 20.00 CNY, waiting for the goods to come back"},
		{RefundAfterSale, OrderCompleted, nil, "tb-main:R9001: SO00000042 refunded 20.00 CNY"},
	} {
		o := paidOrder(tt.status)
		c, err := ConvertRefund(*request(claimOf(tt.kind, cny(2000)), RefundPending), &o, tt.prior, tNow, "ana")
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Summary(); got != tt.want {
			t.Errorf("Summary = %q, want %q", got, tt.want)
		}
	}
}

func TestRejectRefund(t *testing.T) {
	req := *request(sampleClaim(), RefundPending)
	req.Changed = true
	got, msg, err := RejectRefund(req, "  signed for on 11-22, photo attached\n", tNow, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != RefundRejected || got.Changed || got.Decision != "signed for on 11-22, photo attached" || got.Operator != "ana" || !got.UpdatedAt.Equal(tNow) {
		t.Errorf("request = %+v, want rejected with the trimmed reason by ana at %v", got, tNow)
	}
	want := OutboxMessage{Channel: "tb-main", Kind: "refund.reject", Key: "R9001", Body: "signed for on 11-22, photo attached", CreatedAt: tNow}
	if !reflect.DeepEqual(msg, want) {
		t.Errorf("outbox = %+v\nwant     %+v", msg, want)
	}
	if again, _ := ApplyRefundImport(&got, sampleClaim(), tNow); !reflect.DeepEqual(again, got) {
		t.Error("a rejected request must not change on import")
	}

	for _, tt := range []struct {
		name, reason, operator string
		req                    RefundRequest
		want                   string
	}{
		{"empty reason", "", "ana", req, "rejecting refund tb-main:R9001 needs a reason"},
		{"blank reason", " \t\n", "ana", req, "needs a reason"},
		{"long reason", strings.Repeat("x", maxField+1), "ana", req, "longer than 4096"},
		{"no operator", "fake claim", "", req, "operator"},
		{"escape sequence", "no\x1b]0;pwned\x07", "ana", req, "control or invisible characters"},
		{"bidi override", "fake \u202eclaim", "ana", req, "control or invisible characters"},
		{"converted", "fake claim", "ana", *request(sampleClaim(), RefundConverted), "already converted"},
		{"rejected twice", "fake claim", "ana", *request(sampleClaim(), RefundRejected), "already rejected"},
		{"processed", "fake claim", "ana", *request(sampleClaim(), RefundProcessed), "already processed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, msg, err := RejectRefund(tt.req, tt.reason, tNow, tt.operator)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("RejectRefund = %v; want an error mentioning %q", err, tt.want)
			}
			if !reflect.DeepEqual(got, tt.req) || !reflect.DeepEqual(msg, OutboxMessage{}) {
				t.Errorf("refused rejection returned %+v and %+v", got, msg)
			}
		})
	}
}

func TestProcessRefund(t *testing.T) {
	req := *request(sampleClaim(), RefundPending)
	req.Changed = true
	got, err := ProcessRefund(req, " 买家撤销申请 ", tNow, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != RefundProcessed || got.Changed || got.Decision != "买家撤销申请" || got.Operator != "ana" || !got.UpdatedAt.Equal(tNow) {
		t.Errorf("request = %+v, want processed with the trimmed reason by ana", got)
	}
	if again, outcome := ApplyRefundImport(&got, sampleClaim(), tNow); outcome != ImportSuppressed || !reflect.DeepEqual(again, got) {
		t.Errorf("import after processing = %v, want suppressed and unchanged", outcome)
	}
	for _, tt := range []struct {
		name, reason, operator string
		req                    RefundRequest
		want                   string
	}{
		{"no reason", "", "ana", req, "marking refund tb-main:R9001 processed needs a reason"},
		{"no operator", "withdrawn", " ", req, "operator"},
		{"converted", "withdrawn", "ana", *request(sampleClaim(), RefundConverted), "already converted"},
		{"processed twice", "withdrawn", "ana", *request(sampleClaim(), RefundProcessed), "already processed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ProcessRefund(tt.req, tt.reason, tNow, tt.operator)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ProcessRefund = %v; want an error mentioning %q", err, tt.want)
			}
			if !reflect.DeepEqual(got, tt.req) {
				t.Errorf("refused processing changed the request: %+v", got)
			}
		})
	}
}

func TestPartialRefund(t *testing.T) {
	o := paidOrder(OrderDelivered)
	tests := []struct {
		name     string
		prior    []Refund
		amount   Money
		reason   string
		operator string
		want     string // empty: accepted
	}{
		{"first compensation", nil, cny(1250), "box crushed", "ana", ""},
		{"several are allowed", []Refund{partial(1000), partial(2000)}, cny(500), "late again", "ana", ""},
		{"exactly what is left", []Refund{partial(4497)}, cny(10000), "goodwill", "ana", ""},
		{"on top of a converted refund", []Refund{{Amount: cny(10000), Request: sampleClaim().RefundKey, Kind: RefundReceivedNoReturn}}, cny(4497), "goodwill", "ana", ""},
		{"one cent too many", []Refund{partial(4497)}, cny(10001), "goodwill", "ana",
			"refund of 100.01 CNY exceeds what is left to refund on SO00000042: 100.00 CNY"},
		{"the issue's example", []Refund{partial(10000)}, cny(15000), "goodwill", "ana",
			"refund of 150.00 CNY exceeds what is left to refund on SO00000042: 44.97 CNY"},
		{"fully refunded", []Refund{partial(14497)}, cny(1), "goodwill", "ana", "what is left to refund on SO00000042: 0.00 CNY"},
		{"zero", nil, cny(0), "goodwill", "ana", "more than zero"},
		{"negative", nil, cny(-100), "goodwill", "ana", "more than zero"},
		{"other currency", nil, Money{100, "USD"}, "goodwill", "ana", "refund in USD refused: SO00000042 was paid in CNY"},
		{"no currency", nil, Money{Minor: 100}, "goodwill", "ana", "refund in no currency refused"},
		{"no reason", nil, cny(100), "  ", "ana", "a partial refund on SO00000042 needs a reason"},
		{"no operator", nil, cny(100), "goodwill", "", "operator"},
	}
	if _, err := PartialRefund(paidOrder(OrderCancelled), nil, cny(100), "goodwill", tNow, "ana"); err == nil || !strings.Contains(err.Error(), "is cancelled") {
		t.Errorf("partial refund on a cancelled order: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PartialRefund(o, tt.prior, tt.amount, tt.reason, tNow, tt.operator)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("PartialRefund = %+v, %v; want an error mentioning %q", got, err, tt.want)
				}
				if !reflect.DeepEqual(got, Refund{}) {
					t.Errorf("refused partial refund returned %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Refund{OrderNo: 42, At: tNow, Amount: tt.amount, Reason: strings.TrimSpace(tt.reason), Operator: tt.operator}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("refund = %+v, want %+v", got, want)
			}
			if !got.Partial() || got.Source() != "partial" {
				t.Errorf("Partial, Source = %v, %q; want true, partial", got.Partial(), got.Source())
			}
		})
	}
}

func TestRefundable(t *testing.T) {
	tests := []struct {
		name  string
		paid  Money
		prior []Refund
		want  Money
	}{
		{"nothing refunded", cny(14497), nil, cny(14497)},
		{"some refunded", cny(14497), []Refund{partial(1000), partial(497)}, cny(13000)},
		{"all refunded", cny(14497), []Refund{partial(14497)}, cny(0)},
		{"more than paid on record never goes negative", cny(14497), []Refund{partial(10000), partial(10000), partial(-1)}, cny(0)},
		{"other currencies are not counted", cny(14497), []Refund{{Amount: Money{14497, "USD"}}}, cny(14497)},
		{"nothing paid", cny(0), nil, cny(0)},
	}
	for _, tt := range tests {
		if got := Refundable(tt.paid, tt.prior); got != tt.want {
			t.Errorf("%s: Refundable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRefundSource(t *testing.T) {
	r := Refund{Request: RefundKey{"tb-main", "R9001"}, Kind: RefundNotReceived}
	if r.Partial() || r.Source() != "tb-main:R9001" {
		t.Errorf("Partial, Source = %v, %q; want false, tb-main:R9001", r.Partial(), r.Source())
	}
}

// TestRefundsNeverExceedPaid drives random conversions and partial refunds against one
// order and checks the invariant of rule 20 after every accepted step.
func TestRefundsNeverExceedPaid(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 22))
	for run := 0; run < 300; run++ {
		o := paidOrder([]OrderStatus{OrderAwaitingShipment, OrderShipped, OrderDelivered, OrderCompleted}[rng.IntN(4)])
		o.Total = cny(rng.Int64N(50000))
		var refunds []Refund
		for step := 0; step < 12; step++ {
			amount := cny(rng.Int64N(o.Total.Minor/2 + 2))
			if rng.IntN(2) == 0 {
				r, err := PartialRefund(o, refunds, amount, "goodwill", tNow, "ana")
				if err == nil {
					refunds = append(refunds, r)
				} else if amount.Minor > 0 && amount.Minor <= Refundable(o.Total, refunds).Minor {
					t.Fatalf("partial refund of %v refused with %v left: %v", amount, Refundable(o.Total, refunds), err)
				}
			} else {
				req := *request(claimOf(RefundKinds[rng.IntN(len(RefundKinds))], amount), RefundPending)
				req.RefundID = "R" + string(rune('A'+step))
				c, err := ConvertRefund(req, &o, refunds, tNow, "ana")
				if err == nil {
					o = c.Order
					if c.Refund != nil {
						refunds = append(refunds, *c.Refund)
					}
				}
			}
			var sum int64
			for _, r := range refunds {
				if r.Amount.Minor <= 0 {
					t.Fatalf("a refund of %v was recorded", r.Amount)
				}
				sum += r.Amount.Minor
			}
			if sum > o.Total.Minor {
				t.Fatalf("run %d step %d: refunds add up to %d, more than the %d paid", run, step, sum, o.Total.Minor)
			}
			if left := Refundable(o.Total, refunds); left.Minor != o.Total.Minor-sum {
				t.Fatalf("Refundable = %v, want %d", left, o.Total.Minor-sum)
			}
		}
	}
}
