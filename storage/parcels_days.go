package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// The parcels' day histogram: counting shipments by delivery status without walking the
// old ones.
//
//	parcel_days  tally (derived): phase(1) | day(8) | carrier → count(8): how many rows
//	             of parcels_by_phase have that phase, that carrier and a phase start
//	             (since) in that UTC day (the day's first second, in timeKey's form)
//
// Invariant: for every phase, day and carrier, the count is the number of rows of
// parcels_by_phase of that phase whose since falls in that day and whose value is that
// carrier; the sum over a phase is its parcel/<phase> counter. fileParcel, the one place
// rows of parcels_by_phase are written and deleted, keeps it with wtx.tally; the doctor
// recounts it from the orders and Repair rebuilds it.
//
// The clock splits an aging phase at a few instants ("cuts": now less the no-info
// silence, the stall times, the pickup bounds). A day without a cut in it has one
// delivery status per carrier, read from the histogram with StatusAt at the day's first
// second; only the rows of the days with a cut in them are read one by one. Every day
// before the no-info cut's is no_info, so the counts read the histogram from that day
// on (about 60 days of keys a phase and carrier, however old the file) and take no_info
// as the rest of the phase counter.

const daySeconds = 24 * 60 * 60

// dayOfKey is the day (its first second, in timeKey's form) of a timeKey; the zero time
// stays zero.
func dayOfKey(tk []byte) uint64 {
	raw := binary.BigEndian.Uint64(tk)
	if raw == 0 {
		return 0
	}
	sec := int64(raw ^ (1 << 63))
	day := sec / daySeconds
	if sec%daySeconds < 0 {
		day--
	}
	return uint64(day*daySeconds) ^ (1 << 63)
}

// dayOf is the day of instant t, in timeKey's form.
func dayOf(t time.Time) uint64 { return dayOfKey(timeKey(nil, t)) }

// parcelDayKey is the parcel_days key of a parcels_by_phase row (key k, carrier v).
func parcelDayKey(k, carrier []byte) []byte {
	out := make([]byte, 0, 9+len(carrier))
	out = append(out, k[0])
	out = binary.BigEndian.AppendUint64(out, dayOfKey(k[1:9]))
	return append(out, carrier...)
}

// fmtDayKey prints a parcel_days key for the doctor: [phase day carrier].
func fmtDayKey(k []byte) string {
	if len(k) < 9 {
		return fmt.Sprintf("%x", k)
	}
	return fmt.Sprintf("[%s %s %s]", domain.Phase(k[0]), timeOfKey(k[1:9]).Format(time.DateOnly), strconv.Quote(string(k[9:])))
}

// fileRow files a parcels_by_phase row of phase ph: the row, its phase counter and its
// day in the histogram (fileShippedParcels, Repair).
func (w *wtx) fileRow(k, carrier []byte, ph domain.Phase) {
	w.put(bParcelsByPhase, k, carrier)
	w.add(phaseCounter[ph], "", 1)
	w.tally(bParcelDays, parcelDayKey(k, carrier), 1)
}

// agingCuts are the instants at which the clock may change the status of a parcel of
// aging phase ph that began before them: the no-info silence first, then the stall
// times (the default and every carrier's) or the pickup bounds.
func agingCuts(ph domain.Phase, set domain.DeliverySettings, now time.Time) []time.Time {
	cuts := []time.Time{now.Add(-set.NoInfo())}
	switch ph {
	case domain.PhaseTransit:
		cuts = append(cuts, now.Add(-domain.DefaultStall))
		for _, d := range set.Stall {
			if d > 0 {
				cuts = append(cuts, now.Add(-d))
			}
		}
	case domain.PhasePickup:
		for _, d := range domain.PickupBounds {
			cuts = append(cuts, now.Add(-d))
		}
	}
	return cuts
}

