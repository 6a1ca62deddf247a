package storage

// Stopping and resuming the following of parcels: one parcel (SetTracking) or a
// selection in one transaction with a result per parcel (SetTrackingMany).

import (
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// setTrackingOf stops (with the reason) or resumes following the parcel of order o, as
// rule 14 says, or says why it may not (domain.CheckStop: nothing is written then).
func (w *wtx) setTrackingOf(o *domain.SalesOrder, stop bool, reason string, set domain.DeliverySettings, now time.Time, by Actor) (ParcelChange, error) {
	old, err := w.parcelState(o.No)
	if err != nil {
		return ParcelChange{}, err
	}
	if err := domain.CheckStop(*o, old, stop, reason); err != nil {
		return ParcelChange{}, refusal{err}
	}
	next := old
	next.Stopped, next.StopReason, next.StoppedAt, next.StoppedBy = stop, "", time.Time{}, ""
	if stop {
		next.StopReason, next.StoppedAt, next.StoppedBy = reason, now, by.Operator
	}
	ch, err := w.settleParcel(o, old, next, set, now)
	if err != nil {
		return ch, err
	}
	so := domain.OrderNumber(o.No)
	w.changed(so, domain.FieldChange{Key: so, Field: "delivery", Before: ch.From.String(), After: ch.To.String()})
	return ch, nil
}

// refusal is a domain rule's refusal of one parcel: a batch skips the parcel with it.
type refusal struct{ error }

func (r refusal) Unwrap() error { return r.error }

// TrackingRowResult is what a stop or resume of a selection did to one parcel: done,
// with its change, or skipped with the reason.
type TrackingRowResult struct {
	OrderNo uint64
	Done    bool
	Change  ParcelChange // done: its delivery status before and after
	Reason  string       // skipped: why
}

// TrackingBatchResult lists every parcel of a selection, in the order given (each once).
type TrackingBatchResult struct {
	Rows []TrackingRowResult
}

// Done counts the parcels stopped or resumed.
func (b TrackingBatchResult) Done() int {
	n := 0
	for _, r := range b.Rows {
		if r.Done {
			n++
		}
	}
	return n
}

// Skipped counts the parcels left as they were.
func (b TrackingBatchResult) Skipped() int { return len(b.Rows) - b.Done() }

// SetTrackingMany stops (stop true, with one reason for all) or resumes following the
// parcels of orders nos in one transaction: each parcel the rules allow is stopped or
// resumed (its order moving as rule 15 says, as SetTracking does), each other is listed
// with the reason (not shipped, already stopped, not stopped, no such order). One audit
// event, parcel.stop or parcel.resume, lists every order done; with none done nothing
// is written.
func (s *Store) SetTrackingMany(nos []uint64, stop bool, reason string, now time.Time, by Actor) (TrackingBatchResult, error) {
	var res TrackingBatchResult
	if err := by.may(domain.ActionTrackStop); err != nil {
		return res, err
	}
	reason = strings.TrimSpace(reason)
	set := s.delivery
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = TrackingBatchResult{Rows: make([]TrackingRowResult, 0, len(nos))}
		w := s.withPolicy(newWtx(tx, 4*len(nos))) // a resume may queue delivery messages
		seen := make(map[uint64]bool, len(nos))
		var done []string
		detail := map[string]string{}
		for _, no := range nos {
			if seen[no] {
				continue
			}
			seen[no] = true
			o, err := w.getOrder(no)
			if err != nil {
				return err
			}
			if o == nil {
				res.Rows = append(res.Rows, TrackingRowResult{OrderNo: no, Reason: "there is no order " + domain.OrderNumber(no)})
				continue
			}
			ch, err := w.setTrackingOf(o, stop, reason, set, now, by)
			if r, ok := err.(refusal); ok {
				res.Rows = append(res.Rows, TrackingRowResult{OrderNo: no, Reason: r.Error()})
				continue
			}
			if err != nil {
				return err
			}
			res.Rows = append(res.Rows, TrackingRowResult{OrderNo: no, Done: true, Change: ch})
			so := domain.OrderNumber(no)
			done = append(done, so)
			detail[so] = o.Shipment.Number + ": " + ch.From.String() + " → " + ch.To.String()
			if ch.OrderTo != ch.OrderFrom {
				detail[so] += "; " + orderMoveText(ch)
			}
		}
		if len(done) == 0 {
			return nil
		}
		detail["orders"] = strings.Join(done, " ")
		action := "parcel.resume"
		if stop {
			action, detail["reason"] = "parcel.stop", reason
		}
		if err := w.audit(AuditEvent{At: now, Action: action, Detail: detail}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return TrackingBatchResult{}, err
	}
	if n := res.Done(); n > 0 {
		s.publish(Change{Kind: "parcel", N: n})
	}
	return res, nil
}
