package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// A feed's new carrier events wait in their parcel's record until a fold files them in
// parcel_events: a feed adds an event to nearly every parcel, and it rewrites the parcel's
// record anyway (its latest event), while a row of its own in parcel_events, the biggest
// tree of the file, would be one more write beside every parcel's stored rows. Such a
// record starts with parcelRecordPending instead of parcelRecordVersion, and its pending
// rows follow its fields, in key order, each
//
//	at(8) | status(1) | uvarint length | event record
//
// (the event's parcel_events key without the order number, and its record). A commit
// keeps the events inline when it applies stageFrom or more of them (ApplyEvents); fewer
// go straight into parcel_events. Every reader of the events reads both (eachOrderEvent,
// eachEvent), the duplicate check of ApplyEvents looks in both, and the record's latest
// event is the latest of both (PA3). The pending rows count in index/staged, and the fold
// (foldPending) moves them into parcel_events and writes each record without them.
const parcelRecordPending = 2

// eventSuffix is the length of an event key without its order number: at(8) | status(1).
const eventSuffix = 9

// splitParcel reads a parcel record and returns its pending rows (nil when it has none),
// which alias v.
func splitParcel(v []byte) (domain.ParcelState, []byte, error) {
	p, rest, err := decodeParcelRest(v)
	if err != nil || v[0] != parcelRecordPending {
		return p, nil, err
	}
	if len(rest) == 0 {
		return p, nil, errCorrupt
	}
	return p, rest, nil
}

// withPending is the record rec (encodeParcel's) with pending rows after its fields.
func withPending(rec, pending []byte) []byte {
	if len(pending) == 0 {
		return rec
	}
	rec[0] = parcelRecordPending
	return append(rec, pending...)
}

// pendingRow is one pending row taken apart: its key suffix and its event record.
type pendingRow struct{ suffix, val []byte }

// nextPending takes the first row off rows; ok is false at the end, err when what is
// left does not read.
func nextPending(rows []byte) (r pendingRow, rest []byte, ok bool, err error) {
	if len(rows) == 0 {
		return r, nil, false, nil
	}
	if len(rows) < eventSuffix {
		return r, nil, false, errCorrupt
	}
	n, w := binary.Uvarint(rows[eventSuffix:])
	if w <= 0 || uint64(len(rows)-eventSuffix-w) < n {
		return r, nil, false, errCorrupt
	}
	end := eventSuffix + w + int(n)
	return pendingRow{suffix: rows[:eventSuffix:eventSuffix], val: rows[eventSuffix+w : end : end]}, rows[end:], true, nil
}

// eachPending calls fn with each pending row of order no: its full parcel_events key
// (built in one buffer, valid for the call only) and its event record.
func eachPending(no uint64, rows []byte, fn func(k, v []byte) error) error {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+eventSuffix), no)
	for {
		r, rest, ok, err := nextPending(rows)
		if err != nil || !ok {
			return err
		}
		if err := fn(append(k[:8], r.suffix...), r.val); err != nil {
			return err
		}
		rows = rest
	}
}

// pendingHas reports whether rows hold the event of key suffix (a malformed tail holds
// nothing; doctor names it).
func pendingHas(rows, suffix []byte) bool {
	for {
		r, rest, ok, _ := nextPending(rows)
		if !ok {
			return false
		}
		if bytes.Equal(r.suffix, suffix) {
			return true
		}
		rows = rest
	}
}

// addPending appends to dst the rows of old and of add together, in key order (add holds
// no key of old; it is sorted in place).
func addPending(dst, old []byte, add []pendingRow) []byte {
	all := add
	if len(old) > 0 {
		all = slices.Clone(add)
		for {
			r, rest, ok, _ := nextPending(old)
			if !ok {
				break
			}
			all = append(all, r)
			old = rest
		}
	}
	if len(all) > 1 {
		slices.SortFunc(all, func(a, b pendingRow) int { return bytes.Compare(a.suffix, b.suffix) })
	}
	for _, r := range all {
		dst = binary.AppendUvarint(append(dst, r.suffix...), uint64(len(r.val)))
		dst = append(dst, r.val...)
	}
	return dst
}

// pendingSize is about the bytes addPending writes for old and add.
func pendingSize(old []byte, add []pendingRow) int {
	n := len(old)
	for _, r := range add {
		n += eventSuffix + binary.MaxVarintLen32 + len(r.val)
	}
	return n
}

// eachOrderEvent calls fn with each event row of order no, stored and pending, in key
// order; rec is the order's parcel record (nil: none).
func eachOrderEvent(events *bolt.Bucket, no uint64, rec []byte, fn func(k, v []byte) error) error {
	var pending []byte
	if len(rec) > 0 && rec[0] == parcelRecordPending {
		var err error
		if _, pending, err = splitParcel(rec); err != nil {
			return fmt.Errorf("the parcel record of %s does not read: %w", domain.OrderNumber(no), err)
		}
	}
	prefix := u64(no)
	c := events.Cursor()
	k, v := c.Seek(prefix)
	if !bytes.HasPrefix(k, prefix) {
		k = nil
	}
	pk := binary.BigEndian.AppendUint64(make([]byte, 0, 8+eventSuffix), no)
	var pr pendingRow
	var ok bool
	var err error
	if pr, pending, ok, err = nextPending(pending); err != nil {
		return fmt.Errorf("the pending events of %s do not read: %w", domain.OrderNumber(no), err)
	}
	for k != nil || ok {
		if ok && (k == nil || bytes.Compare(pr.suffix, k[8:]) < 0) {
			if err := fn(append(pk[:8], pr.suffix...), pr.val); err != nil {
				return err
			}
			if pr, pending, ok, err = nextPending(pending); err != nil {
				return fmt.Errorf("the pending events of %s do not read: %w", domain.OrderNumber(no), err)
			}
			continue
		}
		if err := fn(k, v); err != nil {
			return err
		}
		if k, v = c.Next(); !bytes.HasPrefix(k, prefix) {
			k = nil
		}
	}
	return nil
}