// deliveryCounts counts shipments by delivery status at now: the phase counters, and for
// each aging phase the histogram's days since the no-info cut's day, with the rows of
// the days a cut falls in read one by one (the file header above).
func deliveryCounts(tx *bolt.Tx, set domain.DeliverySettings, now time.Time) map[domain.DeliveryStatus]int {
	out := map[domain.DeliveryStatus]int{}
	rows := tx.Bucket(bParcelsByPhase).Cursor()
	days := tx.Bucket(bParcelDays).Cursor()
	for _, ph := range domain.Phases {
		total := int(counter(tx, phaseCounter[ph]))
		if total == 0 {
			continue
		}
		if !ph.Ages() {
			out[domain.StatusAt(ph, now, "", set, now)] += total
			continue
		}
		cuts := agingCuts(ph, set, now)
		lo := dayOf(cuts[0])
		var edge []uint64 // the days with a cut in them, from the no-info cut's day on
		for _, c := range cuts {
			if d := dayOf(c); d >= lo && !slices.Contains(edge, d) {
				edge = append(edge, d)
			}
		}
		counted := 0
		start := binary.BigEndian.AppendUint64([]byte{byte(ph)}, lo)
		for k, v := days.Seek(start); len(k) >= 9 && k[0] == byte(ph); k, v = days.Next() {
			day := binary.BigEndian.Uint64(k[1:9])
			if slices.Contains(edge, day) {
				continue
			}
			n := int(tallyOf(v))
			out[domain.StatusAt(ph, timeOfKey(k[1:9]), string(k[9:]), set, now)] += n
			counted += n
		}
		for _, day := range edge {
			from := binary.BigEndian.AppendUint64([]byte{byte(ph)}, day)
			to := binary.BigEndian.AppendUint64([]byte{byte(ph)}, day+daySeconds)
			for k, v := rows.Seek(from); k != nil && bytes.Compare(k, to) < 0; k, v = rows.Next() {
				if len(k) != 17 {
					continue
				}
				out[domain.StatusAt(ph, timeOfKey(k[1:9]), string(v), set, now)]++
				counted++
			}
		}
		// Every other row began before the no-info cut's day: silent for longer.
		if rest := total - counted; rest != 0 {
			out[domain.DeliveryNoInfo] += rest
		}
	}
	return out
}

// fillParcelDays (the step to schema 6) writes the histogram afresh from the rows of
// parcels_by_phase.
func fillParcelDays(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bParcelDays); err != nil && err != bolt.ErrBucketNotFound {
		return err
	}
	if _, err := tx.CreateBucket(bParcelDays); err != nil {
		return err
	}
	w := newWtx(tx, 0)
	err := tx.Bucket(bParcelsByPhase).ForEach(func(k, v []byte) error {
		if len(k) == 17 {
			w.tally(bParcelDays, parcelDayKey(k, v), 1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.commit()
}

// checkTallies compares every tally bucket with the counts the records make (d.w's
// tallies, filled while the records were read).
func (d *doctor) checkTallies() error {
	for _, sp := range schema.all {
		if sp.kind != kindTally {
			continue
		}
		name := string(sp.name)
		want := map[string]int64{}
		for tk, n := range d.w.tallies {
			if tk.bucket == name && n != 0 {
				want[tk.key] = n
			}
		}
		n := 0
		err := d.each(sp.name, func(k, v []byte) error {
			n++
			got, ok := int64(0), len(v) == 8
			if ok {
				got = tallyOf(v)
			}
			switch w := want[string(k)]; {
			case !ok:
				d.problem(name, "%s is %d bytes, not a count", fmtDayKey(k), len(v))
			case got != w:
				d.problem(name, "%s is %d, the records make it %d", fmtDayKey(k), got, w)
			}
			delete(want, string(k))
			return nil
		})
		if err != nil {
			return err
		}
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			d.problem(name, "%s is missing, the records make it %d", fmtDayKey([]byte(k)), want[k])
		}
		d.checked(name, n, "counts")
	}
	return nil
}
