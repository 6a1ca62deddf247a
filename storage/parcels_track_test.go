package storage

import (
	"slices"

	"context"
	bolt "go.etcd.io/bbolt"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
)

// auditOf is every audit event of action.
func auditOf(t *testing.T, s *Store, action string) []AuditEvent {
	t.Helper()
	var out []AuditEvent
	if err := s.EachAudit(AuditQuery{Action: action}, func(a AuditEvent) error { out = append(out, a); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// A selection stops in one transaction: the parcels the rules allow are stopped, the
// others listed with the reason, one audit event names every order stopped; resuming
// the selection is the same, and a resume onto a delivery moves the order.
func TestSetTrackingManyIsOneTransactionWithAResultPerParcel(t *testing.T) {
	s := parcelStore(t) // SO2 (numA) and SO4 (numB) with numbers, SO3 without, SO1 not shipped
	mustEvents(t, s, t0, ev(numA, t0, domain.EventInTransit))
	if _, err := s.SetTracking(orderRef("SO00000004"), true, "already lost", t0, sup); err != nil {
		t.Fatal(err)
	}
	before := len(auditOf(t, s, "parcel.stop"))
	if res, err := s.SetTrackingMany([]uint64{2}, true, "  ", t0, sup); err != nil || res.Done() != 0 || !strings.Contains(res.Rows[0].Reason, "give a reason") {
		t.Fatalf("no reason: %v %+v", err, res)
	}
	res, err := s.SetTrackingMany([]uint64{2, 3, 4, 1, 99, 2}, true, " parcel lost ", t0.Add(time.Hour), sup)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 5 || res.Done() != 2 || res.Skipped() != 3 {
		t.Fatalf("rows %+v", res.Rows)
	}
	want := []struct {
		no     uint64
		done   bool
		reason string
	}{{2, true, ""}, {3, true, ""}, {4, false, "already stopped"}, {1, false, "has not shipped"}, {99, false, "no order SO00000099"}}
	for i, w := range want {
		r := res.Rows[i]
		if r.OrderNo != w.no || r.Done != w.done || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
	if ch := res.Rows[0].Change; ch.From != domain.DeliveryInTransit || ch.To != domain.DeliveryStopped {
		t.Errorf("SO2's change: %+v", ch)
	}
	stops := auditOf(t, s, "parcel.stop")
	if len(stops) != before+1 {
		t.Fatalf("%d audit events for one batch", len(stops)-before)
	}
	a := stops[len(stops)-1]
	if a.Detail["orders"] != "SO00000002 SO00000003" || a.Detail["reason"] != "parcel lost" ||
		!strings.Contains(a.Detail["SO00000002"], "in_transit → stopped") || len(a.Objects) != 2 {
		t.Fatalf("audit: %+v", a)
	}
	if c := delivery(t, s, t0.Add(time.Hour)); c[domain.DeliveryStopped] != 3 {
		t.Fatalf("counts: %v", c)
	}
	for _, no := range []uint64{2, 3} {
		if d, _, _ := s.Parcel(no, t0); !d.Parcel.Stopped || d.Parcel.StopReason != "parcel lost" || d.Parcel.StoppedBy != sup.Operator {
			t.Fatalf("SO%d: %+v", no, d.Parcel)
		}
	}
	doctorClean(t, s)

	// Nothing to do: nothing written, no audit event.
	if res, err := s.SetTrackingMany([]uint64{2, 1}, true, "again", t0, sup); err != nil || res.Done() != 0 || len(auditOf(t, s, "parcel.stop")) != before+1 {
		t.Fatalf("nothing to stop: %v %+v", err, res)
	}

	// The events go on arriving; resuming reads them again, and the order follows.
	mustEvents(t, s, t0.Add(2*time.Hour), ev(numA, t0.Add(2*time.Hour), domain.EventDelivered))
	res, err = s.SetTrackingMany([]uint64{2, 4, 1}, false, "", t0.Add(3*time.Hour), sup)
	if err != nil || res.Done() != 2 || res.Rows[0].Change.To != domain.DeliveryDelivered || res.Rows[1].Change.To != domain.DeliveryRegistered {
		t.Fatalf("resume: %v %+v", err, res)
	}
	if o, _, _ := s.Order(2); o.Status != domain.OrderDelivered {
		t.Fatalf("resumed onto a delivery: the order is %s", o.Status)
	}
	resumes := auditOf(t, s, "parcel.resume")
	if len(resumes) != 1 || resumes[0].Detail["orders"] != "SO00000002 SO00000004" {
		t.Fatalf("resume audit: %+v", resumes)
	}
	doctorClean(t, s)
}

// A corrected tracking number does not keep the old number's events: they are dropped
// from the order's events, its delivery starts at registered for the new number, the
// correction's audit event names the old number and how many were dropped, and events
// on the new number then apply as for any parcel. A stop outlives the correction.
func TestCorrectedNumberDropsTheOldNumbersEvents(t *testing.T) {
	s := parcelStore(t) // SO2 ships with numA, SO4 with numB
	const numC = "EB000000014CN"
	d := domain.Day
	mustEvents(t, s, t0.Add(3*d), ev(numA, t0.Add(d), domain.EventInTransit), ev(numA, t0.Add(2*d), domain.EventAtPickup),
		ev(numB, t0.Add(d), domain.EventInTransit))
	if st := deliveryOf(t, s, 2, t0.Add(3*d)); st != domain.DeliveryPickup1to5 {
		t.Fatalf("before the correction: %s", st)
	}
	o, outcome, err := s.Ship(orderRef("SO00000002"), domain.ShipInput{Carrier: "ems", Number: numC}, cn, t0.Add(3*d), sup)
	if err != nil || outcome != domain.ShipCorrected || o.Shipment.Number != numC {
		t.Fatalf("correct: %v %v %+v", err, outcome, o.Shipment)
	}
	if st := deliveryOf(t, s, 2, t0.Add(3*d)); st != domain.DeliveryRegistered {
		t.Fatalf("after the correction: %s, want registered", st)
	}
	det, _, err := s.Parcel(2, t0.Add(3*d))
	if err != nil || len(det.Events) != 0 || det.Parcel.HasEvent() {
		t.Fatalf("the parcel after the correction: %v %+v", err, det)
	}
	var kept []StoredEvent
	if err := s.EachEvent(time.Time{}, func(e StoredEvent) error { kept = append(kept, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0].OrderNo != 4 {
		t.Fatalf("events left: %+v", kept)
	}
	corr := auditOf(t, s, "tracking.correct")
	if len(corr) != 1 || corr[0].Detail["old_number"] != numA || corr[0].Detail["events_dropped"] != "2" {
		t.Fatalf("audit: %+v", corr)
	}
	if c := delivery(t, s, t0.Add(3*d)); c[domain.DeliveryRegistered] != 1 || c[domain.DeliveryPickup1to5] != 0 || c[domain.DeliveryInTransit] != 1 {
		t.Fatalf("counts: %v", c)
	}
	doctorClean(t, s)
	// The old number is nobody's now; the new one's events apply.
	res := mustEvents(t, s, t0.Add(4*d), ev(numA, t0.Add(4*d), domain.EventDelivered), ev(numC, t0.Add(2*d), domain.EventInTransit),
		ev(numC, t0.Add(d), domain.EventInfoReceived))
	if res.Unknown != 1 || res.New != 2 || res.Changed() != 1 {
		t.Fatalf("events after the correction: %+v", res)
	}
	if st := deliveryOf(t, s, 2, t0.Add(4*d)); st != domain.DeliveryInTransit {
		t.Fatalf("on the new number: %s", st)
	}
	if det, _, _ := s.Parcel(2, t0.Add(4*d)); len(det.Events) != 2 || det.Parcel.Latest.Status != domain.EventInTransit {
		t.Fatalf("the new number's events: %+v", det.Events)
	}
	doctorClean(t, s)
	// A stopped parcel stays stopped through a correction, its events dropped all the same.
	if _, err := s.SetTracking(orderRef("SO00000004"), true, "buyer moved", t0.Add(4*d), sup); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Ship(orderRef("SO00000004"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0.Add(5*d), sup); err != nil {
		t.Fatal(err)
	}
	det, _, _ = s.Parcel(4, t0.Add(5*d))
	if det.Status != domain.DeliveryStopped || !det.Parcel.Stopped || det.Parcel.HasEvent() || len(det.Events) != 0 {
		t.Fatalf("a stopped parcel corrected: %+v", det)
	}
	if corr := auditOf(t, s, "tracking.correct"); len(corr) != 2 || corr[1].Detail["events_dropped"] != "1" || corr[1].Detail["old_number"] != numB {
		t.Fatalf("second correction's audit: %+v", corr)
	}
	doctorClean(t, s)
}

// A bulk tracking upload that corrects a number drops the old number's events too, and
// its audit event names them.
func TestCorrectionByUploadDropsTheOldNumbersEvents(t *testing.T) {
	s := parcelStore(t)
	mustEvents(t, s, t0.Add(domain.Day), ev(numA, t0.Add(domain.Day), domain.EventAtPickup))
	const numC = "EB000000014CN"
	p, err := s.ApplyTracking([]domain.TrackingLine{{Line: 1, Ref: "SO00000002", Carrier: "ems", Number: numC}}, 0, cn, false, t0.Add(2*domain.Day), sup)
	if err != nil {
		t.Fatal(err)
	}
	if _, correct, _, _ := p.Counts(); correct != 1 {
		t.Fatalf("plan: %+v", p)
	}
	if st := deliveryOf(t, s, 2, t0.Add(2*domain.Day)); st != domain.DeliveryRegistered {
		t.Fatalf("after the upload: %s", st)
	}
	a := auditOf(t, s, "tracking.import")
	found := false
	for _, c := range a[len(a)-1].Changes {
		found = found || c.Field == "parcel_events" && c.Before == "1 event of "+numA
	}
	if !found {
		t.Fatalf("the upload's audit event does not name the dropped events: %+v", a[len(a)-1].Changes)
	}
	doctorClean(t, s)
	// Undoing the upload brings the old number back with its events: nothing is lost.
	if _, err := s.Undo(0, t0.Add(3*domain.Day), sup); err != nil {
		t.Fatal(err)
	}
	o, _, _ := s.Order(2)
	det, found, err := s.Parcel(2, t0.Add(3*domain.Day))
	if o.Shipment.Number != numA || err != nil || !found || len(det.Events) != 1 || det.Events[0].Status != domain.EventAtPickup {
		t.Fatalf("after undo: %s %v %+v", o.Shipment.Number, err, det.Events)
	}
	if st := deliveryOf(t, s, 2, t0.Add(3*domain.Day)); st != domain.DeliveryPickup1to5 {
		t.Fatalf("after undo: %s", st)
	}
	doctorClean(t, s)
}

func deliveryOf(t *testing.T, s *Store, no uint64, now time.Time) domain.DeliveryStatus {
	t.Helper()
	o, found, err := s.Order(no)
	if err != nil || !found {
		t.Fatalf("order %d: %v %v", no, found, err)
	}
	st, _, err := s.DeliveryOf(o, now)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The orders list's count with a delivery: term is exact and is the number of rows the
// list reads: alone (from the delivery counts) and with other terms (state, words,
// channel: counted over the parcels of those statuses), at clocks that include the
// half second where a parcel's status by its instant and by its phase start to the
// second differ (the list and the count read the latter, as the parcels view does).
func TestOrderCountWithDeliveryIsTheRowsListed(t *testing.T) {
	s := parcelStore(t)
	d := domain.Day
	mustEvents(t, s, t0.Add(d), ev(numA, t0.Add(500*time.Millisecond), domain.EventAtPickup), ev(numB, t0.Add(d), domain.EventInTransit))
	shipped := []domain.OrderStatus{domain.OrderShipped, domain.OrderDelivered, domain.OrderReturned, domain.OrderCompleted}
	pick := []domain.DeliveryStatus{domain.DeliveryPickup5to15}
	queries := []OrderQuery{
		{Statuses: shipped, Delivery: pick},
		{Statuses: shipped, Delivery: []domain.DeliveryStatus{domain.DeliveryPickup1to5, domain.DeliveryPickup5to15, domain.DeliveryStuck}},
		{Statuses: shipped, Delivery: domain.DeliveryStatuses},
		{Statuses: domain.OrderStatuses, Delivery: domain.DeliveryStatuses},
		{Statuses: []domain.OrderStatus{domain.OrderShipped}, Delivery: domain.DeliveryStatuses},
		{Statuses: []domain.OrderStatus{domain.OrderDelivered}, Delivery: domain.DeliveryStatuses},
		{Statuses: shipped, Delivery: domain.DeliveryStatuses, Words: []string{"t3"}},
		{Statuses: shipped, Delivery: domain.DeliveryStatuses, Channel: "tb"},
		{Statuses: shipped, Delivery: []domain.DeliveryStatus{domain.DeliveryNoTracking}, NoTracking: true},
	}
	clocks := []time.Time{t0.Add(d), t0.Add(5 * d), t0.Add(5*d + 250*time.Millisecond), t0.Add(6*d + time.Second), t0.Add(70 * d)}
	for _, now := range clocks {
		for i, q := range queries {
			q.DeliveryAt = now
			rows, more, err := s.OrderWindow(context.Background(), q, nil, false, 100)
			if err != nil || more {
				t.Fatal(err, more)
			}
			n, exact, err := s.OrderCount(q)
			if err != nil || !exact || n != len(rows) {
				t.Errorf("at %s, query %d: count %d (exact %v, %v), %d rows listed", now.Format(time.RFC3339Nano), i, n, exact, err, len(rows))
			}
		}
	}
	// At the half second, SO2 is 5–15 days at pickup by its phase start, in the list and
	// in the parcels view alike.
	q := OrderQuery{Statuses: shipped, Delivery: pick, DeliveryAt: t0.Add(5*d + 250*time.Millisecond)}
	rows, _, _ := s.OrderWindow(context.Background(), q, nil, false, 100)
	pv, _, _ := s.ParcelStatusWindow(context.Background(), ParcelStatusQuery{Status: domain.DeliveryPickup5to15, Now: q.DeliveryAt}, nil, false, 100)
	if len(rows) != 1 || rows[0].Order.No != 2 || len(pv) != 1 {
		t.Fatalf("at the half second: orders %+v, parcels %d", rows, len(pv))
	}
}

// A number corrected back brings its events back: a correction sets the old number's
// events aside under that number, nothing is lost; an undone upload does the same.
func TestCorrectedBackGetsItsEventsBack(t *testing.T) {
	s := parcelStore(t) // SO2 ships with numA
	const numC = "EB000000014CN"
	d := domain.Day
	mustEvents(t, s, t0.Add(3*d), ev(numA, t0.Add(d), domain.EventInTransit), ev(numA, t0.Add(2*d), domain.EventAtPickup))
	if _, _, err := s.Ship(orderRef("SO00000002"), domain.ShipInput{Carrier: "ems", Number: numC}, cn, t0.Add(3*d), sup); err != nil {
		t.Fatal(err)
	}
	mustEvents(t, s, t0.Add(3*d), ev(numC, t0.Add(3*d), domain.EventInfoReceived))
	if st := deliveryOf(t, s, 2, t0.Add(3*d)); st != domain.DeliveryInTransit && st != domain.DeliveryRegistered {
		t.Fatalf("on numC: %s", st)
	}
	doctorClean(t, s)
	// Back to numA: its two events come back, numC's one is set aside.
	if _, _, err := s.Ship(orderRef("SO00000002"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0.Add(4*d), sup); err != nil {
		t.Fatal(err)
	}
	det, _, err := s.Parcel(2, t0.Add(4*d))
	if err != nil || len(det.Events) != 2 || det.Parcel.Latest.Status != domain.EventAtPickup || det.Status != domain.DeliveryPickup1to5 {
		t.Fatalf("numA back: %v %s %+v", err, det.Status, det.Events)
	}
	var all []StoredEvent
	if err := s.EachEvent(time.Time{}, func(e StoredEvent) error { all = append(all, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("export has the current number's events only: %+v", all)
	}
	a := auditOf(t, s, "tracking.correct")
	if last := a[len(a)-1]; !slices.ContainsFunc(last.Changes, func(c domain.FieldChange) bool { return c.After == "2 events of "+numA+" back" }) ||
		!slices.ContainsFunc(last.Changes, func(c domain.FieldChange) bool { return c.Before == "1 event of "+numC && c.After == "set aside" }) {
		t.Fatalf("the correction back's audit: %+v", last.Changes)
	}
	doctorClean(t, s)
	// And forth again: numC's event comes back in its turn.
	if _, _, err := s.Ship(orderRef("SO00000002"), domain.ShipInput{Carrier: "ems", Number: numC}, cn, t0.Add(5*d), sup); err != nil {
		t.Fatal(err)
	}
	if det, _, _ := s.Parcel(2, t0.Add(5*d)); len(det.Events) != 1 || det.Events[0].Status != domain.EventInfoReceived {
		t.Fatalf("numC back: %+v", det.Events)
	}
	doctorClean(t, s)
}

// A file of schema 6 gets the bucket of events set aside at its first open.
func TestMigrationFrom6KeepsEvents(t *testing.T) {
	s := reopenAsSchema(t, parcelStore(t), 6, bParcelEventsKept)
	if _, _, err := s.Ship(orderRef("SO00000002"), domain.ShipInput{Carrier: "ems", Number: "EB000000014CN"}, cn, t0, sup); err != nil {
		t.Fatal(err)
	}
	doctorClean(t, s)
}

// reopenAsSchema makes s a file of schema v without bucket drop (which came after v; nil
// for none), closes it and opens it again: the open migrates it, to the current schema.
func reopenAsSchema(t *testing.T, s *Store, v uint64, drop []byte) *Store {
	t.Helper()
	path := s.Path()
	if drop != nil {
		if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(drop) }); err != nil {
			t.Fatal(err)
		}
	}
	setSchema(t, s, v)
	s.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if got := schemaOf(t, s); got != SchemaVersion {
		t.Fatalf("schema %d after the open, want %d", got, SchemaVersion)
	}
	return s
}
