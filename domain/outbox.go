package domain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The outbox (SPEC rule 16, §2 Outbox): every message owed to a buyer or a channel is
// queued in the transaction of the change that owes it, one per (order, kind, stage),
// and sent later by the one sender, at least once, with the same idempotency key.

// Message kinds. The buyer's kinds wait for the send window; the write-backs owed to a
// channel (refund.reject, tracking.upload) go at any time.
const (
	KindShipped        = "shipped"         // carrier, number, tracking link, product titles
	KindNoTracking     = "no_tracking"     // shipped without a number, with the reason
	KindLate           = "late"            // past its ship-by, once
	KindAtPickup       = "at_pickup"       // waiting at a pickup point (delivery statuses)
	KindPickupReminder = "pickup_reminder" // still waiting: stage "5", "15" (PickupReminderStage)
	KindDelivered      = "delivered"
	KindReturned       = "returned"
	KindRefundRejected = "refund_rejected" // to the buyer; stage is the refund ID
	KindTrackingUpload = "tracking.upload" // a channel's new or corrected number; stage is the number
)

// OutboxKinds lists every kind, the buyer's first.
var OutboxKinds = []string{KindShipped, KindNoTracking, KindLate, KindAtPickup, KindPickupReminder,
	KindDelivered, KindReturned, KindRefundRejected, OutboxVoucherCode, OutboxRefundReject, KindTrackingUpload}

