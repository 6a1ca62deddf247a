package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// DeliverySettings are the settings the store was opened with (rules 14–15).
func (s *Store) DeliverySettings() domain.DeliverySettings { return s.delivery }

// agingFrom is, for an aging phase, the newest phase start at which the clock may have
// moved a parcel past the phase's first status: parcels that began later are all still
// in it (registered, in_transit, pickup_1_5) and are counted from the phase counter.
func agingFrom(ph domain.Phase, set domain.DeliverySettings, now time.Time) time.Time {
	d := set.NoInfo()
	switch ph {
	case domain.PhasePickup:
		d = domain.PickupBounds[0]
	case domain.PhaseTransit:
		d = min(d, domain.DefaultStall)
		for _, st := range set.Stall {
			if st > 0 {
				d = min(d, st)
			}
		}
	}
	return now.Add(-d)
}

// DeliveryCounts counts shipments by delivery status at now (status --json "delivery").
func (s *Store) DeliveryCounts(now time.Time) (m map[domain.DeliveryStatus]int, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		m = deliveryCounts(tx, s.delivery, now)
		return nil
	})
	return m, err
}

// ParcelRow is one shipment as the parcels view and `export parcels` show it.
type ParcelRow struct {
	Order  domain.SalesOrder
	Parcel domain.ParcelState
	Status domain.DeliveryStatus
	Since  time.Time // when its phase began (the at_pickup event for a pickup age)
}

// DaysAtPickup is whole days since the at_pickup event, for a parcel waiting there.
func (r ParcelRow) DaysAtPickup(now time.Time) int {
	if !r.Status.Pickup() {
		return 0
	}
	return domain.DaysSince(r.Since, now)
}

// statusPhases are the phases a delivery status can come from.
func statusPhases(st domain.DeliveryStatus) []domain.Phase {
	switch st {
	case domain.DeliveryNoTracking:
		return []domain.Phase{domain.PhaseNoTracking}
	case domain.DeliveryRegistered:
		return []domain.Phase{domain.PhaseRegistered}
	case domain.DeliveryInTransit:
		return []domain.Phase{domain.PhaseTransit, domain.PhaseMoving}
	case domain.DeliveryStuck:
		return []domain.Phase{domain.PhaseTransit}
	case domain.DeliveryNoInfo:
		return []domain.Phase{domain.PhaseRegistered, domain.PhaseTransit, domain.PhaseMoving, domain.PhasePickup}
	case domain.DeliveryDelivered:
		return []domain.Phase{domain.PhaseDelivered}
	case domain.DeliveryReturned:
		return []domain.Phase{domain.PhaseReturned}
	case domain.DeliveryError:
		return []domain.Phase{domain.PhaseError}
	case domain.DeliveryStopped:
		return []domain.Phase{domain.PhaseStopped}
	}
	if st.Pickup() {
		return []domain.Phase{domain.PhasePickup}
	}
	return nil
}

// statusRange is where in a phase's rows (phase starts from..to, to exclusive; zero =
// open) the rows of a status lie, a little wide: each row is confirmed by the clock.
func statusRange(st domain.DeliveryStatus, ph domain.Phase, set domain.DeliverySettings, now time.Time) (from, to time.Time) {
	silent := now.Add(-set.NoInfo())
	switch {
	case st == domain.DeliveryNoInfo:
		return time.Time{}, silent.Add(time.Second)
	case !ph.Ages():
		return time.Time{}, time.Time{}
	case st == domain.DeliveryStuck:
		return silent.Add(-time.Second), agingFrom(ph, set, now).Add(time.Second)
	case st == domain.DeliveryPickup1to5:
		return now.Add(-domain.PickupBounds[0] - time.Second), time.Time{}
	case st == domain.DeliveryPickup5to15:
		return now.Add(-domain.PickupBounds[1] - time.Second), now.Add(-domain.PickupBounds[0] + time.Second)
	case st == domain.DeliveryPickup15to30:
		return now.Add(-domain.PickupBounds[2] - time.Second), now.Add(-domain.PickupBounds[1] + time.Second)
	case st == domain.DeliveryPickupOver30:
		return silent.Add(-time.Second), now.Add(-domain.PickupBounds[2] + time.Second)
	}
	return silent.Add(-time.Second), time.Time{}
}

