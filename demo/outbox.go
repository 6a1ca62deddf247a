package demo

import (
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// maxOutboxOrders bounds the demo's outbox: the latest shipped orders' messages.
const maxOutboxOrders = 40

// Outbox queues the messages of the latest orders shipped in the fortnight before now (the
// buyer's shipped message, by e-mail for one in three, and the channel's tracking
// write-back), and the pickup reminders owed now, and leaves them in every state: sent,
// failed (will retry), dead, cancelled and queued.
func Outbox(s *storage.Store, now time.Time) error {
	by := storage.Actor{Operator: "demo", Role: domain.RoleSupervisor}
	// The parcels waiting at a pickup point 5 and 15 days get their reminders, as the
	// sender would have queued them.
	if _, err := s.QueuePickupReminders(now, by); err != nil {
		return err
	}
	var recent []domain.SalesOrder
	err := s.EachShipment(now.Add(-14*24*time.Hour), func(o domain.SalesOrder) error {
		if o.Shipment.Number == "" {
			return nil
		}
		recent = append(recent, o)
		if len(recent) > maxOutboxOrders {
			recent = recent[1:]
		}
		return nil
	})
	if err != nil || len(recent) == 0 {
		return err
	}
	var msgs []domain.OutboxMessage
	for i, o := range recent {
		shipped := domain.OutboxMessage{Channel: o.Channel, Kind: domain.KindShipped, Key: o.TradeID, Order: o.No, Stage: o.Shipment.Number}
		if i%3 == 0 {
			shipped.To = "buyer" + o.TradeID[max(0, len(o.TradeID)-4):] + "@example.com"
		}
		msgs = append(msgs, shipped,
			domain.OutboxMessage{Channel: o.Channel, Kind: domain.KindTrackingUpload, Key: o.TradeID, Order: o.No, Stage: o.Shipment.Number})
	}
	if _, err := s.QueueMessages(msgs, now.Add(-2*time.Hour), by); err != nil {
		return err
	}
	var ids []uint64
	if err := s.ListOutbox([]domain.OutboxState{domain.OutboxQueued}, func(m domain.OutboxMessage) error {
		ids = append(ids, m.ID)
		return nil
	}); err != nil {
		return err
	}
	// Most messages went out; a few wait, some failed and will retry, fewer gave up after
	// every attempt, and a few were cancelled.
	var sent, failed, dead []storage.OutboxResult
	var cancelIDs []uint64
	for i, id := range ids {
		switch {
		case i%40 == 1 || i%40 == 2:
			failed = append(failed, storage.OutboxResult{ID: id, At: now.Add(-30 * time.Minute), Err: "HTTP 503: gateway busy"})
		case i%40 == 3:
			dead = append(dead, storage.OutboxResult{ID: id, Err: "dial tcp: connection refused"})
		case i%40 == 4:
			cancelIDs = append(cancelIDs, id)
		case i%5 == 0:
			// still queued, waiting for the send window or the next day
		default:
			sent = append(sent, storage.OutboxResult{ID: id, At: now.Add(-time.Hour)})
		}
	}
	const maxAttempts = 8
	if err := s.RecordOutbox(sent, maxAttempts, now, by); err != nil {
		return err
	}
	if err := s.RecordOutbox(failed, maxAttempts, now, by); err != nil {
		return err
	}
	// A dead message failed every attempt, the last some hours ago.
	for n := range maxAttempts {
		at := now.Add(-time.Duration(maxAttempts-n) * time.Hour)
		for i := range dead {
			dead[i].At = at
		}
		if err := s.RecordOutbox(dead, maxAttempts, at, by); err != nil {
			return err
		}
	}
	if len(cancelIDs) > 0 {
		if _, err := s.CancelOutbox(cancelIDs, "buyer asked not to be messaged", now, by); err != nil {
			return err
		}
	}
	return nil
}
