package storage

// The refund queue's batch decisions: convert, reject and mark processed, each batch in
// one transaction with a result per request.

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// RefundRowResult is what a batch action did to one request: done, with what happened,
// or skipped with the reason.
type RefundRowResult struct {
	Key     domain.RefundKey `json:"key"`
	Done    bool             `json:"done"`
	OrderNo uint64           `json:"order_no,omitempty"`
	Text    string           `json:"text,omitempty"`   // done: what happened, e.g. "SO00000001 cancelled, refunded 144.97 CNY"
	Reason  string           `json:"reason,omitempty"` // skipped: why
}

// RefundBatchResult lists every row of a refund batch in the order given.
type RefundBatchResult struct {
	Rows []RefundRowResult
}

// Done counts the rows that were applied.
func (b RefundBatchResult) Done() int {
	n := 0
	for _, r := range b.Rows {
		if r.Done {
			n++
		}
	}
	return n
}

// Skipped counts the rows that were not applied.
func (b RefundBatchResult) Skipped() int { return len(b.Rows) - b.Done() }

// ErrUnknownRefunds means a batch named requests that are not in the queue; nothing was
// written.
type ErrUnknownRefunds []domain.RefundKey

func (e ErrUnknownRefunds) Error() string {
	s := "not in the refund queue:"
	for _, k := range e {
		s += " " + k.String()
	}
	return s
}

// refundStep is a domain decision on one request, ready to write.
type refundStep struct {
	next    domain.RefundRequest
	refusal error  // the request is skipped for this reason; nothing is written for it
	orderNo uint64 // the sales order it touched, if any
	text    string // what happened, for the operator
	audit   map[string]string
	write   func() error // writes beyond the request itself (order, refund, outbox)
}

type refundAction func(w *wtx, r domain.RefundRequest) (refundStep, error)

// refundBatch applies act to every key in one transaction: eligible requests are
// answered, ineligible ones are listed with their reason; a key that is not in the queue
// rejects the whole batch. The audit event records each request's state before → after.
func (s *Store) refundBatch(name string, keys []domain.RefundKey, now time.Time, by Actor, detail map[string]string, act refundAction) (RefundBatchResult, error) {
	var res RefundBatchResult
	if err := by.may(domain.ActionRefund); err != nil {
		return res, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = RefundBatchResult{Rows: make([]RefundRowResult, 0, len(keys))}
		w := newWtx(tx, len(keys))
		var unknown ErrUnknownRefunds
		seen := make(map[domain.RefundKey]bool, len(keys))
		var done []string
		audit := map[string]string{}
		for k, v := range detail {
			audit[k] = v
		}
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			old, err := w.getRefund(k)
			if err != nil {
				return err
			}
			if old == nil {
				unknown = append(unknown, k)
				continue
			}
			step, err := act(w, *old)
			if err != nil {
				return err
			}
			if step.refusal != nil {
				res.Rows = append(res.Rows, RefundRowResult{Key: k, OrderNo: step.orderNo, Reason: step.refusal.Error()})
				continue
			}
			if err := w.putRefund(old, &step.next); err != nil {
				return err
			}
			w.lastOutbox = 0
			if step.write != nil {
				if err := step.write(); err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
			}
			if domain.Undoable(name) { // not a conversion: money never moves by undo
				w.undoRefundOf(old, &step.next, w.lastOutbox)
			}
			res.Rows = append(res.Rows, RefundRowResult{Key: k, Done: true, OrderNo: step.orderNo, Text: step.text})
			done = append(done, k.String())
			w.changed(k.String(), domain.DiffRefund(old, &step.next)...)
			audit[k.String()] = fmt.Sprintf("%s → %s: %s", old.State, step.next.State, step.text)
			for obj, change := range step.audit {
				audit[obj] = change
			}
		}
		if len(unknown) > 0 {
			return unknown
		}
		if len(done) == 0 {
			return nil
		}
		if err := w.audit(AuditEvent{At: now, Action: name, Detail: audit}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return RefundBatchResult{}, err
	}
	if n := res.Done(); n > 0 {
		s.publish(Change{Kind: name, N: n})
	}
	return res, nil
}

