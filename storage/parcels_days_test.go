package storage

import (
	"bytes"
	"context"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// walkDeliveryCounts is how the counts were read before the day histogram: the phase
// counters, and for each aging phase a walk over every row that began before the
// phase's first boundary. It is the reference the histogram must agree with.
func walkDeliveryCounts(tx *bolt.Tx, set domain.DeliverySettings, now time.Time) map[domain.DeliveryStatus]int {
	out := map[domain.DeliveryStatus]int{}
	c := tx.Bucket(bParcelsByPhase).Cursor()
	for _, ph := range domain.Phases {
		total := int(counter(tx, phaseCounter[ph]))
		if total == 0 {
			continue
		}
		first := domain.StatusAt(ph, now, "", set, now)
		if !ph.Ages() {
			out[first] += total
			continue
		}
		end := timeKey([]byte{byte(ph)}, agingFrom(ph, set, now).Add(time.Second))
		moved := 0
		for k, v := c.Seek([]byte{byte(ph)}); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
			if len(k) != 17 {
				continue
			}
			if st := domain.StatusAt(ph, timeOfKey(k[1:9]), string(v), set, now); st != first {
				out[st]++
				moved++
			}
		}
		out[first] += total - moved
	}
	return out
}

// rowDeliveryCounts asks the clock about every row: the definition.
func rowDeliveryCounts(tx *bolt.Tx, set domain.DeliverySettings, now time.Time) map[domain.DeliveryStatus]int {
	out := map[domain.DeliveryStatus]int{}
	tx.Bucket(bParcelsByPhase).ForEach(func(k, v []byte) error {
		out[domain.StatusAt(domain.Phase(k[0]), timeOfKey(k[1:9]), string(v), set, now)]++
		return nil
	})
	return out
}

