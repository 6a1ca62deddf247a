package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// RepairResult says what Repair did.
type RepairResult struct {
	Found   int      `json:"found"`           // problems the check before the rebuild found
	Rebuilt []string `json:"rebuilt"`         // the structures rebuilt from the records
	Moved   []string `json:"moved,omitempty"` // last numbers moved ahead of every key: "seq/order 4 → 9"
}

// Repair rebuilds every derived structure from the records in one write transaction:
// it checks the file first (what it found is counted in the result and the audit
// event), moves the last numbers in meta ahead of every key where they are behind,
// deletes the index, staging, run and counter buckets and writes them again, nothing
// staged, with an audit event doctor.repair by the actor. It needs the supervisor's
// role. A record that does not read stops it before anything is written: its rows
// cannot be rebuilt.
func (s *Store) Repair(ctx context.Context, now time.Time, by Actor) (res RepairResult, err error) {
	if err := by.may(domain.ActionRepair); err != nil {
		return res, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		res = RepairResult{}
		d := newDoctor(ctx, tx)
		if err := d.check(); err != nil {
			return err
		}
		res.Found = d.rep.Found()
		for _, records := range []string{"pool_entries", "orders", "refunds", "order_refunds", "vouchers"} {
			if d.notes[records] > 0 {
				first := ""
				for _, p := range d.rep.Problems {
					if strings.HasPrefix(p, records+": ") {
						first = p
						break
					}
				}
				return fmt.Errorf("repair: %d records of %s do not read, so their rows cannot be rebuilt; nothing was changed (%s)", d.notes[records], records, first)
			}
		}
		// The pending carrier events are records, not rebuilt: they are folded in first,
		// so that nothing is staged after a repair (index/staged is rebuilt as zero).
		if _, _, _, err := foldPending(tx, math.MaxInt, 0); err != nil {
			return err
		}
		// The orders' lists of their messages follow the outbox (records both).
		if err := d.rewriteTold(tx); err != nil {
			return err
		}
		// A parcel's latest event follows its events (records both); its row is filed below.
		if err := d.rewriteLatest(tx); err != nil {
			return err
		}
		// The last numbers first: the audit event takes the next one.
		meta := tx.Bucket(bMeta)
		for _, t := range d.seqTargets() {
			var n uint64
			if v := meta.Get(t.key); len(v) == 8 {
				n = binary.BigEndian.Uint64(v)
			}
			if n < t.max {
				if err := meta.Put(t.key, u64(t.max)); err != nil {
					return err
				}
				res.Moved = append(res.Moved, fmt.Sprintf("%s %d → %d", t.key, n, t.max))
			}
		}
		w := newWtx(tx, d.entries+d.orders)
		if err := d.rebuildRows(w); err != nil {
			return err
		}
		for _, name := range schema.derived() {
			res.Rebuilt = append(res.Rebuilt, string(name))
		}
		detail := map[string]string{"problems": strconv.Itoa(res.Found), "rebuilt": strings.Join(res.Rebuilt, " ")}
		if len(res.Moved) > 0 {
			detail["moved"] = strings.Join(res.Moved, "; ")
		}
		if err := w.audit(AuditEvent{At: now, Action: string(domain.ActionRepair), Detail: detail}, by); err != nil {
			return err
		}
		for _, name := range schema.derived() {
			if tx.Bucket(name) != nil {
				if err := tx.DeleteBucket(name); err != nil {
					return err
				}
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		// Written here, bucket after bucket on this goroutine, each in key order into its
		// empty bucket (packed full), and straight into the indexes: nothing is staged.
		names := make([]string, 0, len(w.pending))
		for name := range w.pending {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if err := writeSorted(tx.Bucket([]byte(name)), w.pending[name].merged(), fillOf([]byte(name)), false); err != nil {
				return err
			}
		}
		return w.flushCounts()
	})
	if err != nil {
		return RepairResult{}, err
	}
	s.publish(Change{Kind: "repair", N: res.Found})
	return res, nil
}

// rebuildRows files every record's rows and counts in w, as the write path does, and the
// hashed indexes' slots from the keys the check gathered (sorted by it).
func (d *doctor) rebuildRows(w *wtx) error {
	err := d.each(bPoolEntries, func(k, v []byte) error {
		e, err := decodeEntry(v)
		if err != nil {
			return err
		}
		pk := w.keep(poolKey(w.room(len(e.Channel)+1+len(e.TradeID)), e.Key))
		w.indexEntry(pk, w.keep(append(w.room(8), k...)), &e)
		countEntry(w, &e, 1)
		return nil
	})
	if err != nil {
		return err
	}
	err = d.each(bOrders, func(k, v []byte) error {
		o, err := d.loadOrderAt(k, v)
		if err != nil {
			return err
		}
		sk, sv := statusRow(&o)
		w.put(bOrdersByStatus, sk, sv)
		if n := o.Shipment.Number; n != "" {
			w.put(bOrdersByTrack, []byte(n), u64(o.No))
		}
		countOrder(w, &o, 1)
		if pk, pv, ph, ok, _ := parcelRow(&o, d.get); ok {
			w.fileRow(pk, pv, ph)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = d.each(bRefunds, func(_, v []byte) error {
		r, err := decodeRefundRequest(v)
		if err != nil {
			return err
		}
		rk, rv := refundRows(&r)
		w.put(bRefundsByState, rk, rv)
		countRefund(w, &r, 1)
		return nil
	})
	if err != nil {
		return err
	}
	err = d.each(bOrderRefunds, func(k, v []byte) error {
		r, err := decodeRefund(binary.BigEndian.Uint64(k), v)
		if err != nil {
			return err
		}
		w.add("refunded", r.Amount.Currency, r.Amount.Minor)
		return nil
	})
	if err != nil {
		return err
	}
	if err := d.rebuildOutbox(w); err != nil {
		return err
	}
	if err := d.rebuildVouchers(w); err != nil {
		return err
	}
	putSlots(w, bPool, d.poolWant)
	putSlots(w, bOrdersByRef, d.refWant)
	return nil
}

// putSlots files the items (sorted by slot) in hashed index bucket's slots, as a fold
// leaves them: no staged runs.
func putSlots(w *wtx, bucket []byte, items []hitem) {
	for i := 0; i < len(items); {
		slot := uint16(items[i].at >> 32)
		j := i
		for j < len(items) && uint16(items[j].at>>32) == slot {
			j++
		}
		val := w.room((j - i) * idItem)
		for _, it := range items[i:j] {
			val = binary.BigEndian.AppendUint32(val, uint32(it.at))
			val = binary.BigEndian.AppendUint64(val, it.val)
		}
		val = w.keep(val)
		w.put(bucket, w.keep(binary.BigEndian.AppendUint16(w.room(2), slot)), val)
		i = j
	}
}

// rewriteLatest writes the latest event of each parcel the check found wrong again: the
// latest of its order's events (none: the record forgets it; an operator's stop stays).
// It writes the records straight into tx (Repair's).
func (d *doctor) rewriteLatest(tx *bolt.Tx) error {
	parcels := tx.Bucket(bParcels)
	for no, latest := range d.latestFix {
		var p domain.ParcelState
		var pending []byte // none: the fold above filed them
		if v := parcels.Get(u64(no)); v != nil {
			var err error
			if p, pending, err = splitParcel(v); err != nil {
				return fmt.Errorf("repair: the parcel record of %s does not read: %w", domain.OrderNumber(no), err)
			}
		}
		p.Latest = latest
		if err := parcels.Put(u64(no), withPending(encodeParcel(&p), slices.Clone(pending))); err != nil {
			return err
		}
	}
	return nil
}
