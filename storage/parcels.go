package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// Parcels (rules 14–15). Per shipped order, by its number:
//
//	parcels           no(8) → parcel record: the latest event (rule 14's precedence) and
//	                    the operator's stop; after a feed, its new events until a fold
//	                    files them (pending rows: parcels_pending.go)
//	parcel_events     no(8) | at(8) | status(1) → event record (location, text, carrier,
//	                    received): the same number, time and status is one key, so a
//	                    duplicate is stored once, and the latest is found whatever order
//	                    the events came in. Readers merge it with the pending rows
//	parcels_by_phase  index (derived): phase(1) | since(8) | no(8) → carrier code: every
//	                    shipped order once, by the event-driven part of its delivery
//	                    status and the time that part began; the clock's part (stuck, the
//	                    pickup ages, no_info) is counted over ranges of since when asked
//	hook_events       webhook or feed event id → received(8): each applied once
//
// Counters parcel/<phase> count the rows of parcels_by_phase per phase, and parcel_days
// counts them per phase, day and carrier (parcels_days.go).

const parcelRecordVersion = 1

func encodeParcel(p *domain.ParcelState) []byte {
	return appendParcel(make([]byte, 0, parcelSize(p)), p)
}

// parcelSize is about the size of p's record.
func parcelSize(p *domain.ParcelState) int {
	return 48 + len(p.Latest.Location) + len(p.Latest.Text) + len(p.StopReason)
}

// appendParcel appends p's record to dst.
func appendParcel(dst []byte, p *domain.ParcelState) []byte {
	w := enc{b: dst}
	w.byte(parcelRecordVersion)
	w.t(p.Latest.At)
	w.byte(uint8(p.Latest.Status))
	w.s(p.Latest.Location)
	w.s(p.Latest.Text)
	w.s(p.Latest.Carrier)
	w.bool(p.Stopped)
	w.s(p.StopReason)
	w.t(p.StoppedAt)
	w.s(p.StoppedBy)
	return w.b
}

func decodeParcel(b []byte) (domain.ParcelState, error) {
	p, _, err := decodeParcelRest(b)
	return p, err
}

// decodeParcelRest reads a parcel record's fields and returns what follows them (a
// record's pending rows: parcels_pending.go).
func decodeParcelRest(b []byte) (domain.ParcelState, []byte, error) {
	var p domain.ParcelState
	d := dec{b: b}
	if v := d.byte(); v != parcelRecordVersion && v != parcelRecordPending {
		return p, nil, errCorrupt
	}
	p.Latest.At = d.t()
	p.Latest.Status = domain.EventStatus(d.byte())
	p.Latest.Location = d.s()
	p.Latest.Text = d.s()
	p.Latest.Carrier = d.s()
	p.Stopped = d.bool()
	p.StopReason = d.s()
	p.StoppedAt = d.t()
	p.StoppedBy = d.s()
	return p, d.b, d.err
}

func eventKey(no uint64, at time.Time, st domain.EventStatus) []byte {
	return appendEventKey(make([]byte, 0, 17), no, at, st)
}

func appendEventKey(dst []byte, no uint64, at time.Time, st domain.EventStatus) []byte {
	k := binary.BigEndian.AppendUint64(dst, no)
	k = timeKey(k, at)
	return append(k, byte(st))
}

func encodeEvent(ev *domain.TrackingEvent, received time.Time) []byte {
	return appendEvent(make([]byte, 0, eventSize(ev)), ev, received)
}

// eventSize is about the size of an event record (enough for short strings' lengths).
func eventSize(ev *domain.TrackingEvent) int {
	return 24 + len(ev.Location) + len(ev.Text) + len(ev.Carrier)
}

// appendEvent appends the event record to dst.
func appendEvent(dst []byte, ev *domain.TrackingEvent, received time.Time) []byte {
	w := enc{b: dst}
	w.byte(parcelRecordVersion)
	w.s(ev.Location)
	w.s(ev.Text)
	w.s(ev.Carrier)
	w.t(received)
	w.t(ev.At) // the key holds seconds; the record keeps the instant
	return w.b
}

