package storage

import (
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// messagesOf is order no's messages of kind.
func messagesOf(t *testing.T, s *Store, no uint64, kind string) []domain.OutboxMessage {
	t.Helper()
	all, err := s.OrderMessages(no)
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.OutboxMessage
	for _, m := range all {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

func sweep(t *testing.T, s *Store, now time.Time, want int) {
	t.Helper()
	n, err := s.QueuePickupReminders(now, Actor{Operator: "cron", Role: domain.RoleOperator})
	if err != nil || n != want {
		t.Fatalf("sweep at %s: queued %d (%v), want %d", now, n, err, want)
	}
}

// The clock moves a parcel waiting at a pickup point past 5 days: one reminder, stage
// "5", however often the sweep runs; past 15 days one more, stage "15". A parcel
// delivered before the sweep and a stopped one get none. Each message says where the
// parcel waits and since when (the at_pickup event, even when the event arrived late),
// and waits for the send window.
func TestPickupRemindersOnTheClock(t *testing.T) {
	s := parcelStore(t)
	s.SetNotifyPolicy(domain.DefaultNotifyPolicy(time.UTC)) // 09:00-21:00 UTC
	if _, _, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: numC}, cn, t0, sup); err != nil {
		t.Fatal(err)
	}
	d := domain.Day
	// At the pickup point on t0+2d 10:00 UTC (a Shanghai clock in the feed).
	arrive := t0.Add(2*d + 250*time.Millisecond).In(time.FixedZone("CST", 8*3600))
	pickup := func(n string) domain.TrackingEvent {
		return domain.TrackingEvent{Tracking: n, At: arrive, Status: domain.EventAtPickup, Location: "Locker 7"}
	}
	mustEvents(t, s, arrive.Add(time.Hour), pickup(numB), pickup(numC))
	mustEvents(t, s, arrive.Add(3*d), pickup(numA)) // SO2's event comes three days late
	mustEvents(t, s, arrive.Add(2*d), ev(numB, arrive.Add(2*d), domain.EventDelivered))
	if _, err := s.SetTracking(orderRef("SO00000001"), true, "buyer asked us to stop", arrive.Add(d), sup); err != nil {
		t.Fatal(err)
	}

	at := messagesOf(t, s, 2, domain.KindAtPickup)
	if len(at) != 1 || !at[0].EventAt.Equal(arrive) || at[0].Note != "Locker 7" {
		t.Fatalf("SO2's at_pickup: %+v", at)
	}

	sweep(t, s, arrive.Add(5*d-time.Minute), 0) // not yet 5 days
	now5 := arrive.Add(5*d + time.Hour)         // 11:00 UTC: inside the window
	sweep(t, s, now5, 1)
	sweep(t, s, now5.Add(time.Hour), 0)
	sweep(t, s, arrive.Add(9*d), 0)
	r := messagesOf(t, s, 2, domain.KindPickupReminder)
	if len(r) != 1 || r[0].Stage != "5" || r[0].Note != "Locker 7" || !r[0].EventAt.Equal(arrive) || r[0].Transport != domain.TransportWebhook {
		t.Fatalf("SO2 after 5 days: %+v", r)
	}
	if !r[0].NextAttempt.Equal(now5) {
		t.Errorf("stage 5 due %v, want at once inside the window (%v)", r[0].NextAttempt, now5)
	}

	now15 := arrive.Add(15*d + 12*time.Hour) // 22:00 UTC: after the window
	sweep(t, s, now15, 1)
	sweep(t, s, now15.Add(d), 0)
	r = messagesOf(t, s, 2, domain.KindPickupReminder)
	if len(r) != 2 || r[1].Stage != "15" || !r[1].EventAt.Equal(arrive) {
		t.Fatalf("SO2 after 15 days: %+v", r)
	}
	if want := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC); !r[1].NextAttempt.Equal(want) {
		t.Errorf("stage 15 due %v, want the next morning's window %v", r[1].NextAttempt, want)
	}
	for _, no := range []uint64{1, 4} { // stopped, delivered
		if got := messagesOf(t, s, no, domain.KindPickupReminder); len(got) != 0 {
			t.Errorf("SO%d got reminders: %+v", no, got)
		}
	}
	if got := messagesOf(t, s, 4, domain.KindAtPickup); len(got) != 1 {
		t.Errorf("SO4 (at pickup, then delivered) at_pickup messages: %+v", got)
	}
	doctorClean(t, s)
}

