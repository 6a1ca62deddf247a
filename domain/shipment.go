package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Shipment is how a sales order left the warehouse (SPEC §2, rules 7–13).
type Shipment struct {
	Carrier    string // carrier code from the registry, or "other"
	Number     string // normalised tracking number; empty when shipped without tracking
	URL        string
	ShippedAt  time.Time
	ETA        time.Time // expected arrival
	NoTracking string    // why it shipped without a tracking number; cleared once one is entered
	Override   string    // why a number that failed its carrier's rule was accepted
	Replaced   int       // how many times the number was replaced (seed 001 charges for each)
	History    []TrackingChange
}

// TrackingChange is one correction of a shipment's tracking, oldest first.
type TrackingChange struct {
	At         time.Time
	Operator   string
	OldCarrier string
	OldNumber  string
	NewCarrier string
	NewNumber  string
	Reason     string // override reason of the new number, if any
}

// Shipped reports whether the order has left the warehouse.
func (s Shipment) Shipped() bool { return !s.ShippedAt.IsZero() }

// MissingTracking reports an order shipped without a tracking number (rule 7): these are
// listed until one is entered.
func (s Shipment) MissingTracking() bool { return s.Shipped() && s.Number == "" }

// ShipPolicy is the warehouse's settings that shipping rules depend on.
type ShipPolicy struct {
	Country    string        // ISO country code of the warehouse; parcels to another country are international
	ShipWithin time.Duration // payment to ship-by; zero = DefaultShipWithin
}

// ShipInput is an operator's (or a bulk line's) shipping entry.
type ShipInput struct {
	Carrier    string
	Number     string
	URL        string    // given by hand; derived from the carrier's template when empty
	ShippedAt  time.Time // zero = now (or the shipment's own date for a correction)
	ETA        time.Time // zero = shipped-at plus the carrier's transit time
	Override   string    // accept a number that fails its carrier's rule, for this reason
	NoTracking string    // ship without a tracking number, for this reason
	Operator   string
}

// ShipOutcome says what a shipping entry did to an order.
type ShipOutcome uint8

const (
	ShipUnchanged ShipOutcome = iota + 1 // the same number again: nothing to do
	ShipNew                              // the order ships now
	ShipCorrected                        // the number of a shipped order was replaced
	ShipTracked                          // an order shipped without tracking got its number
	ShipUpdated                          // the same number with a new URL, shipped-at or arrival
)

var shipOutcomeNames = map[ShipOutcome]string{
	ShipUnchanged: "unchanged", ShipNew: "ship", ShipCorrected: "correct", ShipTracked: "add tracking", ShipUpdated: "update",
}

func (o ShipOutcome) String() string { return shipOutcomeNames[o] }

// TrackingError is a number refused by its carrier's rule; an operator may override it.
type TrackingError struct {
	Carrier string
	Number  string
	Reason  string
}

func (e *TrackingError) Error() string {
	return fmt.Sprintf("tracking number %s refused for %s: %s", e.Number, e.Carrier, e.Reason)
}

// CheckTrackingNumber validates a number for a carrier (rule 8) and returns it normalised.
// An unknown carrier code is an error; "other" accepts any number.
func CheckTrackingNumber(carrier, number string) (Carrier, string, error) {
	c, ok := CarrierByCode(carrier)
	if !ok {
		return c, "", fmt.Errorf("unknown carrier %q — use one of %s, or other with --url", carrier, carrierCodes())
	}
	n := NormalizeTracking(number)
	if n == "" {
		return c, "", fmt.Errorf("tracking number is empty")
	}
	if len(n) > 40 {
		return c, "", fmt.Errorf("tracking number %q is longer than 40 characters", n[:40])
	}
	for _, r := range n {
		if (r < '0' || r > '9') && (r < 'A' || r > 'Z') {
			return c, "", fmt.Errorf("tracking number %q may hold only letters and digits", n)
		}
	}
	if v, err := c.Validate(n); err != nil {
		return c, n, &TrackingError{Carrier: c.Code, Number: n, Reason: err.Error()}
	} else {
		n = v
	}
	return c, n, nil
}

func carrierCodes() string {
	var codes []string
	for _, c := range Carriers() {
		codes = append(codes, c.Code)
	}
	return strings.Join(codes, ", ")
}

