package domain

import (
	"errors"
	"fmt"
)

// Undo of a bulk action (issue 22): the pool's convert, remove and mark processed, the
// refund queue's reject and mark processed (the non-money actions: a refund given is
// never taken back by undo) and a tracking import can be undone by the operator who did
// it, or by a supervisor, as long as nothing later depends on what it did. These are the
// rules; storage reads the facts and applies what they allow in one transaction.

// ActionUndo is the undo of an earlier action, as the audit trail records it.
const ActionUndo Action = "undo"

// The audit actions of refund decisions, which can be undone (the role they need is
// ActionRefund's).
const (
	ActionRefundReject  Action = "refund.reject"
	ActionRefundProcess Action = "refund.process"
)

// Undoable says whether an action recorded under name can be undone at all.
func Undoable(name string) bool {
	switch Action(name) {
	case ActionConvert, ActionRemove, ActionProcess, ActionTracking, ActionRefundReject, ActionRefundProcess:
		return true
	}
	return false
}

// ErrUndoRefused is what every reason a row is kept wraps.
var ErrUndoRefused = errors.New("cannot be undone")

// MayUndo says whether who (holding role) may undo an action that by took: its own
// operator, or any supervisor.
func MayUndo(who string, role Role, by string) error {
	if err := Require(who, role, ActionUndo); err != nil {
		return err
	}
	if who == by || role >= RoleSupervisor {
		return nil
	}
	return fmt.Errorf("the action is %s's: only %s or a supervisor may undo it", by, by)
}

// UndoFacts are what storage found about one object of the action today.
type UndoFacts struct {
	// ChangedSince: the object is not as the action left it (a later action changed it).
	ChangedSince bool
	// OrderNo is the sales order a conversion made; Missing says it is gone.
	OrderNo uint64
	Missing bool
	// Shipped and Refunds are that order's shipment and the refunds given on it;
	// OrderChanged says a later action changed it otherwise (its status, a flag).
	Shipped      bool
	Refunds      int
	OrderChanged bool
	// WrittenBack: a rejection's message has left the outbox for the channel.
	WrittenBack bool
	// NumberNowOf is the order that now holds the tracking number an undone tracking
	// import would give back (0: none holds it).
	NumberNowOf uint64
}

// UndoRow says whether one object of an action recorded as action can be undone, and if
// not, why (an error wrapping ErrUndoRefused).
func UndoRow(action string, f UndoFacts) error {
	refuse := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrUndoRefused}, a...)...)
	}
	if f.ChangedSince {
		return refuse("changed by a later action")
	}
	switch Action(action) {
	case ActionConvert:
		so := OrderNumber(f.OrderNo)
		switch {
		case f.Missing:
			return refuse("its sales order %s is gone", so)
		case f.Shipped:
			return refuse("its sales order %s has shipped", so)
		case f.Refunds > 0:
			return refuse("its sales order %s has a refund", so)
		case f.OrderChanged:
			return refuse("its sales order %s was changed by a later action", so)
		}
	case ActionRefundReject:
		if f.WrittenBack {
			return refuse("the rejection was already written back to the channel")
		}
	case ActionTracking:
		if f.Refunds > 0 {
			return refuse("the order has a refund since")
		}
		if f.NumberNowOf != 0 {
			return refuse("its earlier tracking number is now %s's", OrderNumber(f.NumberNowOf))
		}
	}
	return nil
}
