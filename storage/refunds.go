package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
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
	w.pendingRefunds = nil // refundPending reads the queue again
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
// its own, due by the transaction's policy (w.policy: the Store method that opened the
// transaction sets the [notify] one). lastOutbox is its number.
func (w *wtx) putOutbox(m domain.OutboxMessage) error {
	pol := w.policy()
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
