package storage

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// The parcels' tests again with every commit's carrier events kept pending in their
// parcel records (as a feed's are): duplicates, the latest event, the detail, the export,
// corrections that set events aside and bring them back all read pending rows as stored
// ones.
func TestPendingEventsReadAsStored(t *testing.T) {
	for name, test := range map[string]func(*testing.T){
		"out of order, duplicates, unknown": TestEventsOutOfOrderDuplicatesAndUnknown,
		"corrected number":                  TestCorrectedNumberDropsTheOldNumbersEvents,
		"corrected back":                    TestCorrectedBackGetsItsEventsBack,
		"order follows delivery":            TestOrderFollowsDeliveryAndGoodsComeBack,
	} {
		t.Run(name, func(t *testing.T) {
			staging(t, true)
			test(t)
		})
	}
}

// pendingEvents is the events pending in the parcel records and the rows of parcel_events.
func pendingEvents(t *testing.T, s *Store) (pending, stored int) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		stored = tx.Bucket(bParcelEvents).Stats().KeyN
		return tx.Bucket(bParcels).ForEach(func(_, v []byte) error {
			_, rows, err := splitParcel(v)
			if err != nil {
				return err
			}
			n, sorted, _, err := checkPending(rows)
			if err != nil || !sorted {
				return fmt.Errorf("pending rows: sorted %v, %v", sorted, err)
			}
			pending += n
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return pending, stored
}

// A feed's events wait in their parcel records (a commit of stageFrom events or more), a
// repeat of a pending event is a duplicate, a fold files them in parcel_events without
// changing what anyone reads, and a repair (which rebuilds what is derived) keeps the
// pending events, folding them first. A commit of fewer events writes them in
// parcel_events at once, beside the pending ones.
func TestPendingEventsFoldAndSurviveRepair(t *testing.T) {
	staging(t, true)
	s := parcelStore(t) // SO2 ships with numA, SO4 with numB
	d := domain.Day
	now := t0.Add(5 * d)
	mustEvents(t, s, now, ev(numB, t0.Add(d), domain.EventInTransit), ev(numB, t0.Add(3*d), domain.EventInTransit))
	if pending, stored := pendingEvents(t, s); pending != 2 || stored != 0 {
		t.Fatalf("first feed: pending %d, stored %d", pending, stored)
	}
	// An event earlier than SO4's latest is kept too: its record holds it in key order.
	mustEvents(t, s, now, ev(numA, t0.Add(d), domain.EventInTransit), ev(numB, t0.Add(2*d), domain.EventInTransit))
	if pending, stored := pendingEvents(t, s); pending != 4 || stored != 0 {
		t.Fatalf("second feed: pending %d, stored %d", pending, stored)
	}
	res := mustEvents(t, s, now, ev(numA, t0.Add(d), domain.EventInTransit), ev(numA, t0.Add(2*d), domain.EventAtPickup))
	if res.New != 1 || res.Duplicates != 1 {
		t.Fatalf("a pending event again: %+v", res)
	}
	read := func(when string, events int) {
		t.Helper()
		det, _, err := s.Parcel(2, now)
		if err != nil || det.Status != domain.DeliveryPickup1to5 || len(det.Events) < 2 || det.Events[len(det.Events)-1].Status != domain.EventAtPickup {
			t.Fatalf("%s: SO2 %v %s %+v", when, err, det.Status, det.Events)
		}
		det, _, err = s.Parcel(4, now)
		if err != nil || len(det.Events) < 3 || !sort.SliceIsSorted(det.Events, func(i, j int) bool { return det.Events[i].At.Before(det.Events[j].At) }) {
			t.Fatalf("%s: SO4's timeline %v %+v", when, err, det.Events)
		}
		var nos []uint64
		if err := s.EachEvent(time.Time{}, func(e StoredEvent) error { nos = append(nos, e.OrderNo); return nil }); err != nil || len(nos) != events || !slices.IsSorted(nos) {
			t.Fatalf("%s: export %v, orders %v, want %d events by order", when, err, nos, events)
		}
		doctorClean(t, s)
	}
	read("pending", 5)
	if n, err := s.Staged(); err != nil || n < 5 {
		t.Fatalf("index/staged %d %v", n, err)
	}
	// An operator's stop and resume write SO4's record again: its pending events stay.
	for _, stop := range []bool{true, false} {
		if _, err := s.SetTracking(orderRef("SO00000004"), stop, "checking", now, sup); err != nil {
			t.Fatal(err)
		}
		if pending, stored := pendingEvents(t, s); pending != 5 || stored != 0 {
			t.Fatalf("stop %v: pending %d, stored %d", stop, pending, stored)
		}
	}
	read("stopped and resumed", 5)
	// One event a transaction: the fold walks on chunk by chunk until none is left.
	chunk := foldChunk
	foldChunk = 1
	t.Cleanup(func() { foldChunk = chunk })
	if moved, err := s.Fold(context.Background(), sup); err != nil || moved < 5 {
		t.Fatalf("fold: moved %d, %v", moved, err)
	}
	if pending, stored := pendingEvents(t, s); pending != 0 || stored != 5 {
		t.Fatalf("after the fold: pending %d, stored %d", pending, stored)
	}
	if n, err := s.Staged(); err != nil || n != 0 {
		t.Fatalf("index/staged after the fold: %d %v", n, err)
	}
	read("folded", 5)
	// A few events go straight in; a repeat of a stored one is a duplicate.
	staging(t, false)
	res = mustEvents(t, s, now, ev(numB, t0.Add(4*d), domain.EventDelivered), ev(numA, t0.Add(2*d), domain.EventAtPickup))
	if pending, stored := pendingEvents(t, s); res.New != 1 || res.Duplicates != 1 || pending != 0 || stored != 6 {
		t.Fatalf("a direct commit: %+v, pending %d, stored %d", res, pending, stored)
	}
	// Pending again beside stored rows, then a repair: the events are records, not
	// rebuilt, and stay.
	staging(t, true)
	mustEvents(t, s, now, ev(numA, t0.Add(d+d/2), domain.EventInTransit), ev(numB, t0.Add(3*d+d/2), domain.EventInTransit))
	if pending, _ := pendingEvents(t, s); pending != 2 {
		t.Fatalf("pending again: %d", pending)
	}
	read("pending again", 8)
	if _, err := s.Repair(context.Background(), now, sup); err != nil {
		t.Fatal(err)
	}
	if pending, stored := pendingEvents(t, s); pending != 0 || stored != 8 {
		t.Fatalf("after the repair: pending %d, stored %d", pending, stored)
	}
	if st := deliveryOf(t, s, 4, now); st != domain.DeliveryDelivered {
		t.Fatalf("SO4 after the repair: %s", st)
	}
	read("repaired", 8)
}

// A file of schema 9 staged a feed's events in parcel_events.recent: the step to 10
// files them (a staged deletion deletes) and drops the bucket; the events read as before.
func TestMigrationFrom9FilesStagedEvents(t *testing.T) {
	s := parcelStore(t)
	d := domain.Day
	mustEvents(t, s, t0.Add(3*d), ev(numA, t0, domain.EventInTransit), ev(numA, t0.Add(2*d), domain.EventAtPickup))
	early := ev(numA, t0.Add(d), domain.EventLeftSorting)
	err := s.db.Update(func(tx *bolt.Tx) error {
		r, err := tx.CreateBucket(stagedEventsBucket)
		if err != nil {
			return err
		}
		if err := r.Put(eventKey(2, early.At, early.Status), encodeEvent(&early, t0)); err != nil {
			return err
		}
		return r.Put(eventKey(2, t0, domain.EventInTransit), tombstone)
	})
	if err != nil {
		t.Fatal(err)
	}
	s = reopenAsSchema(t, s, 9, nil)
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(stagedEventsBucket) != nil {
			t.Errorf("%s is still there", stagedEventsBucket)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	det, _, err := s.Parcel(2, t0.Add(3*d))
	if err != nil || len(det.Events) != 2 || det.Events[0].Status != domain.EventLeftSorting || det.Events[1].Status != domain.EventAtPickup {
		t.Fatalf("after the step: %v %+v", err, det.Events)
	}
	doctorClean(t, s)
}

// doctor reads every carrier event, stored and pending: one that does not read, or names
// no order, is named — before a repair, which folds the pending events in and rebuilds
// nothing from them, and after it (a repair does not hide it). A parcel record whose
// pending rows do not read at all is named too.
func TestDoctorReadsEveryEvent(t *testing.T) {
	s := parcelStore(t)
	mustEvents(t, s, t0.Add(domain.Day), ev(numA, t0, domain.EventInTransit))
	bad := eventKey(2, t0.Add(time.Hour), domain.EventInTransit)
	orphan := eventKey(99, t0, domain.EventInTransit)
	err := s.db.Update(func(tx *bolt.Tx) error {
		p, err := decodeParcel(tx.Bucket(bParcels).Get(u64(2)))
		if err != nil {
			return err
		}
		if err := tx.Bucket(bParcels).Put(u64(2), withPending(encodeParcel(&p), addPending(nil, nil, []pendingRow{{suffix: bad[8:], val: []byte{9, 9}}}))); err != nil {
			return err
		}
		if err := tx.Bucket(bCounts).Put([]byte(kStaged), u64(1)); err != nil {
			return err
		}
		return tx.Bucket(bParcelEvents).Put(orphan, encodeEvent(&domain.TrackingEvent{Status: domain.EventInTransit, At: t0}, t0))
	})
	if err != nil {
		t.Fatal(err)
	}
	problems := func(when string) string {
		t.Helper()
		rep, err := s.Doctor(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(rep.Problems, "\n")
		if rep.OK() || !strings.Contains(all, fmt.Sprintf("row %x", bad)) || !strings.Contains(all, "SO00000099, which is not there") {
			t.Fatalf("%s: doctor said %q", when, all)
		}
		return all
	}
	if all := problems("pending"); !strings.Contains(all, fmt.Sprintf("row %x (pending in its parcel record) does not read", bad)) {
		t.Fatalf("the pending row is not named as pending: %q", all)
	}
	if _, err := s.Repair(context.Background(), t0.Add(domain.Day), sup); err != nil {
		t.Fatal(err)
	}
	if all := problems("after a repair"); !strings.Contains(all, fmt.Sprintf("row %x does not read", bad)) {
		t.Fatalf("after the repair: %q", all)
	}
	// SO2's pending rows out of key order.
	err = s.db.Update(func(tx *bolt.Tx) error {
		p, err := decodeParcel(tx.Bucket(bParcels).Get(u64(2)))
		if err != nil {
			return err
		}
		late, early := eventKey(2, t0.Add(3*time.Hour), domain.EventInTransit), eventKey(2, t0.Add(2*time.Hour), domain.EventInTransit)
		val := encodeEvent(&domain.TrackingEvent{Status: domain.EventInTransit, At: t0}, t0)
		rows := addPending(nil, nil, []pendingRow{{suffix: late[8:], val: val}})
		rows = addPending(rows, nil, []pendingRow{{suffix: early[8:], val: val}})
		return tx.Bucket(bParcels).Put(u64(2), withPending(encodeParcel(&p), rows))
	})
	if err != nil {
		t.Fatal(err)
	}
	if all := problems("out of order"); !strings.Contains(all, "parcels: SO00000002: its pending events are not in key order") {
		t.Fatalf("rows out of order: %q", all)
	}
	// SO4's record with pending rows cut short.
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bParcels).Put(u64(4), withPending(encodeParcel(&domain.ParcelState{}), []byte{1, 2, 3}))
	})
	if err != nil {
		t.Fatal(err)
	}
	if all := problems("cut short"); !strings.Contains(all, "parcels: SO00000004: the parcel record of SO00000004 does not read") {
		t.Fatalf("a record cut short: %q", all)
	}
	// The fold and a repair go on past it, and leave it for doctor to name again.
	if _, err := s.Fold(context.Background(), sup); err != nil {
		t.Fatalf("fold past a record cut short: %v", err)
	}
	if _, err := s.Repair(context.Background(), t0.Add(domain.Day), sup); err != nil {
		t.Fatalf("repair past a record cut short: %v", err)
	}
	if all := problems("cut short, repaired"); !strings.Contains(all, "parcels: SO00000004: the parcel record of SO00000004 does not read") {
		t.Fatalf("a record cut short, after the repair: %q", all)
	}
}