// ConvertRefunds answers requests with refunds on their original orders in one
// transaction (rules 17 and 22): an order not yet shipped is cancelled and refunded in
// full; a shipped one is refunded by the request's kind. A request whose original order
// is not in shipdesk is refused with that reason.
func (s *Store) ConvertRefunds(keys []domain.RefundKey, now time.Time, by Actor) (RefundBatchResult, error) {
	return s.refundBatch("refund.convert", keys, now, by, nil, func(w *wtx, r domain.RefundRequest) (refundStep, error) {
		o, err := w.getOrderByKey(r.OrderKey())
		if err != nil {
			return refundStep{}, err
		}
		var prior []domain.Refund
		if o != nil {
			if prior, err = orderRefunds(w.tx, o.No); err != nil {
				return refundStep{}, err
			}
		}
		asked := r.Amount
		if r.Kind == domain.RefundVoucherUnexpired && o != nil {
			// The formula over the units still live is what is refunded (rule 26).
			if amount, ok, err := voucherProposal(w.tx, o.No, o.Total.Currency); err != nil {
				return refundStep{}, err
			} else if ok {
				r.Amount = amount
			}
		}
		c, refusal := domain.ConvertRefund(r, o, prior, now, by.Operator)
		c.Request.Amount = asked // the request keeps what the buyer asked for
		if refusal != nil {
			step := refundStep{refusal: refusal}
			if o != nil {
				step.orderNo = o.No
			}
			return step, nil
		}
		next := c.Order
		if c.AwaitReturn {
			next.AwaitingReturn = true
		}
		step := refundStep{next: c.Request, orderNo: o.No, text: strings.TrimPrefix(c.Summary(), r.RefundKey.String()+": ")}
		orderChanged := next.Status != o.Status || next.AwaitingReturn != o.AwaitingReturn
		if orderChanged {
			change := fmt.Sprintf("%s → %s", o.Status, next.Status)
			if next.AwaitingReturn {
				change += ", awaiting return"
			}
			step.audit = map[string]string{domain.OrderNumber(o.No): change}
		}
		step.write = func() error {
			so := domain.OrderNumber(o.No)
			if c.Refund != nil {
				if err := w.addRefund(&next, *c.Refund); err != nil {
					return err
				}
				w.changed(so, domain.FieldChange{Key: so, Field: "refund", After: c.Refund.Amount.String() + " (" + r.RefundKey.String() + ")"})
			}
			if r.Kind == domain.RefundVoucherUnexpired || r.Kind == domain.RefundNotReceived {
				if err := refundVoucher(w, o.No, r.Kind, now); err != nil {
					return err
				}
			}
			if !orderChanged {
				return nil
			}
			w.changed(so, domain.DiffOrder(o, &next)...)
			return w.putOrder(o, &next)
		}
		return step, nil
	})
}

// RejectRefunds refuses requests with a reason and queues each rejection in the outbox,
// to be written back to its channel (rule 18).
func (s *Store) RejectRefunds(keys []domain.RefundKey, reason string, now time.Time, by Actor) (RefundBatchResult, error) {
	return s.refundBatch(string(domain.ActionRefundReject), keys, now, by, map[string]string{"reason": reason}, func(w *wtx, r domain.RefundRequest) (refundStep, error) {
		next, msg, refusal := domain.RejectRefund(r, reason, now, by.Operator)
		if refusal != nil {
			return refundStep{refusal: refusal}, nil
		}
		return refundStep{next: next, text: "rejected, write-back to " + r.Channel + " queued",
			write: func() error { return w.rejectOutbox(msg, r, s.notifyPolicy()) }}, nil
	})
}

// ProcessRefunds closes requests with a reason and no refund; later imports of them are
// suppressed (rule 19).
func (s *Store) ProcessRefunds(keys []domain.RefundKey, reason string, now time.Time, by Actor) (RefundBatchResult, error) {
	return s.refundBatch(string(domain.ActionRefundProcess), keys, now, by, map[string]string{"reason": reason}, func(w *wtx, r domain.RefundRequest) (refundStep, error) {
		next, refusal := domain.ProcessRefund(r, reason, now, by.Operator)
		if refusal != nil {
			return refundStep{refusal: refusal}, nil
		}
		return refundStep{next: next, text: "marked processed"}, nil
	})
}
