package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

func outboxOf(t *testing.T, s *Store) []domain.OutboxMessage {
	t.Helper()
	var out []domain.OutboxMessage
	if err := s.EachOutbox(func(_ uint64, m domain.OutboxMessage) error { out = append(out, m); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// A shipment queues the buyer's shipped message and the channel's write-back once per
// number; the same number again queues nothing, a corrected number queues a new shipped
// that names the number it replaced; the message waits for the next day's window.
func TestShipQueuesOncePerNumber(t *testing.T) {
	s := shippingStore(t)
	loc := time.UTC
	pol := domain.DefaultNotifyPolicy(loc)
	s.SetNotifyPolicy(pol)
	ana := Actor{Operator: "ana", Role: domain.RoleOperator}
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, loc)
	for range 2 {
		if _, _, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, now, ana); err != nil {
			t.Fatal(err)
		}
	}
	msgs := outboxOf(t, s)
	if len(msgs) != 2 || msgs[0].Kind != domain.KindShipped || msgs[1].Kind != domain.KindTrackingUpload {
		t.Fatalf("outbox after shipping twice: %+v", msgs)
	}
	if want := time.Date(2026, 11, 21, 9, 0, 0, 0, loc); !msgs[0].NextAttempt.Equal(want) {
		t.Errorf("shipped due %v, want the next day's window %v", msgs[0].NextAttempt, want)
	}
	if !msgs[1].NextAttempt.Equal(now) {
		t.Errorf("write-back due %v, want at once", msgs[1].NextAttempt)
	}
	if _, _, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: numB}, cn, now.Add(time.Hour), ana); err != nil {
		t.Fatal(err)
	}
	msgs = outboxOf(t, s)
	if len(msgs) != 4 || msgs[2].Kind != domain.KindShipped || msgs[2].Stage != numB || msgs[2].Note != numA {
		t.Fatalf("outbox after a correction: %+v", msgs)
	}
	if due, _ := s.DueOutbox(now.Add(2*time.Hour), 100); len(due) != 2 || due[0].Msg.Kind != domain.KindTrackingUpload || !due[0].HasOrder || due[0].Order.No != 1 {
		t.Fatalf("due the same day: %+v", due)
	}
	if due, _ := s.DueOutbox(time.Date(2026, 11, 21, 9, 0, 0, 0, loc), 100); len(due) != 4 {
		t.Fatalf("due the next morning: %d", len(due))
	}
	if got, _ := s.OrderMessages(1); len(got) != 4 {
		t.Fatalf("order messages: %+v", got)
	}
	// Corrected back to the first number: the buyer and the channel hear of it again.
	if _, _, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, now.Add(2*time.Hour), ana); err != nil {
		t.Fatal(err)
	}
	msgs = outboxOf(t, s)
	if len(msgs) != 6 || msgs[4].Kind != domain.KindShipped || msgs[4].Note != numB || msgs[5].Kind != domain.KindTrackingUpload || msgs[5].Lines[0].Old != numB {
		t.Fatalf("outbox after a correction back: %+v", msgs)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// Failures back off, then the message dies at the maximum; retry makes it due again
// with its attempts kept; cancel needs a reason and a supervisor; counters follow.
func TestOutboxAttemptsRetryCancel(t *testing.T) {
	s := openTemp(t)
	s.SetNotifyPolicy(domain.NotifyPolicy{MaxAttempts: 3})
	op := Actor{Operator: "cron", Role: domain.RoleOperator}
	sup := Actor{Operator: "sue", Role: domain.RoleSupervisor}
	n, err := s.QueueMessages([]domain.OutboxMessage{
		{Channel: "tb", Kind: domain.OutboxRefundReject, Order: 7, Stage: "X1"},
		{Channel: "tb", Kind: domain.OutboxRefundReject, Order: 7, Stage: "X1"},
		{Channel: "tb", Kind: domain.KindLate, Order: 8},
	}, t0, op)
	if err != nil || n != 2 {
		t.Fatalf("queue: %d %v", n, err)
	}
	now := t0
	for i := 1; i <= 3; i++ {
		if err := s.RecordOutbox([]OutboxResult{{ID: 1, Err: "503", At: now}}, 3, now, op); err != nil {
			t.Fatal(err)
		}
		m, _ := s.OutboxMessage(1)
		if i < 3 && (m.State != domain.OutboxFailed || !m.NextAttempt.Equal(now.Add(domain.Backoff(i)))) {
			t.Fatalf("attempt %d: %+v", i, m)
		}
		now = m.NextAttempt
	}
	m, _ := s.OutboxMessage(1)
	if m.State != domain.OutboxDead || m.Attempts != 3 || m.LastError != "503" || len(m.Tries) != 3 {
		t.Fatalf("after 3 failures: %+v", m)
	}
	c, _ := s.OutboxCounts(now)
	if c.Dead != 1 || c.Queued != 1 || c.Failed != 0 {
		t.Fatalf("counts: %+v", c)
	}
	if _, err := s.RetryOutbox(nil, true, now, op); !errors.As(err, new(*domain.RoleError)) {
		t.Fatalf("an operator retried: %v", err)
	}
	if n, err := s.RetryOutbox(nil, true, now, sup); err != nil || n != 1 {
		t.Fatalf("retry --dead: %d %v", n, err)
	}
	if m, _ := s.OutboxMessage(1); m.State != domain.OutboxQueued || m.Attempts != 3 || !m.NextAttempt.Equal(now) {
		t.Fatalf("retried: %+v", m)
	}
	if err := s.RecordOutbox([]OutboxResult{{ID: 1, At: now}}, 3, now, op); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.OutboxMessage(1); m.State != domain.OutboxSent || m.Attempts != 4 {
		t.Fatalf("sent: %+v", m)
	}
	if _, err := s.CancelOutbox([]uint64{1}, "wrong", now, sup); err == nil {
		t.Fatal("cancelled a sent message")
	}
	// A batch with a sent message is refused whole; a selection taken each on its own
	// skips the sent one, saying why, and does the rest.
	if _, err := s.CancelOutbox([]uint64{2, 1}, "both", now, sup); err == nil {
		t.Fatal("cancelled a batch with a sent message")
	}
	if m, _ := s.OutboxMessage(2); m.State != domain.OutboxQueued {
		t.Fatalf("a refused batch wrote: %+v", m)
	}
	outs, err := s.RetryEach([]uint64{1, 2}, now.Add(time.Minute), sup)
	if err != nil || len(outs) != 2 || outs[0].ID != 1 || outs[0].Done || outs[0].Reason != "it was sent" || !outs[1].Done {
		t.Fatalf("retry each: %v %+v", err, outs)
	}
	if m, _ := s.OutboxMessage(2); !m.NextAttempt.Equal(now.Add(time.Minute)) {
		t.Fatalf("retried: %+v", m)
	}
	if outs, err := s.CancelEach([]uint64{1}, "again", now, sup); err != nil || len(outs) != 1 || outs[0].Done {
		t.Fatalf("cancel each of a sent one: %v %+v", err, outs)
	}
	if _, err := s.CancelOutbox([]uint64{2}, " ", now, sup); err == nil {
		t.Fatal("cancelled without a reason")
	}
	if n, err := s.CancelOutbox([]uint64{2}, "buyer asked", now, sup); err != nil || n != 1 {
		t.Fatalf("cancel: %d %v", n, err)
	}
	c, _ = s.OutboxCounts(now)
	if c != (OutboxCounts{Sent24h: 1, Sent: 1, Cancelled: 1}) {
		t.Fatalf("counts: %+v", c)
	}
	if c, _ = s.OutboxCounts(now.Add(25 * time.Hour)); c.Sent24h != 0 {
		t.Fatalf("sent a day later: %+v", c)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// Two senders never hold the lease at once; it lapses at its expiry.
func TestSenderLease(t *testing.T) {
	s := openTemp(t)
	op := Actor{Operator: "cron", Role: domain.RoleOperator}
	if err := s.TakeSenderLease("serve", t0, time.Minute, op); err != nil {
		t.Fatal(err)
	}
	var busy *ErrSenderBusy
	if err := s.TakeSenderLease("cron", t0.Add(30*time.Second), time.Minute, op); !errors.As(err, &busy) || busy.Holder != "serve" {
		t.Fatalf("second sender: %v", err)
	}
	if err := s.TakeSenderLease("serve", t0.Add(30*time.Second), time.Minute, op); err != nil {
		t.Fatalf("renew: %v", err)
	}
	if err := s.TakeSenderLease("cron", t0.Add(2*time.Minute), time.Minute, op); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if err := s.ReleaseSenderLease("cron", op); err != nil {
		t.Fatal(err)
	}
	if err := s.TakeSenderLease("serve", t0.Add(2*time.Minute), time.Minute, op); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

// The doctor names a damaged outbox index and Repair rebuilds it.
func TestDoctorChecksTheOutbox(t *testing.T) {
	s := openTemp(t)
	op := Actor{Operator: "cron", Role: domain.RoleOperator}
	if _, err := s.QueueMessages([]domain.OutboxMessage{{Channel: "tb", Kind: domain.KindLate, Order: 3}}, t0, op); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutboxByState).Delete(outboxStateKey(domain.OutboxQueued, t0, 1))
	}); err != nil {
		t.Fatal(err)
	}
	rep := doctorOf(t, s)
	if rep.OK() || !containsText(rep.Problems, "outbox_by_state: outbox message 1 has no row") {
		t.Fatalf("doctor: %v", rep.Problems)
	}
	if _, err := s.Repair(context.Background(), t0, Actor{Operator: "sue", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("after repair: %v", rep.Problems)
	}
	if due, _ := s.DueOutbox(t0, 10); len(due) != 1 {
		t.Fatalf("due after repair: %+v", due)
	}
}

func containsText(list []string, s string) bool {
	for _, l := range list {
		if len(l) >= len(s) && (l == s || indexOf(l, s) >= 0) {
			return true
		}
	}
	return false
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// An order past its ship-by gets one late message, however often the sender looks.
func TestQueueLateOnce(t *testing.T) {
	s := shippingStore(t)
	op := Actor{Operator: "cron", Role: domain.RoleOperator}
	o, _, _ := s.Order(1)
	if n, err := s.QueueLate(o.ShipBy.Add(-time.Hour), op); err != nil || n != 0 {
		t.Fatalf("before ship-by: %d %v", n, err)
	}
	if _, _, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, op); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{3, 0} { // SO2..SO4; SO1 shipped
		if n, err := s.QueueLate(o.ShipBy.Add(time.Hour), op); err != nil || n != want {
			t.Fatalf("run %d: %d %v", i, n, err)
		}
	}
	if msgs, _ := s.OrderMessages(2); len(msgs) != 1 || msgs[0].Kind != domain.KindLate {
		t.Fatalf("SO2: %+v", msgs)
	}
}

// The consignee's e-mail survives the pool entry's record (an optional trailing field)
// and makes the buyer's messages go by e-mail.
func TestConsigneeEmailStoredAndUsed(t *testing.T) {
	s := openTemp(t)
	tr := trade("tb", "E1", t0, 1)
	tr.Consignee.Email = "e1@example.com"
	mustImport(t, s, tr, trade("tb", "E2", t0, 1))
	sup := Actor{Operator: "sue", Role: domain.RoleSupervisor}
	if _, err := s.Convert([]domain.Key{tr.Key}, t0, sup); err != nil {
		t.Fatal(err)
	}
	if e := entry(t, s, domain.Key{Channel: "tb", TradeID: "E2"}); e.Consignee.Email != "" {
		t.Fatalf("E2: %+v", e.Consignee)
	}
	o, _, _ := s.Order(1)
	if o.Consignee.Email != "e1@example.com" {
		t.Fatalf("order: %+v", o.Consignee)
	}
	if _, _, err := s.Ship(orderRef("tb:E1"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, sup); err != nil {
		t.Fatal(err)
	}
	msgs, _ := s.OrderMessages(1)
	if len(msgs) != 2 || msgs[0].Transport != domain.TransportEmail || msgs[0].To != "e1@example.com" || msgs[1].Transport != domain.TransportWebhook {
		t.Fatalf("messages: %+v", msgs)
	}
}

// A write-back queued before the outbox was delivered (JSON, no state) reads as queued,
// due when it was created; Repair files its rows, and the sender can take it.
func TestOldOutboxRecordsRead(t *testing.T) {
	s := openTemp(t)
	old := `{"channel":"tb","kind":"refund.reject","key":"R1","body":"no","created_at":"2026-11-20T10:00:00Z"}`
	if err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bMeta).Put(kOutboxSeq, u64(1)); err != nil {
			return err
		}
		return tx.Bucket(bOutbox).Put(u64(1), []byte(old))
	}); err != nil {
		t.Fatal(err)
	}
	m, err := s.OutboxMessage(1)
	if err != nil || m.State != domain.OutboxQueued || !m.NextAttempt.Equal(t0) || m.Stage != "tb:R1" || m.Transport != domain.TransportWebhook {
		t.Fatalf("old record: %+v %v", m, err)
	}
	if rep := doctorOf(t, s); rep.OK() {
		t.Fatal("doctor found the old record's rows")
	}
	if _, err := s.Repair(context.Background(), t0, Actor{Operator: "sue", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueOutbox(t0, 10); len(due) != 1 || due[0].Msg.Body != "no" {
		t.Fatalf("due: %+v", due)
	}
	op := Actor{Operator: "cron", Role: domain.RoleOperator}
	if err := s.RecordOutbox([]OutboxResult{{ID: 1, At: t0}}, 8, t0, op); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.OutboxMessage(1); m.State != domain.OutboxSent || m.Body != "no" || m.Key != "R1" {
		t.Fatalf("sent: %+v", m)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// A parcel reaching the pickup point (twice), then delivered, tells its buyer once each.
func TestDeliveryPhasesQueueOnce(t *testing.T) {
	s := parcelStore(t)
	at := t0.Add(48 * time.Hour)
	mustEvents(t, s, at, domain.TrackingEvent{Tracking: numA, At: at, Status: domain.EventAtPickup, Location: "Locker 7"})
	mustEvents(t, s, at, domain.TrackingEvent{Tracking: numA, At: at, Status: domain.EventAtPickup, Location: "Locker 7"})
	// Moved on and back to a pickup point: the phase is reached again, told once.
	mustEvents(t, s, at, domain.TrackingEvent{Tracking: numA, At: at.Add(10 * time.Minute), Status: domain.EventInTransit})
	mustEvents(t, s, at, domain.TrackingEvent{Tracking: numA, At: at.Add(20 * time.Minute), Status: domain.EventAtPickup, Location: "Locker 9"})
	mustEvents(t, s, at.Add(time.Hour), domain.TrackingEvent{Tracking: numA, At: at.Add(time.Hour), Status: domain.EventDelivered})
	msgs, _ := s.OrderMessages(2)
	kinds := map[string]int{}
	for _, m := range msgs {
		kinds[m.Kind]++
	}
	if kinds[domain.KindAtPickup] != 1 || kinds[domain.KindDelivered] != 1 {
		t.Fatalf("messages of SO2: %v", kinds)
	}
	for _, m := range msgs {
		if m.Kind == domain.KindAtPickup && (m.Note != "Locker 7" || m.Stage != numA) {
			t.Fatalf("at_pickup: %+v", m)
		}
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}