// decodeEvent reads an event from its key and record.
func decodeEvent(k, v []byte) (no uint64, ev domain.TrackingEvent, received time.Time, err error) {
	if len(k) != 17 {
		return 0, ev, received, errCorrupt
	}
	no = binary.BigEndian.Uint64(k)
	ev.Status = domain.EventStatus(k[16])
	d := dec{b: v}
	if d.byte() != parcelRecordVersion {
		return 0, ev, received, errCorrupt
	}
	ev.Location, ev.Text, ev.Carrier = d.s(), d.s(), d.s()
	received = d.t()
	ev.At = d.t()
	return no, ev, received, d.err
}

func timeOfKey(b []byte) time.Time {
	v := binary.BigEndian.Uint64(b)
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(int64(v^(1<<63)), 0).UTC()
}

func phaseKey(ph domain.Phase, since time.Time, no uint64) []byte {
	k := timeKey([]byte{byte(ph)}, since)
	return binary.BigEndian.AppendUint64(k, no)
}

var phaseCounter = map[domain.Phase]string{}

func init() {
	for _, ph := range domain.Phases {
		phaseCounter[ph] = "parcel/" + ph.String()
	}
}

// parcelState reads the parcel record of order no through the transaction's writes.
func (w *wtx) parcelState(no uint64) (domain.ParcelState, error) {
	p, _, err := w.parcelRecord(no)
	return p, err
}

// parcelRecord reads the parcel record of order no through the transaction's writes, with
// its pending rows (aliasing the record).
func (w *wtx) parcelRecord(no uint64) (domain.ParcelState, []byte, error) {
	v := w.get(bParcels, u64(no))
	if v == nil {
		return domain.ParcelState{}, nil, nil
	}
	return splitParcel(v)
}

// putParcel writes the parcel record of order no as p, keeping its pending rows: those
// ApplyEvents is settling for it, else those it has.
func (w *wtx) putParcel(no uint64, p *domain.ParcelState) error {
	pending := w.rows.pending
	if w.rows.no != no {
		var err error
		if _, pending, err = w.parcelRecord(no); err != nil {
			return fmt.Errorf("the parcel record of %s does not read: %w", domain.OrderNumber(no), err)
		}
	}
	rec := appendParcel(w.room(parcelSize(p)+len(pending)), p)
	w.put(bParcels, u64(no), w.keep(withPending(rec, pending)))
	return nil
}

// fileParcel moves a shipment's row in parcels_by_phase (and its phase counter and its
// day in parcel_days) from what (oldSh, oldP) gave to what (nextSh, nextP) gives; a
// shipment not shipped has no row.
func (w *wtx) fileParcel(no uint64, oldSh *domain.Shipment, oldP *domain.ParcelState, nextSh *domain.Shipment, nextP *domain.ParcelState) {
	var oldKey, newKey []byte
	var oldPh, newPh domain.Phase
	if oldSh != nil && oldSh.Shipped() {
		var t time.Time
		oldPh, t = domain.PhaseOf(*oldSh, *oldP)
		oldKey = phaseKey(oldPh, t, no)
	}
	if nextSh != nil && nextSh.Shipped() {
		var t time.Time
		newPh, t = domain.PhaseOf(*nextSh, *nextP)
		newKey = phaseKey(newPh, t, no)
	}
	sameCarrier := oldSh != nil && nextSh != nil && oldSh.Carrier == nextSh.Carrier
	if bytes.Equal(oldKey, newKey) && sameCarrier {
		return
	}
	if oldKey != nil {
		w.del(bParcelsByPhase, oldKey)
		w.add(phaseCounter[oldPh], "", -1)
		w.tally(bParcelDays, parcelDayKey(oldKey, []byte(oldSh.Carrier)), -1)
	}
	if newKey != nil {
		w.fileRow(newKey, []byte(nextSh.Carrier), newPh)
	}
}

// refileShipment keeps parcels_by_phase in step when putOrder changes a shipment. A
// tracking number changed to another drops the old number's events (forgetEvents).
func (w *wtx) refileShipment(old, next *domain.SalesOrder) error {
	if old == nil && !next.Shipment.Shipped() {
		return nil
	}
	if old != nil && old.Shipment.Number != "" && old.Shipment.Number != next.Shipment.Number {
		return w.forgetEvents(old, next)
	}
	if old != nil && parcelSame(&old.Shipment, &next.Shipment) {
		return nil
	}
	p, err := w.parcelState(next.No)
	if err != nil {
		return err
	}
	var oldSh *domain.Shipment
	if old != nil {
		oldSh = &old.Shipment
	}
	w.fileParcel(next.No, oldSh, &p, &next.Shipment, &p)
	return nil
}