// KnownKind says whether kind is one of OutboxKinds.
func KnownKind(kind string) bool {
	for _, k := range OutboxKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// BuyerKind says whether a kind is a message to the buyer (rather than a write-back owed
// to a channel).
func BuyerKind(kind string) bool { return kind != OutboxRefundReject && kind != KindTrackingUpload }

// Transports.
const (
	TransportEmail   = "email"
	TransportWebhook = "webhook"
)

// TransportFor picks how a message goes: e-mail to a buyer with an address, the webhook
// for everything else (an SMS gateway for buyers without one, the channels' write-backs).
func TransportFor(kind, email string) string {
	if BuyerKind(kind) && email != "" {
		return TransportEmail
	}
	return TransportWebhook
}

// OutboxState is where a message stands.
type OutboxState uint8

const (
	OutboxQueued    OutboxState = iota + 1 // waiting for its next attempt
	OutboxSent                             // delivered (the receiver said yes)
	OutboxFailed                           // the last attempt failed; will retry
	OutboxDead                             // failed max attempts times; retried only by hand
	OutboxCancelled                        // a supervisor called it off
)

// OutboxStates lists the states, those that need a look first.
var OutboxStates = []OutboxState{OutboxDead, OutboxFailed, OutboxQueued, OutboxSent, OutboxCancelled}

var outboxStateNames = map[OutboxState]string{OutboxQueued: "queued", OutboxSent: "sent", OutboxFailed: "failed",
	OutboxDead: "dead", OutboxCancelled: "cancelled"}

func (s OutboxState) String() string {
	if n, ok := outboxStateNames[s]; ok {
		return n
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// Pending says whether the sender still owes the message an attempt.
func (s OutboxState) Pending() bool { return s == OutboxQueued || s == OutboxFailed }

// ParseOutboxState reads a state's name.
func ParseOutboxState(s string) (OutboxState, error) {
	for st, n := range outboxStateNames {
		if n == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("outbox state %q is not one of dead, failed, queued, sent, cancelled", s)
}

// OutboxTry is one attempt at sending a message.
type OutboxTry struct {
	At    time.Time `json:"at"`
	Error string    `json:"error,omitempty"` // empty: it went
}

// DefaultMaxAttempts is how many attempts a message gets before it is dead.
const DefaultMaxAttempts = 8

// Backoff is the wait after the n-th failed attempt (n ≥ 1): a minute, doubling each
// time, at most six hours (8 attempts span about two hours).
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// AfterFailure is a message's state and next attempt after its attempts-th attempt
// failed at now: failed, retried after Backoff, or dead at maxAttempts.
func AfterFailure(attempts, maxAttempts int, now time.Time) (OutboxState, time.Time) {
	if maxAttempts < 1 {
		maxAttempts = DefaultMaxAttempts
	}
	if attempts >= maxAttempts {
		return OutboxDead, time.Time{}
	}
	return OutboxFailed, now.Add(Backoff(attempts))
}

// SendWindow is the time of day messages to buyers may go, in the warehouse's zone.
// The zero value is "any time".
type SendWindow struct {
	On       bool
	From, To int // minutes after midnight; To ≤ From spans midnight
	Loc      *time.Location
}

// ParseSendWindow reads "09:00-21:00"; "" or "0" is any time.
func ParseSendWindow(s string, loc *time.Location) (SendWindow, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return SendWindow{}, nil
	}
	if loc == nil {
		loc = time.Local
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return SendWindow{}, fmt.Errorf("send_window %q is not HH:MM-HH:MM", s)
	}
	from, err1 := clockMinutes(a)
	to, err2 := clockMinutes(b)
	if err := errors.Join(err1, err2); err != nil {
		return SendWindow{}, fmt.Errorf("send_window %q: %v", s, err)
	}
	if from == to {
		return SendWindow{}, fmt.Errorf("send_window %q is empty", s)
	}
	return SendWindow{On: true, From: from, To: to, Loc: loc}, nil
}

func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time such as 09:00", strings.TrimSpace(s))
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (w SendWindow) String() string {
	if !w.On {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.From/60, w.From%60, w.To/60, w.To%60)
}

// Open says whether t is inside the window.
func (w SendWindow) Open(t time.Time) bool {
	if !w.On {
		return true
	}
	lt := t.In(w.Loc)
	m := lt.Hour()*60 + lt.Minute()
	if w.From < w.To {
		return m >= w.From && m < w.To
	}
	return m >= w.From || m < w.To
}

// Next is the first moment at or after t inside the window.
func (w SendWindow) Next(t time.Time) time.Time {
	if w.Open(t) {
		return t
	}
	lt := t.In(w.Loc)
	start := time.Date(lt.Year(), lt.Month(), lt.Day(), w.From/60, w.From%60, 0, 0, w.Loc)
	if !start.After(lt) {
		start = time.Date(lt.Year(), lt.Month(), lt.Day()+1, w.From/60, w.From%60, 0, 0, w.Loc)
	}
	return start
}

// NotifyPolicy is when queued messages become due: the send window for buyers and the
// wait before a shipped message (seed 001: the day after the number is entered).
type NotifyPolicy struct {
	Window       SendWindow
	ShippedNext  bool          // shipped waits for the next day's window
	ShippedDelay time.Duration // otherwise this long (0: at once)
	MaxAttempts  int
}

// DefaultNotifyPolicy: 09:00–21:00 in loc, shipped the next day, 8 attempts.
func DefaultNotifyPolicy(loc *time.Location) NotifyPolicy {
	w, _ := ParseSendWindow("09:00-21:00", loc)
	return NotifyPolicy{Window: w, ShippedNext: true, MaxAttempts: DefaultMaxAttempts}
}

// ParseShippedDelay reads "next_day" or a duration ("0s", "2h"); "" or "0" is at once.
func (p *NotifyPolicy) ParseShippedDelay(s string) error {
	s = strings.TrimSpace(s)
	p.ShippedNext, p.ShippedDelay = false, 0
	switch s {
	case "", "0":
		return nil
	case "next_day":
		p.ShippedNext = true
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("shipped_delay %q is not next_day or a duration such as 2h", s)
	}
	p.ShippedDelay = d
	return nil
}

// DueAt is when a message of kind queued at now may first go.
func (p NotifyPolicy) DueAt(kind string, now time.Time) time.Time {
	t := now
	if kind == KindShipped {
		if p.ShippedNext {
			loc := p.Window.Loc
			if loc == nil {
				loc = time.Local
			}
			lt := now.In(loc)
			t = time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
		} else {
			t = now.Add(p.ShippedDelay)
		}
	}
	return p.WindowFor(kind, t)
}

// WindowFor moves t into the send window for a buyer's kind.
func (p NotifyPolicy) WindowFor(kind string, t time.Time) time.Time {
	if BuyerKind(kind) {
		return p.Window.Next(t)
	}
	return t
}

// PickupReminderStage is the reminder owed at now to a buyer whose parcel has waited at
// the pickup point since the at_pickup event at since (seed 001's aging): "5" while it has
// waited 5 to 15 days (pickup_5_15), "15" while 15 to 30 (pickup_15_30), "" otherwise. A
// parcel first seen past a stage's span gets the next stage's reminder only, never the
// missed one; past 30 days none (it is about to go back).
func PickupReminderStage(since, now time.Time) string {
	switch age := now.Sub(since); {
	case age < PickupBounds[0] || age >= PickupBounds[2]:
		return ""
	case age < PickupBounds[1]:
		return "5"
	}
	return "15"
}