// A parcel record's latest event is the latest of its order's events: ApplyEvents takes
// an event later than it as new without reading the stored ones. The doctor checks it
// both ways (a record behind its events, events with no record), and a repair writes the
// latest again, after which a repeat of the event it had missed is a duplicate.
func TestDoctorChecksEachParcelsLatestEvent(t *testing.T) {
	s := parcelStore(t) // SO2 ships with numA, SO4 with numB
	d := domain.Day
	now := t0.Add(5 * d)
	mustEvents(t, s, now, ev(numA, t0.Add(d), domain.EventInTransit), ev(numA, t0.Add(2*d), domain.EventAtPickup))
	doctorClean(t, s)
	// Damage: SO2's record goes back to its first event, and SO4 gets an event row of its
	// own without a record.
	missed := ev(numB, t0.Add(3*d), domain.EventDelivered)
	err := s.db.Update(func(tx *bolt.Tx) error {
		p, err := decodeParcel(tx.Bucket(bParcels).Get(u64(2)))
		if err != nil {
			return err
		}
		p.Latest = ev(numA, t0.Add(d), domain.EventInTransit)
		if err := tx.Bucket(bParcels).Put(u64(2), encodeParcel(&p)); err != nil {
			return err
		}
		return tx.Bucket(bParcelEvents).Put(eventKey(4, missed.At, missed.Status), encodeEvent(&missed, now))
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Doctor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(rep.Problems, "\n")
	for _, want := range []string{
		"parcels: SO00000002: its latest event is in_transit at " + domain.ISOTime(t0.Add(d)) + ", the latest of its events is at_pickup at " + domain.ISOTime(t0.Add(2*d)),
		"parcels: SO00000004: its latest event is none, the latest of its events is delivered at " + domain.ISOTime(t0.Add(3*d)),
	} {
		if !strings.Contains(all, want) {
			t.Errorf("doctor does not say %q:\n%s", want, all)
		}
	}
	if _, err := s.Repair(context.Background(), now, sup); err != nil {
		t.Fatal(err)
	}
	doctorClean(t, s)
	if st := deliveryOf(t, s, 2, now); st != domain.DeliveryPickup1to5 {
		t.Fatalf("SO2 after the repair: %s", st)
	}
	if st := deliveryOf(t, s, 4, now); st != domain.DeliveryDelivered {
		t.Fatalf("SO4 after the repair: %s", st)
	}
	if res := mustEvents(t, s, now, missed); res.New != 0 || res.Duplicates != 1 {
		t.Fatalf("the missed event again: %+v", res)
	}
}