// Ship applies a shipping entry to an order (rules 7–10, 13) and says what it did.
// It does not check that the number is unused by another order: that needs the store.
func Ship(o SalesOrder, in ShipInput, now time.Time, pol ShipPolicy) (SalesOrder, ShipOutcome, error) {
	switch o.Status {
	case OrderAwaitingShipment, OrderShipped, OrderDelivered:
	default:
		return o, 0, fmt.Errorf("order %s is %s: it cannot be shipped", OrderNumber(o.No), o.Status)
	}
	old := o.Shipment
	for _, reason := range []string{in.NoTracking, in.Override} {
		if !TypedTextOK(strings.TrimSpace(reason)) {
			return o, 0, errors.New("a reason may not hold control or invisible characters: type it again")
		}
	}
	if o.Attention != "" && o.Status == OrderAwaitingShipment {
		return o, 0, fmt.Errorf("order %s needs attention before it ships: %s", OrderNumber(o.No), o.Attention)
	}
	if strings.TrimSpace(in.NoTracking) != "" {
		if in.Number != "" || in.Carrier != "" && in.Carrier != "other" {
			return o, 0, fmt.Errorf("give either a tracking number or a reason for shipping without one, not both")
		}
		if o.Status != OrderAwaitingShipment {
			return o, 0, fmt.Errorf("order %s is already %s", OrderNumber(o.No), o.Status)
		}
		s := Shipment{NoTracking: strings.TrimSpace(in.NoTracking), Carrier: in.Carrier, ShippedAt: orNow(in.ShippedAt, now), ETA: in.ETA}
		if err := checkDates(s, o, pol); err != nil {
			return o, 0, err
		}
		o.Shipment, o.Status = s, OrderShipped
		return o, ShipNew, nil
	}
	if strings.TrimSpace(in.Carrier) == "" {
		return o, 0, fmt.Errorf("carrier is required (or ship without tracking with a reason)")
	}
	c, number, err := CheckTrackingNumber(in.Carrier, in.Number)
	override := strings.TrimSpace(in.Override)
	if err != nil {
		_, isRule := err.(*TrackingError)
		if isRule && old.Number == number && old.Carrier == c.Code {
			return sameNumber(o, in, pol) // its own number, accepted earlier with an override
		}
		if !isRule || override == "" {
			return o, 0, err
		}
	} else {
		override = "" // a valid number needs no override
	}
	if old.Number == number && old.Carrier == c.Code {
		return sameNumber(o, in, pol)
	}
	url := strings.TrimSpace(in.URL)
	if reason := checkTrackingURL(url); reason != "" {
		return o, 0, errors.New(reason)
	}
	if url == "" {
		url = c.URL(number)
	}
	if url == "" {
		return o, 0, fmt.Errorf("carrier %s has no tracking page: give the URL by hand", c.Code)
	}
	s := old
	s.Carrier, s.Number, s.URL, s.Override, s.NoTracking = c.Code, number, url, override, ""
	if !in.ShippedAt.IsZero() || !s.Shipped() {
		s.ShippedAt = orNow(in.ShippedAt, now)
	}
	if !in.ETA.IsZero() {
		s.ETA = in.ETA
	} else if s.ETA.IsZero() || old.Carrier != c.Code || !in.ShippedAt.IsZero() {
		s.ETA = time.Time{}
		if d, ok := c.Transit(pol.Country, o.Consignee.Country); ok {
			s.ETA = s.ShippedAt.Add(d)
		}
	}
	if err := checkDates(s, o, pol); err != nil {
		return o, 0, err
	}
	outcome := ShipNew
	switch {
	case old.Number != "":
		outcome = ShipCorrected
		s.Replaced++
		s.History = append(append([]TrackingChange(nil), old.History...), TrackingChange{
			At: now, Operator: in.Operator, OldCarrier: old.Carrier, OldNumber: old.Number,
			NewCarrier: s.Carrier, NewNumber: s.Number, Reason: override,
		})
	case old.Shipped():
		outcome = ShipTracked
	}
	o.Shipment = s
	if o.Status == OrderAwaitingShipment {
		o.Status = OrderShipped
	}
	return o, outcome, nil
}

// sameNumber handles an order's own number entered again: nothing changes, unless the
// entry gives another URL, shipped-at or expected arrival, which are put right in place
// (the number is not replaced, so nothing goes into its history).
func sameNumber(o SalesOrder, in ShipInput, pol ShipPolicy) (SalesOrder, ShipOutcome, error) {
	s := o.Shipment
	if u := strings.TrimSpace(in.URL); u != "" {
		if reason := checkTrackingURL(u); reason != "" {
			return o, 0, errors.New(reason)
		}
		s.URL = u
	}
	if !in.ShippedAt.IsZero() {
		s.ShippedAt = in.ShippedAt
	}
	if !in.ETA.IsZero() {
		s.ETA = in.ETA
	}
	if s.URL == o.Shipment.URL && s.ShippedAt.Equal(o.Shipment.ShippedAt) && s.ETA.Equal(o.Shipment.ETA) {
		return o, ShipUnchanged, nil
	}
	if err := checkDates(s, o, pol); err != nil {
		return o, 0, err
	}
	o.Shipment = s
	return o, ShipUpdated, nil
}

// International reports whether an order leaves the warehouse's country (rule 10).
func International(o SalesOrder, pol ShipPolicy) bool {
	to := strings.ToUpper(strings.TrimSpace(o.Consignee.Country))
	return to != "" && pol.Country != "" && !strings.EqualFold(to, pol.Country)
}

func checkDates(s Shipment, o SalesOrder, pol ShipPolicy) error {
	if !s.ETA.IsZero() && s.ETA.Before(s.ShippedAt) {
		return fmt.Errorf("expected arrival %s is before shipped-at %s", s.ETA.Format(time.DateOnly), s.ShippedAt.Format(time.DateOnly))
	}
	if International(o, pol) && s.ETA.IsZero() {
		carrier := s.Carrier
		if carrier == "" {
			carrier = "no carrier"
		}
		return &NeedsArrivalError{Country: strings.ToUpper(o.Consignee.Country), Carrier: carrier}
	}
	return nil
}

// NeedsArrivalError is an international parcel shipped with no expected arrival date
// whose carrier has no transit time to derive one from (rule 10). Each front end says
// how to give the date: the command line's --eta, the console form's field, a CSV
// upload's eta column.
type NeedsArrivalError struct {
	Country, Carrier string
}

func (e *NeedsArrivalError) Error() string {
	return fmt.Sprintf("international parcel to %s needs an expected arrival date (%s has no transit time for it)", e.Country, e.Carrier)
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}
