package storage

import (
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
