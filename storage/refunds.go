package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// The refund queue (SPEC §3 rules 17–22): requests, the refunds given on orders, and
// the outbox of write-backs to the channels. Buckets are drawn in store.go.
//
// Refunds live in their own bucket, keyed by order number and a sequence, rather than
// inside the order record: a year of a million orders, nearly all never refunded, pays
// nothing for them, and an order's refunds are one short prefix read away.
//
// The refund buckets are written straight to bbolt rather than through the wtx overlay:
// a batch reads an order's refunds back by prefix (the overlay answers exact keys only),
// and refund traffic is thousands of rows, not millions. Orders, counters and audit
// events still go through the overlay.

// The refund buckets (bRefunds, bRefundsByState, bOrderRefunds, bOutbox) are declared in
// the schema table (schema.go).

var kOutboxSeq = []byte("seq/outbox")

const refundRecordVersion = 1

// Counter names per refund state, built once.
var refundCounter = map[domain.RefundState]string{}

func init() {
	for _, st := range domain.RefundStates {
		refundCounter[st] = "refund/" + st.String()
	}
}

func refundKey(k domain.RefundKey) []byte {
	b := make([]byte, 0, len(k.Channel)+1+len(k.RefundID))
	b = append(append(b, k.Channel...), 0)
	return append(b, k.RefundID...)
}

func refundStateKey(st domain.RefundState, respondBy time.Time, rk []byte) []byte {
	k := make([]byte, 0, 9+len(rk))
	k = timeKey(append(k, byte(st)), respondBy)
	return append(k, rk...)
}

func encodeRefundRequest(r *domain.RefundRequest) []byte {
	w := enc{b: make([]byte, 0, 96+len(r.Channel)+len(r.RefundID)+len(r.TradeID)+len(r.Reason)+len(r.Decision)+len(r.Operator))}
	w.byte(refundRecordVersion)
	w.byte(uint8(r.State))
	w.bool(r.Changed)
	w.s(r.Channel)
	w.s(r.RefundID)
	w.s(r.TradeID)
	w.byte(uint8(r.Kind))
	w.s(r.Amount.Currency)
	w.i(r.Amount.Minor)
	w.s(r.Reason)
	w.t(r.RequestedAt)
	w.t(r.RespondBy)
	w.t(r.ImportedAt)
	w.t(r.UpdatedAt)
	w.s(r.Decision)
	w.s(r.Operator)
	w.u(r.OrderNo)
	w.s(r.Refunded.Currency)
	w.i(r.Refunded.Minor)
	if !r.GoodsBack.IsZero() {
		w.t(r.GoodsBack) // an optional tail: records written before it read as zero
	}
	return w.b
}

func decodeRefundRequest(b []byte) (domain.RefundRequest, error) {
	var r domain.RefundRequest
	d := dec{b: b}
	if d.byte() != refundRecordVersion {
		return r, errCorrupt
	}
	r.State = domain.RefundState(d.byte())
	r.Changed = d.bool()
	r.Channel = d.s()
	r.RefundID = d.s()
	r.TradeID = d.s()
	r.Kind = domain.RefundKind(d.byte())
	r.Amount.Currency = d.s()
	r.Amount.Minor = d.i()
	r.Reason = d.s()
	r.RequestedAt = d.t()
	r.RespondBy = d.t()
	r.ImportedAt = d.t()
	r.UpdatedAt = d.t()
	r.Decision = d.s()
	r.Operator = d.s()
	r.OrderNo = d.u()
	r.Refunded.Currency = d.s()
	r.Refunded.Minor = d.i()
	if d.err == nil && len(d.b) > 0 {
		r.GoodsBack = d.t()
	}
	return r, d.err
}

// A refund record holds everything but the order number, which is in its key.
func encodeRefund(r *domain.Refund) []byte {
	w := enc{b: make([]byte, 0, 48+len(r.Amount.Currency)+len(r.Request.Channel)+len(r.Request.RefundID)+len(r.Reason)+len(r.Operator))}
	w.byte(refundRecordVersion)
	w.t(r.At)
	w.s(r.Amount.Currency)
	w.i(r.Amount.Minor)
	w.s(r.Request.Channel)
	w.s(r.Request.RefundID)
	w.byte(uint8(r.Kind))
	w.s(r.Reason)
	w.s(r.Operator)
	return w.b
}