// A parcel the sweep first sees after 15 days gets the stage 15 reminder only, and one
// past 30 days none.
func TestPickupReminderCatchesUpWithoutTheMissedStage(t *testing.T) {
	s := parcelStore(t)
	d := domain.Day
	now := t0.Add(40 * d)
	mustEvents(t, s, now, domain.TrackingEvent{Tracking: numA, At: now.Add(-16 * d), Status: domain.EventAtPickup, Location: "Post office 12"},
		domain.TrackingEvent{Tracking: numB, At: now.Add(-31 * d), Status: domain.EventAtPickup})
	sweep(t, s, now, 1)
	if r := messagesOf(t, s, 2, domain.KindPickupReminder); len(r) != 1 || r[0].Stage != "15" {
		t.Fatalf("SO2: %+v", r)
	}
	if r := messagesOf(t, s, 4, domain.KindPickupReminder); len(r) != 0 {
		t.Fatalf("SO4, 31 days at the pickup point: %+v", r)
	}
}

// The sweep reads only the pickup rows of the reminders' span (since between now-30d
// and now-5d), not every parcel at a pickup point nor any other phase.
func TestPickupSweepReadsOnlyItsSpan(t *testing.T) {
	s := parcelStore(t)
	if _, _, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: numC}, cn, t0, sup); err != nil {
		t.Fatal(err)
	}
	d := domain.Day
	now := t0.Add(60 * d)
	mustEvents(t, s, now,
		domain.TrackingEvent{Tracking: numA, At: now.Add(-7 * d), Status: domain.EventAtPickup},  // in the span
		domain.TrackingEvent{Tracking: numB, At: now.Add(-40 * d), Status: domain.EventAtPickup}, // too old
		domain.TrackingEvent{Tracking: numC, At: now.Add(-2 * d), Status: domain.EventAtPickup})  // too young
	var looked []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		pickupOwed(tx.Bucket(bParcelsByPhase).Cursor(), now, func(k []byte) bool {
			looked = append(looked, binary.BigEndian.Uint64(k))
			return false
		})
		return nil
	})
	if err != nil || len(looked) != 1 || looked[0] != 2 {
		t.Fatalf("the sweep looked up %v (%v), want only SO2", looked, err)
	}
}

// The [notify] send window moves a voucher code's message (queued when the voucher is
// issued by a conversion, when the codes are sent again, when a redemption issues the
// rest's code) and a delivery message a
// resumed parcel queues: no write path falls back to the default policy.
func TestVoucherAndResumeMessagesHonourTheSendWindow(t *testing.T) {
	win, err := domain.ParseSendWindow("12:07-13:00", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	pol := domain.NotifyPolicy{Window: win, MaxAttempts: 8}
	due := time.Date(2026, 11, 20, 12, 7, 0, 0, time.UTC) // t0 is 10:00 UTC that day

	s, err := Open(filepath.Join(t.TempDir(), "v.db"), Options{CodeDigits: 8, CodeRand: &stepReader{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.SetNotifyPolicy(pol)
	tr := voucherTrade("V1", 2, "50.00", terms(30, 9000, false, false))
	mustImport(t, s, tr)
	if res, err := s.Convert([]domain.Key{tr.Key}, t0, opr); err != nil || res.Done() != 1 {
		t.Fatalf("convert: %+v %v", res, err)
	}
	if _, err := s.Resend(orderRef("SO00000001"), t0.Add(time.Minute), time.UTC, opr); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Redeem(domain.RedeemInput{Code: "10000000", Phone4: "8000", Units: 1}, t0.Add(2*time.Minute), opr); err != nil || res.Redemption.NewCode == "" {
		t.Fatalf("redeem: %+v %v", res, err)
	}
	msgs := outboxOf(t, s)
	if len(msgs) != 3 {
		t.Fatalf("voucher messages: %+v", msgs)
	}
	for _, m := range msgs {
		if m.Kind != domain.OutboxVoucherCode || !m.NextAttempt.Equal(due) {
			t.Errorf("voucher message %d (%s) due %v, want the configured window's %v", m.ID, m.Kind, m.NextAttempt, due)
		}
	}

	p := parcelStore(t)
	p.SetNotifyPolicy(pol)
	if _, err := p.SetTracking(orderRef("SO00000002"), true, "checking", t0, sup); err != nil {
		t.Fatal(err)
	}
	mustEvents(t, p, t0, domain.TrackingEvent{Tracking: numA, At: t0, Status: domain.EventAtPickup, Location: "Locker 7"})
	if _, err := p.SetTracking(orderRef("SO00000002"), false, "", t0, sup); err != nil {
		t.Fatal(err)
	}
	at := messagesOf(t, p, 2, domain.KindAtPickup)
	if len(at) != 1 || !at[0].NextAttempt.Equal(due) {
		t.Fatalf("at_pickup after resume: %+v, want due %v", at, due)
	}
}