// LoudFirst is every delivery status, the loudest first: the order of the parcels view.
func LoudFirst() []domain.DeliveryStatus {
	out := append([]domain.DeliveryStatus(nil), domain.DeliveryStatuses...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Loudness() < out[j-1].Loudness(); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// eachParcel walks the parcels of the statuses sts (in that order), each status oldest
// first, until fn says stop.
func eachParcel(tx *bolt.Tx, sts []domain.DeliveryStatus, set domain.DeliverySettings, now time.Time, fn func(no uint64, st domain.DeliveryStatus, since time.Time) bool) {
	c := tx.Bucket(bParcelsByPhase).Cursor()
	for _, st := range sts {
		for _, ph := range statusPhases(st) {
			from, to := statusRange(st, ph, set, now)
			start := timeKey([]byte{byte(ph)}, from)
			if from.IsZero() {
				start = []byte{byte(ph)}
			}
			end := []byte{byte(ph) + 1}
			if !to.IsZero() {
				end = timeKey([]byte{byte(ph)}, to)
			}
			for k, v := c.Seek(start); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
				if len(k) != 17 {
					continue
				}
				since := timeOfKey(k[1:9])
				if domain.StatusAt(ph, since, string(v), set, now) != st {
					continue
				}
				if !fn(binary.BigEndian.Uint64(k[9:]), st, since) {
					return
				}
			}
		}
	}
}

// ParcelDetail is one parcel with its whole event timeline, oldest first.
type ParcelDetail struct {
	ParcelRow
	Events []domain.TrackingEvent
}

// Parcel reads the parcel of order no at now; found is false when it has not shipped.
func (s *Store) Parcel(no uint64, now time.Time) (d ParcelDetail, found bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		o, ok, err := orderByNo(tx, no)
		if err != nil || !ok || !o.Shipment.Shipped() {
			return err
		}
		found = true
		d.Order = o
		pv := tx.Bucket(bParcels).Get(u64(no))
		if pv != nil {
			if d.Parcel, err = decodeParcel(pv); err != nil {
				return err
			}
		}
		var ph domain.Phase
		ph, d.Since = domain.PhaseOf(o.Shipment, d.Parcel)
		d.Status = domain.StatusAt(ph, d.Since, o.Shipment.Carrier, s.delivery, now)
		return eachOrderEvent(tx.Bucket(bParcelEvents), no, pv, func(k, v []byte) error {
			_, ev, _, err := decodeEvent(k, v)
			if err != nil {
				return fmt.Errorf("event of %s: %w", domain.OrderNumber(no), err)
			}
			ev.Tracking = o.Shipment.Number
			d.Events = append(d.Events, ev)
			return nil
		})
	})
	return d, found, err
}

// DeliveryOf is the delivery status of order o at now (zero when it has not shipped),
// for the order detail.
func (s *Store) DeliveryOf(o domain.SalesOrder, now time.Time) (domain.DeliveryStatus, domain.ParcelState, error) {
	if !o.Shipment.Shipped() {
		return 0, domain.ParcelState{}, nil
	}
	var p domain.ParcelState
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if pv := tx.Bucket(bParcels).Get(u64(o.No)); pv != nil {
			p, err = decodeParcel(pv)
		}
		return err
	})
	return domain.DeliveryOf(o.Shipment, p, s.delivery, now), p, err
}

// EachParcel streams every shipped order's parcel at now, by order number (export parcels).
func (s *Store) EachParcel(now time.Time, fn func(ParcelRow) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		get := txGetter(tx)
		pb := tx.Bucket(bParcels)
		return tx.Bucket(bOrders).ForEach(func(k, v []byte) error {
			if !orderMayBeShipped(v) {
				return nil
			}
			o, err := loadOrder(v, get)
			if err != nil {
				return err
			}
			if !o.Shipment.Shipped() {
				return nil
			}
			row := ParcelRow{Order: o}
			if pv := pb.Get(k); pv != nil {
				if row.Parcel, err = decodeParcel(pv); err != nil {
					return err
				}
			}
			var ph domain.Phase
			ph, row.Since = domain.PhaseOf(o.Shipment, row.Parcel)
			row.Status = domain.StatusAt(ph, row.Since, o.Shipment.Carrier, s.delivery, now)
			return fn(row)
		})
	})
}

// StoredEvent is one stored carrier event with its order and when it was received.
type StoredEvent struct {
	OrderNo  uint64
	Event    domain.TrackingEvent
	Received time.Time
}