func decodeRefund(no uint64, b []byte) (domain.Refund, error) {
	r := domain.Refund{OrderNo: no}
	d := dec{b: b}
	if d.byte() != refundRecordVersion {
		return r, errCorrupt
	}
	r.At = d.t()
	r.Amount.Currency = d.s()
	r.Amount.Minor = d.i()
	r.Request.Channel = d.s()
	r.Request.RefundID = d.s()
	r.Kind = domain.RefundKind(d.byte())
	r.Reason = d.s()
	r.Operator = d.s()
	return r, d.err
}

// orderRefunds reads the refunds given on an order, oldest first, as tx sees them.
func orderRefunds(tx *bolt.Tx, no uint64) ([]domain.Refund, error) {
	var out []domain.Refund
	prefix := u64(no)
	c := tx.Bucket(bOrderRefunds).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		r, err := decodeRefund(no, v)
		if err != nil {
			return nil, fmt.Errorf("refund %x of %s: %w", k, domain.OrderNumber(no), err)
		}
		out = append(out, r)
	}
	return out, nil
}

// addRefund records a refund on an order. It checks the invariant of rule 20 once more
// on the refunds this transaction reads, whatever was decided before: a refund decided
// on a stale view (another session refunded the order meanwhile) is refused here.
func (w *wtx) addRefund(o *domain.SalesOrder, r domain.Refund) error {
	prior, err := orderRefunds(w.tx, o.No)
	if err != nil {
		return err
	}
	if err := domain.CheckRefund(*o, prior, r.Amount); err != nil {
		return err
	}
	// Refunds are never deleted, so the next sequence is one past the count.
	key := binary.BigEndian.AppendUint32(u64(o.No), uint32(len(prior)+1))
	r.OrderNo = o.No
	if err := w.tx.Bucket(bOrderRefunds).Put(key, encodeRefund(&r)); err != nil {
		return err
	}
	w.add("refunded", r.Amount.Currency, r.Amount.Minor)
	return nil
}

func countRefund(w *wtx, r *domain.RefundRequest, sign int64) {
	w.add(refundCounter[r.State], "", sign)
	if r.Changed && r.State.Open() {
		w.add("refund/changed", "", sign)
	}
}

func (w *wtx) getRefund(k domain.RefundKey) (*domain.RefundRequest, error) {
	v := w.tx.Bucket(bRefunds).Get(refundKey(k))
	if v == nil {
		return nil, nil
	}
	r, err := decodeRefundRequest(v)
	if err != nil {
		return nil, fmt.Errorf("refund %s: %w", k, err)
	}
	return &r, nil
}

// putRefund writes next over old (nil if new), keeping the queue index and counters.
func (w *wtx) putRefund(old, next *domain.RefundRequest) error {
	rk := refundKey(next.RefundKey)
	idx := w.tx.Bucket(bRefundsByState)
	if old != nil {
		countRefund(w, old, -1)
		if err := idx.Delete(refundStateKey(old.State, old.RespondBy, rk)); err != nil {
			return err
		}
	}
	countRefund(w, next, 1)
	if err := w.tx.Bucket(bRefunds).Put(rk, encodeRefundRequest(next)); err != nil {
		return err
	}
	return idx.Put(refundStateKey(next.State, next.RespondBy, rk), []byte(domain.RefundSearchText(next)))
}

// putOutbox queues a message that names no order and no stage (a voucher's code): each is
// its own, due by the transaction's policy (the default when none was set). lastOutbox is
// its number.
func (w *wtx) putOutbox(m domain.OutboxMessage) error {
	pol := domain.DefaultNotifyPolicy(time.Local)
	if w.notify != nil {
		pol = *w.notify
	}
	if m.Kind == domain.OutboxVoucherCode && m.Transport == "" {
		m.Transport, m.To = domain.TransportWebhook, m.Key // to the buyer's phone
	}
	_, err := w.queueMessage(m, pol, m.CreatedAt)
	return err
}

// rejectOutbox queues a refund rejection's write-back to its channel and, when the
// request's original order is in shipdesk, the rejection to its buyer (once per refund
// each). lastOutbox is the write-back's number.
func (w *wtx) rejectOutbox(m domain.OutboxMessage, r domain.RefundRequest, pol domain.NotifyPolicy) error {
	o, err := w.getOrderByKey(domain.Key{Channel: r.Channel, TradeID: r.TradeID})
	if err != nil {
		return err
	}
	if o == nil && r.OrderNo != 0 {
		if o, err = w.getOrder(r.OrderNo); err != nil {
			return err
		}
	}
	m.Stage = m.Channel + ":" + m.Key
	if o != nil {
		m.Order = o.No
	}
	if _, err := w.queueMessage(m, pol, m.CreatedAt); err != nil {
		return err
	}
	if o == nil {
		return nil
	}
	writeBack := w.lastOutbox
	err = w.queueFor(o, domain.KindRefundRejected, m.Stage, m.Body, pol, m.CreatedAt)
	w.lastOutbox = writeBack
	return err
}

