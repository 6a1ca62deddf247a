package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// serve's sender queues the pickup reminder itself (no other job runs), and the buyer's
// at_pickup and reminder say where the parcel waits and since the day it arrived there,
// not the day the event reached shipdesk or the day the message was queued.
func TestRunQueuesPickupReminderWithTheEventsDay(t *testing.T) {
	s := shopWith(t, "")
	day := domain.Day
	arrived := t0.Add(day) // 2026-11-21
	if _, err := s.ApplyEvents(storage.EventBatch{Source: "test", Events: []domain.TrackingEvent{
		{Tracking: "EE040293660CN", At: arrived, Status: domain.EventAtPickup, Location: "Locker 7"}}}, t0.Add(4*day), sup); err != nil {
		t.Fatal(err)
	}
	srv, hits := hook(t, 0)
	snd := testSender(t, s, Config{Webhook: WebhookConfig{URL: srv.URL}})
	snd.Now = func() time.Time { return arrived.Add(5*day + time.Hour) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		snd.Run(ctx, time.Hour, func(Report, error) { cancel() })
	}()
	<-done
	texts := map[string]string{}
	for _, h := range hits() {
		var b WebhookBody
		if err := json.Unmarshal(h.body, &b); err != nil {
			t.Fatal(err)
		}
		texts[b.Kind+" "+b.Stage] = b.Text
	}
	at, rem := texts[domain.KindAtPickup+" EE040293660CN"], texts[domain.KindPickupReminder+" 5"]
	if !strings.Contains(at, "Locker 7 since 2026-11-21") {
		t.Errorf("at_pickup says %q, want the event's day 2026-11-21", at)
	}
	if !strings.Contains(rem, "Locker 7 since 2026-11-21, 5 days") {
		t.Errorf("pickup_reminder says %q, want where, since the event's day and 5 days (sent %v)", rem, texts)
	}
}

// Since and Days come from the message's event time; a message of an earlier build
// (no event time) falls back to the day it was queued and its stage.
func TestFieldsOfPickupDates(t *testing.T) {
	m := domain.OutboxMessage{Kind: domain.KindPickupReminder, Stage: "15", Note: "Locker 7",
		EventAt: time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC), CreatedAt: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)}
	shanghai := time.FixedZone("CST", 8*3600)
	f := FieldsOf(storage.OutboxItem{Msg: m}, "Shop", shanghai)
	if f.Since != "2026-11-22" || f.Days != "16" || f.Where != "Locker 7" {
		t.Fatalf("fields: since %q days %q where %q", f.Since, f.Days, f.Where)
	}
	m.EventAt = time.Time{}
	if f = FieldsOf(storage.OutboxItem{Msg: m}, "Shop", shanghai); f.Since != "2026-12-08" || f.Days != "15" {
		t.Fatalf("without an event time: since %q days %q", f.Since, f.Days)
	}
}
