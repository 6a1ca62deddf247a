package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// The parcels' tests again with every commit's carrier events staged (as a feed's are):
// duplicates, the latest event, the detail, the export, corrections that set events aside
// and bring them back all read staged rows as stored ones.
func TestStagedEventsReadAsStored(t *testing.T) {
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

// stagedEvents is the rows of parcel_events.recent (deletions too) and of parcel_events.
func stagedEvents(t *testing.T, s *Store) (staged, stored int) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		staged = tx.Bucket(schema.spec(bParcelEvents).side.name).Stats().KeyN
		stored = tx.Bucket(bParcelEvents).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return staged, stored
}

// A feed's events land in the staging bucket (a commit of rows scattered among the stored
// ones), a repeat of a staged event is a duplicate, a fold moves them into parcel_events
// without changing what anyone reads, and a repair (which rebuilds what is derived) keeps
// the staged events, folding them first.
func TestStagedEventsFoldAndSurviveRepair(t *testing.T) {
	staging(t, true)
	s := parcelStore(t) // SO2 ships with numA, SO4 with numB
	d := domain.Day
	now := t0.Add(5 * d)
	// Rows after every stored one are written in place: nothing to scatter.
	mustEvents(t, s, now, ev(numB, t0.Add(d), domain.EventInTransit), ev(numB, t0.Add(3*d), domain.EventInTransit))
	if staged, stored := stagedEvents(t, s); staged != 0 || stored != 2 {
		t.Fatalf("appended: staged %d, stored %d", staged, stored)
	}
	mustEvents(t, s, now, ev(numA, t0.Add(d), domain.EventInTransit), ev(numB, t0.Add(2*d), domain.EventInTransit))
	if staged, stored := stagedEvents(t, s); staged != 2 || stored != 2 {
		t.Fatalf("scattered: staged %d, stored %d", staged, stored)
	}
	res := mustEvents(t, s, now, ev(numA, t0.Add(d), domain.EventInTransit), ev(numA, t0.Add(2*d), domain.EventAtPickup))
	if res.New != 1 || res.Duplicates != 1 {
		t.Fatalf("a staged event again: %+v", res)
	}
	read := func(when string, events int) {
		t.Helper()
		det, _, err := s.Parcel(2, now)
		if err != nil || det.Status != domain.DeliveryPickup1to5 || len(det.Events) < 2 || det.Events[len(det.Events)-1].Status != domain.EventAtPickup {
			t.Fatalf("%s: SO2 %v %s %+v", when, err, det.Status, det.Events)
		}
		n := 0
		if err := s.EachEvent(time.Time{}, func(StoredEvent) error { n++; return nil }); err != nil || n != events {
			t.Fatalf("%s: export %v, %d events, want %d", when, err, n, events)
		}
		doctorClean(t, s)
	}
	read("staged", 5)
	if n, err := s.Staged(); err != nil || n < 3 {
		t.Fatalf("index/staged %d %v", n, err)
	}
	if _, err := s.Fold(context.Background(), sup); err != nil {
		t.Fatal(err)
	}
	if staged, stored := stagedEvents(t, s); staged != 0 || stored != 5 {
		t.Fatalf("after the fold: staged %d, stored %d", staged, stored)
	}
	read("folded", 5)
	// Staged again, then a repair: the events are records, not rebuilt, and stay.
	mustEvents(t, s, now, ev(numA, t0.Add(d+d/2), domain.EventInTransit), ev(numB, t0.Add(4*d), domain.EventDelivered))
	if staged, _ := stagedEvents(t, s); staged != 2 {
		t.Fatalf("staged again: %d", staged)
	}
	read("staged again", 7)
	if _, err := s.Repair(context.Background(), now, sup); err != nil {
		t.Fatal(err)
	}
	if staged, stored := stagedEvents(t, s); staged != 0 || stored != 7 {
		t.Fatalf("after the repair: staged %d, stored %d", staged, stored)
	}
	if st := deliveryOf(t, s, 4, now); st != domain.DeliveryDelivered {
		t.Fatalf("SO4 after the repair: %s", st)
	}
	read("repaired", 7)
}

// A file of schema 7 gets the staging bucket of the events at its first open, and its
// stored events read as before.
func TestMigrationFrom7StagesEvents(t *testing.T) {
	s := parcelStore(t)
	mustEvents(t, s, t0.Add(domain.Day), ev(numA, t0, domain.EventInTransit))
	side := schema.spec(bParcelEvents).side.name
	s = reopenAsSchema(t, s, 7, side)
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(side) == nil {
			t.Errorf("no %s", side)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if det, _, err := s.Parcel(2, t0.Add(domain.Day)); err != nil || len(det.Events) != 1 {
		t.Fatalf("after the step: %v %+v", err, det.Events)
	}
	doctorClean(t, s)
}

// doctor reads every carrier event, stored and staged: one that does not read, or names
// no order, is named — before a repair, which folds the staged events in and rebuilds
// nothing from them, and after it (a repair does not hide it).
func TestDoctorReadsEveryEvent(t *testing.T) {
	s := parcelStore(t)
	mustEvents(t, s, t0.Add(domain.Day), ev(numA, t0, domain.EventInTransit))
	side := schema.spec(bParcelEvents).side.name
	bad := eventKey(2, t0.Add(time.Hour), domain.EventInTransit)
	orphan := eventKey(99, t0, domain.EventInTransit)
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(side).Put(bad, []byte{9, 9}); err != nil {
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
	if all := problems("staged"); !strings.Contains(all, fmt.Sprintf("row %x (staged) does not read", bad)) {
		t.Fatalf("the staged row is not named as staged: %q", all)
	}
	if _, err := s.Repair(context.Background(), t0.Add(domain.Day), sup); err != nil {
		t.Fatal(err)
	}
	if all := problems("after a repair"); !strings.Contains(all, fmt.Sprintf("row %x does not read", bad)) {
		t.Fatalf("after the repair: %q", all)
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
