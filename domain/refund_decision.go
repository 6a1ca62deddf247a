package domain

import (
	"fmt"
	"strings"
	"time"
)

// Refund is money given back on a sales order: the answer to a refund request, or a
// partial refund (compensation) an operator adds by hand (rule 20). An order's refunds
// are its refund history.
type Refund struct {
	OrderNo  uint64
	At       time.Time
	Amount   Money
	Request  RefundKey  // the request it answers; zero for a partial refund
	Kind     RefundKind // the request's kind; zero for a partial refund
	Reason   string
	Operator string
}

// Partial reports whether the refund was added by hand rather than answering a request.
func (r Refund) Partial() bool { return r.Request == RefundKey{} && r.Kind == 0 }

// Source names where a refund came from: the request key, "voucher_expired", or "partial".
func (r Refund) Source() string {
	if r.Partial() {
		return "partial"
	}
	if r.Request == (RefundKey{}) {
		return r.Kind.String()
	}
	return r.Request.String()
}

// Refundable is what is left to refund of paid after the given refunds; never below zero.
// Refunds in another currency than paid are not counted (CheckRefund never lets one in).
func Refundable(paid Money, refunds []Refund) Money {
	left := paid.Minor
	for _, r := range refunds {
		if r.Amount.Currency != paid.Currency {
			continue
		}
		left -= r.Amount.Minor
		if left <= 0 {
			return Money{Currency: paid.Currency}
		}
	}
	return Money{Minor: max(left, 0), Currency: paid.Currency}
}

// CheckRefund says why amount may not be refunded on the order after its prior refunds,
// or nil. It is the invariant of rule 20 — the refunds of an order never add up to more
// than was paid — and storage checks it again inside the transaction that records the
// refund.
func CheckRefund(o SalesOrder, prior []Refund, amount Money) error {
	paid := o.Total
	if amount.Currency != paid.Currency {
		return fmt.Errorf("refund in %s refused: %s was paid in %s", currencyName(amount.Currency), OrderNumber(o.No), paid.Currency)
	}
	for _, r := range prior {
		if r.Amount.Currency != paid.Currency {
			return fmt.Errorf("%s has a refund of %s on record but was paid in %s — fix that record first", OrderNumber(o.No), r.Amount, paid.Currency)
		}
	}
	if amount.Minor <= 0 {
		return fmt.Errorf("refund of %s refused: the amount must be more than zero", amount)
	}
	if left := Refundable(paid, prior); amount.Minor > left.Minor {
		return fmt.Errorf("refund of %s exceeds what is left to refund on %s: %s", amount, OrderNumber(o.No), left)
	}
	return nil
}

func currencyName(c string) string {
	if c == "" {
		return "no currency"
	}
	return c
}

// decisionText trims what an operator typed and says what is missing.
func decisionText(what, reason, operator string, reasonNeeded bool) (string, string, error) {
	reason, operator = strings.TrimSpace(reason), strings.TrimSpace(operator)
	switch {
	case reasonNeeded && reason == "":
		return "", "", fmt.Errorf("%s needs a reason", what)
	case len(reason) > maxField:
		return "", "", fmt.Errorf("the reason for %s is longer than %d bytes", what, maxField)
	case !TypedTextOK(reason):
		// It is written back to the channel and shown to other operators.
		return "", "", fmt.Errorf("the reason for %s holds control or invisible characters: type it again", what)
	case operator == "":
		return "", "", fmt.Errorf("%s needs the operator's name", what)
	}
	return reason, operator, nil
}

// CheckRefundPending says why a request can no longer be answered, or nil.
func CheckRefundPending(r RefundRequest) error {
	switch r.State {
	case RefundPending:
		return nil
	case RefundConverted:
		return fmt.Errorf("refund %s is already converted: %s refunded on %s by %s at %s", r.RefundKey, r.Refunded, OrderNumber(r.OrderNo), r.Operator, decidedAt(r))
	case RefundRejected, RefundProcessed:
		return fmt.Errorf("refund %s is already %s by %s at %s (%s)", r.RefundKey, r.State, r.Operator, decidedAt(r), r.Decision)
	}
	return fmt.Errorf("refund %s has no queue state", r.RefundKey)
}