func nonZero(m map[domain.DeliveryStatus]int) map[domain.DeliveryStatus]int {
	out := map[domain.DeliveryStatus]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// randomParcel is a shipment and its parcel state in any phase, begun at a random
// instant (to the nanosecond) from 200 days before t0 to two days after.
func randomParcel(r *rand.Rand, carriers []string) (domain.Shipment, domain.ParcelState) {
	at := t0.Add(-200*domain.Day + time.Duration(r.Int64N(int64(202*domain.Day))))
	if r.IntN(3) == 0 {
		at = at.Truncate(time.Second)
	}
	if r.IntN(10) == 0 { // on a midnight
		at = at.Truncate(domain.Day)
	}
	sh := domain.Shipment{Carrier: carriers[r.IntN(len(carriers))], Number: "N", ShippedAt: at}
	var p domain.ParcelState
	switch r.IntN(10) {
	case 0:
		sh.Number = ""
	case 1: // registered: no event yet
	case 2:
		p.Stopped, p.StopReason, p.StoppedAt = true, "lost", at
	default:
		sh.ShippedAt = at.Add(-domain.Day)
		p.Latest = domain.TrackingEvent{At: at, Status: domain.EventStatuses[r.IntN(len(domain.EventStatuses))]}
		// The aging phases more often: they are what the clock splits.
		if r.IntN(2) == 0 {
			p.Latest.Status = []domain.EventStatus{domain.EventInTransit, domain.EventLeftSorting, domain.EventAtPickup, domain.EventInfoReceived}[r.IntN(4)]
		}
	}
	return sh, p
}

// The counts read through the day histogram equal the walk they replace, and the clock
// asked of every row, for random parcels (moved about, so rows are deleted too) and
// random clocks, at the exact cuts (no-info, every stall, the pickup bounds) of rows'
// phase starts and a nanosecond or a second either side, and at cuts on a midnight;
// with per-carrier stalls, and with a no-info silence shorter than the last pickup bound.
func TestDeliveryCountsByDaysEqualTheWalk(t *testing.T) {
	settings := []domain.DeliverySettings{
		{Stall: map[string]time.Duration{"cdek": 9 * domain.Day, "sf": 3*domain.Day + 7*time.Hour}},
		{Stall: map[string]time.Duration{"sf": 11 * domain.Day}, NoInfoAfter: 20*domain.Day + 90*time.Minute},
		{},
	}
	for si, set := range settings {
		s, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{Delivery: &set})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		r := rand.New(rand.NewPCG(7, uint64(si)))
		carriers := []string{"ems", "cdek", "SF", "yunexpress"}
		const n = 3000
		shs := make([]domain.Shipment, n+1)
		ps := make([]domain.ParcelState, n+1)
		for round := range 3 {
			err := s.db.Update(func(tx *bolt.Tx) error {
				w := newWtx(tx, n)
				for no := uint64(1); no <= n; no++ {
					if round > 0 && r.IntN(3) != 0 {
						continue
					}
					sh, p := randomParcel(r, carriers)
					if round == 0 {
						w.fileParcel(no, nil, nil, &sh, &p)
					} else {
						w.fileParcel(no, &shs[no], &ps[no], &sh, &p)
					}
					shs[no], ps[no] = sh, p
				}
				return w.commit()
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		bounds := []time.Duration{set.NoInfo(), domain.DefaultStall}
		for _, d := range set.Stall {
			bounds = append(bounds, d)
		}
		bounds = append(bounds, domain.PickupBounds[:]...)
		var nows []time.Time
		for range 150 {
			nows = append(nows, t0.Add(-210*domain.Day+time.Duration(r.Int64N(int64(320*domain.Day)))))
		}
		for range 250 {
			since := timeOfKey(timeKey(nil, ps[1+r.IntN(n)].Latest.At))
			if since.IsZero() {
				continue
			}
			b := bounds[r.IntN(len(bounds))]
			for _, nudge := range []time.Duration{0, time.Nanosecond, -time.Nanosecond, time.Second, -time.Second} {
				nows = append(nows, since.Add(b+nudge))
			}
			midnight := since.Truncate(domain.Day)
			nows = append(nows, midnight.Add(b), midnight.Add(b-time.Nanosecond), midnight.Add(b+domain.Day-time.Nanosecond))
		}
		checked := 0
		err = s.db.View(func(tx *bolt.Tx) error {
			for _, now := range nows {
				got := nonZero(deliveryCounts(tx, set, now))
				walk := nonZero(walkDeliveryCounts(tx, set, now))
				rows := nonZero(rowDeliveryCounts(tx, set, now))
				if !maps.Equal(walk, rows) {
					t.Fatalf("settings %d: the reference walk disagrees with the rows at %s: %v, %v", si, now.Format(time.RFC3339Nano), walk, rows)
				}
				if !maps.Equal(got, walk) {
					t.Fatalf("settings %d, at %s: by days %v, the walk %v", si, now.Format(time.RFC3339Nano), got, walk)
				}
				checked++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if checked < 1000 {
			t.Fatalf("only %d clocks checked", checked)
		}
		checkParcelDays(t, s)
	}
}

// checkParcelDays checks the histogram's invariant: each key counts the rows of its
// phase, day and carrier, and nothing else.
func checkParcelDays(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		want := map[string]int64{}
		tx.Bucket(bParcelsByPhase).ForEach(func(k, v []byte) error {
			want[string(parcelDayKey(k, v))]++
			return nil
		})
		got := map[string]int64{}
		tx.Bucket(bParcelDays).ForEach(func(k, v []byte) error {
			got[string(k)] = tallyOf(v)
			return nil
		})
		if !maps.Equal(got, want) || len(want) == 0 {
			t.Fatalf("the histogram has %d keys, the rows make %d", len(got), len(want))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The counts never read the rows of parcels silent for longer than the no-info time:
// with those rows taken out of parcels_by_phase behind the store's back (their counters
// and days left), the counts are what they were.
func TestDeliveryCountsDoNotReadOldSilentParcels(t *testing.T) {
	s := openTemp(t)
	set := s.DeliverySettings()
	now := t0.Add(100 * domain.Day)
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newWtx(tx, 600)
		for no := uint64(1); no <= 600; no++ {
			at := t0.Add(-time.Duration(no) * time.Hour) // silent 100 to 125 days
			sh := domain.Shipment{Carrier: "ems", Number: "N", ShippedAt: at}
			p := domain.ParcelState{Latest: domain.TrackingEvent{At: at, Status: domain.EventInTransit}}
			if no%3 == 0 {
				p.Latest.Status = domain.EventAtPickup
			}
			w.fileParcel(no, nil, nil, &sh, &p)
		}
		fresh := domain.Shipment{Carrier: "ems", Number: "N", ShippedAt: now.Add(-6 * domain.Day)}
		w.fileParcel(601, nil, nil, &fresh, &domain.ParcelState{})
		return w.commit()
	})
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.DeliveryCounts(now)
	if err != nil || before[domain.DeliveryNoInfo] != 600 || before[domain.DeliveryRegistered] != 1 {
		t.Fatalf("before: %v %v", before, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bParcelsByPhase).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if timeOfKey(k[1:9]).Before(now.Add(-set.NoInfo() - domain.Day)) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.DeliveryCounts(now)
	if err != nil || !maps.Equal(nonZero(after), nonZero(before)) {
		t.Fatalf("the counts read the old rows: before %v, after %v", before, after)
	}
}

// The doctor names a damaged day histogram (a wrong count, a count of nothing, a missing
// day) and Repair rebuilds it.
func TestDoctorChecksAndRepairRebuildsParcelDays(t *testing.T) {
	s := parcelStore(t)
	d := domain.Day
	mustEvents(t, s, t0.Add(3*d), ev(numA, t0.Add(2*d), domain.EventAtPickup), ev(numB, t0.Add(d), domain.EventInTransit))
	doctorClean(t, s)
	want := delivery(t, s, t0.Add(9*d))
	var first []byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bParcelDays)
		k, _ := b.Cursor().First()
		if k == nil {
			t.Fatal("the histogram is empty")
		}
		first = append([]byte{}, k...)
		if err := b.Put(first, u64(7)); err != nil {
			return err
		}
		stray := parcelDayKey(phaseKey(domain.PhasePickup, t0.Add(-40*d), 99), []byte("ems"))
		if err := b.Put(stray, u64(1)); err != nil {
			return err
		}
		last, _ := b.Cursor().Last()
		return b.Delete(last)
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Doctor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(rep.Problems, "\n")
	if rep.Found() != 3 || strings.Count(text, "parcel_days: ") != 3 || !strings.Contains(text, "is 7, the records make it 1") ||
		!strings.Contains(text, "is 1, the records make it 0") || !strings.Contains(text, "is missing, the records make it 1") {
		t.Fatalf("doctor: %d problems\n%s", rep.Found(), text)
	}
	if _, err := s.Repair(context.Background(), t0, sup); err != nil {
		t.Fatal(err)
	}
	doctorClean(t, s)
	if got := delivery(t, s, t0.Add(9*d)); !maps.Equal(nonZero(got), nonZero(want)) {
		t.Fatalf("after repair: %v, want %v", got, want)
	}
}

// A file of schema 5 (no day histogram) migrates to 6 at a writable open: the
// histogram is filled from parcels_by_phase once, the counts and the doctor agree, and
// parcels move on from there; a read-only open upgrades it the same way.
func TestMigrationFrom5FillsParcelDays(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		s := parcelStore(t)
		d := domain.Day
		mustEvents(t, s, t0.Add(3*d), ev(numA, t0.Add(2*d), domain.EventAtPickup), ev(numB, t0.Add(d), domain.EventLeftSorting))
		path := s.Path()
		want := nonZero(delivery(t, s, t0.Add(9*d)))
		// As a schema-5 build left the file: no parcel_days bucket.
		if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bParcelDays) }); err != nil {
			t.Fatal(err)
		}
		setSchema(t, s, 5)
		s.Close()
		s, err := Open(path, Options{ReadOnly: readOnly})
		if err != nil {
			t.Fatal(err)
		}
		if v := schemaOf(t, s); v != SchemaVersion {
			t.Fatalf("schema %d after the open (build %d)", v, SchemaVersion)
		}
		keys := 0
		s.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bParcelDays).ForEach(func(_, _ []byte) error { keys++; return nil })
		})
		if keys != 3 { // SO2 at pickup, SO4 in transit, SO3 without tracking: three days
			t.Fatalf("the histogram has %d keys after the migration", keys)
		}
		if got := nonZero(delivery(t, s, t0.Add(9*d))); !maps.Equal(got, want) {
			t.Fatalf("after the migration: %v, want %v", got, want)
		}
		doctorClean(t, s)
		if !readOnly {
			mustEvents(t, s, t0.Add(10*d), ev(numB, t0.Add(10*d), domain.EventDelivered))
			if got := delivery(t, s, t0.Add(10*d)); got[domain.DeliveryDelivered] != 1 || got[domain.DeliveryStuck] != 0 {
				t.Fatalf("after a delivery: %v", got)
			}
			doctorClean(t, s)
		}
		s.Close()
	}
}
