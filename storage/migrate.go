package storage

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"shipdesk/domain"

	bolt "go.etcd.io/bbolt"
)

// migrations[v] brings a file of schema v to v+1 inside the opening transaction.
var migrations = map[uint64]func(*bolt.Tx) error{
	// Schema 1 had no reference index and schema 2 had it as a B+tree; the step to 3 moves
	// the pool and (re)builds the reference index hashed, so both take it.
	1: nil,
	2: func(tx *bolt.Tx) error {
		if err := arrivalPool(tx); err != nil {
			return err
		}
		if tx.Bucket(bOrdersByRef) != nil {
			if err := tx.DeleteBucket(bOrdersByRef); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket(bOrdersByRef); err != nil {
			return err
		}
		return buildRefIndex(tx)
	},
	// Schema 3 files may lack the buckets that came in after it without a version of
	// their own (the refund queue, the hashed indexes' runs): schema 4 has every bucket
	// of the table.
	3: createBuckets,
	// Schema 5 adds the buckets of the parcels' events, the outbox's deliveries, the
	// vouchers, the channels and the undo log; the step creates them.
	4: createBuckets,
	// Schema 6 counts the parcels by phase, day and carrier (parcel_days), so the
	// delivery counts read the days rather than every old parcel: the step fills it from
	// parcels_by_phase.
	5: fillParcelDays,
	// Schema 7 keeps the events of a corrected number (parcel_events_kept) instead of
	// dropping them; the step creates the bucket.
	6: createBuckets,
	// Schema 8 stages a feed's carrier events (parcel_events.recent) instead of writing
	// them beside every parcel's stored ones; the step creates the bucket.
	7: createBuckets,
	// Schema 9 lists an order's shipped messages and tracking.upload lines in the order
	// (domain.SalesOrder.Told) instead of in outbox_by_event; the step moves their rows.
	8: moveToldRows,
	// Schema 10 keeps a feed's new carrier events in their parcel records until the fold
	// (parcels_pending.go) instead of staging them in parcel_events.recent: the step files
	// that bucket's rows in parcel_events and deletes it.
	9: unstageEvents,
}

// stagedEventsBucket is the staging bucket of parcel_events up to schema 9.
var stagedEventsBucket = []byte("parcel_events.recent")

// unstageEvents (the step to schema 10) moves the staged carrier events into
// parcel_events (an empty value was a staged deletion) and deletes their bucket.
func unstageEvents(tx *bolt.Tx) error {
	r := tx.Bucket(stagedEventsBucket)
	if r == nil {
		return nil
	}
	if _, _, err := foldIndex(tx.Bucket(bParcelEvents), r, math.MaxInt); err != nil {
		return err
	}
	return tx.DeleteBucket(stagedEventsBucket)
}

// moveToldRows (the step to schema 9) moves the outbox_by_event rows of the shipped
// messages and the tracking.upload lines about an order into its Told list, oldest first.
// The rows of such messages about no order stay (they are indexed as before); those of
// an order that is not there go (nothing lists them); those of an order that does not
// read stay where they are, for doctor to name with the order.
func moveToldRows(tx *bolt.Tx) error {
	ev := tx.Bucket(bOutboxByEvent)
	type row struct {
		key  []byte
		told domain.Told
	}
	rows := map[uint64][]row{}
	c := ev.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) < 9 || len(v) != 8 {
			continue
		}
		kind, stage, ok := strings.Cut(string(k[8:]), "\x00")
		no := binary.BigEndian.Uint64(k)
		if !ok || !domain.ToldKind(kind) || no == 0 {
			continue
		}
		rows[no] = append(rows[no], row{slices.Clone(k), domain.Told{Kind: kind, Stage: stage, ID: binary.BigEndian.Uint64(v)}})
	}
	orders := tx.Bucket(bOrders)
	for no, list := range rows {
		if v := orders.Get(u64(no)); v != nil {
			o, seq, err := decodeOrderAt(v)
			if err != nil {
				continue
			}
			slices.SortFunc(list, func(a, b row) int { return cmp.Compare(a.told.ID, b.told.ID) })
			for _, r := range list {
				o.Tell(r.told.Kind, r.told.Stage, r.told.ID)
			}
			if err := orders.Put(u64(no), encodeOrderAt(nil, &o, seq)); err != nil {
				return err
			}
		}
		for _, r := range list {
			if err := ev.Delete(r.key); err != nil {
				return err
			}
		}
	}
	return nil
}

