package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"shipdesk/domain"
)

// The outbox under check: each message's rows in outbox_by_state and outbox_by_event,
// and its state's counter.

func outboxName(id uint64) string { return "outbox message " + strconv.FormatUint(id, 10) }

// scanOutbox reads the messages, expecting their rows and counting their states.
func (d *doctor) scanOutbox() error {
	n := 0
	err := d.each(bOutbox, func(k, v []byte) error {
		m, err := decodeOutbox(k, v)
		if err != nil {
			d.problem("outbox", "%x: the record does not read (%v); its rows cannot be checked", k, err)
			return nil
		}
		n++
		d.w.add(outboxCounter(m.State), "", 1)
		sk, ek, ev := outboxRows(&m)
		what := func() string { return outboxName(m.ID) }
		d.expect(ixOutboxState, sk, []byte{}, what)
		d.expect(ixOutboxEvent, ek, ev, what)
		for _, lk := range outboxLineRows(&m) {
			d.expect(ixOutboxEvent, lk, ev, what)
		}
		return nil
	})
	d.checked("outbox", n, "records")
	return err
}

// outboxRowSpecs are the outbox's indexes as the doctor checks them.
func (d *doctor) outboxRowSpecs() (state, event rowSpec) {
	read := func(id uint64) (domain.OutboxMessage, string) {
		v := d.get(bOutbox, u64(id))
		if v == nil {
			return domain.OutboxMessage{}, "names " + outboxName(id) + ", which is not there"
		}
		m, err := decodeOutbox(u64(id), v)
		if err != nil {
			return m, "names " + outboxName(id) + ", which does not read"
		}
		return m, ""
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
			for _, lk := range outboxLineRows(&m) { // a chunk's row for a later line
				if bytes.Equal(lk, k) {
					return lk, ev, outboxName(m.ID), ""
				}
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
		m, err := decodeOutbox(k, v)
		if err != nil {
			return err
		}
		sk, ek, ev := outboxRows(&m)
		w.put(bOutboxByState, sk, []byte{})
		w.put(bOutboxByEvent, ek, ev)
		for _, lk := range outboxLineRows(&m) {
			w.put(bOutboxByEvent, lk, ev)
		}
		w.add(outboxCounter(m.State), "", 1)
		return nil
	})
}
