package domain

import (
	"errors"
	"fmt"
	"time"
)

// WorkCalendar says which days are working days (rule 29: mainland China's official
// calendar, with its public holidays off and its make-up working weekends on). The
// domain takes it as a parameter so that it stays free of any calendar's data; the
// adapter over the published calendar lives in package calendar.
type WorkCalendar interface {
	// WorkDay reports whether the civil date of day (its year, month and day, whatever
	// its zone) is a working day, or an *UnknownYearError for a year it does not cover.
	WorkDay(day time.Time) (bool, error)
}

// UnknownYearError is a date in a year no calendar covers: refused rather than guessed.
type UnknownYearError struct {
	Year       int
	Known      string // the years that are covered, e.g. "2002–2027"
	CanBeAdded bool
}

func (e *UnknownYearError) Error() string {
	msg := fmt.Sprintf("the working-day calendar does not cover %d (it covers %s)", e.Year, e.Known)
	if e.CanBeAdded {
		msg += "; add the year to the calendar file"
	}
	return msg
}

// ErrNoCalendar is a waiting time in working days asked for without a calendar.
var ErrNoCalendar = errors.New("no working-day calendar")

// CivilDate is t's civil date as midnight UTC: the form every date of the channel rules
// is compared in.
func CivilDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AddWorkingDays is the nth working day after day, day itself not counted: a taobao
// subscription ordered on a Friday is claimable on the fifth working day after it.
func AddWorkingDays(cal WorkCalendar, day time.Time, n int) (time.Time, error) {
	if cal == nil {
		return time.Time{}, ErrNoCalendar
	}
	d := CivilDate(day)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		work, err := cal.WorkDay(d)
		if err != nil {
			return time.Time{}, err
		}
		if work {
			n--
		}
	}
	return d, nil
}

// AddMonths is day plus n calendar months, clamped to the end of the month: two months
// after 31 January is the last day of March, one year after 29 February is 28 February.
func AddMonths(day time.Time, n int) time.Time {
	y, m, d := CivilDate(day).Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}
