package storage

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// EventBatch is carrier events to apply in one transaction: from files, or one webhook.
type EventBatch struct {
	Events []domain.TrackingEvent
	IDs    []string // per event, "" when it has none; an event id is applied once
	HookID string   // the webhook's own event id: a replay of it applies nothing
	Source string   // for the audit event: "import", "webhook aftership" …
}

// EventResult says what a batch did. A feed moves hundreds of thousands of parcels: the
// result counts them (the audit event names each order moved).
type EventResult struct {
	New, Duplicates, Unknown, Replayed int
	UnknownNumbers                     []string // the first MaxUnknownListed, in order of arrival
	// Moved is how many parcels changed delivery status; OrdersTo counts the orders that
	// changed status, by the status they went to (completed at once counts as completed).
	Moved    int
	OrdersTo map[domain.OrderStatus]int
}

// Changed is how many parcels changed delivery status.
func (r EventResult) Changed() int { return r.Moved }

// count adds one parcel's change to the result.
func (r *EventResult) count(ch ParcelChange) {
	if ch.Moved() {
		r.Moved++
	}
	if ch.OrderTo != ch.OrderFrom {
		if r.OrdersTo == nil {
			r.OrdersTo = map[domain.OrderStatus]int{}
		}
		r.OrdersTo[ch.OrderTo]++
	}
}

// MaxUnknownListed caps the unknown numbers a result lists.
const MaxUnknownListed = 100

// EventRefusal is an event that cannot be applied (its carrier disagrees with the
// shipment's): Index is its place in the batch.
type EventRefusal struct {
	Index  int
	Reason string
}

// EventRefusedError is a batch refused for its bad events: nothing was written.
type EventRefusedError []EventRefusal

func (e EventRefusedError) Error() string {
	var parts []string
	for _, r := range e {
		parts = append(parts, fmt.Sprintf("event %d: %s", r.Index+1, r.Reason))
	}
	return strings.Join(parts, "\n")
}

// ApplyEvents applies carrier events in one transaction (rules 14–15): each new event is
// stored once per (number, time, status), events for numbers shipdesk does not know are
// counted and skipped, each parcel's latest event is the one of the latest time whatever
// the order of arrival, and a parcel whose phase changed moves its order as rule 15
// says. One audit event by the system names the batch and every order moved.
//
// The events are taken in order-number order, not file order: a feed of a million events
// touches most of the file, and reading each order's records, events and parcel one
// after another reads the pages in the order they lie (the result is the same: an
// order's events are settled together and no order's settling reads another's parcel).
func (s *Store) ApplyEvents(b EventBatch, now time.Time, by Actor) (EventResult, error) {
	npol := s.notifyPolicy()
	var res EventResult
	if err := by.may(domain.ActionEvents); err != nil {
		return res, err
	}
	set := s.delivery
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = EventResult{}
		// Sized once the batch's orders are known: most overlays get a row per order.
		w := newWtx(tx, 16)
		w.notify = &npol
		if b.HookID != "" {
			if tx.Bucket(bHookEvents).Get([]byte(b.HookID)) != nil {
				res.Replayed = 1
				return nil
			}
			w.put(bHookEvents, []byte(b.HookID), timeKey(nil, now))
		}
		known, orders := w.eventOwners(b, now, &res)
		w.hint = orders + 4
		// Many events wait in their parcel records for the fold (parcels_pending.go), as
		// many index rows wait in the staging buckets, and within the same bound.
		w.inline = len(known) >= stageFrom && counter(tx, kStaged)+int64(len(known)) <= stageCap
		// Each order's record, parcel and events are read in order-number order.
		w.readAhead(bOrders, bParcels, bParcelEvents)
		detail := map[string]string{}
		var refused EventRefusedError
		for len(known) > 0 {
			n := 1
			for n < len(known) && known[n].no == known[0].no {
				n++
			}
			ch, settled, err := w.applyParcelEvents(b.Events, known[:n], set, now, &res, &refused)
			if err != nil {
				return err
			}
			if settled && len(refused) == 0 && (ch.Moved() || ch.OrderTo != ch.OrderFrom) {
				res.count(ch)
				if ch.OrderTo != ch.OrderFrom {
					detail[domain.OrderNumber(ch.OrderNo)] = orderMoveText(ch)
				}
			}
			known = known[n:]
		}
		if len(refused) > 0 {
			slices.SortFunc(refused, func(a, b EventRefusal) int { return a.Index - b.Index })
			return refused
		}
		// The events are written into the transaction's own memory: a feed's million are
		// let go before the commit, which can reuse them (the caller keeps no reference).
		known, b.Events, b.IDs = nil, nil, nil
		if res.New == 0 && b.HookID == "" && res.Replayed == 0 {
			return nil // nothing new: no write, no audit event
		}
		detail["source"] = b.Source
		detail["new"] = strconv.Itoa(res.New)
		detail["duplicates"] = strconv.Itoa(res.Duplicates)
		detail["unknown"] = strconv.Itoa(res.Unknown)
		detail["changed"] = strconv.Itoa(res.Changed())
		if b.HookID != "" {
			detail["event_id"] = b.HookID
		}
		if err := w.audit(AuditEvent{At: now, Action: "parcel.events", Detail: detail}, systemActor(by)); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return EventResult{}, err
	}
	if res.New > 0 {
		s.publish(Change{Kind: "parcel", N: res.New})
	}
	return res, nil
}

