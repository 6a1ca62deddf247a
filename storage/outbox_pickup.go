package storage

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// The clock's messages about parcels waiting at a pickup point (seed 001's aging), and
// the policy every write path that queues hands to its transaction.

// policy is when the messages w queues are due: the [notify] policy its Store method set
// (withPolicy) or, for a transaction no such method opened, the default.
func (w *wtx) policy() domain.NotifyPolicy {
	if w.notify != nil {
		return *w.notify
	}
	return domain.DefaultNotifyPolicy(time.Local)
}

// withPolicy gives w the store's [notify] policy: every public write that can queue a
// message (a delivery phase, a voucher code) calls it on its transaction before queueing,
// so its messages honour the send window the site configured.
func (s *Store) withPolicy(w *wtx) *wtx {
	pol := s.notifyPolicy()
	w.notify = &pol
	return w
}

// queueOrderMessage queues m about order o: to its channel, under its trade ID, and to
// its buyer's e-mail address when m is a buyer's kind.
func (w *wtx) queueOrderMessage(o *domain.SalesOrder, m domain.OutboxMessage, now time.Time) error {
	m.Channel, m.Key, m.Order = o.Channel, o.TradeID, o.No
	if domain.BuyerKind(m.Kind) {
		m.To = o.Consignee.Email
	}
	_, err := w.queueMessage(m, w.policy(), now)
	return err
}

// QueuePickupReminders queues the pickup_reminder of every parcel waiting at a pickup
// point for 5 days or more (stage "5") and for 15 days or more (stage "15"), once per
// order and stage (outbox_by_event); it returns how many it queued. Like QueueLate it is
// the clock's part of the outbox: serve's sender runs it before each send, and so does
// `outbox send` on a site run from cron.
//
// It does not read every shipment. A stage's reminder is owed while the parcel is in
// that stage's pickup status (pickup_5_15 for "5", pickup_15_30 for "15"), so the sweep
// seeks parcels_by_phase to the pickup rows whose since (the at_pickup event) lies
// between now-30d and now-5d and walks only those: the parcels the dashboard counts in
// those two statuses. No watermark is kept: the window is fixed by the clock, so an
// at_pickup event that arrives days late is still reminded, a sweep that was not run for
// a while catches up (a parcel first seen past 15 days gets stage 15 only), and the dedup
// row makes each later sweep a lookup per row. A parcel that left the pickup point
// (delivered, returned) or was stopped has no pickup row and is never read.
//
// The rows are found in a read transaction; only when some reminder is owed does one
// write transaction check each again (the parcel may have moved meanwhile) and queue.
func (s *Store) QueuePickupReminders(now time.Time, by Actor) (int, error) {
	if err := by.may(domain.ActionOutboxSend); err != nil {
		return 0, err
	}
	var owed []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		owed = pickupOwed(tx.Bucket(bParcelsByPhase).Cursor(), now, func(k []byte) bool {
			return tx.Bucket(bOutboxByEvent).Get(k) != nil
		})
		return nil
	})
	if err != nil || len(owed) == 0 {
		return 0, err
	}
	n := 0
	err = s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		w := s.withPolicy(newWtx(tx, 3*len(owed)+2))
		for _, no := range owed {
			ok, err := w.queuePickupReminder(no, now)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		if err := w.audit(AuditEvent{At: now, Action: "outbox.queue", Detail: map[string]string{"pickup_reminder": strconv.Itoa(n)}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil && n > 0 {
		s.publish(Change{Kind: "outbox", N: n})
	}
	return n, err
}

// pickupOwed walks the pickup rows of parcels_by_phase (c) whose since lies in
// [now-30d, now-5d] and returns the orders whose reminder for their stage is not queued
// (queued says whether an outbox_by_event key is taken).
func pickupOwed(c *bolt.Cursor, now time.Time, queued func(k []byte) bool) []uint64 {
	ph := byte(domain.PhasePickup)
	from := timeKey([]byte{ph}, now.Add(-domain.PickupBounds[2]))
	end := timeKey(nil, now.Add(-domain.PickupBounds[0]))
	var owed []uint64
	for k, _ := c.Seek(from); len(k) == 17 && k[0] == ph && bytes.Compare(k[1:9], end) <= 0; k, _ = c.Next() {
		no := binary.BigEndian.Uint64(k[9:])
		// The key holds whole seconds: the stage is decided again on the event's instant.
		stage := domain.PickupReminderStage(timeOfKey(k[1:9]), now)
		if stage != "" && !queued(outboxEventKey(no, domain.KindPickupReminder, stage)) {
			owed = append(owed, no)
		}
	}
	return owed
}

// queuePickupReminder queues the reminder owed now to order no's buyer, if its parcel is
// still at the pickup point (not stopped, not moved on) and its stage's reminder was not
// queued before.
func (w *wtx) queuePickupReminder(no uint64, now time.Time) (bool, error) {
	o, err := w.orderFields(no)
	if err != nil || o == nil || o.Status != domain.OrderShipped {
		return false, err
	}
	p, err := w.parcelState(no)
	if err != nil {
		return false, err
	}
	ph, since := domain.PhaseOf(o.Shipment, p)
	stage := domain.PickupReminderStage(since, now)
	if ph != domain.PhasePickup || stage == "" || queueOff {
		return false, nil
	}
	if w.get(bOutboxByEvent, outboxEventKey(no, domain.KindPickupReminder, stage)) != nil {
		return false, nil
	}
	// The message needs the trade (channel, buyer's address): read the order whole.
	if o, err = w.getOrder(no); err != nil || o == nil {
		return false, err
	}
	m := domain.OutboxMessage{Kind: domain.KindPickupReminder, Stage: stage, Note: p.Latest.Location, EventAt: since}
	return true, w.queueOrderMessage(o, m, now)
}