// RefundImportResult counts what a refund import did, one outcome per request.
type RefundImportResult struct {
	New        int `json:"new"`
	Updated    int `json:"updated"`
	Unchanged  int `json:"unchanged"`
	Suppressed int `json:"suppressed"` // processed earlier
	Skipped    int `json:"skipped"`    // converted or rejected earlier
	// AutoRefunded counts voucher_unexpired requests on products with auto_refund,
	// decided at import by the formula (rule 26): the platform refunds them itself.
	AutoRefunded int `json:"auto_refunded"`
}

func (r *RefundImportResult) count(o domain.ImportOutcome, d int) {
	switch o {
	case domain.ImportNew:
		r.New += d
	case domain.ImportUpdated:
		r.Updated += d
	case domain.ImportUnchanged:
		r.Unchanged += d
	case domain.ImportSuppressed:
		r.Suppressed += d
	case domain.ImportSkipped:
		r.Skipped += d
	}
}

// ImportRefunds applies refund requests to the queue in one transaction (rule 19 and
// the pool's idempotence): all or nothing. A key given twice counts once, with its last
// content.
func (s *Store) ImportRefunds(claims []domain.RefundClaim, now time.Time, by Actor) (RefundImportResult, error) {
	var res RefundImportResult
	if err := by.may(domain.ActionRefundImport); err != nil {
		return res, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = RefundImportResult{}
		w := newWtx(tx, 16)
		type seenKey struct {
			before  *domain.RefundRequest
			outcome domain.ImportOutcome
		}
		seen := map[domain.RefundKey]seenKey{}
		for _, c := range claims {
			cur, err := w.getRefund(c.RefundKey)
			if err != nil {
				return err
			}
			before := cur
			if prev, ok := seen[c.RefundKey]; ok {
				before = prev.before
				res.count(prev.outcome, -1)
			}
			next, outcome := domain.ApplyRefundImport(before, c, now)
			seen[c.RefundKey] = seenKey{before: before, outcome: outcome}
			res.count(outcome, 1)
			if (outcome == domain.ImportNew || outcome == domain.ImportUpdated) && next.Kind == domain.RefundVoucherUnexpired {
				auto, err := w.autoVoucherRefund(&next, now)
				if err != nil {
					return err
				}
				if auto {
					res.AutoRefunded++
				}
			}
			switch outcome {
			case domain.ImportSuppressed, domain.ImportSkipped:
				continue
			case domain.ImportUnchanged:
				if cur == before {
					continue
				}
			}
			if err := w.putRefund(cur, &next); err != nil {
				return err
			}
			if outcome == domain.ImportUpdated {
				// New requests are counted, not listed: their content is the file.
				w.changed(c.RefundKey.String(), domain.DiffRefund(before, &next)...)
			}
		}
		if res.New+res.Updated == 0 {
			return errNothingChanged // no audit event for an import that changed nothing
		}
		if err := w.audit(AuditEvent{At: now, Action: "refund.import", Detail: map[string]string{
			"requests": strconv.Itoa(len(claims)), "new": strconv.Itoa(res.New), "updated": strconv.Itoa(res.Updated),
			"unchanged": strconv.Itoa(res.Unchanged), "suppressed": strconv.Itoa(res.Suppressed), "skipped": strconv.Itoa(res.Skipped),
			"auto_refunded": strconv.Itoa(res.AutoRefunded),
		}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if errors.Is(err, errNothingChanged) {
		return res, nil
	}
	if err != nil {
		return RefundImportResult{}, err
	}
	s.publish(Change{Kind: "refund", N: len(claims)})
	return res, nil
}

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
	return s.refundBatch("refund.reject", keys, now, by, map[string]string{"reason": reason}, func(w *wtx, r domain.RefundRequest) (refundStep, error) {
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
	return s.refundBatch("refund.process", keys, now, by, map[string]string{"reason": reason}, func(w *wtx, r domain.RefundRequest) (refundStep, error) {
		next, refusal := domain.ProcessRefund(r, reason, now, by.Operator)
		if refusal != nil {
			return refundStep{refusal: refusal}, nil
		}
		return refundStep{next: next, text: "marked processed"}, nil
	})
}

// PartialResult is a partial refund as recorded, and what is left to refund after it.
type PartialResult struct {
	Order  domain.SalesOrder
	Refund domain.Refund
	Left   domain.Money
}

// PartialRefund adds a compensation of amount (a decimal in the order's currency) with a
// reason to the order ref names — SO number, CHANNEL:TRADE_ID, trade ID or payment
// reference (rule 20). The refunds already on the order are read inside the transaction,
// so an amount that would take them past what was paid is refused, with what is left.
func (s *Store) PartialRefund(ref domain.OrderRef, amount domain.Amount, reason string, now time.Time, by Actor) (PartialResult, error) {
	var res PartialResult
	if err := by.may(domain.ActionPartial); err != nil {
		return res, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		o, err := lookupRef(tx, ref)
		if err != nil {
			return err
		}
		m, err := amount.In(o.Total.Currency)
		if err != nil {
			return err
		}
		prior, err := orderRefunds(tx, o.No)
		if err != nil {
			return err
		}
		r, err := domain.PartialRefund(o, prior, m, reason, now, by.Operator)
		if err != nil {
			return err
		}
		w := newWtx(tx, 4)
		if err := w.addRefund(&o, r); err != nil {
			return err
		}
		left := domain.Refundable(o.Total, append(prior, r))
		if err := w.audit(AuditEvent{At: now, Action: "refund.partial", Objects: []string{domain.OrderNumber(o.No)},
			Detail: map[string]string{"amount": r.Amount.String(), "reason": r.Reason,
				"left": fmt.Sprintf("%s → %s", domain.Refundable(o.Total, prior), left)}}, by); err != nil {
			return err
		}
		res = PartialResult{Order: o, Refund: r, Left: left}
		return w.commit()
	})
	if err != nil {
		return PartialResult{}, err
	}
	s.publish(Change{Kind: "refund.partial", N: 1})
	return res, nil
}

// OrderRefunds reads the refunds given on an order, oldest first.
func (s *Store) OrderRefunds(no uint64) (rs []domain.Refund, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		rs, err = orderRefunds(tx, no)
		return err
	})
	return rs, err
}

// RefundQuery selects refund requests for the queue, ordered by respond-by.
type RefundQuery struct {
	States  []domain.RefundState // empty means pending
	Channel string
	Words   []string // lower-case words that must all match domain.RefundSearchText
	Desc    bool
}

func (q RefundQuery) states() []domain.RefundState {
	if len(q.States) == 0 {
		return []domain.RefundState{domain.RefundPending}
	}
	return q.States
}

// RefundRow is one row of the queue: the request and its original sales order's number
// (0 when shipdesk has no order for the trade).
type RefundRow struct {
	Request domain.RefundRequest
	OrderNo uint64
	Pos     Pos
}

// RefundWindow reads a window of the queue by respond-by; see PoolWindow for the
// arguments.
func (s *Store) RefundWindow(ctx context.Context, q RefundQuery, from Pos, back bool, limit int) (rows []RefundRow, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		refunds, get := tx.Bucket(bRefunds), txGetter(tx)
		words := byteWords(q.Words)
		var channel []byte
		if q.Channel != "" {
			channel = append([]byte(q.Channel), 0)
		}
		var prefixes [][]byte
		for _, st := range q.states() {
			prefixes = append(prefixes, []byte{byte(st)})
		}
		sc := newScanner(openIndex(tx, bRefundsByState), prefixes, from, back != q.Desc)
		for n := 0; ; n++ {
			if n&1023 == 1023 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			_, suffix, text, ok := sc.next()
			if !ok {
				return nil
			}
			if !textMatches(text, words) {
				continue
			}
			rk := suffix[8:]
			if channel != nil && !bytes.HasPrefix(rk, channel) {
				continue
			}
			if len(rows) == limit {
				more = true
				return nil
			}
			v := refunds.Get(rk)
			if v == nil {
				return fmt.Errorf("index points at missing refund request %q", rk)
			}
			r, err := decodeRefundRequest(v)
			if err != nil {
				return err
			}
			row := RefundRow{Request: r, Pos: append(Pos{}, suffix...)}
			if no := orderNoOf(get, poolKey(nil, r.OrderKey())); no != 0 {
				row.OrderNo = no
			}
			rows = append(rows, row)
		}
	})
	if back {
		slices.Reverse(rows)
	}
	return rows, more, err
}