// ownedEvent is an event of the batch (its index) whose number an order (no) owns.
type ownedEvent struct {
	no uint64
	i  int
}

// eventOwners takes the batch in file order: an event whose id was applied before is
// replayed, one for a number nobody owns is counted unknown (the first few listed). It
// returns the rest by order number, each order's in file order.
func (w *wtx) eventOwners(b EventBatch, now time.Time, res *EventResult) (known []ownedEvent, orders int) {
	known = make([]ownedEvent, 0, len(b.Events))
	var listed map[string]bool
	for i := range b.Events {
		ev := &b.Events[i]
		if i < len(b.IDs) && b.IDs[i] != "" {
			id := []byte(b.IDs[i])
			if w.get(bHookEvents, id) != nil {
				res.Replayed++
				continue
			}
			w.put(bHookEvents, id, timeKey(nil, now))
		}
		v := w.stored(bOrdersByTrack, []byte(ev.Tracking))
		if len(v) != 8 {
			res.Unknown++
			if listed == nil {
				listed = map[string]bool{}
			}
			if !listed[ev.Tracking] && len(res.UnknownNumbers) < MaxUnknownListed {
				listed[ev.Tracking] = true
				res.UnknownNumbers = append(res.UnknownNumbers, ev.Tracking)
			}
			continue
		}
		known = append(known, ownedEvent{no: binary.BigEndian.Uint64(v), i: i})
	}
	slices.SortFunc(known, func(a, b ownedEvent) int {
		if c := cmp.Compare(a.no, b.no); c != 0 {
			return c
		}
		return a.i - b.i
	})
	for i := range known {
		if i == 0 || known[i].no != known[i-1].no {
			orders++
		}
	}
	return known, orders
}

