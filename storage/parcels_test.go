package storage

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// sup and doctorClean are vouchers_test.go's.

func ev(number string, at time.Time, st domain.EventStatus) domain.TrackingEvent {
	return domain.TrackingEvent{Tracking: number, At: at, Status: st, Location: "Shanghai", Text: "scan"}
}

func mustEvents(t *testing.T, s *Store, now time.Time, evs ...domain.TrackingEvent) EventResult {
	t.Helper()
	res, err := s.ApplyEvents(EventBatch{Events: evs, Source: "test"}, now, sup)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func delivery(t *testing.T, s *Store, now time.Time) map[domain.DeliveryStatus]int {
	t.Helper()
	c, err := s.Counts(now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return c.Delivery
}

// parcelStore is refundStore (SO2 shipped with numA, SO4 with numB) plus SO3 shipped
// without a number.
func parcelStore(t *testing.T) *Store {
	s := refundStore(t)
	if _, _, err := s.Ship(orderRef("jd:T2"), domain.ShipInput{NoTracking: "courier by hand"}, cn, t0, sup); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEventsOutOfOrderDuplicatesAndUnknown(t *testing.T) {
	s := parcelStore(t)
	d := domain.Day
	if c := delivery(t, s, t0); c[domain.DeliveryRegistered] != 2 || c[domain.DeliveryNoTracking] != 1 {
		t.Fatalf("before any event: %v", c)
	}
	res := mustEvents(t, s, t0.Add(3*d),
		ev(numA, t0.Add(2*d), domain.EventAtPickup),
		ev(numA, t0.Add(d), domain.EventInTransit), // older, read later: not the latest
		ev(numA, t0.Add(d), domain.EventInTransit), // the same again
		ev("ZZ999", t0, domain.EventInTransit),
		ev(numB, t0.Add(d), domain.EventLeftSorting))
	if res.New != 3 || res.Duplicates != 1 || res.Unknown != 1 || len(res.UnknownNumbers) != 1 || res.Changed() != 2 {
		t.Fatalf("result %+v", res)
	}
	again := mustEvents(t, s, t0.Add(3*d), ev(numA, t0.Add(2*d), domain.EventAtPickup))
	if again.New != 0 || again.Duplicates != 1 || again.Changed() != 0 {
		t.Fatalf("again: %+v", again)
	}
	// Unknown numbers are listed once each, in the order they arrived (the numbers are
	// looked up in their own order), among known ones.
	unknown := mustEvents(t, s, t0.Add(3*d),
		ev("ZZ2", t0, domain.EventInTransit), ev(numA, t0.Add(2*d), domain.EventAtPickup),
		ev("AA1", t0, domain.EventInTransit), ev("ZZ2", t0.Add(d), domain.EventInTransit),
		ev(numB, t0.Add(d), domain.EventLeftSorting), ev("MM3", t0, domain.EventInTransit))
	if unknown.Unknown != 4 || unknown.Duplicates != 2 || !slices.Equal(unknown.UnknownNumbers, []string{"ZZ2", "AA1", "MM3"}) {
		t.Fatalf("unknown numbers: %+v", unknown)
	}
	c := delivery(t, s, t0.Add(3*d))
	if c[domain.DeliveryPickup1to5] != 1 || c[domain.DeliveryInTransit] != 1 || c[domain.DeliveryNoTracking] != 1 {
		t.Fatalf("counts: %v", c)
	}
	// The clock alone moves them: SO4 stalls, SO2 ages at pickup, then both go silent.
	c = delivery(t, s, t0.Add(9*d))
	if c[domain.DeliveryPickup5to15] != 1 || c[domain.DeliveryStuck] != 1 {
		t.Fatalf("six days later: %v", c)
	}
	c = delivery(t, s, t0.Add(63*d))
	if c[domain.DeliveryNoInfo] != 2 || c[domain.DeliveryPickupOver30] != 0 {
		t.Fatalf("two months later: %v", c)
	}
	// The parcels view's first screen: each status's window in LoudFirst order.
	var rows []ParcelListRow
	for _, st := range LoudFirst() {
		got, _, err := s.ParcelStatusWindow(context.Background(), ParcelStatusQuery{Status: st, Now: t0.Add(9 * d)}, nil, false, 10)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, got...)
	}
	if len(rows) != 3 || rows[0].Status != domain.DeliveryStuck || rows[1].Status != domain.DeliveryPickup5to15 || rows[1].DaysAtPickup(t0.Add(9*d)) != 7 {
		t.Fatalf("loudest first: %+v", rows)
	}
	if rows[2].Status != domain.DeliveryNoTracking || rows[2].Order.No != 3 {
		t.Fatalf("no_tracking last: %+v", rows[2])
	}
	// The view's window of one status, a row at a time both ways; a filter by words.
	mustEvents(t, s, t0.Add(3*d), ev(numB, t0.Add(2*d), domain.EventAtPickup)) // SO4 now waits at pickup too, a day later than SO2
	q := ParcelStatusQuery{Status: domain.DeliveryPickup5to15, Now: t0.Add(9 * d)}
	first, more, err := s.ParcelStatusWindow(context.Background(), q, nil, false, 1)
	if err != nil || len(first) != 1 || !more || first[0].Order.No != 2 {
		t.Fatalf("first: %v %v %+v", err, more, first)
	}
	next, more, _ := s.ParcelStatusWindow(context.Background(), q, first[0].Pos, false, 5)
	if len(next) != 1 || more || next[0].Order.No != 4 {
		t.Fatalf("next: %+v", next)
	}
	prev, _, _ := s.ParcelStatusWindow(context.Background(), q, next[0].Pos, true, 5)
	if len(prev) != 1 || prev[0].Order.No != 2 {
		t.Fatalf("back: %+v", prev)
	}
	if n, exact, _ := s.ParcelStatusCount(q); n != 2 || !exact {
		t.Fatalf("count %d %v", n, exact)
	}
	q.Words = []string{"t3"}
	if rows, _, _ := s.ParcelStatusWindow(context.Background(), q, nil, false, 5); len(rows) != 1 || rows[0].Order.No != 4 {
		t.Fatalf("words: %+v", rows)
	}
	det, found, err := s.Parcel(2, t0.Add(3*d))
	if err != nil || !found || len(det.Events) != 2 || det.Events[0].Status != domain.EventInTransit || det.Status != domain.DeliveryPickup1to5 {
		t.Fatalf("detail: %v %+v", err, det)
	}
	doctorClean(t, s)
}

func TestOrderFollowsDeliveryAndGoodsComeBack(t *testing.T) {
	s := parcelStore(t)
	d := domain.Day
	// SO2 gets a return_goods refund: it waits for the goods.
	mustImportRefunds(t, s, t0, claim("tb", "R1", "T2", domain.RefundReturnGoods, 1000, t0))
	if _, err := s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R1")}, t0, sup); err != nil {
		t.Fatal(err)
	}
	res := mustEvents(t, s, t0.Add(5*d), ev(numA, t0.Add(4*d), domain.EventReturned), ev(numB, t0.Add(4*d), domain.EventDelivered))
	if res.Changed() != 2 {
		t.Fatalf("%+v", res)
	}
	o2, _, _ := s.Order(2)
	o4, _, _ := s.Order(4)
	if o2.Status != domain.OrderReturned || o2.AwaitingReturn || o4.Status != domain.OrderDelivered {
		t.Fatalf("orders: %s awaiting=%v, %s", o2.Status, o2.AwaitingReturn, o4.Status)
	}
	r, _, err := s.Refund(rkey("tb", "R1"))
	if err != nil || !r.GoodsBack.Equal(t0.Add(5*d)) {
		t.Fatalf("goods back: %v %v", err, r.GoodsBack)
	}
	// A pending refund holds completion; once answered, the clock completes the order.
	mustImportRefunds(t, s, t0, claim("tb", "R2", "T3", domain.RefundReceivedNoReturn, 100, t0.Add(5*d)))
	if n, err := s.CompleteDue(t0.Add(30*d), sup); err != nil || n != 0 {
		t.Fatalf("completed with a refund pending: %d %v", n, err)
	}
	if _, err := s.ProcessRefunds([]domain.RefundKey{rkey("tb", "R2")}, "settled by phone", t0.Add(6*d), sup); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CompleteDue(t0.Add(14*d-time.Second), sup); err != nil || n != 0 {
		t.Fatalf("completed early: %d %v", n, err)
	}
	if n, err := s.CompleteDue(t0.Add(14*d), sup); err != nil || n != 1 {
		t.Fatalf("complete: %d %v", n, err)
	}
	o4, _, _ = s.Order(4)
	if o4.Status != domain.OrderCompleted {
		t.Fatalf("SO4 is %s", o4.Status)
	}
	c, _ := s.Counts(t0.Add(14*d), time.UTC)
	if c.Orders[domain.OrderCompleted] != 1 || c.Orders[domain.OrderReturned] != 1 || c.Delivery[domain.DeliveryDelivered] != 1 || c.Delivery[domain.DeliveryReturned] != 1 {
		t.Fatalf("counts %+v", c)
	}
	found := false
	_ = s.EachAudit(AuditQuery{}, func(a AuditEvent) error {
		if a.Action == "parcel.events" && strings.Contains(a.Detail["SO00000002"], "returned by event "+numA+" returned") &&
			strings.Contains(a.Detail["SO00000002"], "goods back for refund tb:R1") && strings.HasPrefix(a.Operator, "system") {
			found = true
		}
		return nil
	})
	if !found {
		t.Errorf("no audit event by the system naming the event that returned SO2")
	}
	doctorClean(t, s)
}

func TestReplayedHookAndCarrierMismatch(t *testing.T) {
	s := parcelStore(t)
	b := EventBatch{Events: []domain.TrackingEvent{ev(numA, t0, domain.EventInTransit)}, HookID: "hook-1", Source: "webhook"}
	if res, err := s.ApplyEvents(b, t0, sup); err != nil || res.New != 1 || res.Replayed != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	b.Events = []domain.TrackingEvent{ev(numA, t0.Add(time.Hour), domain.EventDelivered)}
	if res, err := s.ApplyEvents(b, t0, sup); err != nil || res.New != 0 || res.Replayed != 1 {
		t.Fatalf("replay: %v %+v", err, res)
	}
	if o, _, _ := s.Order(2); o.Status != domain.OrderShipped {
		t.Fatalf("a replayed hook moved the order to %s", o.Status)
	}
	// Events' own ids: one applied before is replayed, not unknown, and not listed.
	ids := EventBatch{Events: []domain.TrackingEvent{ev(numB, t0, domain.EventInTransit)}, IDs: []string{"e-1"}}
	if res, err := s.ApplyEvents(ids, t0, sup); err != nil || res.New != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	ids.Events = append(ids.Events, ev("XX1", t0, domain.EventInTransit))
	ids.IDs = append(ids.IDs, "e-2")
	if res, err := s.ApplyEvents(ids, t0, sup); err != nil || res.Replayed != 1 || res.Unknown != 1 || !slices.Equal(res.UnknownNumbers, []string{"XX1"}) {
		t.Fatalf("ids again: %v %+v", err, res)
	}
	bad := ev(numB, t0, domain.EventInTransit)
	bad.Carrier = "yanwen"
	_, err := s.ApplyEvents(EventBatch{Events: []domain.TrackingEvent{ev(numA, t0.Add(2*time.Hour), domain.EventInTransit), bad}}, t0, sup)
	if err == nil || !strings.Contains(err.Error(), "event 2: carrier yanwen does not agree") {
		t.Fatalf("mismatch: %v", err)
	}
	if det, _, _ := s.Parcel(2, t0); len(det.Events) != 1 {
		t.Fatalf("a refused batch wrote %d events", len(det.Events))
	}
}

func TestStopAndResume(t *testing.T) {
	s := parcelStore(t)
	mustEvents(t, s, t0, ev(numA, t0, domain.EventInTransit))
	if _, err := s.SetTracking(orderRef("SO00000002"), true, " ", t0, sup); err == nil {
		t.Fatal("stopped without a reason")
	}
	ch, err := s.SetTracking(orderRef("SO00000002"), true, "buyer collected it in person", t0.Add(time.Hour), sup)
	if err != nil || ch.From != domain.DeliveryInTransit || ch.To != domain.DeliveryStopped {
		t.Fatalf("stop: %v %+v", err, ch)
	}
	if _, err := s.SetTracking(orderRef("SO00000002"), true, "again", t0, sup); err == nil || !strings.Contains(err.Error(), "already stopped") {
		t.Fatalf("stop twice: %v", err)
	}
	// Events still arrive and are kept, but a stopped parcel stays stopped.
	mustEvents(t, s, t0.Add(2*time.Hour), ev(numA, t0.Add(2*time.Hour), domain.EventDelivered))
	if c := delivery(t, s, t0.Add(100*domain.Day)); c[domain.DeliveryStopped] != 1 {
		t.Fatalf("stopped: %v", c)
	}
	doctorClean(t, s)
	if ch, err = s.SetTracking(orderRef("SO00000002"), false, "", t0.Add(3*time.Hour), sup); err != nil || ch.To != domain.DeliveryDelivered {
		t.Fatalf("resume: %v %+v", err, ch)
	}
	if o, _, _ := s.Order(2); o.Status != domain.OrderDelivered {
		t.Fatalf("resumed onto a delivery: order is %s", o.Status)
	}
	doctorClean(t, s)
}

func TestDoctorNamesAndRepairsParcelRows(t *testing.T) {
	s := parcelStore(t)
	mustEvents(t, s, t0, ev(numA, t0, domain.EventAtPickup))
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bParcelsByPhase).Delete(phaseKey(domain.PhasePickup, t0, 2))
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Doctor(context.Background())
	if err != nil || rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), "parcels_by_phase: SO00000002 has no row [pickup") {
		t.Fatalf("doctor: %v %v", err, rep.Problems)
	}
	if _, err := s.Repair(context.Background(), t0, sup); err != nil {
		t.Fatal(err)
	}
	doctorClean(t, s)
	if c := delivery(t, s, t0.Add(domain.Day)); c[domain.DeliveryPickup1to5] != 1 {
		t.Fatalf("after repair: %v", c)
	}
}