// forgetEvents is a corrected tracking number: the events stored for the order came for
// the old number, which is another parcel. They are set aside in parcel_events_kept
// under the old number (nothing a carrier said is lost), and the events kept under the
// new number — a number corrected back, an undone upload — come back. The parcel
// record's latest event is the latest of those that came back (none: it forgets it, and
// the delivery status starts at registered; an operator's stop stays), and the row is
// filed anew. The count set aside is kept in w.dropped for the caller's audit event, and
// the trail names what went and what came back.
func (w *wtx) forgetEvents(old, next *domain.SalesOrder) error {
	var p domain.ParcelState
	var pending []byte
	rec := w.get(bParcels, u64(next.No))
	if rec != nil {
		var err error
		if p, pending, err = splitParcel(rec); err != nil {
			return fmt.Errorf("the parcel record of %s does not read: %w", domain.OrderNumber(next.No), err)
		}
	}
	prefix := u64(next.No)
	n := 0
	// The stored rows and the pending ones; the record is written without the latter.
	err := eachOrderEvent(w.tx.Bucket(bParcelEvents), next.No, rec, func(k, v []byte) error {
		w.del(bParcelEvents, w.keep(append(w.room(len(k)), k...))) // a pending row's: nothing to delete

		if old.Shipment.Number != "" {
			w.put(bParcelEventsKept, w.keep(keptEventKey(w.room(len(k)+len(old.Shipment.Number)+1), k, old.Shipment.Number)), w.keep(append(w.room(len(v)), v...)))
		}
		n++
		return nil
	})
	if err != nil {
		return err
	}
	reset := p
	reset.Latest = domain.TrackingEvent{}
	back := 0
	if next.Shipment.Number != "" {
		kp := keptEventKey(nil, prefix, next.Shipment.Number)
		kc := w.tx.Bucket(bParcelEventsKept).Cursor()
		for k, v := kc.Seek(kp); k != nil && bytes.HasPrefix(k, kp); k, v = kc.Next() {
			ek := w.keep(append(append(w.room(17), prefix...), k[len(kp):]...))
			_, ev, _, err := decodeEvent(ek, v)
			if err != nil {
				return fmt.Errorf("%s: an event kept under %s does not read: %w", domain.OrderNumber(next.No), next.Shipment.Number, err)
			}
			w.del(bParcelEventsKept, k)
			w.put(bParcelEvents, ek, w.keep(append(w.room(len(v)), v...)))
			if domain.Later(ev, reset.Latest) {
				reset.Latest = ev
			}
			back++
		}
	}
	if p.HasEvent() || back > 0 || len(pending) > 0 {
		w.put(bParcels, u64(next.No), encodeParcel(&reset))
	}
	w.fileParcel(next.No, &old.Shipment, &p, &next.Shipment, &reset)
	if w.dropped == nil {
		w.dropped = map[uint64]int{}
	}
	w.dropped[next.No] += n
	so := domain.OrderNumber(next.No)
	if n > 0 {
		w.changed(so, domain.FieldChange{Key: so, Field: "parcel_events", Before: eventCount(n) + " of " + old.Shipment.Number, After: "set aside"})
	}
	if back > 0 {
		w.changed(so, domain.FieldChange{Key: so, Field: "parcel_events", Before: "set aside", After: eventCount(back) + " of " + next.Shipment.Number + " back"})
	}
	return nil
}

// keptEventKey appends to dst the parcel_events_kept key of an event row k (order(8) |
// at(8) | status(1), or just the order for a prefix) filed under number: order | number
// 0x00 | at | status.
func keptEventKey(dst, k []byte, number string) []byte {
	dst = append(append(append(dst, k[:8]...), number...), 0)
	return append(dst, k[8:]...)
}

func eventCount(n int) string {
	if n == 1 {
		return "1 event"
	}
	return strconv.Itoa(n) + " events"
}