// applyParcelEvents stores one order's new events (evs, all of order evs[0].no) and
// settles its parcel when its latest event changed (settled). An event whose carrier
// disagrees with the shipment's is added to refused and nothing is settled.
func (w *wtx) applyParcelEvents(events []domain.TrackingEvent, evs []ownedEvent, set domain.DeliverySettings, now time.Time, res *EventResult, refused *EventRefusedError) (ch ParcelChange, settled bool, err error) {
	no := evs[0].no
	// The order's own fields are enough to place its parcel; settleParcel reads the whole
	// order only when it moves.
	o, err := w.orderFields(no)
	if err != nil {
		return ch, false, err
	}
	if o == nil {
		return ch, false, fmt.Errorf("tracking number %s names %s, which is not there: run shipdesk doctor", events[evs[0].i].Tracking, domain.OrderNumber(no))
	}
	old, pending, err := w.parcelRecord(no)
	if err != nil {
		return ch, false, fmt.Errorf("the parcel record of %s does not read: %w", domain.OrderNumber(no), err)
	}
	next := old
	// parcel_events is not read back through the transaction's writes: this order's
	// events are written here only, so a repeat within the batch is one of added. The
	// parcel record's latest event is the latest of its stored and pending ones (the
	// doctor checks it), so an event later than it — in whole seconds, as keys hold them,
	// and a feed's events nearly all are — cannot have been stored before: the stored
	// rows, ten or so a parcel over the whole file, are read only for an event that is not.
	//
	// Events kept in the record (w.inline) are built in scratch memory that the next order
	// reuses: they reach the transaction's memory once, inside the record.
	var added [][]byte
	inline, scratch := w.inlineRows[:0], w.evScratch[:0]
	for _, e := range evs {
		ev := &events[e.i]
		if ev.Carrier != "" && !strings.EqualFold(ev.Carrier, o.Shipment.Carrier) {
			*refused = append(*refused, EventRefusal{Index: e.i, Reason: fmt.Sprintf("carrier %s does not agree with %s, shipped with %s",
				ev.Carrier, domain.OrderNumber(no), o.Shipment.Carrier)})
			continue
		}
		key := appendEventKey(w.room(17), no, ev.At, ev.Status)
		if (ev.At.Unix() <= old.Latest.At.Unix() && old.HasEvent() && (pendingHas(pending, key[8:]) || w.stored(bParcelEvents, key) != nil)) ||
			slices.ContainsFunc(added, func(k []byte) bool { return bytes.Equal(k, key) }) {
			res.Duplicates++
			continue
		}
		if w.inline {
			// Slices of scratch stay whole as it grows: append copies, it does not move.
			at := len(scratch)
			scratch = appendEvent(append(scratch, key...), ev, now)
			key = scratch[at : at+17 : at+17]
			inline = append(inline, pendingRow{suffix: key[8:], val: scratch[at+17:]})
		} else {
			key = w.keep(key)
			w.put(bParcelEvents, key, w.keep(appendEvent(w.room(eventSize(ev)), ev, now)))
		}
		added = append(added, key)
		res.New++
		if domain.Later(*ev, next.Latest) {
			next.Latest = *ev
		}
	}
	if len(*refused) > 0 {
		return ch, false, nil
	}
	if len(inline) > 0 {
		w.pendScratch = addPending(w.pendScratch[:0], pending, inline)
		pending = w.pendScratch
		w.add(kStaged, "", int64(len(inline)))
		w.inlineRows, w.evScratch = inline[:0], scratch[:0]
	}
	if next.Latest == old.Latest {
		if len(inline) > 0 { // new events that are not the latest: the record keeps them
			w.rows.no, w.rows.pending = no, pending
			err = w.putParcel(no, &old)
			w.rows.no, w.rows.pending = 0, nil
		}
		return ch, false, err
	}
	w.rows.no, w.rows.pending = no, pending
	ch, err = w.settleParcel(o, old, next, set, now)
	w.rows.no, w.rows.pending = 0, nil
	return ch, err == nil, err
}

// orderMoveText is the audit line of an order moved by delivery, naming its cause.
func orderMoveText(ch ParcelChange) string {
	t := fmt.Sprintf("%s → %s by event %s %s at %s", ch.OrderFrom, ch.OrderTo, ch.Tracking, ch.Cause.Status, domain.ISOTime(ch.Cause.At))
	if ch.Completed {
		t += " (delivered longer ago than complete-after: completed)"
	}
	for _, k := range ch.GoodsBack {
		t += "; goods back for refund " + k.String()
	}
	return t
}

// systemActor records the order moves of rule 15 as the system's, on behalf of whoever
// brought the events.
func systemActor(by Actor) Actor {
	by.Operator = "system (events from " + by.Operator + ")"
	return by
}