// RefundCount is the number of rows of q when the counters know it (no words, no channel).
func (s *Store) RefundCount(q RefundQuery) (n int, exact bool, err error) {
	if len(q.Words) > 0 || q.Channel != "" {
		return 0, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, st := range q.states() {
			n += int(counter(tx, refundCounter[st]))
		}
		return nil
	})
	return n, true, err
}

// Refund reads one request.
func (s *Store) Refund(k domain.RefundKey) (r domain.RefundRequest, found bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bRefunds).Get(refundKey(k))
		if v == nil {
			return nil
		}
		found = true
		r, err = decodeRefundRequest(v)
		return err
	})
	return r, found, err
}

// RefundDetail is a request with its original order (nil when shipdesk has none) and
// the refunds given on that order so far.
type RefundDetail struct {
	Request domain.RefundRequest
	Order   *domain.SalesOrder
	Refunds []domain.Refund
	// Proposed is, for a voucher_unexpired request on a voucher order, the formula's
	// amount over the units still live: what converting it refunds (rule 26).
	Proposed *domain.Money
}

// ErrNoRefund means the request is not in the queue.
var ErrNoRefund = errors.New("no such refund request")

// RefundDetail reads a request, its original order and that order's refunds in one view.
func (s *Store) RefundDetail(k domain.RefundKey) (d RefundDetail, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bRefunds).Get(refundKey(k))
		if v == nil {
			return fmt.Errorf("%s: %w", k, ErrNoRefund)
		}
		if d.Request, err = decodeRefundRequest(v); err != nil {
			return err
		}
		no := orderNoOf(txGetter(tx), poolKey(nil, d.Request.OrderKey()))
		if no == 0 {
			return nil
		}
		o, found, err := orderByNo(tx, no)
		if err != nil || !found {
			return err
		}
		d.Order = &o
		if d.Refunds, err = orderRefunds(tx, o.No); err != nil {
			return err
		}
		if d.Request.Kind == domain.RefundVoucherUnexpired {
			m, ok, err := voucherProposal(tx, o.No, o.Total.Currency)
			if err != nil {
				return err
			}
			if ok {
				d.Proposed = &m
			}
		}
		return nil
	})
	return d, err
}

