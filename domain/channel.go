package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Channel is a shop on a platform (SPEC §2, rules 28–29): its API authorization, which
// lapses silently (seed 004), and its settlement schedule, whose cut-off freezes a payout
// while a shipped order has no tracking (seed 000, rule 7). Name is the key the trades
// already carry.
type Channel struct {
	Name     string
	Platform string
	Shop     string
	Language string // for messages to the channel's buyers, e.g. zh, en, ru
	// AuthExpires is when the API authorization lapses; zero when not known.
	AuthExpires time.Time
	Reauths     []Reauth // oldest first
	Settlement  Settlement
	UpdatedAt   time.Time
}

// Reauth is one re-authorization: who, when, the expiry before and after.
type Reauth struct {
	At       time.Time
	Operator string
	Old, New time.Time
}

// DefaultAuthWarning is how long before it lapses an authorization is warned of (rule
// 28); the warehouse may set another.
const DefaultAuthWarning = 7 * 24 * time.Hour

// AuthState is a channel's authorization as the clock finds it.
type AuthState uint8

const (
	AuthOK       AuthState = iota + 1 // further away than the warning, or no expiry known
	AuthExpiring                      // lapses within the warning
	AuthExpired                       // lapsed: orders stop arriving
	AuthNotSetUp                      // seen in an import, no channel record
)

var authStateNames = map[AuthState]string{AuthOK: "ok", AuthExpiring: "expiring", AuthExpired: "expired", AuthNotSetUp: "not_set_up"}

func (s AuthState) String() string { return authStateNames[s] }

// State is the channel's authorization at now, warned within warn of its expiry.
func (c Channel) State(now time.Time, warn time.Duration) AuthState {
	switch {
	case c.AuthExpires.IsZero():
		return AuthOK
	case !c.AuthExpires.After(now):
		return AuthExpired
	case c.AuthExpires.Sub(now) <= warn:
		return AuthExpiring
	}
	return AuthOK
}

// DaysLeft is the number of the warehouse's calendar days from now to the expiry
// (negative once lapsed; 0 on the day it lapses); ok is false when no expiry is known.
func (c Channel) DaysLeft(now time.Time, loc *time.Location) (days int, ok bool) {
	if c.AuthExpires.IsZero() {
		return 0, false
	}
	a, b := CivilDate(now.In(loc)), CivilDate(c.AuthExpires.In(loc))
	return int(b.Sub(a).Hours() / 24), true
}

// Reauthorize moves the expiry to until and records it.
func (c Channel) Reauthorize(until, now time.Time, operator string) (Channel, error) {
	if until.IsZero() {
		return c, fmt.Errorf("a re-authorization needs the new expiry")
	}
	c.Reauths = append(append([]Reauth(nil), c.Reauths...), Reauth{At: now, Operator: operator, Old: c.AuthExpires, New: until})
	c.AuthExpires = until
	c.UpdatedAt = now
	return c, nil
}

// Validate checks a channel record before it is stored.
func (c Channel) Validate() error {
	if c.Name == "" || len(c.Name) > 64 || strings.ContainsAny(c.Name, ":\x00") {
		return fmt.Errorf("channel name %q: 1 to 64 bytes, without ':'", c.Name)
	}
	if c.Platform != "" && !knownPlatform(c.Platform) {
		return fmt.Errorf("platform %q is not one of %s", c.Platform, strings.Join(Platforms, ", "))
	}
	if len(c.Shop) > 200 || len(c.Language) > 16 {
		return fmt.Errorf("shop name at most 200 bytes, language at most 16")
	}
	return nil
}

// SettleKind is how often a channel settles.
type SettleKind uint8

const (
	SettleNone SettleKind = iota
	SettleWeekly
	SettleMonthly
)

// DefaultCutOff is the time of day of a cut-off nobody set: the end of the day.
const DefaultCutOff = 23*time.Hour + 59*time.Minute

// Settlement is a channel's settlement schedule: weekly on a weekday, monthly on a day
// of the month (the month's last day when it is shorter), at a time of day in the
// warehouse's zone.
type Settlement struct {
	Kind    SettleKind
	Weekday time.Weekday // SettleWeekly
	Day     int          // SettleMonthly: 1–31
	At      time.Duration
}

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseSettlement reads none, weekly:DAY (mon … sun) or monthly:N (1–31); the cut-off
// time is DefaultCutOff until set with ParseCutOff.
func ParseSettlement(s string) (Settlement, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "none" || s == "" {
		return Settlement{}, nil
	}
	kind, arg, _ := strings.Cut(s, ":")
	switch kind {
	case "weekly":
		for i, d := range weekdays {
			if arg == d || (len(arg) > 3 && strings.HasPrefix(strings.ToLower(time.Weekday(i).String()), arg)) {
				return Settlement{Kind: SettleWeekly, Weekday: time.Weekday(i), At: DefaultCutOff}, nil
			}
		}
		return Settlement{}, fmt.Errorf("settlement %q: weekly:DAY takes mon, tue, wed, thu, fri, sat or sun", s)
	case "monthly":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > 31 {
			return Settlement{}, fmt.Errorf("settlement %q: monthly:N takes a day of the month, 1 to 31", s)
		}
		return Settlement{Kind: SettleMonthly, Day: n, At: DefaultCutOff}, nil
	}
	return Settlement{}, fmt.Errorf("settlement %q is not none, weekly:DAY or monthly:N", s)
}

// ParseCutOff reads a time of day, HH:MM.
func ParseCutOff(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("cut-off time %q is not HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// String is the schedule as ParseSettlement reads it, with its time: weekly:fri 23:59.
func (s Settlement) String() string {
	switch s.Kind {
	case SettleWeekly:
		return "weekly:" + weekdays[s.Weekday] + " " + clock(s.At)
	case SettleMonthly:
		return "monthly:" + strconv.Itoa(s.Day) + " " + clock(s.At)
	}
	return "none"
}

// Spec is the schedule without its time (weekly:fri), as the command line takes it.
func (s Settlement) Spec() string {
	switch s.Kind {
	case SettleWeekly:
		return "weekly:" + weekdays[s.Weekday]
	case SettleMonthly:
		return "monthly:" + strconv.Itoa(s.Day)
	}
	return "none"
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// CutOffAlarm says whether a settlement cut-off at cutOff is a freeze in waiting: within
// 24 hours of now with orders shipped without tracking or not uploaded (missing), whose
// payouts the platform holds back.
func CutOffAlarm(cutOff, now time.Time, missing int) bool {
	return !cutOff.IsZero() && cutOff.Sub(now) <= 24*time.Hour && missing > 0
}

// NextCutOff is the first cut-off after now in the warehouse's zone; zero for none.
func (s Settlement) NextCutOff(now time.Time, loc *time.Location) time.Time {
	local := now.In(loc)
	y, m, d := local.Date()
	at := func(y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, 0, 0, 0, 0, loc).Add(s.At)
	}
	switch s.Kind {
	case SettleWeekly:
		ahead := (int(s.Weekday) - int(local.Weekday()) + 7) % 7
		t := at(y, m, d+ahead)
		if !t.After(now) {
			t = at(y, m, d+ahead+7)
		}
		return t
	case SettleMonthly:
		for i := 0; i < 2; i++ {
			first := time.Date(y, m+time.Month(i), 1, 0, 0, 0, 0, loc)
			day := min(s.Day, first.AddDate(0, 1, -1).Day())
			if t := at(first.Year(), first.Month(), day); t.After(now) {
				return t
			}
		}
	}
	return time.Time{}
}
