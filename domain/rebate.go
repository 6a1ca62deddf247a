package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rebate is a platform subscription order whose fee comes back (rule 29, seed 004): only
// once the order is confirmed on the platform and its platform's waiting time has passed.
type Rebate struct {
	ID          uint64
	Channel     string
	Platform    string // the channel's, when the rebate was added
	Order       string // the platform's order number
	OrderedAt   time.Time
	Amount      Money
	ConfirmedAt time.Time // zero until the operator confirms it on the platform
	// ClaimableOn is the civil date (midnight UTC) from which it may be claimed once
	// confirmed; zero when the platform's waiting time is not known (claimed by hand).
	ClaimableOn time.Time
	ClaimedAt   time.Time
	PaidAt      time.Time
	Wait        Wait // the waiting time used
}

// RebateState is where a rebate stands; claimable follows from the clock.
type RebateState uint8

const (
	RebateOrdered RebateState = iota + 1
	RebateConfirmed
	RebateClaimable
	RebateClaimed
	RebatePaid
)

// RebateStates lists every state in order.
var RebateStates = []RebateState{RebateOrdered, RebateConfirmed, RebateClaimable, RebateClaimed, RebatePaid}

var rebateStateNames = map[RebateState]string{RebateOrdered: "ordered", RebateConfirmed: "confirmed",
	RebateClaimable: "claimable", RebateClaimed: "claimed", RebatePaid: "paid"}

func (s RebateState) String() string { return rebateStateNames[s] }

// State is the rebate's state on the warehouse's date today (a civil date). An
// unconfirmed rebate is never claimable, however long it waits (seed 004).
func (r Rebate) State(today time.Time) RebateState {
	switch {
	case !r.PaidAt.IsZero():
		return RebatePaid
	case !r.ClaimedAt.IsZero():
		return RebateClaimed
	case r.ConfirmedAt.IsZero():
		return RebateOrdered
	case !r.ClaimableOn.IsZero() && !CivilDate(today).Before(r.ClaimableOn):
		return RebateClaimable
	}
	return RebateConfirmed
}

// WaitUnit is what a waiting time counts.
type WaitUnit uint8

const (
	WaitNone WaitUnit = iota // not known: the operator claims by hand
	WaitWorkingDays
	WaitDays
	WaitMonths
	WaitYears
)

// Wait is a waiting time: N working days, days, calendar months or calendar years.
type Wait struct {
	N    int
	Unit WaitUnit
}

var waitSuffix = map[WaitUnit]string{WaitWorkingDays: "wd", WaitDays: "d", WaitMonths: "m", WaitYears: "y"}

func (w Wait) String() string {
	if w.Unit == WaitNone {
		return ""
	}
	return strconv.Itoa(w.N) + waitSuffix[w.Unit]
}

// ParseWait reads 5wd (working days), 30d, 2m or 1y.
func ParseWait(s string) (Wait, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, u := range []WaitUnit{WaitWorkingDays, WaitDays, WaitMonths, WaitYears} {
		if num, ok := strings.CutSuffix(s, waitSuffix[u]); ok {
			n, err := strconv.Atoi(num)
			if err != nil || n < 1 || n > 1000 {
				break
			}
			return Wait{N: n, Unit: u}, nil
		}
	}
	return Wait{}, fmt.Errorf("waiting time %q is not N working days (5wd), days (30d), months (2m) or years (1y)", s)
}

// PlatformWait is the waiting time each platform sets before a subscription rebate may
// be claimed (rule 29); ok is false for a platform whose waiting time is given by hand.
func PlatformWait(platform string) (Wait, bool) {
	switch platform {
	case "taobao", "tmall":
		return Wait{5, WaitWorkingDays}, true
	case "jd":
		return Wait{20, WaitWorkingDays}, true
	case "paipai":
		return Wait{2, WaitMonths}, true
	case "yihaodian":
		return Wait{1, WaitYears}, true
	}
	return Wait{}, false
}

// After is the civil date the waiting time ends, counted from the civil date of day:
// the Nth working day after it (the day itself not counted), or calendar months and
// years clamped to the month's end. Working days need the calendar.
func (w Wait) After(cal WorkCalendar, day time.Time) (time.Time, error) {
	d := CivilDate(day)
	switch w.Unit {
	case WaitWorkingDays:
		return AddWorkingDays(cal, d, w.N)
	case WaitDays:
		return d.AddDate(0, 0, w.N), nil
	case WaitMonths:
		return AddMonths(d, w.N), nil
	case WaitYears:
		return AddMonths(d, 12*w.N), nil
	}
	return time.Time{}, nil
}

// NewRebate makes the record of a subscription order on a channel of platform, ordered
// at orderedAt (in the warehouse's zone loc), with the platform's waiting time or, for
// another platform, the one given (none: claimed by hand). A date the calendar does not
// cover is refused.
func NewRebate(channel, platform, order string, orderedAt time.Time, amount Money, given Wait, cal WorkCalendar, loc *time.Location) (Rebate, error) {
	r := Rebate{Channel: channel, Platform: platform, Order: strings.TrimSpace(order), OrderedAt: orderedAt, Amount: amount}
	if r.Order == "" || len(r.Order) > 128 {
		return r, fmt.Errorf("the platform order number is 1 to 128 bytes")
	}
	if amount.Minor <= 0 {
		return r, fmt.Errorf("a rebate's amount is more than zero")
	}
	r.Wait = given
	if w, ok := PlatformWait(platform); ok {
		r.Wait = w
	}
	on, err := r.Wait.After(cal, orderedAt.In(loc))
	if err != nil {
		return r, err
	}
	r.ClaimableOn = on
	return r, nil
}

// Confirm records that the order was confirmed on the platform at at.
func (r Rebate) Confirm(at time.Time) (Rebate, error) {
	if !r.ConfirmedAt.IsZero() {
		return r, fmt.Errorf("rebate %d was already confirmed on %s", r.ID, r.ConfirmedAt.Format(time.DateOnly))
	}
	if at.Before(r.OrderedAt) {
		return r, fmt.Errorf("rebate %d cannot be confirmed before it was ordered", r.ID)
	}
	r.ConfirmedAt = at
	return r, nil
}

// Claim records the claim; only a claimable rebate (or a confirmed one whose waiting
// time is given by hand) may be claimed.
func (r Rebate) Claim(now time.Time, today time.Time) (Rebate, error) {
	switch st := r.State(today); {
	case st == RebateOrdered:
		return r, fmt.Errorf("rebate %d is not confirmed yet: confirm it on the platform first (rebate confirm %d --at DATE)", r.ID, r.ID)
	case st == RebateConfirmed && !r.ClaimableOn.IsZero():
		return r, fmt.Errorf("rebate %d is claimable from %s", r.ID, r.ClaimableOn.Format(time.DateOnly))
	case st == RebateClaimed || st == RebatePaid:
		return r, fmt.Errorf("rebate %d is already %s", r.ID, st)
	}
	r.ClaimedAt = now
	return r, nil
}

// Paid records that the rebate was paid out; only a claimed one.
func (r Rebate) Paid(now time.Time) (Rebate, error) {
	if !r.PaidAt.IsZero() {
		return r, fmt.Errorf("rebate %d is already paid", r.ID)
	}
	if r.ClaimedAt.IsZero() {
		return r, fmt.Errorf("rebate %d is not claimed yet", r.ID)
	}
	r.PaidAt = now
	return r, nil
}
