package domain

import "fmt"

// orderMoves lists the status changes a sales order may make (SPEC §2).
var orderMoves = map[OrderStatus][]OrderStatus{
	OrderAwaitingShipment: {OrderShipped, OrderCancelled},
	OrderShipped:          {OrderDelivered, OrderReturned, OrderCompleted},
	OrderDelivered:        {OrderCompleted, OrderReturned},
}

// CheckTransition says why an order may not move from one status to another, or nil.
func CheckTransition(o SalesOrder, to OrderStatus) error {
	for _, s := range orderMoves[o.Status] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("order %s is %s and cannot become %s", OrderNumber(o.No), o.Status, to)
}

// Advance moves an order to a new status, or says why it may not.
func Advance(o SalesOrder, to OrderStatus) (SalesOrder, error) {
	if err := CheckTransition(o, to); err != nil {
		return o, err
	}
	o.Status = to
	if to == OrderReturned {
		o.AwaitingReturn = false
	}
	return o, nil
}
