package domain

import "time"

// The JSON Lines shapes that exports write: a trade in the shape an import reads, and a
// pool entry or a sales order around it. The command line's exports and the console's
// export of a selection write the same lines through these.

// WireTrade is the JSON form of a trade, the same shape an import reads.
type WireTrade struct {
	Channel     string       `json:"channel"`
	Platform    string       `json:"platform"`
	TradeID     string       `json:"trade_id"`
	Buyer       string       `json:"buyer"`
	Consignee   RawConsignee `json:"consignee"`
	TradeStatus string       `json:"trade_status"`
	PaymentRef  string       `json:"payment_ref"`
	PaidAt      string       `json:"paid_at"`
	Currency    string       `json:"currency"`
	Total       string       `json:"total"`
	Items       []RawItem    `json:"items"`
}

// WireTradeOf is t in its JSON form.
func WireTradeOf(t Trade) WireTrade {
	x := WireTrade{
		Channel: t.Channel, Platform: t.Platform, TradeID: t.TradeID, Buyer: t.Buyer,
		Consignee:   RawConsignee(t.Consignee),
		TradeStatus: t.TradeStatus.String(), PaymentRef: t.PaymentRef, PaidAt: ISOTime(t.PaidAt),
		Currency: t.Total.Currency, Total: t.Total.Decimal(), Items: []RawItem{},
	}
	for _, it := range t.Items {
		x.Items = append(x.Items, RawItem{SKU: it.SKU, Title: it.Title, Qty: it.Qty, Price: it.Price.Decimal()})
	}
	return x
}

// WireOrder is a sales order as `export orders` writes it.
type WireOrder struct {
	OrderNo   string `json:"order_no"`
	Key       string `json:"key"`
	Status    string `json:"status"`
	ShipBy    string `json:"ship_by"`
	CreatedAt string `json:"created_at"`
	Attention string `json:"attention,omitempty"`
	// AwaitingReturn: a return_goods refund was converted; the goods are on their way back.
	AwaitingReturn bool `json:"awaiting_return,omitempty"`
	WireTrade
}

// WireOrderOf is o in its JSON form.
func WireOrderOf(o SalesOrder) WireOrder {
	return WireOrder{OrderNo: OrderNumber(o.No), Key: o.Key.String(), Status: o.Status.String(),
		ShipBy: ISOTime(o.ShipBy), CreatedAt: ISOTime(o.CreatedAt), Attention: o.Attention,
		AwaitingReturn: o.AwaitingReturn, WireTrade: WireTradeOf(o.Trade)}
}

// ISOTime is t in RFC 3339, UTC; empty for the zero time.
func ISOTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