// eachEvent calls fn with every event row of the file, stored and pending, in key order
// (pending says which). A parcel record that does not read, or whose pending rows do
// not, is handed to bad (and its pending rows skipped); bad nil makes it an error.
func eachEvent(tx *bolt.Tx, fn func(k, v []byte, pending bool) error, bad func(no uint64, err error)) error {
	ec, pc := tx.Bucket(bParcelEvents).Cursor(), tx.Bucket(bParcels).Cursor()
	ek, ev := ec.First()
	pk, pv := pc.First()
	var rows []byte // the pending rows of the record at pk still to come
	var no uint64
	key := make([]byte, 8, 8+eventSuffix)
	// nextRows moves to the next record with pending rows (from pk, pv).
	nextRows := func() error {
		for ; pk != nil; pk, pv = pc.Next() {
			if len(pv) == 0 || pv[0] != parcelRecordPending || len(pk) != 8 {
				continue
			}
			_, p, err := splitParcel(pv)
			if err == nil {
				_, _, _, err = checkPending(p)
			}
			if err != nil {
				err = fmt.Errorf("the parcel record of %s does not read: %w", domain.OrderNumber(binary.BigEndian.Uint64(pk)), err)
				if bad == nil {
					return err
				}
				bad(binary.BigEndian.Uint64(pk), err)
				continue
			}
			rows, no = p, binary.BigEndian.Uint64(pk)
			binary.BigEndian.PutUint64(key, no)
			pk, pv = pc.Next()
			return nil
		}
		rows = nil
		return nil
	}
	if err := nextRows(); err != nil {
		return err
	}
	for ek != nil || len(rows) > 0 {
		if len(rows) > 0 {
			r, rest, _, _ := nextPending(rows) // checked whole by nextRows
			k := append(key[:8], r.suffix...)
			if ek == nil || bytes.Compare(k, ek) < 0 {
				if err := fn(k, r.val, true); err != nil {
					return err
				}
				if rows = rest; len(rows) == 0 {
					if err := nextRows(); err != nil {
						return err
					}
				}
				continue
			}
		}
		if err := fn(ek, ev, false); err != nil {
			return err
		}
		ek, ev = ec.Next()
	}
	return nil
}

// checkPending reads rows through to their end: how many, and whether they are in key
// order without a repeat; err when they do not read.
func checkPending(rows []byte) (n int, sorted bool, last []byte, err error) {
	sorted = true
	for {
		r, rest, ok, err := nextPending(rows)
		if err != nil {
			return n, sorted, last, err
		}
		if !ok {
			return n, sorted, last, nil
		}
		if last != nil && bytes.Compare(last, r.suffix) >= 0 {
			sorted = false
		}
		last, rows = r.suffix, rest
		n++
	}
}

// foldPending moves the pending rows of up to about limit events into parcel_events, in
// key order, and writes their records without them. It walks the parcel records from
// order from on (those without pending rows cost a look at their first byte); next is
// where the walk stopped, and more says whether records may hold some still: those after
// next, or, when the walk began past the first record and reached the end, those before
// it (a write between two chunks may have added some there).
func foldPending(tx *bolt.Tx, limit int, from uint64) (moved int, next uint64, more bool, err error) {
	parcels, events := tx.Bucket(bParcels), tx.Bucket(bParcelEvents)
	var (
		rows, recs []*op
		a          arena
	)
	c := parcels.Cursor()
	k, v := c.Seek(u64(from))
	for ; k != nil && moved < limit; k, v = c.Next() {
		if len(v) == 0 || v[0] != parcelRecordPending || len(k) != 8 {
			continue
		}
		// A record whose pending rows do not read is left as it is, for doctor to name:
		// the fold goes on with the others.
		p, pending, err := splitParcel(v)
		if err != nil {
			continue
		}
		if _, _, _, err := checkPending(pending); err != nil {
			continue
		}
		_ = eachPending(binary.BigEndian.Uint64(k), pending, func(ek, ev []byte) error {
			rows = append(rows, &op{key: a.keep(append(a.room(len(ek)), ek...)), val: a.keep(append(a.room(len(ev)), ev...))})
			moved++
			return nil
		})
		recs = append(recs, &op{key: a.keep(append(a.room(len(k)), k...)), val: a.keep(appendParcel(a.room(parcelSize(&p)), &p))})
	}
	switch {
	case k != nil:
		next, more = binary.BigEndian.Uint64(k), true
	case from > 0:
		more = true // round again from the first
	}
	if err := writeSorted(events, rows, leaveRoom, false); err != nil {
		return 0, 0, false, err
	}
	// Each record is deleted before it is put back shorter: bbolt merges a page left under
	// a quarter full only where a key was deleted, so a feed's pages, split to hold its
	// events, close up again instead of staying sparse.
	for _, r := range recs {
		if err := parcels.Delete(r.key); err != nil {
			return 0, 0, false, err
		}
	}
	if err := writeSorted(parcels, recs, leaveRoom, false); err != nil {
		return 0, 0, false, err
	}
	return moved, next, more, nil
}
