package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventStatus is what one carrier scan says about a parcel (rule 14).
type EventStatus uint8

const (
	EventInfoReceived EventStatus = iota + 1
	EventInTransit
	EventLeftSorting
	EventOutForDelivery
	EventAtPickup
	EventFailedAttempt
	EventDelivered
	EventReturning
	EventReturned
	EventException
	EventUnknownNumber
)

// EventStatuses lists every event status in the order of the import format's text.
var EventStatuses = []EventStatus{EventInfoReceived, EventInTransit, EventLeftSorting, EventOutForDelivery, EventAtPickup,
	EventFailedAttempt, EventDelivered, EventReturning, EventReturned, EventException, EventUnknownNumber}

var eventStatusNames = map[EventStatus]string{
	EventInfoReceived: "info_received", EventInTransit: "in_transit", EventLeftSorting: "left_sorting_centre",
	EventOutForDelivery: "out_for_delivery", EventAtPickup: "at_pickup", EventFailedAttempt: "failed_attempt",
	EventDelivered: "delivered", EventReturning: "returning", EventReturned: "returned", EventException: "exception",
	EventUnknownNumber: "unknown_number",
}

func (s EventStatus) String() string { return eventStatusNames[s] }

// ParseEventStatus reads an event status exactly as the import format spells it.
func ParseEventStatus(s string) (EventStatus, error) {
	for _, st := range EventStatuses {
		if eventStatusNames[st] == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("status %q is not one of %s", s, joinNames(EventStatuses))
}

// TrackingEvent is one carrier scan of one parcel.
type TrackingEvent struct {
	Tracking string // normalised tracking number
	Carrier  string // optional: must then agree with the shipment's carrier
	At       time.Time
	Status   EventStatus
	Location string
	Text     string
}

// Phase is the event-driven part of a delivery status: what the latest event (or the
// operator's stop) says, before the clock is asked. The clock then splits a phase by the
// time it started (StatusAt).
type Phase uint8

const (
	PhaseNoTracking Phase = iota + 1 // shipped without a number
	PhaseRegistered                  // number entered, no event yet; since = shipped-at
	PhaseTransit                     // latest event in_transit or left_sorting_centre: may stall
	PhaseMoving                      // latest event info_received, out_for_delivery or failed_attempt
	PhasePickup                      // latest event at_pickup; since = that event
	PhaseDelivered
	PhaseReturned
	PhaseError
	PhaseStopped // an operator stopped tracking it
)

// Phases lists every phase.
var Phases = []Phase{PhaseNoTracking, PhaseRegistered, PhaseTransit, PhaseMoving, PhasePickup, PhaseDelivered, PhaseReturned, PhaseError, PhaseStopped}

var phaseNames = map[Phase]string{
	PhaseNoTracking: "no_tracking", PhaseRegistered: "registered", PhaseTransit: "transit", PhaseMoving: "moving",
	PhasePickup: "pickup", PhaseDelivered: "delivered", PhaseReturned: "returned", PhaseError: "error", PhaseStopped: "stopped",
}

func (p Phase) String() string { return phaseNames[p] }

// Ages reports whether the clock can change the status of a parcel in this phase.
func (p Phase) Ages() bool {
	return p == PhaseRegistered || p == PhaseTransit || p == PhaseMoving || p == PhasePickup
}

// DeliveryStatus is a shipment's delivery status (rule 14).
type DeliveryStatus uint8

const (
	DeliveryNoTracking DeliveryStatus = iota + 1
	DeliveryRegistered
	DeliveryInTransit
	DeliveryStuck
	DeliveryPickup1to5
	DeliveryPickup5to15
	DeliveryPickup15to30
	DeliveryPickupOver30
	DeliveryDelivered
	DeliveryReturned
	DeliveryError
	DeliveryNoInfo
	DeliveryStopped
)

// DeliveryStatuses lists every status in the order of `status --json`.
var DeliveryStatuses = []DeliveryStatus{DeliveryNoTracking, DeliveryRegistered, DeliveryInTransit, DeliveryStuck, DeliveryPickup1to5,
	DeliveryPickup5to15, DeliveryPickup15to30, DeliveryPickupOver30, DeliveryDelivered, DeliveryReturned, DeliveryError,
	DeliveryNoInfo, DeliveryStopped}

var deliveryNames = map[DeliveryStatus]string{
	DeliveryNoTracking: "no_tracking", DeliveryRegistered: "registered", DeliveryInTransit: "in_transit", DeliveryStuck: "stuck",
	DeliveryPickup1to5: "pickup_1_5", DeliveryPickup5to15: "pickup_5_15", DeliveryPickup15to30: "pickup_15_30",
	DeliveryPickupOver30: "pickup_over_30", DeliveryDelivered: "delivered", DeliveryReturned: "returned",
	DeliveryError: "error", DeliveryNoInfo: "no_info", DeliveryStopped: "stopped",
}

func (s DeliveryStatus) String() string { return deliveryNames[s] }

// ParseDeliveryStatus reads a status name; a unique prefix ("pickup_1", "stu") is enough.
func ParseDeliveryStatus(s string) (DeliveryStatus, error) { return parseName(s, DeliveryStatuses) }

// ParseDeliveryStatuses reads a list of delivery statuses as an operator types it
// (delivery:NAME[,NAME] in a filter): each a name, or a prefix that names one or more
// statuses (pickup: all four ages), or all.
func ParseDeliveryStatuses(v string) ([]DeliveryStatus, error) {
	if strings.EqualFold(v, "all") {
		return slices.Clone(DeliveryStatuses), nil
	}
	var out []DeliveryStatus
	for _, name := range strings.Split(strings.ToLower(v), ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, st := range DeliveryStatuses {
			if name != "" && strings.HasPrefix(st.String(), name) {
				found = true
				if !slices.Contains(out, st) {
					out = append(out, st)
				}
			}
		}
		if !found {
			names := make([]string, len(DeliveryStatuses))
			for i, st := range DeliveryStatuses {
				names[i] = st.String()
			}
			return nil, fmt.Errorf("delivery %q is not one of %s (a prefix will do)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// Loudness orders statuses for the parcels view, the loudest (most in need of a look)
// first: stuck, the pickup ages from the oldest, no info, error, then the quiet ones.
func (s DeliveryStatus) Loudness() int {
	switch s {
	case DeliveryStuck:
		return 0
	case DeliveryPickupOver30:
		return 1
	case DeliveryPickup15to30:
		return 2
	case DeliveryPickup5to15:
		return 3
	case DeliveryPickup1to5:
		return 4
	case DeliveryNoInfo:
		return 5
	case DeliveryError:
		return 6
	case DeliveryReturned:
		return 7
	case DeliveryRegistered:
		return 8
	case DeliveryInTransit:
		return 9
	case DeliveryNoTracking:
		return 10
	case DeliveryStopped:
		return 11
	}
	return 12 // delivered
}

// PickupWords says a pickup age in words, so it reads without colour (seed 001 grades
// the wait from light to dark).
func (s DeliveryStatus) PickupWords() string {
	switch s {
	case DeliveryPickup1to5:
		return "waiting at pickup"
	case DeliveryPickup5to15:
		return "waiting long"
	case DeliveryPickup15to30:
		return "waiting very long"
	case DeliveryPickupOver30:
		return "about to go back"
	}
	return ""
}

// Pickup reports a pickup-aging status.
func (s DeliveryStatus) Pickup() bool { return s >= DeliveryPickup1to5 && s <= DeliveryPickupOver30 }

// DeliverySettings are the clock rules of rule 14 and the order rules of rule 15.
type DeliverySettings struct {
	Stall         map[string]time.Duration // per carrier code; missing = DefaultStall
	NoInfoAfter   time.Duration            // zero = DefaultNoInfoAfter
	CompleteAfter time.Duration            // delivered → completed; zero = DefaultCompleteAfter
	OrderFollows  bool                     // delivery drives the order status (on by default)
}

// Defaults of rules 14 and 15.
const (
	DefaultStall         = 5 * 24 * time.Hour
	DefaultNoInfoAfter   = 60 * 24 * time.Hour
	DefaultCompleteAfter = 10 * 24 * time.Hour
	Day                  = 24 * time.Hour
)

// DefaultDeliverySettings are the settings when nothing is configured.
func DefaultDeliverySettings() DeliverySettings { return DeliverySettings{OrderFollows: true} }

// StallOf is the stall time of a carrier.
func (s DeliverySettings) StallOf(carrier string) time.Duration {
	if d, ok := s.Stall[strings.ToLower(carrier)]; ok && d > 0 {
		return d
	}
	return DefaultStall
}

// NoInfo is the silence after which a parcel is no_info.
func (s DeliverySettings) NoInfo() time.Duration {
	if s.NoInfoAfter > 0 {
		return s.NoInfoAfter
	}
	return DefaultNoInfoAfter
}

// Complete is how long after delivery an order completes.
func (s DeliverySettings) Complete() time.Duration {
	if s.CompleteAfter > 0 {
		return s.CompleteAfter
	}
	return DefaultCompleteAfter
}

// PickupBounds are the days at pickup where one pickup status gives way to the next.
var PickupBounds = [3]time.Duration{5 * Day, 15 * Day, 30 * Day}

// ParcelState is what storage keeps per shipment besides its events: the latest event
// and the operator's stop.
type ParcelState struct {
	Latest     TrackingEvent // zero At: no event yet
	Stopped    bool
	StopReason string
	StoppedAt  time.Time
	StoppedBy  string
}

// HasEvent reports whether any event has arrived.
func (p ParcelState) HasEvent() bool { return p.Latest.Status != 0 }

// eventRank is the precedence of rule 14 among events of the same time: the status of
// the higher rank wins.
func eventRank(s EventStatus) int {
	switch s {
	case EventDelivered:
		return 6
	case EventReturning, EventReturned:
		return 5
	case EventException, EventUnknownNumber:
		return 4
	case EventAtPickup:
		return 3
	case EventInTransit, EventLeftSorting:
		return 2
	}
	return 1
}

// Later reports whether event a supersedes b as a parcel's latest: the later time, and
// at the same time the status that comes first in rule 14's precedence.
func Later(a, b TrackingEvent) bool {
	if b.Status == 0 {
		return true
	}
	if !a.At.Equal(b.At) {
		return a.At.After(b.At)
	}
	if ra, rb := eventRank(a.Status), eventRank(b.Status); ra != rb {
		return ra > rb
	}
	return a.Status > b.Status
}

// PhaseOf is the event-driven part of a shipment's delivery status and the time it
// started: the instant the clock measures from.
func PhaseOf(sh Shipment, p ParcelState) (Phase, time.Time) {
	switch {
	case p.Stopped:
		return PhaseStopped, p.StoppedAt
	case !p.HasEvent() && sh.Number == "":
		return PhaseNoTracking, sh.ShippedAt
	case !p.HasEvent():
		return PhaseRegistered, sh.ShippedAt
	}
	at := p.Latest.At
	switch p.Latest.Status {
	case EventDelivered:
		return PhaseDelivered, at
	case EventReturning, EventReturned:
		return PhaseReturned, at
	case EventException, EventUnknownNumber:
		return PhaseError, at
	case EventAtPickup:
		return PhasePickup, at
	case EventInTransit, EventLeftSorting:
		return PhaseTransit, at
	}
	return PhaseMoving, at
}

// StatusAt is the delivery status at now of a parcel in phase ph since the given time,
// of carrier: the clock's part of rule 14. A stall or pickup age counts whole elapsed
// time, not calendar days.
func StatusAt(ph Phase, since time.Time, carrier string, set DeliverySettings, now time.Time) DeliveryStatus {
	age := now.Sub(since)
	switch ph {
	case PhaseStopped:
		return DeliveryStopped
	case PhaseNoTracking:
		return DeliveryNoTracking
	case PhaseDelivered:
		return DeliveryDelivered
	case PhaseReturned:
		return DeliveryReturned
	case PhaseError:
		return DeliveryError
	}
	if age > set.NoInfo() {
		return DeliveryNoInfo
	}
	switch ph {
	case PhasePickup:
		switch {
		case age < PickupBounds[0]:
			return DeliveryPickup1to5
		case age < PickupBounds[1]:
			return DeliveryPickup5to15
		case age < PickupBounds[2]:
			return DeliveryPickup15to30
		}
		return DeliveryPickupOver30
	case PhaseTransit:
		if age > set.StallOf(carrier) {
			return DeliveryStuck
		}
		return DeliveryInTransit
	case PhaseMoving:
		return DeliveryInTransit
	}
	return DeliveryRegistered
}

// DeliveryOf is a shipment's delivery status at now (rule 14): a pure function of the
// shipment, its latest event, the stop, the settings and the clock.
func DeliveryOf(sh Shipment, p ParcelState, set DeliverySettings, now time.Time) DeliveryStatus {
	ph, since := PhaseOf(sh, p)
	return StatusAt(ph, since, sh.Carrier, set, now)
}

// DaysSince is whole days from t to now (0 when t is zero or later).
func DaysSince(t, now time.Time) int {
	if t.IsZero() || !now.After(t) {
		return 0
	}
	return int(now.Sub(t) / Day)
}

// FollowDelivery is rule 15: what a parcel's new phase does to its order, when the
// setting lets delivery drive the order. ok is false when the order does not move.
func FollowDelivery(o SalesOrder, ph Phase, set DeliverySettings) (SalesOrder, bool) {
	if !set.OrderFollows {
		return o, false
	}
	var to OrderStatus
	switch ph {
	case PhaseDelivered:
		if o.Status != OrderShipped {
			return o, false
		}
		to = OrderDelivered
	case PhaseReturned:
		if o.Status != OrderShipped && o.Status != OrderDelivered {
			return o, false
		}
		to = OrderReturned
	default:
		return o, false
	}
	next, err := Advance(o, to)
	return next, err == nil
}

// CompleteDelivered is rule 15's clock: a delivered order completes once complete-after
// has passed since delivery, unless a refund on it is pending.
func CompleteDelivered(o SalesOrder, deliveredAt time.Time, refundPending bool, set DeliverySettings, now time.Time) (SalesOrder, bool) {
	if !set.OrderFollows || o.Status != OrderDelivered || refundPending || now.Sub(deliveredAt) < set.Complete() {
		return o, false
	}
	next, err := Advance(o, OrderCompleted)
	return next, err == nil
}

// CheckStop says why tracking of a shipment may not be stopped (or resumed).
func CheckStop(o SalesOrder, p ParcelState, stop bool, reason string) error {
	if !o.Shipment.Shipped() {
		return fmt.Errorf("order %s has not shipped: there is no parcel to follow", OrderNumber(o.No))
	}
	if stop {
		if p.Stopped {
			return fmt.Errorf("tracking of %s is already stopped (%s)", OrderNumber(o.No), p.StopReason)
		}
		if strings.TrimSpace(reason) == "" {
			return fmt.Errorf("give a reason for stopping tracking of %s", OrderNumber(o.No))
		}
		if strings.IndexFunc(reason, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			return fmt.Errorf("a reason may not hold control characters: type it again")
		}
		return nil
	}
	if !p.Stopped {
		return fmt.Errorf("tracking of %s is not stopped", OrderNumber(o.No))
	}
	return nil
}
