package domain

import (
	"strconv"
	"strings"
	"time"
)

// FieldChange is one field of one object before and after a change, as the audit trail
// records it (SPEC §2: who, when, what, on which objects, before → after). Before is
// empty for an object that did not exist; values are printed as an operator reads them.
type FieldChange struct {
	Key    string `json:"key"`
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// DiffEntry lists the fields of a pool entry that differ between before (nil for a new
// entry) and after. Bookkeeping times (imported, updated, state at) are left out: the
// audit event carries its own time.
func DiffEntry(before, after *PoolEntry) []FieldChange {
	var b PoolEntry
	if before != nil {
		b = *before
	}
	key := after.Key.String()
	var out []FieldChange
	add := func(field, x, y string) {
		if x != y {
			out = append(out, FieldChange{Key: key, Field: field, Before: x, After: y})
		}
	}
	add("state", stateName(b.State), stateName(after.State))
	add("changed", boolText(b.Changed, before != nil), boolText(after.Changed, true))
	add("reason", b.Reason, after.Reason)
	add("order_no", orderNo(b.OrderNo), orderNo(after.OrderNo))
	out = append(out, diffTrade(key, &b.Trade, &after.Trade)...)
	return out
}

// DiffOrder lists the fields of a sales order that differ between before (nil for a new
// order) and after. The trade is the converted pool entry's and is not repeated.
func DiffOrder(before, after *SalesOrder) []FieldChange {
	var b SalesOrder
	if before != nil {
		b = *before
	}
	key := OrderNumber(after.No)
	var out []FieldChange
	add := func(field, x, y string) {
		if x != y {
			out = append(out, FieldChange{Key: key, Field: field, Before: x, After: y})
		}
	}
	if before == nil {
		add("key", "", after.Key.String())
	}
	add("status", orderStatusName(b.Status), orderStatusName(after.Status))
	add("ship_by", timeText(b.ShipBy), timeText(after.ShipBy))
	add("attention", b.Attention, after.Attention)
	bs, as := &b.Shipment, &after.Shipment
	add("carrier", bs.Carrier, as.Carrier)
	add("tracking", bs.Number, as.Number)
	add("tracking_url", bs.URL, as.URL)
	add("shipped_at", timeText(bs.ShippedAt), timeText(as.ShippedAt))
	add("eta", timeText(bs.ETA), timeText(as.ETA))
	add("no_tracking", bs.NoTracking, as.NoTracking)
	add("override", bs.Override, as.Override)
	return out
}

func diffTrade(key string, b, a *Trade) []FieldChange {
	var out []FieldChange
	add := func(field, x, y string) {
		if x != y {
			out = append(out, FieldChange{Key: key, Field: field, Before: x, After: y})
		}
	}
	add("platform", b.Platform, a.Platform)
	add("buyer", b.Buyer, a.Buyer)
	add("consignee.name", b.Consignee.Name, a.Consignee.Name)
	add("consignee.phone", b.Consignee.Phone, a.Consignee.Phone)
	add("consignee.address", b.Consignee.Address, a.Consignee.Address)
	add("consignee.country", b.Consignee.Country, a.Consignee.Country)
	add("consignee.email", b.Consignee.Email, a.Consignee.Email)
	add("trade_status", b.TradeStatus.String(), a.TradeStatus.String())
	add("payment_ref", b.PaymentRef, a.PaymentRef)
	add("paid_at", timeText(b.PaidAt), timeText(a.PaidAt))
	add("total", moneyText(b.Total), moneyText(a.Total))
	add("items", itemsText(b.Items), itemsText(a.Items))
	return out
}

func stateName(s PoolState) string {
	if s == 0 {
		return ""
	}
	return s.String()
}

func orderStatusName(s OrderStatus) string {
	if s == 0 {
		return ""
	}
	return s.String()
}

func orderNo(no uint64) string {
	if no == 0 {
		return ""
	}
	return OrderNumber(no)
}

// boolText is "" for a field of an object that did not exist yet.
func boolText(v, exists bool) string {
	if !exists {
		return ""
	}
	return strconv.FormatBool(v)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func moneyText(m Money) string {
	if m.Currency == "" && m.Minor == 0 {
		return ""
	}
	return m.String()
}

// itemsText is every line as SKU×qty@price, separated by "; ".
func itemsText(items []Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = it.SKU + "×" + strconv.Itoa(it.Qty) + "@" + it.Price.Decimal()
	}
	return strings.Join(parts, "; ")
}

// DiffRefund lists the fields of a refund request that differ between before (nil for a
// new request) and after.
func DiffRefund(before, after *RefundRequest) []FieldChange {
	var b RefundRequest
	if before != nil {
		b = *before
	}
	key := after.RefundKey.String()
	var out []FieldChange
	add := func(field, x, y string) {
		if x != y {
			out = append(out, FieldChange{Key: key, Field: field, Before: x, After: y})
		}
	}
	state := func(r *RefundRequest) string {
		if r.State == 0 {
			return ""
		}
		return r.State.String()
	}
	add("state", state(&b), state(after))
	add("trade_id", b.TradeID, after.TradeID)
	add("kind", kindName(b.Kind), kindName(after.Kind))
	add("amount", b.AmountText(), after.AmountText())
	add("reason", b.Reason, after.Reason)
	add("requested_at", timeText(b.RequestedAt), timeText(after.RequestedAt))
	add("decision", b.Decision, after.Decision)
	add("order_no", orderNo(b.OrderNo), orderNo(after.OrderNo))
	if b.Refunded != after.Refunded {
		add("refunded", moneyText(b.Refunded), moneyText(after.Refunded))
	}
	return out
}

func kindName(k RefundKind) string {
	if k == 0 {
		return ""
	}
	return k.String()
}
