package domain

import (
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	for in, want := range map[string]time.Time{
		"":                     {},
		"2026-11-23":           time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC),
		" 2026-11-23 14:30 ":   time.Date(2026, 11, 23, 11, 30, 0, 0, time.UTC),
		"2026-11-23T14:30":     time.Date(2026, 11, 23, 11, 30, 0, 0, time.UTC),
		"2026-11-23T14:30:00Z": time.Date(2026, 11, 23, 14, 30, 0, 0, time.UTC),
	} {
		got, err := ParseWhen(in, msk)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseWhen(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"tomorrow", "2026-13-01", "23.11.2026"} {
		if _, err := ParseWhen(bad, msk); err == nil {
			t.Errorf("ParseWhen(%q) accepted", bad)
		}
	}
}