// decidedAt is when a request was answered, as the refusal of a second answer names it.
func decidedAt(r RefundRequest) string { return r.UpdatedAt.UTC().Format("2006-01-02 15:04 UTC") }

// RefundConversion is the outcome of converting a request: everything storage writes in
// one transaction.
type RefundConversion struct {
	Request RefundRequest // now converted, with OrderNo and Refunded set
	Order   SalesOrder    // the original order afterwards: cancelled if it had not shipped
	Refund  *Refund       // the refund to add to the order's history; nil if nothing was left
	// AwaitReturn is set for a return_goods refund on an order whose goods have not come
	// back yet: the order now waits for the return.
	AwaitReturn bool
}

// Summary is the result line for the operator.
func (c RefundConversion) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", c.Request.RefundKey, OrderNumber(c.Order.No))
	if c.Order.Status == OrderCancelled {
		b.WriteString(" cancelled,")
	}
	if c.Refund == nil {
		b.WriteString(" nothing left to refund")
	} else {
		fmt.Fprintf(&b, " refunded %s", c.Refund.Amount)
	}
	if c.AwaitReturn {
		b.WriteString(", waiting for the goods to come back")
	}
	return b.String()
}

// ConvertRefund answers a pending request with a refund on its original order (rules 17
// and 22). order is nil when shipdesk has no sales order for the trade; prior are the
// refunds already recorded on it.
//
// An order still awaiting shipment is cancelled and refunded in full: whatever is left to
// refund, whatever the kind. A shipped, delivered, completed or returned order is
// refunded by kind: not_received gives back the whole paid amount still left (the buyer
// cannot change it); received_no_return, return_goods and after_sale give the requested
// amount. A cancelled order is refused, as is any refund that would take the order's
// refunds past what was paid.
func ConvertRefund(req RefundRequest, order *SalesOrder, prior []Refund, now time.Time, operator string) (RefundConversion, error) {
	if err := CheckRefundPending(req); err != nil {
		return RefundConversion{}, err
	}
	_, op, err := decisionText("converting refund "+req.RefundKey.String(), "", operator, false)
	if err != nil {
		return RefundConversion{}, err
	}
	if order == nil {
		return RefundConversion{}, fmt.Errorf("original order %s is not in shipdesk — import and convert it first", req.OrderKey())
	}
	o := *order
	if o.Key != req.OrderKey() {
		return RefundConversion{}, fmt.Errorf("%s is order %s, not %s, the original of refund %s", OrderNumber(o.No), o.Key, req.OrderKey(), req.RefundKey)
	}
	requested, err := req.ResolveAmount(o.Total.Currency)
	if err != nil {
		return RefundConversion{}, err
	}
	left := Refundable(o.Total, prior)
	var amount Money
	awaitReturn := false
	switch o.Status {
	case OrderCancelled:
		return RefundConversion{}, fmt.Errorf("%s (%s) is cancelled — nothing to refund; mark refund %s processed", OrderNumber(o.No), o.Key, req.RefundKey)
	case OrderAwaitingShipment:
		if o, err = Advance(o, OrderCancelled); err != nil {
			return RefundConversion{}, err
		}
		amount = left
	case OrderShipped, OrderDelivered, OrderCompleted, OrderReturned:
		switch req.Kind {
		case RefundNotReceived:
			if left.Minor == 0 {
				return RefundConversion{}, fmt.Errorf("nothing is left to refund on %s: %s paid, all of it refunded — mark refund %s processed", OrderNumber(o.No), o.Total, req.RefundKey)
			}
			amount = left
		case RefundAfterSale:
			if o.Status != OrderCompleted {
				return RefundConversion{}, fmt.Errorf("refund %s is after_sale, accepted only on a completed order; %s is %s — an order completes some days after delivery (rule 15)",
					req.RefundKey, OrderNumber(o.No), o.Status)
			}
			amount = requested
		case RefundReceivedNoReturn:
			amount = requested
		case RefundReturnGoods:
			amount = requested
			awaitReturn = o.Status != OrderReturned
		case RefundVoucherUnexpired:
			// The amount is the formula's over the units still live (storage puts it in
			// the request): nothing when the fee takes it all.
			if !IsVoucherTrade(&o.Trade) {
				return RefundConversion{}, fmt.Errorf("%s is not a voucher order: a voucher_unexpired refund does not apply — reject or process refund %s", OrderNumber(o.No), req.RefundKey)
			}
			amount = requested
		default:
			return RefundConversion{}, fmt.Errorf("refund %s has no kind", req.RefundKey)
		}
	default:
		return RefundConversion{}, fmt.Errorf("%s has no status %d that a refund understands", OrderNumber(o.No), o.Status)
	}
	c := RefundConversion{Order: o, AwaitReturn: awaitReturn}
	if amount.Minor > 0 || o.Status != OrderCancelled && req.Kind != RefundVoucherUnexpired {
		if err := CheckRefund(o, prior, amount); err != nil {
			return RefundConversion{}, err
		}
		c.Refund = &Refund{OrderNo: o.No, At: now, Amount: amount, Request: req.RefundKey, Kind: req.Kind, Reason: req.Reason, Operator: op}
	}
	req.State, req.Changed, req.UpdatedAt, req.Operator = RefundConverted, false, now, op
	req.OrderNo, req.Refunded = o.No, Money{Minor: amount.Minor, Currency: o.Total.Currency}
	c.Request = req
	return c, nil
}

