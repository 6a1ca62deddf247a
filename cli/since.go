package cli

import (
	"fmt"
	"strings"
	"time"

	"shipdesk/domain"
)

// parseSince reads the --since of every export that takes it: a time as domain.ParseWhen
// reads it (RFC 3339, or a date, or a date and time, in the warehouse's zone loc), or a
// time back from now such as 90m, 24h or 7d. Empty is the beginning: everything.
func parseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := domain.ParseWhen(s, loc); err == nil {
		return t, nil
	}
	if d, err := parseDays(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want 2026-11-20, \"2026-11-20 08:00\", 2026-11-20T08:00:00Z or a time back from now such as 24h or 7d", s)
}
