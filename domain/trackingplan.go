package domain

import (
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
		case v.Outcome == ShipCorrected:
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
type OrderLookup func(ref string) (SalesOrder, error)

// NumberOwner says which order already holds a tracking number, if any.
type NumberOwner func(number string) (orderNo uint64, ok bool)

// PlanTracking gives every line of a bulk upload its verdict. Lines are applied in order,
// so a later line for the same order sees what an earlier one did; two lines giving one
// order different numbers, or one number to two orders, are both errors: the file
// contradicts itself and the operator must say which is right.
func PlanTracking(lines []TrackingLine, lookup OrderLookup, owner NumberOwner, now time.Time, pol ShipPolicy, operator string) TrackingPlan {
	p := TrackingPlan{Orders: map[uint64]SalesOrder{}, Before: map[uint64]SalesOrder{}}
	type first struct {
		idx    int
		number string
		order  uint64
	}
	byOrder := map[uint64]first{}
	byNumber := map[string]first{}
	conflict := func(i int, why string) {
		if p.Verdicts[i].OK() {
			p.Verdicts[i].Err = why
			p.Verdicts[i].Outcome = 0
		}
	}
	for _, l := range lines {
		v := TrackingVerdict{Line: l.Line, Ref: l.Ref}
		p.Verdicts = append(p.Verdicts, v)
		i := len(p.Verdicts) - 1
		o, err := lookup(strings.TrimSpace(l.Ref))
		if err != nil {
			p.Verdicts[i].Err = err.Error()
			continue
		}
		p.Verdicts[i].OrderNo, p.Verdicts[i].Key = o.No, o.Key
		carrier, err := lineCarrier(l)
		if err != nil {
			p.Verdicts[i].Err = err.Error()
			continue
		}
		number := NormalizeTracking(l.Number)
		p.Verdicts[i].Carrier, p.Verdicts[i].Number = carrier, number
		// A bad number is this line's own fault: it does not contradict other lines. The
		// order's own number, accepted earlier with an override, is not checked again.
		own := o.Shipment.Number == number && o.Shipment.Carrier == carrier
		if _, _, err := CheckTrackingNumber(carrier, number); err != nil && !own {
			p.Verdicts[i].Err = err.Error()
			continue
		}
		if f, seen := byOrder[o.No]; seen && f.number != number {
			why := fmt.Sprintf("line %d gives %s the number %s, this line %s: keep one", lines[f.idx].Line, OrderNumber(o.No), f.number, number)
			conflict(i, why)
			conflict(f.idx, fmt.Sprintf("line %d gives %s another number (%s): keep one", l.Line, OrderNumber(o.No), number))
			continue
		} else if !seen {
			byOrder[o.No] = first{idx: i, number: number, order: o.No}
		}
		if f, seen := byNumber[number]; seen && f.order != o.No {
			conflict(i, fmt.Sprintf("number %s is also on line %d for %s", number, lines[f.idx].Line, OrderNumber(f.order)))
			conflict(f.idx, fmt.Sprintf("number %s is also on line %d for %s", number, l.Line, OrderNumber(o.No)))
			continue
		} else if !seen {
			byNumber[number] = first{idx: i, number: number, order: o.No}
		}
		if no, used := owner(number); used && no != o.No {
			p.Verdicts[i].Err = fmt.Sprintf("number %s is already used by %s", number, OrderNumber(no))
			continue
		}
		cur, ok := p.Orders[o.No]
		if !ok {
			cur = o
		}
		next, outcome, err := Ship(cur, ShipInput{Carrier: carrier, Number: number, URL: l.URL, ShippedAt: l.ShippedAt, ETA: l.ETA, Operator: operator}, now, pol)
		if err != nil {
			p.Verdicts[i].Err = err.Error()
			continue
		}
		p.Verdicts[i].Outcome = outcome
		p.Verdicts[i].OldNumber = cur.Shipment.Number
		if outcome == ShipUnchanged {
			continue
		}
		if _, ok := p.Before[o.No]; !ok {
			p.Before[o.No] = o
		}
		p.Orders[o.No] = next
	}
	// A line that became an error after a later line contradicted it must not be applied.
	p.Orders = map[uint64]SalesOrder{}
	return p.replay(lines, now, pol, operator)
}

// replay recomputes the new orders from the good lines only, so that a line turned into an
// error by a later contradiction leaves no trace in what is applied.
func (p TrackingPlan) replay(lines []TrackingLine, now time.Time, pol ShipPolicy, operator string) TrackingPlan {
	for i, v := range p.Verdicts {
		if !v.OK() || v.Outcome == ShipUnchanged {
			continue
		}
		cur, ok := p.Orders[v.OrderNo]
		if !ok {
			cur = p.Before[v.OrderNo]
		}
		l := lines[i]
		next, _, err := Ship(cur, ShipInput{Carrier: v.Carrier, Number: v.Number, URL: l.URL, ShippedAt: l.ShippedAt, ETA: l.ETA, Operator: operator}, now, pol)
		if err != nil {
			p.Verdicts[i].Err, p.Verdicts[i].Outcome = err.Error(), 0
			continue
		}
		p.Orders[v.OrderNo] = next
	}
	for no := range p.Before {
		if _, ok := p.Orders[no]; !ok {
			delete(p.Before, no)
		}
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
