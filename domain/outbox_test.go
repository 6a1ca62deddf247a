package domain

import (
	"testing"
	"time"
)

func TestSendWindowAndNextDay(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	p := DefaultNotifyPolicy(sh)
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, sh) }
	for _, c := range []struct {
		kind     string
		now, due time.Time
	}{
		{KindShipped, at(20, 10, 0), at(21, 9, 0)},         // the next day's window
		{KindShipped, at(20, 23, 30), at(21, 9, 0)},        // still the next day
		{KindShipped, at(21, 0, 30), at(22, 9, 0)},         // after midnight: the day after
		{KindLate, at(20, 10, 0), at(20, 10, 0)},           // inside the window: at once
		{KindLate, at(20, 21, 0), at(21, 9, 0)},            // the window closes at 21:00
		{KindLate, at(20, 6, 0), at(20, 9, 0)},             // before it opens
		{OutboxRefundReject, at(20, 23, 0), at(20, 23, 0)}, // write-backs go at any time
	} {
		if got := p.DueAt(c.kind, c.now); !got.Equal(c.due) {
			t.Errorf("%s at %v: due %v, want %v", c.kind, c.now, got, c.due)
		}
	}
	if err := p.ParseShippedDelay("2h"); err != nil {
		t.Fatal(err)
	}
	if got := p.DueAt(KindShipped, at(20, 10, 0)); !got.Equal(at(20, 12, 0)) {
		t.Errorf("2h delay: %v", got)
	}
	p.ParseShippedDelay("0s")
	p.Window, _ = ParseSendWindow("", sh)
	if got := p.DueAt(KindShipped, at(20, 23, 0)); !got.Equal(at(20, 23, 0)) {
		t.Errorf("switched off: %v", got)
	}
	if w, err := ParseSendWindow("22:00-06:00", sh); err != nil || !w.Open(at(20, 23, 0)) || w.Open(at(20, 12, 0)) || !w.Next(at(20, 12, 0)).Equal(at(20, 22, 0)) {
		t.Errorf("overnight window: %v %v", w, err)
	}
	for _, bad := range []string{"9-21", "09:00", "09:00-09:00"} {
		if _, err := ParseSendWindow(bad, sh); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := p.ParseShippedDelay("tomorrow"); err == nil {
		t.Error("shipped_delay tomorrow accepted")
	}
}

func TestBackoffAndDeath(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}
	for i, w := range want {
		st, next := AfterFailure(i+1, 8, now)
		if st != OutboxFailed || next.Sub(now) != w {
			t.Errorf("attempt %d: %v %v", i+1, st, next.Sub(now))
		}
	}
	if Backoff(30) != 6*time.Hour {
		t.Errorf("cap: %v", Backoff(30))
	}
	if st, _ := AfterFailure(8, 8, now); st != OutboxDead {
		t.Errorf("8th failure: %v", st)
	}
}

// A reminder is owed at 5 days waiting ("5") and at 15 ("15"), while the parcel is in
// that stage's pickup status; none before 5 days nor from 30 on.
func TestPickupReminderStage(t *testing.T) {
	since := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		age  time.Duration
		want string
	}{
		{0, ""}, {5*Day - time.Second, ""}, {5 * Day, "5"}, {15*Day - time.Second, "5"},
		{15 * Day, "15"}, {30*Day - time.Second, "15"}, {30 * Day, ""}, {90 * Day, ""}, {-Day, ""},
	} {
		if got := PickupReminderStage(since, since.Add(c.age)); got != c.want {
			t.Errorf("after %v: stage %q, want %q", c.age, got, c.want)
		}
	}
}
