package storage

import (
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

// EventResult says what a batch did.
type EventResult struct {
	New, Duplicates, Unknown, Replayed int
	UnknownNumbers                     []string // the first MaxUnknownListed, in order of arrival
	Changes                            []ParcelChange
}

// Changed is how many parcels changed delivery status.
func (r EventResult) Changed() int {
	n := 0
	for _, c := range r.Changes {
		if c.Moved() {
			n++
		}
	}
	return n
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
func (s *Store) ApplyEvents(b EventBatch, now time.Time, by Actor) (EventResult, error) {
	npol := s.notifyPolicy()
	var res EventResult
	if err := by.may(domain.ActionEvents); err != nil {
		return res, err
	}
	set := s.delivery
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = EventResult{}
		w := newWtx(tx, 2*len(b.Events)+4)
		w.notify = &npol
		if b.HookID != "" {
			if tx.Bucket(bHookEvents).Get([]byte(b.HookID)) != nil {
				res.Replayed = 1
				return nil
			}
			w.put(bHookEvents, []byte(b.HookID), timeKey(nil, now))
		}
		owner := trackingOwner(tx)
		type parcel struct {
			o         *domain.SalesOrder
			old, next domain.ParcelState
		}
		byNo := make(map[uint64]*parcel, min(len(b.Events), 1<<16))
		order := make([]uint64, 0, min(len(b.Events), 1<<16))
		listed := map[string]bool{}
		var refused EventRefusedError
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
			no, ok := owner(ev.Tracking)
			if !ok {
				res.Unknown++
				if !listed[ev.Tracking] && len(res.UnknownNumbers) < MaxUnknownListed {
					listed[ev.Tracking] = true
					res.UnknownNumbers = append(res.UnknownNumbers, ev.Tracking)
				}
				continue
			}
			p := byNo[no]
			if p == nil {
				// The order's own fields are enough to place its parcel; settleParcel
				// reads the whole order only when it moves.
				o, err := w.orderFields(no)
				if err != nil {
					return err
				}
				if o == nil {
					return fmt.Errorf("tracking number %s names %s, which is not there: run shipdesk doctor", ev.Tracking, domain.OrderNumber(no))
				}
				st, err := w.parcelState(no)
				if err != nil {
					return err
				}
				p = &parcel{o: o, old: st, next: st}
				byNo[no] = p
				order = append(order, no)
			}
			if ev.Carrier != "" && !strings.EqualFold(ev.Carrier, p.o.Shipment.Carrier) {
				refused = append(refused, EventRefusal{Index: i, Reason: fmt.Sprintf("carrier %s does not agree with %s, shipped with %s",
					ev.Carrier, domain.OrderNumber(no), p.o.Shipment.Carrier)})
				continue
			}
			key := eventKey(no, ev.At, ev.Status)
			if w.get(bParcelEvents, key) != nil {
				res.Duplicates++
				continue
			}
			w.put(bParcelEvents, key, encodeEvent(ev, now))
			res.New++
			if domain.Later(*ev, p.next.Latest) {
				p.next.Latest = *ev
			}
		}
		if len(refused) > 0 {
			return refused
		}
		slices.Sort(order)
		res.Changes = make([]ParcelChange, 0, len(order))
		detail := map[string]string{}
		for _, no := range order {
			p := byNo[no]
			if p.next.Latest == p.old.Latest {
				continue
			}
			ch, err := w.settleParcel(p.o, p.old, p.next, set, now)
			if err != nil {
				return err
			}
			res.Changes = append(res.Changes, ch)
			if ch.OrderTo != ch.OrderFrom {
				detail[domain.OrderNumber(no)] = orderMoveText(ch)
			}
		}
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
