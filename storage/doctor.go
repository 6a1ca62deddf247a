package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// The doctor checks every derived structure of the file against the records it is
// derived from, in one read transaction, and Repair rebuilds them all from the records
// in one write transaction (doctor_repair.go). The records are the pool entries, the
// sales orders, the refund requests, the refunds given on orders, the audit trail and
// the outbox; everything else is derived from them:
//
//   - the time-ordered indexes (pool_by_state, pool_by_channel, orders_by_status), read
//     merged with their staged rows (*.recent, where a staged row overrides the index's
//     row and an empty value deletes it), and the plain ones (orders_by_tracking,
//     refunds_by_state): doctor_index.go;
//   - the hashed key indexes (pool, orders_by_ref), their slots and staged runs:
//     doctor_hashed.go;
//   - the counters (counts), among them index/staged, the rows and run items staged;
//   - the tallies (parcel_days: parcels by phase, day and carrier): parcels_days.go;
//   - the last numbers handed out (seq/order, seq/audit, seq/entry, seq/outbox in meta).
//
// Each derived row must be exactly the row its record would write today: the same key
// bytes and the same value bytes, found through the write path's own functions
// (entryRowsOf, statusIndexKey, orderSearchText, refundStateKey, slotOf, countEntry ...).
//
// The records are read once, one at a time, and each record's rows are looked up as it
// is read; an index is walked row by row to name its other rows only when it has more
// rows than were found. What is kept for the whole check is 16 bytes a key of each
// hashed index (the keys it should hold, compared with its slots and runs: tens of MB at a
// million orders) and the counters, never a copy of the records.

// DoctorReport is what a check found and what it looked at.
type DoctorReport struct {
	// Problems are readable lines: the structure, the key, what is wrong. At most
	// maxProblems are listed; More counts those found beyond them.
	Problems []string `json:"problems"`
	More     int      `json:"more,omitempty"`
	// Checked lists each structure with the records, rows, items or names it checked.
	Checked []Checked `json:"checked"`
}

// Checked is one structure the doctor looked at.
type Checked struct {
	Name string `json:"name"`
	N    int    `json:"n"`
	What string `json:"what"` // "records", "rows", "items", "counters", "numbers"
}

// OK says whether nothing was found.
func (r DoctorReport) OK() bool { return len(r.Problems) == 0 && r.More == 0 }

// Found is the number of problems found.
func (r DoctorReport) Found() int { return len(r.Problems) + r.More }

// maxProblems bounds the problems listed: a file whose index is gone entirely would
// otherwise list a line per record. A variable for tests.
var maxProblems = 1000

// Doctor checks every derived structure against the records in one read transaction.
// ctx stops it (its error returned).
func (s *Store) Doctor(ctx context.Context) (rep DoctorReport, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		d := newDoctor(ctx, tx)
		if err := d.check(); err != nil {
			return err
		}
		rep = *d.rep
		return nil
	})
	return rep, err
}

// doctor is one check, on one transaction's goroutine.
type doctor struct {
	ctx  context.Context
	tx   *bolt.Tx
	rep  *DoctorReport
	get  func(bucket, key []byte) []byte
	w    *wtx // only its counters: the write path's counting functions fill them
	a    arena
	tick int

	// The keys each hashed index should hold (slot and hash bits, value), sorted once
	// the records are read.
	poolWant, refWant []hitem
	entries, orders   int
	refunds           int
	staged            int // staged index rows and run items found
	maxEntry          uint64
	maxOrder          uint64 // the highest order number named, by an order's key or a pool entry
	maxAudit          uint64
	maxOutbox         uint64
	maxRedemption     uint64
	notes             map[string]int // problems per structure (Repair refuses on broken records)
	// The messages the orders list (domain.SalesOrder.Told), until scanOutbox finds
	// them; then what each order's list should be, for Repair (toldFix).
	told    map[toldKey]uint64
	toldFix map[uint64]domain.ToldList
	// The parcels whose latest event is not the latest of their events, and what it
	// should be (zero: none), for Repair.
	latestFix map[uint64]domain.TrackingEvent
	ixs       [ixCount]*indexCheck
}

func newDoctor(ctx context.Context, tx *bolt.Tx) *doctor {
	return &doctor{ctx: ctx, tx: tx, rep: &DoctorReport{Problems: []string{}}, get: txGetter(tx),
		w: newWtx(tx, 0), notes: map[string]int{}, told: map[toldKey]uint64{}}
}

// problem records one problem with structure name.
func (d *doctor) problem(name string, format string, a ...any) {
	d.notes[name]++
	if len(d.rep.Problems) >= maxProblems {
		d.rep.More++
		return
	}
	d.rep.Problems = append(d.rep.Problems, name+": "+fmt.Sprintf(format, a...))
}

