package tui

import (
	"testing"
	"time"
)

func TestListTimeShowsTheYearForOldTimes(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 23, 4, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(-3 * time.Hour), "11-23 09:00"},
		{now.Add(7 * 24 * time.Hour), "11-30 12:00"},
		{now.AddDate(-1, 0, 0), "2025-11-23"},
		{time.Time{}, "—"},
	} {
		if got := listTime(c.t, now, loc); got != c.want {
			t.Errorf("listTime(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}
