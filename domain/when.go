package domain

import (
	"fmt"
	"strings"
	"time"
)

// ParseWhen reads a time as an operator types it: RFC 3339, or a date, or a date and
// time, in the warehouse's zone. Empty is the zero time (meaning "the default").
func ParseWhen(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want 2026-11-23, 2026-11-23 14:30 or RFC 3339", s)
}