func TestParcelsOfAnEarlierBuildAreFiledAtOpen(t *testing.T) {
	s := parcelStore(t)
	path := s.Path()
	// As an earlier build left the file: shipped orders, no parcel rows, no phase counters.
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bParcelsByPhase); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bParcelsByPhase); err != nil {
			return err
		}
		for _, name := range phaseCounter {
			if err := tx.Bucket(bCounts).Delete([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c := delivery(t, s, t0); c[domain.DeliveryRegistered] != 2 || c[domain.DeliveryNoTracking] != 1 {
		t.Fatalf("after the open: %v", c)
	}
	doctorClean(t, s)
}

// refundPending reads the pending queue once per transaction, and again after a refund
// moves in it.
func TestRefundPendingFollowsTheTransaction(t *testing.T) {
	s := parcelStore(t)
	mustImportRefunds(t, s, t0, claim("tb", "R2", "T3", domain.RefundReceivedNoReturn, 100, t0))
	k := domain.Key{Channel: "tb", TradeID: "T3"}
	errRollback := errors.New("rollback")
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newWtx(tx, 4)
		if p, err := w.refundPending(k); err != nil || !p {
			t.Fatalf("pending before: %v %v", p, err)
		}
		if p, _ := w.refundPending(domain.Key{Channel: "tb", TradeID: "T2"}); p {
			t.Fatal("T2 has no refund")
		}
		r, err := w.getRefund(rkey("tb", "R2"))
		if err != nil || r == nil {
			t.Fatalf("refund: %v", err)
		}
		next := *r
		next.State = domain.RefundProcessed
		if err := w.putRefund(r, &next); err != nil {
			t.Fatal(err)
		}
		if p, err := w.refundPending(k); err != nil || p {
			t.Fatalf("pending after it was processed in the same transaction: %v %v", p, err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}
