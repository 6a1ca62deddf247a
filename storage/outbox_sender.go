package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// The sender's lease, and the late messages the sender queues before it sends.

// ErrSenderBusy is a sender lease held by another sender.
type ErrSenderBusy struct {
	Holder string
	Until  time.Time
}

func (e *ErrSenderBusy) Error() string {
	return fmt.Sprintf("another sender (%s) is running until %s", e.Holder, e.Until.UTC().Format(time.RFC3339))
}

// TakeSenderLease takes or renews the one sender's lease until now+ttl, in a write
// transaction: two senders (serve and a cron run, two cron runs) never send at once.
// A lease another holder keeps past now is refused with *ErrSenderBusy.
func (s *Store) TakeSenderLease(holder string, now time.Time, ttl time.Duration, by Actor) error {
	if err := by.may(domain.ActionOutboxSend); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if h, until, ok := parseLease(meta.Get(kOutboxLease)); ok && h != holder && until.After(now) {
			return &ErrSenderBusy{Holder: h, Until: until}
		}
		v := binary.BigEndian.AppendUint64(append([]byte(holder), 0), uint64(now.Add(ttl).UnixNano()))
		return meta.Put(kOutboxLease, v)
	})
}

// ReleaseSenderLease gives the lease up if holder has it.
func (s *Store) ReleaseSenderLease(holder string, by Actor) error {
	if err := by.may(domain.ActionOutboxSend); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if h, _, ok := parseLease(meta.Get(kOutboxLease)); ok && h == holder {
			return meta.Delete(kOutboxLease)
		}
		return nil
	})
}

func parseLease(v []byte) (string, time.Time, bool) {
	i := bytes.IndexByte(v, 0)
	if i < 0 || len(v) != i+9 {
		return "", time.Time{}, false
	}
	return string(v[:i]), time.Unix(0, int64(binary.BigEndian.Uint64(v[i+1:]))), true
}

// QueueLate queues the late message of every order still awaiting shipment past its
// ship-by (once per order: later runs find it queued). It reads the status index from
// the first such order to the first not yet late, and returns how many it queued.
func (s *Store) QueueLate(now time.Time, by Actor) (int, error) {
	if err := by.may(domain.ActionOutboxSend); err != nil {
		return 0, err
	}
	pol := s.notifyPolicy()
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		w := newWtx(tx, 16)
		st := byte(domain.OrderAwaitingShipment)
		end := timeKey(nil, now)
		c := openIndex(tx, bOrdersByStatus).cursor()
		var late []uint64
		for c.seek([]byte{st}, false); c.k != nil && len(c.k) == 17 && c.k[0] == st && bytes.Compare(c.k[1:9], end) < 0; c.next() {
			no := binary.BigEndian.Uint64(c.k[9:])
			if w.get(bOutboxByEvent, outboxEventKey(no, domain.KindLate, "")) == nil {
				late = append(late, no)
			}
		}
		for _, no := range late {
			o, err := w.getOrder(no)
			if err != nil || o == nil || o.ShipBy.IsZero() {
				if err != nil {
					return err
				}
				continue
			}
			if err := w.queueFor(o, domain.KindLate, "", "", pol, now); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		if err := w.audit(AuditEvent{At: now, Action: "outbox.queue", Detail: map[string]string{"late": strconv.Itoa(n)}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil && n > 0 {
		s.publish(Change{Kind: "outbox", N: n})
	}
	return n, err
}

// queueDelivery queues the buyer's message of a parcel reaching a delivery phase through
// event ev: at the pickup point (where: the event's location; since: the event's time),
// delivered, returned (once per order, phase and tracking number).
//
// o may hold the order's own fields only (orderFields): the whole order, which the
// message's recipient needs, is read only when the message was not queued before.
func (w *wtx) queueDelivery(o *domain.SalesOrder, ph domain.Phase, ev domain.TrackingEvent, now time.Time) error {
	kind := deliveryKind[ph]
	if kind == "" || queueOff {
		return nil
	}
	if w.get(bOutboxByEvent, outboxEventKey(o.No, kind, o.Shipment.Number)) != nil {
		return nil
	}
	o, err := w.getOrder(o.No)
	if err != nil || o == nil {
		return err
	}
	m := domain.OutboxMessage{Kind: kind, Stage: o.Shipment.Number, Note: ev.Location, EventAt: ev.At}
	return w.queueOrderMessage(o, m, now)
}

// deliveryKind is the buyer's message of a parcel reaching each delivery phase.
var deliveryKind = map[domain.Phase]string{domain.PhasePickup: domain.KindAtPickup, domain.PhaseDelivered: domain.KindDelivered,
	domain.PhaseReturned: domain.KindReturned}
