package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// TrackingVerdict is what one line of a bulk tracking upload will do (rule 11): ship,
// correct (old → new), unchanged, or an error with the reason. Nothing is written until
// every line has one.
type TrackingVerdict struct {
	Line      int
	Ref       string
	OrderNo   uint64 // 0 when the line names no order
	Key       Key
	Outcome   ShipOutcome // 0 on error
	Carrier   string
	OldNumber string
	Number    string
	Err       string
}

// OK reports whether the line can be applied.
func (v TrackingVerdict) OK() bool { return v.Err == "" }

// String is the verdict as a preview line shows it.
func (v TrackingVerdict) String() string {
	if v.Err != "" {
		return "error: " + v.Err
	}
	switch v.Outcome {
	case ShipCorrected:
		return fmt.Sprintf("will correct %s → %s", v.OldNumber, v.Number)
	case ShipUnchanged:
		return "unchanged"
	case ShipUpdated:
		return "will update the URL or dates of " + v.Number
	case ShipTracked:
		return "will add tracking " + v.Number
	case ShipNew:
		if v.Number == "" {
			return "will ship without tracking"
		}
		return "will ship with " + v.Number
	}
	return v.Outcome.String()
}

// TrackingPlan is the verdict of every line and the orders as they will be once applied.
type TrackingPlan struct {
	Verdicts []TrackingVerdict
	Orders   map[uint64]SalesOrder // the new state of every order a good line changes
	Before   map[uint64]SalesOrder // their state before the upload
}

// Counts says how many lines will do what.
func (p TrackingPlan) Counts() (ship, correct, unchanged, bad int) {
	for _, v := range p.Verdicts {
		switch {
		case !v.OK():
			bad++
		case v.Outcome == ShipCorrected, v.Outcome == ShipUpdated:
			correct++
		case v.Outcome == ShipUnchanged:
			unchanged++
		default:
			ship++
		}
	}
	return
}

// Bad reports whether any line is an error.
func (p TrackingPlan) Bad() bool {
	for _, v := range p.Verdicts {
		if !v.OK() {
			return true
		}
	}
	return false
}

// OrderLookup finds the sales order a line's reference names: CHANNEL:TRADE_ID, a trade
// ID or a payment reference. It returns an operator-readable error for an unknown or
// ambiguous reference, or one that names a pool entry not converted yet.
type OrderLookup func(ref OrderRef) (SalesOrder, error)

// NumberOwner says which order already holds a tracking number, if any.
type NumberOwner func(number string) (orderNo uint64, ok bool)

// PlanTracking gives every line of a bulk upload its verdict. It works in two passes.
// The first finds each line's order, carrier and number and marks the lines that are
// wrong on their own (unknown order, bad number, a number another order holds) or that
// contradict each other: two lines giving one order different numbers, or one number to
// two orders, are all errors — the file must say which is right. The second applies the
// remaining lines in file order, so a later line for the same order sees what an earlier
// one did and every verdict describes exactly what applying will do.
func PlanTracking(lines []TrackingLine, lookup OrderLookup, owner NumberOwner, now time.Time, pol ShipPolicy, operator string) TrackingPlan {
	p := TrackingPlan{Verdicts: make([]TrackingVerdict, len(lines)), Orders: map[uint64]SalesOrder{}, Before: map[uint64]SalesOrder{}}
	found := make([]SalesOrder, len(lines))
	numbers := map[uint64][]int{} // order → lines naming it
	holders := map[string][]int{} // number → lines giving it
	for i, l := range lines {
		v := &p.Verdicts[i]
		v.Line, v.Ref = l.Line, l.Ref
		ref, err := ParseOrderRef(l.Ref)
		if err != nil {
			v.Err = err.Error()
			continue
		}
		o, err := lookup(ref)
		if err != nil {
			v.Err = err.Error()
			continue
		}
		found[i] = o
		v.OrderNo, v.Key = o.No, o.Key
		carrier, err := lineCarrier(l)
		if err != nil {
			v.Err = err.Error()
			continue
		}
		number := NormalizeTracking(l.Number)
		v.Carrier, v.Number = carrier, number
		// A bad number is this line's own fault: it does not contradict other lines. The
		// order's own number, accepted earlier with an override, is not checked again.
		own := o.Shipment.Number == number && o.Shipment.Carrier == carrier
		if _, _, err := CheckTrackingNumber(carrier, number); err != nil && !own {
			v.Err = err.Error()
			continue
		}
		if no, used := owner(number); used && no != o.No {
			v.Err = fmt.Sprintf("number %s is already used by %s", number, OrderNumber(no))
			continue
		}
		numbers[o.No] = append(numbers[o.No], i)
		holders[number] = append(holders[number], i)
	}
	for no, idx := range numbers {
		for _, i := range idx {
			for _, j := range idx {
				if p.Verdicts[j].Number != p.Verdicts[i].Number {
					p.Verdicts[i].Err = fmt.Sprintf("line %d gives %s the number %s, this line %s: keep one",
						lines[j].Line, OrderNumber(no), p.Verdicts[j].Number, p.Verdicts[i].Number)
					break
				}
			}
		}
	}
	for number, idx := range holders {
		for _, i := range idx {
			for _, j := range idx {
				if p.Verdicts[j].OrderNo != p.Verdicts[i].OrderNo {
					p.Verdicts[i].Err = fmt.Sprintf("number %s is also on line %d for %s", number, lines[j].Line, OrderNumber(p.Verdicts[j].OrderNo))
					break
				}
			}
		}
	}
	for i, l := range lines {
		v := &p.Verdicts[i]
		if !v.OK() {
			continue
		}
		cur, ok := p.Orders[v.OrderNo]
		if !ok {
			cur = found[i]
		}
		next, outcome, err := Ship(cur, ShipInput{Carrier: v.Carrier, Number: v.Number, URL: l.URL, ShippedAt: l.ShippedAt, ETA: l.ETA, Operator: operator}, now, pol)
		if err != nil {
			v.Err = err.Error()
			if errors.As(err, new(*NeedsArrivalError)) {
				// A GSPAY line has no room for one, hence the other way.
				v.Err += ": give the line an eta (CSV column eta), or ship the order alone with an arrival date"
			}
			continue
		}
		v.Outcome, v.OldNumber = outcome, cur.Shipment.Number
		if outcome == ShipUnchanged {
			continue
		}
		if _, ok := p.Before[v.OrderNo]; !ok {
			p.Before[v.OrderNo] = found[i]
		}
		p.Orders[v.OrderNo] = next
	}
	return p
}

// lineCarrier is the carrier a line names, or the one its URL or number points to; a
// line with only a URL of an unknown site is "other".
func lineCarrier(l TrackingLine) (string, error) {
	if c := strings.TrimSpace(l.Carrier); c != "" {
		k, ok := CarrierByCode(c)
		if !ok {
			return "", fmt.Errorf("unknown carrier %q", c)
		}
		return k.Code, nil
	}
	if code := deriveCarrier(l.URL, NormalizeTracking(l.Number)); code != "" {
		return code, nil
	}
	if strings.TrimSpace(l.URL) != "" {
		return "other", nil
	}
	return "", fmt.Errorf("cannot tell the carrier of %s: name it in a carrier column", NormalizeTracking(l.Number))
}
