package storage

import (
	"encoding/binary"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"strconv"

	"shipdesk/domain"
)

// The outbox under check: each message's rows in outbox_by_state and outbox_by_event,
// and its state's counter.

func outboxName(id uint64) string { return "outbox message " + strconv.FormatUint(id, 10) }

// scanOutbox reads the messages, expecting their rows and counting their states; a
// shipped message and each line of a tracking.upload chunk must be listed in its order
// (domain.SalesOrder.Told), and an order must list no message that is not there.
func (d *doctor) scanOutbox() error {
	n := 0
	err := d.each(bOutbox, func(k, v []byte) error {
		ms, err := decodeRecord(k, v)
		if err != nil {
			d.problem("outbox", "%x: the record does not read (%v); its rows cannot be checked", k, err)
			return nil
		}
		for i := range ms {
			m := &ms[i]
			n++
			d.w.add(outboxCounter(m.State), "", 1)
			if isBatch(v) && (m.State != domain.OutboxQueued || !m.NextAttempt.Equal(ms[0].NextAttempt)) {
				d.problem("outbox", "%s: a member of batch %d that is not queued with the batch", outboxName(m.ID), ms[0].ID)
			}
			sk, ek, ev := outboxRows(m)
			what := func() string { return outboxName(m.ID) }
			if i == 0 { // a batch has the one row, its first member's
				d.expect(ixOutboxState, sk, []byte{}, what)
			}
			if ek != nil {
				d.expect(ixOutboxEvent, ek, ev, what)
			}
			if listedInOrder(m) {
				d.listed(m)
			}
		}
		return nil
	})
	d.checked("outbox", n, "records")
	for key, id := range d.told { // listed, but no such message
		d.problem("outbox", "%s lists %s (%s), which is not there or not about it", domain.OrderNumber(key.order), outboxName(id), key.kind)
		d.fixTold(key.order)
	}
	return err
}

// toldKey is one entry of an order's Told list: the order, the kind and a hash of the
// stage (FNV-1a: two stages of one order's kind do not share one). It is small, as a
// year of orders lists millions.
type toldKey struct {
	order uint64
	kind  string // one of the domain.Kind constants: no bytes of its own
	stage uint64
}

func toldKeyOf(order uint64, kind string, stage []byte) toldKey {
	return toldKey{order: order, kind: kind, stage: keyHash(stage)}
}

// listed finds m (each of a chunk's lines) in its order's list, or names it; a message
// about an order that is not there (its conversion undone) is listed nowhere.
func (d *doctor) listed(m *domain.OutboxMessage) {
	for _, e := range listedAt(m) {
		if d.get(bOrders, u64(e.order)) == nil {
			continue // about an order that is gone: nothing lists it
		}
		key := toldKeyOf(e.order, m.Kind, []byte(e.stage))
		if id, ok := d.told[key]; ok && id == m.ID {
			delete(d.told, key)
			continue
		}
		d.problem("outbox", "%s (%s %s) is not listed in %s", outboxName(m.ID), m.Kind, strconv.Quote(e.stage), domain.OrderNumber(e.order))
		d.fixTold(e.order)
	}
}

// fixTold marks an order whose list Repair writes again from the outbox.
func (d *doctor) fixTold(no uint64) {
	if d.toldFix == nil {
		d.toldFix = map[uint64]domain.ToldList{}
	}
	d.toldFix[no] = nil
}

// rewriteTold writes the list of each order the check marked again from the outbox: the
// messages are what was queued. It writes the records straight into tx (Repair's).
func (d *doctor) rewriteTold(tx *bolt.Tx) error {
	if len(d.toldFix) == 0 {
		return nil
	}
	err := d.each(bOutbox, func(k, v []byte) error {
		ms, _ := decodeRecord(k, v)
		for _, m := range ms {
			if !listedInOrder(&m) {
				continue
			}
			for _, at := range listedAt(&m) {
				if list, ok := d.toldFix[at.order]; ok {
					d.toldFix[at.order] = list.With(m.Kind, at.stage, m.ID)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	orders := tx.Bucket(bOrders)
	for no, list := range d.toldFix {
		v := orders.Get(u64(no))
		if v == nil {
			continue
		}
		o, seq, err := decodeOrderAt(v)
		if err != nil {
			return err
		}
		o.Told = list
		if err := orders.Put(u64(no), encodeOrderAt(nil, &o, seq)); err != nil {
			return err
		}
	}
	return nil
}

// outboxRowSpecs are the outbox's indexes as the doctor checks them.
func (d *doctor) outboxRowSpecs() (state, event rowSpec) {
	read := func(id uint64) (domain.OutboxMessage, string) { // a batch's first member for its key
		v := d.get(bOutbox, u64(id))
		if v == nil {
			return domain.OutboxMessage{}, "names " + outboxName(id) + ", which is not there"
		}
		ms, err := decodeRecord(u64(id), v)
		if err != nil || len(ms) == 0 {
			return domain.OutboxMessage{}, "names " + outboxName(id) + ", which does not read"
		}
		return ms[0], ""
	}
	state = rowSpec{name: bOutboxByState, fmtKey: fmtOutboxStateKey,
		rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
			if len(k) != 17 {
				return nil, nil, "", "the key is not a state, a time and a message"
			}
			m, why := read(binary.BigEndian.Uint64(k[9:]))
			if why != "" {
				return nil, nil, "", why
			}
			sk, _, _ := outboxRows(&m)
			return sk, []byte{}, outboxName(m.ID), ""
		}}
	event = rowSpec{name: bOutboxByEvent, fmtKey: func(k []byte) string { return fmtText(k) },
		rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
			if len(v) != 8 {
				return nil, nil, "", "the value is not a message number"
			}
			m, why := read(binary.BigEndian.Uint64(v))
			if why != "" {
				return nil, nil, "", why
			}
			_, ek, ev := outboxRows(&m)
			if ek == nil {
				return nil, nil, "", "names " + outboxName(m.ID) + ", which its order lists instead"
			}
			return ek, ev, outboxName(m.ID), ""
		}}
	return state, event
}

func fmtOutboxStateKey(k []byte) string {
	if len(k) != 17 {
		return fmt.Sprintf("%x", k)
	}
	return fmt.Sprintf("%s/%s/%d", domain.OutboxState(k[0]), fmtTimeKey(k[1:9]), binary.BigEndian.Uint64(k[9:]))
}

// rebuildOutbox files every message's rows and counts in w.
func (d *doctor) rebuildOutbox(w *wtx) error {
	return d.each(bOutbox, func(k, v []byte) error {
		ms, err := decodeRecord(k, v)
		if err != nil {
			return err
		}
		for i := range ms {
			sk, ek, ev := outboxRows(&ms[i])
			if i == 0 {
				w.put(bOutboxByState, sk, []byte{})
			}
			if ek != nil {
				w.put(bOutboxByEvent, ek, ev)
			}
			w.add(outboxCounter(ms[i].State), "", 1)
		}
		return nil
	})
}