// EachRefund streams every request in key order (for export).
func (s *Store) EachRefund(fn func(domain.RefundRequest) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bRefunds).ForEach(func(_, v []byte) error {
			r, err := decodeRefundRequest(v)
			if err != nil {
				return err
			}
			return fn(r)
		})
	})
}

// RefundCounts is the refund queue's part of the quick status.
type RefundCounts struct {
	Pending   int
	Changed   int
	DueSoon   int // pending, respond-by within domain.RefundDueSoonWithin
	Overdue   int // pending, respond-by passed
	Converted int
	Rejected  int
	Processed int
	Refunded  []domain.Money // everything refunded, one sum per currency, by currency code
}

// refundCounts reads the counters and counts due-soon and overdue requests with a range
// read of the queue index: only pending requests due within a day are visited.
func refundCounts(tx *bolt.Tx, now time.Time) RefundCounts {
	c := RefundCounts{
		Pending: int(counter(tx, refundCounter[domain.RefundPending])), Changed: int(counter(tx, "refund/changed")),
		Converted: int(counter(tx, refundCounter[domain.RefundConverted])), Rejected: int(counter(tx, refundCounter[domain.RefundRejected])),
		Processed: int(counter(tx, refundCounter[domain.RefundProcessed])),
	}
	pending := byte(domain.RefundPending)
	overdue := timeKey([]byte{pending}, now)
	soon := timeKey([]byte{pending}, now.Add(domain.RefundDueSoonWithin))
	cur := tx.Bucket(bRefundsByState).Cursor()
	for k, _ := cur.Seek([]byte{pending}); len(k) >= 9 && bytes.Compare(k[:9], soon) <= 0; k, _ = cur.Next() {
		if bytes.Compare(k[:9], overdue) <= 0 {
			c.Overdue++
		} else {
			c.DueSoon++
		}
	}
	prefix := []byte("refunded@")
	cc := tx.Bucket(bCounts).Cursor()
	for k, v := cc.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cc.Next() {
		if len(v) == 8 {
			c.Refunded = append(c.Refunded, domain.Money{Currency: string(k[len(prefix):]), Minor: int64(binary.BigEndian.Uint64(v))})
		}
	}
	return c
}
