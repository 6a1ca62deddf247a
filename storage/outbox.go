package storage

import (
	"bytes"
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

// The outbox (SPEC rule 16, §2 Outbox): every message owed to a buyer or a channel, one
// per (order, kind, stage), queued in the write transaction of the change that owes it
// (queueMessage) and sent later by the one sender (notify.Sender), which reads what is
// due in a read transaction, sends with no transaction open and records the outcomes in a
// short write transaction (RecordOutbox).
//
//	outbox            records: seq(8) → message (encodeOutbox; JSON for write-backs queued
//	                    before the outbox was delivered); seq is its ID; or a batch of
//	                    shipped messages seq, seq+1, … (outbox_batch.go)
//	outbox_by_state   index: state(1) | time(8) | seq(8) → empty; the time is the next
//	                    attempt, or when it was sent, died or was cancelled; one per batch
//	outbox_by_event   index: order(8) | kind 0x00 stage → seq(8): one message per
//	                    (order, kind, stage), and an order's messages; the shipped
//	                    messages and tracking.upload lines are listed in their orders
//	                    instead (domain.SalesOrder.Told)
//	meta lease/outbox the sender's lease: holder 0x00 expiry (Unix ns)
//
// Counters: outbox/<state>.

var kOutboxLease = []byte("lease/outbox")

// queueOff skips the shipments' messages: only benchmarks set it (export_test.go), to
// measure what queueing costs a tracking upload.
var queueOff bool

// putOutboxMsg writes next over old (nil if new), keeping its rows and counters.
func (w *wtx) putOutboxMsg(old, next *domain.OutboxMessage) error {
	b, err := encodeOutbox(next)
	if err != nil {
		return err
	}
	if old != nil {
		osk, _, _ := outboxRows(old)
		w.del(bOutboxByState, osk)
		w.add(outboxCounter(old.State), "", -1)
	}
	sk, ek, ev := outboxRows(next)
	w.put(bOutbox, u64(next.ID), b)
	w.put(bOutboxByState, sk, []byte{})
	if ek != nil {
		w.put(bOutboxByEvent, ek, ev)
	}
	w.add(outboxCounter(next.State), "", 1)
	return nil
}

// queueMessage queues m unless its (order, kind, stage) was queued before; it says whether
// it did. It is the one way into the outbox: call it inside the write transaction of the
// change that owes the message (a delivery status, a voucher, a shipment). The message is
// due when pol says (the send window, the next-day rule).
func (w *wtx) queueMessage(m domain.OutboxMessage, pol domain.NotifyPolicy, now time.Time) (bool, error) {
	if listedInOrder(&m) {
		return false, fmt.Errorf("a %s message is queued with its shipment (queueShipment), not on its own", m.Kind)
	}
	unique := m.Order == 0 && m.Stage == "" // its own: no event to repeat
	if !unique && w.get(bOutboxByEvent, outboxEventKey(m.Order, m.Kind, m.Stage)) != nil {
		return false, nil
	}
	seq, err := nextSeq(w.tx, kOutboxSeq)
	if err != nil {
		return false, err
	}
	if unique {
		m.Stage = "#" + strconv.FormatUint(seq, 10)
	}
	w.lastOutbox = seq
	m.ID, m.State, m.Attempts, m.CreatedAt = seq, domain.OutboxQueued, 0, now.UTC()
	m.NextAttempt = pol.DueAt(m.Kind, now).UTC()
	if m.Transport == "" {
		m.Transport = domain.TransportFor(m.Kind, m.To)
	}
	return true, w.putOutboxMsg(nil, &m)
}

// queueFor queues a message of kind and stage about order o, to its buyer (by e-mail when
// the consignee has an address) or, for a write-back, to its channel.
func (w *wtx) queueFor(o *domain.SalesOrder, kind, stage, note string, pol domain.NotifyPolicy, now time.Time) error {
	m := domain.OutboxMessage{Channel: o.Channel, Kind: kind, Key: o.TradeID, Order: o.No, Stage: stage, Note: note}
	if domain.BuyerKind(kind) {
		m.To = o.Consignee.Email
	}
	_, err := w.queueMessage(m, pol, now)
	return err
}

// queueShipment queues what a shipping entry owes: the buyer's shipped message for a new
// number (saying so when it replaced one) or no_tracking, and the channel's
// tracking.upload line. The shipped message and the line are collected in up and
// written, the lines in chunks, by up.close before the commit (outbox_upload.go), and
// listed in next.Told: call it before next is written. The same number again queues
// nothing.
func (w *wtx) queueShipment(old, next *domain.SalesOrder, up *uploads) error {
	if queueOff {
		return nil
	}
	n := next.Shipment.Number
	switch {
	case n != "" && n != old.Shipment.Number:
		note := ""
		if old.Shipment.Number != "" {
			note = old.Shipment.Number
		}
		if err := up.ship(w, next, note); err != nil {
			return err
		}
		return up.add(w, next, note)
	case n == "" && next.Shipment.NoTracking != "" && old.Shipment.NoTracking == "":
		_, err := up.queue(w, domain.OutboxMessage{Channel: next.Channel, Kind: domain.KindNoTracking, Key: next.TradeID,
			Order: next.No, Note: next.Shipment.NoTracking, To: next.Consignee.Email})
		return err
	}
	return nil
}

// SetNotifyPolicy sets when queued messages become due (the [notify] settings); a store
// starts with domain.DefaultNotifyPolicy in the local zone.
func (s *Store) SetNotifyPolicy(p domain.NotifyPolicy) {
	s.mu.Lock()
	s.notify = &p
	s.mu.Unlock()
}

func (s *Store) notifyPolicy() domain.NotifyPolicy {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notify == nil {
		return domain.DefaultNotifyPolicy(time.Local)
	}
	return *s.notify
}

// QueueMessages queues messages (each once per order, kind and stage) in one transaction;
// it returns how many were new. The delivery statuses, vouchers and tests queue through
// it or, inside their own transaction, through queueMessage.
func (s *Store) QueueMessages(msgs []domain.OutboxMessage, now time.Time, by Actor) (int, error) {
	if err := by.may(domain.ActionOutboxSend); err != nil {
		return 0, err
	}
	pol := s.notifyPolicy()
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		w := newWtx(tx, 3*len(msgs))
		up := newUploads(pol, now) // every message through it: it numbers them
		for _, m := range msgs {
			if line, err := up.take(w, m); line || err != nil {
				if err != nil {
					return err
				}
				continue
			}
			if _, err := up.queue(w, m); err != nil {
				return err
			}
		}
		var err error
		if n, err = up.close(w); err != nil || n == 0 {
			return err
		}
		if err := w.audit(AuditEvent{At: now, Action: "outbox.queue", Detail: map[string]string{"queued": strconv.Itoa(n)}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil && n > 0 {
		s.publish(Change{Kind: "outbox", N: n})
	}
	return n, err
}

// OutboxItem is a message due for sending, with the order it is about (HasOrder false
// for none).
type OutboxItem struct {
	Msg      domain.OutboxMessage
	Order    domain.SalesOrder
	HasOrder bool
}

// DueOutbox reads, in one read transaction, up to limit messages queued or failed whose
// next attempt is at or before now, the earliest first, with their orders.
func (s *Store) DueOutbox(now time.Time, limit int) ([]OutboxItem, error) {
	var out []OutboxItem
	err := s.db.View(func(tx *bolt.Tx) error {
		out = out[:0]
		var ids []struct {
			at []byte
			id uint64
		}
		end := timeKey(nil, now)
		for _, st := range []domain.OutboxState{domain.OutboxQueued, domain.OutboxFailed} {
			c := tx.Bucket(bOutboxByState).Cursor()
			n := 0
			for k, _ := c.Seek([]byte{byte(st)}); k != nil && k[0] == byte(st) && n < limit; k, _ = c.Next() {
				if len(k) != 17 || bytes.Compare(k[1:9], end) > 0 {
					break
				}
				ids = append(ids, struct {
					at []byte
					id uint64
				}{k[1:9], binary.BigEndian.Uint64(k[9:])})
				n++
			}
		}
		slices.SortFunc(ids, func(a, b struct {
			at []byte
			id uint64
		}) int {
			if c := bytes.Compare(a.at, b.at); c != 0 {
				return c
			}
			return int(a.id) - int(b.id)
		})
		var msgs []domain.OutboxMessage
		for _, x := range ids {
			if len(msgs) >= limit {
				break
			}
			ms, err := messagesAt(tx, x.id) // a batch's row names its members
			if err != nil {
				return err
			}
			msgs = append(msgs, ms...)
		}
		msgs = msgs[:min(limit, len(msgs))]
		for _, m := range msgs {
			it := OutboxItem{Msg: m}
			if m.Order != 0 {
				o, ok, err := orderByNo(tx, m.Order)
				if err != nil {
					return err
				}
				it.Order, it.HasOrder = o, ok
			}
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// ErrNoMessage is an outbox ID that is not there.
var ErrNoMessage = errors.New("no such message in the outbox")

// outboxByID reads message id, on its own or a batch's member.
func outboxByID(tx *bolt.Tx, id uint64) (domain.OutboxMessage, error) {
	k, v := findOutbox(tx.Bucket(bOutbox).Cursor(), id)
	if k == nil {
		return domain.OutboxMessage{}, fmt.Errorf("message %d: %w", id, ErrNoMessage)
	}
	m, err := member(k, v, id)
	if err != nil {
		return m, fmt.Errorf("outbox message %d: %w", id, err)
	}
	return m, nil
}

// getOutbox reads message id for a change: a member of a batch is split out of it first
// (with the batch's other members), so that it is written on its own.
func (w *wtx) getOutbox(id uint64) (domain.OutboxMessage, error) {
	k := u64(id)
	v := w.get(bOutbox, k)
	if v == nil {
		// A member of a batch stored before this transaction, unless the batch was split
		// (then its members are found above) or deleted in it.
		if bk, bv := findOutbox(w.tx.Bucket(bOutbox).Cursor(), id); bk != nil && isBatch(bv) && w.get(bOutbox, bk) != nil {
			k, v = bk, bv
		}
	}
	if v == nil {
		return domain.OutboxMessage{}, fmt.Errorf("message %d: %w", id, ErrNoMessage)
	}
	if isBatch(v) {
		if err := w.split(k, v); err != nil {
			return domain.OutboxMessage{}, err
		}
		m, err := member(k, v, id)
		if err != nil {
			return m, fmt.Errorf("outbox message %d: %w", id, err)
		}
		return m, nil
	}
	m, err := decodeOutbox(k, v)
	if err != nil {
		return m, fmt.Errorf("outbox message %d: %w", id, err)
	}
	return m, nil
}

// OutboxMessage reads one message by ID.
func (s *Store) OutboxMessage(id uint64) (m domain.OutboxMessage, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		m, err = outboxByID(tx, id)
		return err
	})
	return m, err
}

// OutboxResult is how one attempt went: Err empty means the receiver took the message.
type OutboxResult struct {
	ID  uint64
	Err string
	At  time.Time
}

// maxTries is how many attempts a record keeps (the latest).
const maxTries = 20

// RecordOutbox records the outcomes of attempts in one short write transaction: a message
// that went is sent; one that failed is retried after its backoff (inside the send window
// for a buyer) or, at maxAttempts, dead. A message cancelled while it was being sent
// keeps its state and gains the attempt.
func (s *Store) RecordOutbox(results []OutboxResult, maxAttempts int, now time.Time, by Actor) error {
	if err := by.may(domain.ActionOutboxSend); err != nil {
		return err
	}
	if len(results) == 0 {
		return nil
	}
	pol := s.notifyPolicy()
	sent, failed, dead := 0, 0, 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		sent, failed, dead = 0, 0, 0
		w := newWtx(tx, 3*len(results))
		for _, r := range results {
			old, err := w.getOutbox(r.ID)
			if err != nil {
				return err
			}
			next := old
			next.Tries = append(slices.Clone(old.Tries), domain.OutboxTry{At: r.At.UTC(), Error: r.Err})
			if len(next.Tries) > maxTries {
				next.Tries = next.Tries[len(next.Tries)-maxTries:]
			}
			next.Attempts++
			if old.State.Pending() {
				if r.Err == "" {
					next.State, next.SentAt, next.LastError, next.NextAttempt = domain.OutboxSent, r.At.UTC(), "", time.Time{}
					sent++
				} else {
					next.LastError = r.Err
					next.State, next.NextAttempt = domain.AfterFailure(next.Attempts, maxAttempts, r.At)
					if next.State == domain.OutboxDead {
						next.NextAttempt = r.At.UTC()
						dead++
					} else {
						next.NextAttempt = pol.WindowFor(next.Kind, next.NextAttempt).UTC()
						failed++
					}
				}
			}
			if err := w.putOutboxMsg(&old, &next); err != nil {
				return err
			}
		}
		if err := w.audit(AuditEvent{At: now, Action: "outbox.send", Detail: map[string]string{
			"sent": strconv.Itoa(sent), "failed": strconv.Itoa(failed), "dead": strconv.Itoa(dead)}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil {
		s.publish(Change{Kind: "outbox", N: len(results)})
	}
	return err
}

// RetryOutbox makes messages due now again (attempts keep counting); with dead, every
// dead message too. A sent message refuses the whole batch (nothing is written). It
// returns how many it changed.
func (s *Store) RetryOutbox(ids []uint64, dead bool, now time.Time, by Actor) (int, error) {
	out, err := s.outboxBatch("outbox.retry", ids, dead, nil, false, now, by, retryChange(now))
	return doneOf(out), err
}

// RetryEach makes the messages of a selection due now again, each on its own: a sent one
// is skipped with its reason, the others are retried, in one transaction.
func (s *Store) RetryEach(ids []uint64, now time.Time, by Actor) ([]OutboxOutcome, error) {
	return s.outboxBatch("outbox.retry", ids, false, nil, true, now, by, retryChange(now))
}

func retryChange(now time.Time) func(*domain.OutboxMessage) error {
	return func(m *domain.OutboxMessage) error {
		if m.State == domain.OutboxSent {
			return fmt.Errorf("message %d was sent", m.ID)
		}
		m.State, m.NextAttempt = domain.OutboxQueued, now.UTC()
		return nil
	}
}

// CancelOutbox calls messages off with a reason; a sent message refuses the whole batch.
func (s *Store) CancelOutbox(ids []uint64, reason string, now time.Time, by Actor) (int, error) {
	out, err := s.cancel(ids, reason, false, now, by)
	return doneOf(out), err
}

// CancelEach calls the messages of a selection off, each on its own: a sent one is
// skipped with its reason, in one transaction.
func (s *Store) CancelEach(ids []uint64, reason string, now time.Time, by Actor) ([]OutboxOutcome, error) {
	return s.cancel(ids, reason, true, now, by)
}

func (s *Store) cancel(ids []uint64, reason string, each bool, now time.Time, by Actor) ([]OutboxOutcome, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, errors.New("a cancellation needs a reason")
	}
	return s.outboxBatch("outbox.cancel", ids, false, map[string]string{"reason": reason}, each, now, by, func(m *domain.OutboxMessage) error {
		switch m.State {
		case domain.OutboxSent:
			return fmt.Errorf("message %d was sent", m.ID)
		case domain.OutboxCancelled:
			return nil
		}
		m.State, m.NextAttempt = domain.OutboxCancelled, now.UTC()
		m.LastError = "cancelled by " + by.Operator + ": " + reason
		return nil
	})
}

// OutboxOutcome is what a retry or a cancel did to one message: done, or skipped and why
// (it was sent; it was in that state already).
type OutboxOutcome struct {
	ID     uint64
	Done   bool
	Reason string
}

func doneOf(out []OutboxOutcome) int {
	n := 0
	for _, o := range out {
		if o.Done {
			n++
		}
	}
	return n
}

// outboxBatch changes messages in one transaction with one audit event. A message the
// change refuses refuses the batch, or with each is skipped with the reason; a message
// the change leaves as it was is skipped as already so.
func (s *Store) outboxBatch(action string, ids []uint64, dead bool, detail map[string]string, each bool, now time.Time, by Actor, change func(*domain.OutboxMessage) error) ([]OutboxOutcome, error) {
	if err := by.may(domain.ActionOutboxManage); err != nil {
		return nil, err
	}
	var out []OutboxOutcome
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		out, n = nil, 0
		all := slices.Clone(ids)
		if dead {
			c := tx.Bucket(bOutboxByState).Cursor()
			for k, _ := c.Seek([]byte{byte(domain.OutboxDead)}); len(k) == 17 && k[0] == byte(domain.OutboxDead); k, _ = c.Next() {
				all = append(all, binary.BigEndian.Uint64(k[9:]))
			}
		}
		w := newWtx(tx, 3*len(all))
		seen := map[uint64]bool{}
		for _, id := range all {
			if seen[id] {
				continue
			}
			seen[id] = true
			old, err := w.getOutbox(id)
			if err != nil {
				return err
			}
			next := old
			if err := change(&next); err != nil {
				if !each {
					return err
				}
				out = append(out, OutboxOutcome{ID: id, Reason: "it was " + old.State.String()})
				continue
			}
			if next.State == old.State && next.NextAttempt.Equal(old.NextAttempt) {
				out = append(out, OutboxOutcome{ID: id, Reason: "it was " + old.State.String() + " already"})
				continue
			}
			if err := w.putOutboxMsg(&old, &next); err != nil {
				return err
			}
			w.changed("message "+strconv.FormatUint(id, 10), domain.FieldChange{Field: "state", Before: old.State.String(), After: next.State.String()})
			out = append(out, OutboxOutcome{ID: id, Done: true})
			n++
		}
		if n == 0 {
			return nil
		}
		if err := w.audit(AuditEvent{At: now, Action: action, Detail: detail}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return nil, err
	}
	if n > 0 {
		s.publish(Change{Kind: "outbox", N: n})
	}
	return out, nil
}

// outboxSent says whether message id went (or is no longer in the outbox).
func (w *wtx) outboxSent(id uint64) bool {
	m, err := w.getOutbox(id)
	return err != nil || m.State == domain.OutboxSent
}

// withdrawOutbox cancels message id unless it went: the change that owed it was undone.
// A refund rejection's write-back takes the buyer's message of the same refund with it.
func (w *wtx) withdrawOutbox(id uint64) error {
	m, err := w.getOutbox(id)
	if errors.Is(err, ErrNoMessage) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.State.Pending() {
		next := m
		next.State, next.LastError = domain.OutboxCancelled, "withdrawn: the change that owed it was undone"
		if err := w.putOutboxMsg(&m, &next); err != nil {
			return err
		}
	}
	if m.Kind == domain.OutboxRefundReject && m.Order != 0 {
		if v := w.get(bOutboxByEvent, outboxEventKey(m.Order, domain.KindRefundRejected, m.Stage)); len(v) == 8 {
			return w.withdrawOutbox(binary.BigEndian.Uint64(v))
		}
	}
	return nil
}