// RejectRefund refuses a pending request with a reason and queues the rejection for the
// channel (rule 18).
func RejectRefund(req RefundRequest, reason string, now time.Time, operator string) (RefundRequest, OutboxMessage, error) {
	if err := CheckRefundPending(req); err != nil {
		return req, OutboxMessage{}, err
	}
	reason, op, err := decisionText("rejecting refund "+req.RefundKey.String(), reason, operator, true)
	if err != nil {
		return req, OutboxMessage{}, err
	}
	req.State, req.Changed, req.UpdatedAt, req.Decision, req.Operator = RefundRejected, false, now, reason, op
	msg := OutboxMessage{Channel: req.Channel, Kind: OutboxRefundReject, Key: req.RefundID, Body: reason, CreatedAt: now}
	return req, msg, nil
}

// ProcessRefund closes a pending request with a reason, without a refund; later imports of
// it are suppressed (rule 19).
func ProcessRefund(req RefundRequest, reason string, now time.Time, operator string) (RefundRequest, error) {
	if err := CheckRefundPending(req); err != nil {
		return req, err
	}
	reason, op, err := decisionText("marking refund "+req.RefundKey.String()+" processed", reason, operator, true)
	if err != nil {
		return req, err
	}
	req.State, req.Changed, req.UpdatedAt, req.Decision, req.Operator = RefundProcessed, false, now, reason, op
	return req, nil
}

// PartialRefund adds a compensation to an order (rule 20, seed 002 部分退款): any number
// of them, each with a reason, as long as the order's refunds stay within what was paid.
func PartialRefund(o SalesOrder, prior []Refund, amount Money, reason string, now time.Time, operator string) (Refund, error) {
	reason, op, err := decisionText("a partial refund on "+OrderNumber(o.No), reason, operator, true)
	if err != nil {
		return Refund{}, err
	}
	if o.Status == OrderCancelled {
		return Refund{}, fmt.Errorf("order %s is cancelled: a cancelled order was refunded in full, so there is nothing to compensate", OrderNumber(o.No))
	}
	if err := CheckRefund(o, prior, amount); err != nil {
		return Refund{}, err
	}
	return Refund{OrderNo: o.No, At: now, Amount: amount, Reason: reason, Operator: op}, nil
}