// parcelSame reports whether two shipments file the same parcel row.
func parcelSame(a, b *domain.Shipment) bool {
	return a.Shipped() == b.Shipped() && (a.Number == "") == (b.Number == "") && a.Carrier == b.Carrier && a.ShippedAt.Equal(b.ShippedAt)
}

// ParcelChange is what one parcel's new state did: its delivery status before and after
// (by the clock of the change), and the order's status when it moved.
type ParcelChange struct {
	OrderNo            uint64
	Tracking, Carrier  string
	From, To           domain.DeliveryStatus
	OrderFrom, OrderTo domain.OrderStatus // equal when the order did not move
	Completed          bool               // the order went on to completed at once (delivered long ago)
	GoodsBack          []domain.RefundKey // return_goods refunds marked as having the goods back
	Cause              domain.TrackingEvent
}

// Moved reports whether the delivery status changed.
func (c ParcelChange) Moved() bool { return c.From != c.To }

// settleParcel is the one place where a shipment's delivery change is decided inside the
// write transaction: given the order and its parcel before (old) and after (next) — new
// events, or a stop or resume — it writes the parcel record and its phase row, asks the
// domain what the change does to the order (rule 15: delivered, returned, completed, the
// returned-goods mark on return_goods refunds) and writes that too. It returns the change
// for the caller's audit event and for anything else that must follow a parcel reaching
// a status in the same transaction.
func (w *wtx) settleParcel(o *domain.SalesOrder, old, next domain.ParcelState, set domain.DeliverySettings, now time.Time) (ParcelChange, error) {
	ch := ParcelChange{OrderNo: o.No, Tracking: o.Shipment.Number, Carrier: o.Shipment.Carrier, OrderFrom: o.Status, OrderTo: o.Status, Cause: next.Latest}
	ch.From = domain.DeliveryOf(o.Shipment, old, set, now)
	ch.To = domain.DeliveryOf(o.Shipment, next, set, now)
	if err := w.putParcel(o.No, &next); err != nil {
		return ch, err
	}
	w.fileParcel(o.No, &o.Shipment, &old, &o.Shipment, &next)
	oldPh, _ := domain.PhaseOf(o.Shipment, old)
	newPh, since := domain.PhaseOf(o.Shipment, next)
	if oldPh == newPh {
		return ch, nil
	}
	if err := w.queueDelivery(o, newPh, next.Latest, now); err != nil {
		return ch, err
	}
	if _, ok := domain.FollowDelivery(*o, newPh, set); !ok {
		return ch, nil
	}
	// The order moves: read it whole (o may hold only the order's own fields).
	full, err := w.getOrder(o.No)
	if err != nil || full == nil {
		return ch, fmt.Errorf("%s: %v", domain.OrderNumber(o.No), err)
	}
	o = full
	moved, ok := domain.FollowDelivery(*o, newPh, set)
	if !ok {
		return ch, nil
	}
	if moved.Status == domain.OrderDelivered {
		pending, err := w.refundPending(o.Key)
		if err != nil {
			return ch, err
		}
		if done, ok := domain.CompleteDelivered(moved, since, pending, set, now); ok {
			moved, ch.Completed = done, true
		}
	}
	if moved.Status == domain.OrderReturned && o.AwaitingReturn {
		keys, err := w.markGoodsBack(o.No, now)
		if err != nil {
			return ch, err
		}
		ch.GoodsBack = keys
	}
	if err := w.putOrder(o, &moved); err != nil {
		return ch, err
	}
	w.changed(domain.OrderNumber(o.No), domain.DiffOrder(o, &moved)...)
	ch.OrderTo = moved.Status
	return ch, nil
}

// markGoodsBack marks every converted return_goods refund of order no that waits for the
// goods as having them back.
func (w *wtx) markGoodsBack(no uint64, now time.Time) ([]domain.RefundKey, error) {
	given, err := orderRefunds(w.tx, no)
	if err != nil {
		return nil, err
	}
	var keys []domain.RefundKey
	for _, r := range given {
		if r.Kind != domain.RefundReturnGoods || r.Partial() {
			continue
		}
		req, err := w.getRefund(r.Request)
		if err != nil || req == nil || !req.GoodsBack.IsZero() {
			if err != nil {
				return nil, err
			}
			continue
		}
		next := *req
		next.GoodsBack = now
		if err := w.putRefund(req, &next); err != nil {
			return nil, err
		}
		w.changed(r.Request.String(), domain.FieldChange{Key: r.Request.String(), Field: "goods_back", After: domain.ISOTime(now)})
		keys = append(keys, r.Request)
	}
	return keys, nil
}

