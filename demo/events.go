package demo

import (
	"time"

	"shipdesk/domain"
)

// Carrier events for the demo's parcels: a delivered, completed or returned order has the
// scans that got it there; a parcel still on its way is given one of the situations of
// rule 14 its age allows — no scan yet, moving, stuck at a sorting centre, waiting at a
// pickup point for days, a carrier error, silent for months — so that the parcels view
// has every delivery status to show. Pure functions of (seed, now, index).

var eventPlaces = []string{"Shenzhen sorting centre", "上海国际邮件处理中心", "Guangzhou airport", "Москва EMS", "Пункт выдачи Почты России 101000",
	"Los Angeles ISC", "北京朝阳区营业部", "Novosibirsk hub", "\x1b[31mRED\x1b[0m Lyon depot"}

// Events are the scans of demo order i, shipped at shipped with tracking number number,
// whose final status is final, as they stand at now (never after it).
func (g *Generator) Events(i int, number string, shipped time.Time, final domain.OrderStatus) []domain.TrackingEvent {
	if number == "" {
		return nil
	}
	r := rng{mix(g.seed ^ mix(uint64(i)^0xe7e7))}
	now := g.now
	age := now.Sub(shipped)
	place := func() string { return pick(&r, eventPlaces) }
	ev := func(st domain.EventStatus, at time.Time, text string) domain.TrackingEvent {
		if at.After(now) {
			at = now
		}
		if at.Before(shipped) {
			at = shipped
		}
		return domain.TrackingEvent{Tracking: number, At: at.Truncate(time.Second), Status: st, Location: place(), Text: text}
	}
	frac := func(f float64) time.Time { return shipped.Add(time.Duration(float64(age) * f)) }
	switch final {
	case domain.OrderDelivered, domain.OrderCompleted:
		if age > 30*day && i%4 != 0 {
			return []domain.TrackingEvent{ev(domain.EventDelivered, shipped.Add(time.Duration(2+i%5)*day), "delivered")}
		}
		return []domain.TrackingEvent{
			ev(domain.EventInfoReceived, shipped.Add(2*time.Hour), "electronic information received"),
			ev(domain.EventInTransit, frac(0.2), "departed the sorting centre"),
			ev(domain.EventOutForDelivery, frac(0.4), "out for delivery"),
			ev(domain.EventDelivered, frac(0.5), "delivered, signed by the consignee"),
		}
	case domain.OrderReturned:
		return []domain.TrackingEvent{
			ev(domain.EventInTransit, frac(0.2), "departed"),
			ev(domain.EventFailedAttempt, frac(0.4), "addressee not at home"),
			ev(domain.EventReturning, frac(0.6), "returning to sender"),
			ev(domain.EventReturned, frac(0.8), "returned to sender"),
		}
	case domain.OrderShipped:
	default:
		return nil
	}
	type situation struct {
		minAge time.Duration
		events func() []domain.TrackingEvent
	}
	ago := func(min, spread time.Duration) time.Time {
		return now.Add(-min - time.Duration(r.intn(int(spread/time.Minute)+1))*time.Minute)
	}
	situations := []situation{
		{0, func() []domain.TrackingEvent { return nil }}, // registered: no scan yet
		{0, func() []domain.TrackingEvent {
			return []domain.TrackingEvent{ev(domain.EventInfoReceived, shipped.Add(time.Hour), "label created"), ev(domain.EventInTransit, frac(0.7), "in transit")}
		}},
		{6 * day, func() []domain.TrackingEvent { // stuck
			return []domain.TrackingEvent{ev(domain.EventLeftSorting, ago(5*day+time.Hour, min(age-5*day-2*time.Hour, 20*day)), "left the sorting centre")}
		}},
		{2 * day, func() []domain.TrackingEvent {
			return []domain.TrackingEvent{ev(domain.EventInTransit, frac(0.3), "in transit"), ev(domain.EventAtPickup, ago(time.Hour, min(age/2, 4*day)), "waiting at the pickup point")}
		}},
		{6 * day, func() []domain.TrackingEvent {
			return []domain.TrackingEvent{ev(domain.EventAtPickup, ago(5*day+time.Hour, min(age-5*day-2*time.Hour, 9*day)), "waiting at the pickup point")}
		}},
		{16 * day, func() []domain.TrackingEvent {
			return []domain.TrackingEvent{ev(domain.EventAtPickup, ago(15*day+time.Hour, min(age-15*day-2*time.Hour, 14*day)), "waiting at the pickup point, second notice")}
		}},
		{31 * day, func() []domain.TrackingEvent {
			return []domain.TrackingEvent{ev(domain.EventAtPickup, ago(30*day+time.Hour, min(age-30*day-2*time.Hour, 29*day)), "storage period ends soon")}
		}},
		{day, func() []domain.TrackingEvent {
			return []domain.TrackingEvent{ev(domain.EventInTransit, frac(0.2), "in transit"), ev(domain.EventException, frac(0.6), "customs: documents required")}
		}},
		{day, func() []domain.TrackingEvent {
			return []domain.TrackingEvent{ev(domain.EventFailedAttempt, frac(0.8), "addressee not at home")}
		}},
		{62 * day, func() []domain.TrackingEvent { // no news for months
			return []domain.TrackingEvent{ev(domain.EventInTransit, shipped.Add(day), "handed to the airline")}
		}},
	}
	order := make([]int, len(situations))
	for k := range order {
		order[k] = k
	}
	if age > 31*day {
		// The few parcels still out after a month are the long waits: at pickup for weeks,
		// stuck, in error, silent.
		order = []int{5, 6, 9, 2, 7}
	}
	start := (i / 7) % len(order)
	for k := 0; k < len(order); k++ {
		s := situations[order[(start+k)%len(order)]]
		if age > s.minAge || s.minAge == 0 {
			return s.events()
		}
	}
	return nil
}