// EachEvent streams the stored events whose time is at or after since (zero = all), by
// order number, then time (export events).
func (s *Store) EachEvent(since time.Time, fn func(StoredEvent) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		var curNo uint64
		var number string
		return eachEvent(tx, func(k, v []byte, _ bool) error {
			no, ev, received, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			if !since.IsZero() && ev.At.Before(since) {
				return nil
			}
			if no != curNo {
				curNo, number = no, ""
				if o, ok, err := orderByNo(tx, no); err == nil && ok {
					number = o.Shipment.Number
				}
			}
			ev.Tracking = number
			return fn(StoredEvent{OrderNo: no, Event: ev, Received: received})
		}, nil)
	})
}

// SetTracking stops (stop true, with a reason) or resumes following the parcel of the
// order ref names (rule 14: a stopped parcel reads stopped whatever its events say).
func (s *Store) SetTracking(r domain.OrderRef, stop bool, reason string, now time.Time, by Actor) (ParcelChange, error) {
	var ch ParcelChange
	if err := by.may(domain.ActionTrackStop); err != nil {
		return ch, err
	}
	reason = strings.TrimSpace(reason)
	err := s.db.Update(func(tx *bolt.Tx) error {
		o, err := lookupRef(tx, r)
		if err != nil {
			return err
		}
		w := s.withPolicy(newWtx(tx, 4)) // a resume may queue a delivery message
		if ch, err = w.setTrackingOf(&o, stop, reason, s.delivery, now, by); err != nil {
			if r, ok := err.(refusal); ok {
				return r.error
			}
			return err
		}
		action, detail := "parcel.resume", map[string]string{"tracking": o.Shipment.Number}
		if stop {
			action, detail["reason"] = "parcel.stop", reason
		}
		if err := w.audit(AuditEvent{At: now, Action: action, Detail: detail}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return ParcelChange{}, err
	}
	s.publish(Change{Kind: "parcel", N: 1})
	return ch, nil
}

// CompleteDue completes the delivered orders whose delivery is older than the
// complete-after setting and that have no refund pending (rule 15's clock): the server
// runs it now and then, and each import of events runs it. Only delivered orders are
// read (orders_by_status), so the cost follows the deliveries of the last days.
func (s *Store) CompleteDue(now time.Time, by Actor) (int, error) {
	if err := by.may(domain.ActionEvents); err != nil {
		return 0, err
	}
	set := s.delivery
	if !set.OrderFollows {
		return 0, nil
	}
	done := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		done = 0
		var nos []uint64
		cur := openIndex(tx, bOrdersByStatus).cursor()
		prefix := []byte{byte(domain.OrderDelivered)}
		for cur.seek(prefix, false); cur.k != nil && cur.k[0] == prefix[0]; cur.next() {
			nos = append(nos, binary.BigEndian.Uint64(cur.k[9:17]))
		}
		if len(nos) == 0 {
			return nil
		}
		// By order number, each order's record and parcel read by stepping forward.
		slices.Sort(nos)
		w := newWtx(tx, 2*len(nos))
		w.readAhead(bOrders, bParcels)
		for _, no := range nos {
			// The order's own fields say whether it is due; only a due order is read whole.
			o, err := w.orderFields(no)
			if err != nil || o == nil {
				if err != nil {
					return err
				}
				continue
			}
			p, err := w.parcelState(no)
			if err != nil {
				return err
			}
			ph, since := domain.PhaseOf(o.Shipment, p)
			if ph != domain.PhaseDelivered || now.Sub(since) < set.Complete() {
				continue
			}
			if o, err = w.getOrder(no); err != nil || o == nil {
				if err != nil {
					return err
				}
				continue
			}
			pending, err := w.refundPending(o.Key)
			if err != nil {
				return err
			}
			next, ok := domain.CompleteDelivered(*o, since, pending, set, now)
			if !ok {
				continue
			}
			if err := w.putOrder(o, &next); err != nil {
				return err
			}
			w.changed(domain.OrderNumber(no), domain.DiffOrder(o, &next)...)
			done++
		}
		if done == 0 {
			return nil
		}
		if err := w.audit(AuditEvent{At: now, Action: "order.complete", Detail: map[string]string{
			"completed": fmt.Sprint(done), "rule": "delivered longer ago than complete-after, no refund pending"}}, systemActor(by)); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil && done > 0 {
		s.publish(Change{Kind: "order", N: done})
	}
	return done, err
}