func (d *doctor) checked(name string, n int, what string) {
	d.rep.Checked = append(d.rep.Checked, Checked{Name: name, N: n, What: what})
}

// alive checks ctx every few thousand rows.
func (d *doctor) alive() error {
	if d.tick++; d.tick&4095 == 0 {
		return d.ctx.Err()
	}
	return nil
}

// bucket is the named bucket, or nil when the file lacks it (an older file read-only).
func (d *doctor) bucket(name []byte) *bolt.Bucket { return d.tx.Bucket(name) }

// each walks bucket name in key order (nothing when it is missing).
func (d *doctor) each(name []byte, fn func(k, v []byte) error) error {
	b := d.bucket(name)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := d.alive(); err != nil {
			return err
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

func (d *doctor) check() error {
	d.openIndexes()
	steps := []func() error{d.scanEntries, d.scanOrders, d.scanRefunds, d.scanOutbox, d.scanVouchers, d.scanSeqTargets,
		d.checkIndexes, d.checkHashedIndexes, d.checkEvents, d.checkCounters, d.checkTallies, d.checkSeqs}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// entryName names a pool entry for an operator: its arrival number and key.
func entryName(seq uint64, e *domain.PoolEntry) string {
	return fmt.Sprintf("pool entry #%d (%s)", seq, strconv.Quote(e.Key.String()))
}

// scanEntries reads every pool entry: its counters, the key the pool index should hold.
func (d *doctor) scanEntries() error {
	err := d.each(bPoolEntries, func(k, v []byte) error {
		if len(k) != 8 {
			d.problem("pool_entries", "key %x is not an arrival number", k)
			return nil
		}
		seq := binary.BigEndian.Uint64(k)
		d.maxEntry = max(d.maxEntry, seq)
		e, err := decodeEntry(v)
		if err != nil {
			d.problem("pool_entries", "#%d: the record does not read (%v); its rows cannot be checked", seq, err)
			return nil
		}
		d.entries++
		d.maxOrder = max(d.maxOrder, e.OrderNo)
		countEntry(d.w, &e, 1)
		r := d.entryRows(k, &e)
		what := func() string { return entryName(seq, &e) }
		d.expect(ixState, r.stateKey, r.stateVal, what)
		d.expect(ixChannel, r.chanKey, r.chanVal, what)
		d.poolWant = append(d.poolWant, hitemOf(poolKey(d.key(), e.Key), seq))
		return nil
	})
	d.checked("pool_entries", d.entries, "records")
	return err
}

// key is scratch room for a key built and dropped at once.
func (d *doctor) key() []byte { return d.a.room(64)[:0] }

// loadOrderAt reads the order under key k with its trade.
func (d *doctor) loadOrderAt(k, v []byte) (domain.SalesOrder, error) {
	o, err := loadOrder(v, d.get)
	if err == nil && (len(k) != 8 || binary.BigEndian.Uint64(k) != o.No) {
		err = fmt.Errorf("the record is of %s", domain.OrderNumber(o.No))
	}
	return o, err
}

// scanOrders reads every sales order: its counters, the reference the ref index should
// hold, whether it should have a tracking row.
func (d *doctor) scanOrders() error {
	err := d.each(bOrders, func(k, v []byte) error {
		if len(k) == 8 {
			d.maxOrder = max(d.maxOrder, binary.BigEndian.Uint64(k))
		}
		o, err := d.loadOrderAt(k, v)
		if err != nil {
			d.problem("orders", "%x: %v; its rows cannot be checked", k, err)
			return nil
		}
		d.orders++
		countOrder(d.w, &o, 1)
		what := func() string { return domain.OrderNumber(o.No) }
		sk, sv := statusRow(&o)
		d.expect(ixStatus, sk, sv, what)
		if n := o.Shipment.Number; n != "" {
			d.expect(ixTracking, []byte(n), u64(o.No), what)
		}
		if pk, pv, ph, ok, why := parcelRow(&o, d.get); ok {
			d.expect(ixPhase, pk, pv, what)
			d.w.add(phaseCounter[ph], "", 1)
			d.w.tally(bParcelDays, parcelDayKey(pk, pv), 1)
		} else if why != "" {
			d.problem("parcels", "%s: %s", domain.OrderNumber(o.No), why)
		}
		if err := o.Told.Walk(func(kind string, stage []byte, id uint64) {
			d.told[toldKeyOf(o.No, kind, stage)] = id
		}); err != nil {
			d.problem("outbox", "%s: %v", domain.OrderNumber(o.No), err)
			d.fixTold(o.No)
		}
		if r := o.PaymentRef; r != "" && r != o.TradeID { // as indexRefs files it
			d.refWant = append(d.refWant, hitemOf([]byte(r), o.No))
		}
		return nil
	})
	d.checked("orders", d.orders, "records")
	return err
}

// scanRefunds reads the refund requests and the refunds given, for their counters.
func (d *doctor) scanRefunds() error {
	err := d.each(bRefunds, func(k, v []byte) error {
		r, err := decodeRefundRequest(v)
		if err != nil {
			d.problem("refunds", "%q: the record does not read (%v); its rows cannot be checked", k, err)
			return nil
		}
		d.refunds++
		countRefund(d.w, &r, 1)
		rk, rv := refundRows(&r)
		d.expect(ixRefunds, rk, rv, func() string { return "refund request " + strconv.Quote(r.RefundKey.String()) })
		return nil
	})
	if err != nil {
		return err
	}
	d.checked("refunds", d.refunds, "records")
	given := 0
	err = d.each(bOrderRefunds, func(k, v []byte) error {
		if len(k) != 12 {
			d.problem("order_refunds", "key %x is not an order number and a sequence", k)
			return nil
		}
		r, err := decodeRefund(binary.BigEndian.Uint64(k), v)
		if err != nil {
			d.problem("order_refunds", "%s/%d: the record does not read (%v)", domain.OrderNumber(r.OrderNo), binary.BigEndian.Uint32(k[8:]), err)
			return nil
		}
		given++
		d.w.add("refunded", r.Amount.Currency, r.Amount.Minor) // as addRefund counts it
		return nil
	})
	d.checked("order_refunds", given, "records")
	return err
}

// scanSeqTargets finds the last keys of the audit trail and the outbox.
func (d *doctor) scanSeqTargets() error {
	for _, t := range []struct {
		name []byte
		max  *uint64
	}{{bAudit, &d.maxAudit}, {bOutbox, &d.maxOutbox}} {
		if b := d.bucket(t.name); b != nil {
			if k, v := b.Cursor().Last(); len(k) == 8 {
				*t.max = binary.BigEndian.Uint64(k)
				if n := batchCount(v); bytes.Equal(t.name, bOutbox) && n > 0 && n <= batchMax {
					*t.max += n - 1 // a batch's last member
				}
			}
		}
	}
	return nil
}

// seqTargets are the last numbers in meta and the highest key each must be ahead of.
func (d *doctor) seqTargets() []seqTarget {
	return []seqTarget{
		{kEntrySeq, d.maxEntry, "pool entry #%d"},
		{kOrderSeq, d.maxOrder, "order number %d"},
		{kAuditSeq, d.maxAudit, "audit event %d"},
		{kOutboxSeq, d.maxOutbox, "outbox message %d"},
		{kRedemptionSeq, d.maxRedemption, "redemption %d"},
	}
}

type seqTarget struct {
	key  []byte
	max  uint64
	what string
}

// checkSeqs checks that every last number handed out is at least the highest key.
func (d *doctor) checkSeqs() error {
	m := d.bucket(bMeta)
	for _, t := range d.seqTargets() {
		var n uint64
		if m != nil {
			if v := m.Get(t.key); len(v) == 8 {
				n = binary.BigEndian.Uint64(v)
			} else if v != nil {
				d.problem("meta", "%s is %d bytes, not a number", t.key, len(v))
				continue
			}
		}
		if n < t.max {
			d.problem("meta", "%s is %d, behind "+t.what+": the next one would reuse a number", t.key, n, t.max)
		}
	}
	d.checked("meta", len(d.seqTargets()), "numbers")
	return nil
}

// checkCounters compares every counter with the count the records make, and index/staged
// with the rows and run items staged.
func (d *doctor) checkCounters() error {
	want := make(map[string]int64, len(d.w.counts))
	for ck, n := range d.w.counts {
		if n != 0 {
			want[ck.String()] = n
		}
	}
	n := 0
	err := d.each(bCounts, func(k, v []byte) error {
		n++
		name := string(k)
		if len(v) != 8 {
			d.problem("counts", "%s is %d bytes, not a number", strconv.Quote(name), len(v))
			delete(want, name)
			return nil
		}
		got := int64(binary.BigEndian.Uint64(v))
		if name == kStaged {
			// Every row or run item written to a staging bucket adds one and a fold takes
			// off what it moves, so the counter is never below what is staged (a staged row
			// written twice, or dropped by a later direct write, is counted still).
			if got < int64(d.staged) {
				d.problem("counts", "%s is %d, but %d index rows and run items are staged", kStaged, got, d.staged)
			}
			return nil
		}
		if w := want[name]; got != w {
			d.problem("counts", "%s is %d, the records make it %d", strconv.Quote(name), got, w)
		}
		delete(want, name)
		return nil
	})
	if err != nil {
		return err
	}
	if d.staged > 0 && (d.bucket(bCounts) == nil || counter(d.tx, kStaged) == 0) {
		d.problem("counts", "%s is missing, but %d index rows and run items are staged", kStaged, d.staged)
	}
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		d.problem("counts", "%s is missing, the records make it %d", strconv.Quote(name), want[name])
	}
	d.checked("counts", n, "counters")
	return nil
}

// checkEvents reads every carrier event as readers see them, stored and pending in the
// parcel records (PA4): each must read and name an order that is there. The pending rows
// count as staged, and must read, in key order. Events are records: nothing is rebuilt
// from them, and Repair leaves a bad one where it is.
//
// The parcel records are read in step (both are by order number): each one's latest event
// must be the latest of its order's events, as ApplyEvents keeps it — it reads the stored
// events only for an event no later than that one.
func (d *doctor) checkEvents() error {
	if d.bucket(bParcelEvents) == nil || d.bucket(bParcels) == nil {
		return nil
	}
	parcels := d.latestInStep()
	n, staged := 0, 0
	var no uint64
	var latest domain.TrackingEvent
	there := false
	err := eachEvent(d.tx, func(k, v []byte, pending bool) error {
		if err := d.alive(); err != nil {
			return err
		}
		n++
		where := ""
		if pending {
			where = " (pending in its parcel record)"
			staged++
		}
		evNo, ev, _, err := decodeEvent(k, v)
		if err != nil {
			d.problem("parcel_events", "row %x%s does not read: %v", k, where, err)
			return nil
		}
		if n == 1 || evNo != no {
			if n > 1 {
				parcels(no, latestOf(there, latest))
			}
			no, there, latest = evNo, d.get(bOrders, u64(evNo)) != nil, domain.TrackingEvent{}
		}
		if !there {
			d.problem("parcel_events", "row %x%s is an event of %s, which is not there", k, where, domain.OrderNumber(no))
		}
		if domain.Later(ev, latest) {
			latest = ev
		}
		return nil
	}, func(no uint64, err error) {
		d.problem("parcels", "%s: %v", domain.OrderNumber(no), err)
	})
	if err != nil {
		return err
	}
	if n > 0 {
		parcels(no, latestOf(there, latest))
	}
	parcels(math.MaxUint64, domain.TrackingEvent{})
	d.staged += staged
	d.checked("parcel_events", n-staged, "events")
	d.checked("parcels", staged, "pending events")
	return nil
}

// latestInStep returns what checks the parcel records against their orders' events, in
// order-number order: called with each order that has events and the latest of them, and
// last with math.MaxUint64, it checks every parcel record up to that order. A record's
// latest event must be that latest (none for an order without events). What is wrong is
// kept in latestFix for Repair.
func (d *doctor) latestInStep() func(no uint64, latest domain.TrackingEvent) {
	var c *bolt.Cursor
	if b := d.bucket(bParcels); b != nil {
		c = b.Cursor()
	}
	var k, v []byte
	if c != nil {
		k, v = c.First()
	}
	wrong := func(no uint64, has, want domain.TrackingEvent) {
		d.problem("parcels", "%s: its latest event is %s, the latest of its events is %s", domain.OrderNumber(no), eventName(has), eventName(want))
		if d.latestFix == nil {
			d.latestFix = map[uint64]domain.TrackingEvent{}
		}
		d.latestFix[no] = want
	}
	return func(no uint64, latest domain.TrackingEvent) {
		found := false
		for ; k != nil && binary.BigEndian.Uint64(k) <= no; k, v = c.Next() {
			at := binary.BigEndian.Uint64(k)
			want := domain.TrackingEvent{}
			if at == no {
				want, found = latest, true
			}
			p, pending, err := splitParcel(v)
			if err != nil {
				d.problem("parcels", "%s: its parcel record does not read: %v", domain.OrderNumber(at), err)
				continue
			}
			if _, sorted, _, err := checkPending(pending); err == nil && !sorted {
				d.problem("parcels", "%s: its pending events are not in key order", domain.OrderNumber(at))
			}
			if !p.Latest.At.Equal(want.At) || p.Latest.Status != want.Status {
				wrong(at, p.Latest, want)
			}
		}
		if latest.Status != 0 && !found {
			wrong(no, domain.TrackingEvent{}, latest)
		}
	}
}

// latestOf is the latest event a parcel record should hold: none for an order that is
// not there (its events are named as such).
func latestOf(there bool, latest domain.TrackingEvent) domain.TrackingEvent {
	if !there {
		return domain.TrackingEvent{}
	}
	return latest
}

// eventName names an event for the doctor: its status and time, or "none".
func eventName(ev domain.TrackingEvent) string {
	if ev.Status == 0 {
		return "none"
	}
	return fmt.Sprintf("%s at %s", ev.Status, domain.ISOTime(ev.At))
}
