package domain

import (
	"fmt"
	"time"
)

// OrderStatus is the life of a sales order (SPEC §2).
type OrderStatus uint8

const (
	OrderAwaitingShipment OrderStatus = iota + 1
	OrderShipped
	OrderDelivered
	OrderReturned
	OrderCancelled
	OrderCompleted
)

// OrderStatuses lists every status in display order.
var OrderStatuses = []OrderStatus{OrderAwaitingShipment, OrderShipped, OrderDelivered, OrderReturned, OrderCancelled, OrderCompleted}

// ShippedStatuses are the statuses of an order that has shipped: it has a parcel to follow.
var ShippedStatuses = []OrderStatus{OrderShipped, OrderDelivered, OrderReturned, OrderCompleted}

var orderStatusNames = map[OrderStatus]string{
	OrderAwaitingShipment: "awaiting_shipment", OrderShipped: "shipped", OrderDelivered: "delivered",
	OrderReturned: "returned", OrderCancelled: "cancelled", OrderCompleted: "completed",
}

func (s OrderStatus) String() string { return orderStatusNames[s] }

// ParseOrderStatus reads a status name; a unique prefix ("await", "ship") is enough.
func ParseOrderStatus(s string) (OrderStatus, error) {
	return parseName(s, OrderStatuses)
}

// DefaultShipWithin is how long after payment an order must ship (rule 6, seed 000).
const DefaultShipWithin = 7 * 24 * time.Hour

// SalesOrder is what a converted pool entry becomes.
type SalesOrder struct {
	No uint64
	Trade
	Status    OrderStatus
	CreatedAt time.Time
	ShipBy    time.Time
	Attention string // why an operator must look at it, e.g. the trade was cancelled after conversion
	Shipment  Shipment
	// AwaitingReturn is set by a return_goods refund on a shipped order: the buyer was
	// refunded and the goods are on their way back. Becoming returned clears it.
	AwaitingReturn bool
	// Told is the messages queued about the order's tracking numbers, oldest first: the
	// buyer's shipped message and the channel's tracking.upload line of each number (SPEC
	// rule 16: one message per order, kind and stage). It lives in the order, which every
	// change of number rewrites anyway, so a bulk upload finds and files them without an
	// index row each; it is never cut back, not even by an undo.
	Told ToldList
}

// OrderNumber prints a sales-order number as operators read it: SO00000042.
func OrderNumber(no uint64) string { return fmt.Sprintf("SO%08d", no) }

// Convert turns a pool entry into sales order number no (rule 4). It returns the converted
// entry and the new order, or the reason the entry is not eligible.
func Convert(e PoolEntry, no uint64, now time.Time, shipWithin time.Duration) (PoolEntry, SalesOrder, error) {
	if err := CheckConvertible(e); err != nil {
		return e, SalesOrder{}, err
	}
	if shipWithin <= 0 {
		shipWithin = DefaultShipWithin
	}
	o := SalesOrder{No: no, Trade: e.Trade, Status: OrderAwaitingShipment, CreatedAt: now, ShipBy: e.PaidAt.Add(shipWithin)}
	e.State, e.OrderNo, e.Changed, e.UpdatedAt = PoolConverted, no, false, now
	return e, o, nil
}

// FlagCancelled marks an order whose trade the channel reports cancelled after conversion.
func FlagCancelled(o SalesOrder, status TradeStatus) SalesOrder {
	o.Attention = fmt.Sprintf("channel reports the trade %s after conversion", status)
	return o
}

// DueWindow gives the ship-by instants that count as overdue (before overdueBefore) and
// due today (from overdueBefore up to dueBefore) for the warehouse's local day of now.
func DueWindow(now time.Time, loc *time.Location) (overdueBefore, dueBefore time.Time) {
	l := now.In(loc)
	endOfDay := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
	return now, endOfDay
}

// Urgency classifies an awaiting order for display.
type Urgency uint8

const (
	UrgencyNone Urgency = iota
	UrgencyDueToday
	UrgencyOverdue
)

// UrgencyOf says whether an order is overdue or due today at now.
func UrgencyOf(o SalesOrder, now time.Time, loc *time.Location) Urgency {
	if o.Status != OrderAwaitingShipment {
		return UrgencyNone
	}
	overdue, due := DueWindow(now, loc)
	switch {
	case o.ShipBy.Before(overdue):
		return UrgencyOverdue
	case o.ShipBy.Before(due):
		return UrgencyDueToday
	}
	return UrgencyNone
}