// createBuckets creates every bucket of the schema table that the file lacks.
func createBuckets(tx *bolt.Tx) error {
	for _, sp := range schema.all {
		if _, err := tx.CreateBucketIfNotExists(sp.name); err != nil {
			return fmt.Errorf("create bucket %s: %w", sp.name, err)
		}
	}
	return nil
}

func migrate(tx *bolt.Tx, from uint64) error {
	for v := from; v < SchemaVersion; v++ {
		if m := migrations[v]; m != nil {
			if err := m(tx); err != nil {
				return err
			}
		}
	}
	if from < SchemaVersion {
		return tx.Bucket(bMeta).Put(kSchema, u64(SchemaVersion))
	}
	return nil
}

// buildRefIndex (part of the step to schema 3) indexes every order by trade ID and payment
// reference (hashed), and by tracking number, from the primary records.
func buildRefIndex(tx *bolt.Tx) error {
	w := newWtx(tx, 1024)
	get := txGetter(tx)
	err := tx.Bucket(bOrders).ForEach(func(_, v []byte) error {
		o, err := loadOrder(v, get)
		if err != nil {
			return err
		}
		w.indexRefs(&o)
		if o.Shipment.Number != "" {
			w.put(bOrdersByTrack, []byte(o.Shipment.Number), u64(o.No))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.commit()
}

// arrivalPool (schema 2 → 3) moves the pool entries out of the pool bucket, where they
// were keyed channel 0x00 tradeID, into pool_entries under arrival numbers handed out in
// the old key order, and makes pool the hashed key index (poolids.go). The writes go
// through the overlay, which keeps it a few seconds at a million entries; the old records
// stay where bbolt mapped them until the commit has written them again. It does nothing
// to a pool already in this layout.
func arrivalPool(tx *bolt.Tx) error {
	if k, _ := tx.Bucket(bPoolEntries).Cursor().First(); k != nil {
		return nil
	}
	w := newWtx(tx, 4096)
	type moved struct{ pk, seq []byte }
	var all []moved
	err := tx.Bucket(bPool).ForEach(func(k, v []byte) error {
		e, err := decodeEntry(v)
		if err != nil {
			return fmt.Errorf("pool entry %q: %w", k, err)
		}
		seq := w.keep(binary.BigEndian.AppendUint64(w.room(8), w.nextEntrySeq()))
		w.put(bPoolEntries, seq, v)
		w.indexEntry(k, seq, &e)
		all = append(all, moved{k, seq})
		return nil
	})
	if err != nil {
		return err
	}
	if err := tx.DeleteBucket(bPool); err != nil {
		return err
	}
	if _, err := tx.CreateBucket(bPool); err != nil {
		return err
	}
	for _, m := range all {
		w.addID(m.pk, m.seq)
	}
	if err := w.commit(); err != nil {
		return err
	}
	// Orders name their pool entry by arrival number from now on.
	w = newWtx(tx, 4096)
	get := txGetter(tx)
	err = tx.Bucket(bOrders).ForEach(func(k, v []byte) error {
		o, seq, err := decodeOrderAt(v)
		if err != nil || seq != 0 {
			return err
		}
		at, _ := findEntry(get, poolKey(nil, o.Key))
		if at == nil {
			return fmt.Errorf("order %s: pool entry %s is missing", domain.OrderNumber(o.No), o.Key)
		}
		w.put(bOrders, k, encodeOrderAt(nil, &o, binary.BigEndian.Uint64(at)))
		return nil
	})
	if err != nil {
		return err
	}
	// The pool entry now finds its order number: orders_by_key goes.
	if tx.Bucket(bOrdersByKey) != nil {
		if err := tx.DeleteBucket(bOrdersByKey); err != nil {
			return err
		}
	}
	return w.commit()
}