// refundPending reports whether a refund request on the order of key k waits for an
// answer. The pending part of the queue is read once per transaction into a set of the
// orders it names (it is short: answered within days; a batch of events asks for every
// parcel delivered); putRefund drops the set, so it is read again after any refund moves.
func (w *wtx) refundPending(k domain.Key) (bool, error) {
	if w.pendingRefunds == nil {
		set := map[domain.Key]bool{}
		c := w.tx.Bucket(bRefundsByState).Cursor()
		prefix := []byte{byte(domain.RefundPending)}
		for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
			v := w.tx.Bucket(bRefunds).Get(key[9:])
			if v == nil {
				continue
			}
			r, err := decodeRefundRequest(v)
			if err != nil {
				return false, err
			}
			set[r.OrderKey()] = true
		}
		w.pendingRefunds = set
	}
	return w.pendingRefunds[k], nil
}

// parcelRow is the parcels_by_phase row and phase of a shipped order, as the write path
// files it; ok is false for an order that has not shipped (or whose parcel record does
// not read: why says so).
func parcelRow(o *domain.SalesOrder, get func(bucket, key []byte) []byte) (k, v []byte, ph domain.Phase, ok bool, why string) {
	if !o.Shipment.Shipped() {
		return nil, nil, 0, false, ""
	}
	var p domain.ParcelState
	if pv := get(bParcels, u64(o.No)); pv != nil {
		var err error
		if p, err = decodeParcel(pv); err != nil {
			return nil, nil, 0, false, "its parcel record does not read"
		}
	}
	ph, since := domain.PhaseOf(o.Shipment, p)
	return phaseKey(ph, since, o.No), []byte(o.Shipment.Carrier), ph, true, ""
}

// fmtPhaseKey prints a parcels_by_phase key for the doctor: [phase time order].
func fmtPhaseKey(k []byte) string {
	if len(k) != 17 {
		return fmt.Sprintf("%x", k)
	}
	return fmt.Sprintf("[%s %s %s]", domain.Phase(k[0]), domain.ISOTime(timeOfKey(k[1:9])), domain.OrderNumber(binary.BigEndian.Uint64(k[9:])))
}

// orderFields reads order no's own fields (status, shipment, flags) through the
// transaction's writes, without its trade; nil when there is no such order. The order is
// the transaction's scratch (a feed reads a million, one after another): valid until the
// next call, and not to be kept.
func (w *wtx) orderFields(no uint64) (*domain.SalesOrder, error) {
	v := w.get(bOrders, u64(no))
	if v == nil {
		return nil, nil
	}
	o, err := decodeOrder(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", domain.OrderNumber(no), err)
	}
	w.fields = o
	return &w.fields, nil
}

// fileShippedParcels files the parcels of a file whose orders shipped before parcels were
// followed (schema 5 files written by earlier builds): when parcels_by_phase is empty but
// orders have shipped, every shipped order gets its row and its phase counted, once, at
// the first writable open.
func fileShippedParcels(tx *bolt.Tx) error {
	if k, _ := tx.Bucket(bParcelsByPhase).Cursor().First(); k != nil {
		return nil
	}
	shipped := int64(0)
	for _, st := range domain.ShippedStatuses {
		shipped += counter(tx, orderCounter[st])
	}
	if shipped == 0 {
		return nil
	}
	// The day histogram follows the rows: what it held counted none of them.
	if err := fillParcelDays(tx); err != nil {
		return err
	}
	w := newWtx(tx, int(shipped))
	err := tx.Bucket(bOrders).ForEach(func(_, v []byte) error {
		if !orderMayBeShipped(v) {
			return nil
		}
		o, err := decodeOrder(v)
		if err != nil || !o.Shipment.Shipped() {
			return nil // doctor names one that does not read
		}
		if k, val, ph, ok, _ := parcelRow(&o, w.get); ok {
			w.fileRow(k, val, ph)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.commit()
}
