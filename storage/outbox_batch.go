package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// Batches. The buyers' shipped messages of one write transaction (a bulk upload ships or
// corrects thousands at once, all due at the same time: the next day's send window) are
// filed up to batchMax to a record, with one state row for them all, instead of a record
// and a row each: that is most of what queueing them cost an upload (PERFORMANCE.md).
//
//	outbox            base(8) → outboxBatchVersion | count | (length(4) | record) × count:
//	                    the members are messages base, base+1, … (a batch closes when a
//	                    tracking.upload chunk takes the next number), each record as
//	                    appendOutbox writes one
//	outbox_by_state   one row for the batch: queued | due | base
//
// A batch is only ever queued, never tried. Whatever changes one of its messages (a
// send's outcome, a retry, a cancel) reads it through wtx.getOutbox, which first splits
// the batch: each member is written as a message of its own with its own state row (the
// first takes the batch's key and row). Readers see the members as messages: by ID
// (findOutbox), through a state row (messagesAt), record by record (decodeRecord).

const (
	outboxBatchVersion = 5
	batchMax           = 100
)

func isBatch(v []byte) bool { return len(v) > 0 && v[0] == outboxBatchVersion }

// appendBatch appends the batch record of ms (numbered base, base+1, …) to dst.
func appendBatch(dst []byte, ms []domain.OutboxMessage) []byte {
	dst = binary.AppendUvarint(append(dst, outboxBatchVersion), uint64(len(ms)))
	for i := range ms {
		at := len(dst)
		dst = appendOutbox(append(dst, 0, 0, 0, 0), &ms[i]) // its length written after it
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst
}

// batchMembers calls fn with each member's number and record; it says whether the batch
// reads.
func batchMembers(base uint64, v []byte, fn func(id uint64, rec []byte) bool) bool {
	if !isBatch(v) {
		return false
	}
	n, w := binary.Uvarint(v[1:])
	if w <= 0 || n == 0 || n > batchMax {
		return false
	}
	v = v[1+w:]
	for i := range n {
		if len(v) < 4 {
			return false
		}
		size := binary.BigEndian.Uint32(v)
		if uint64(size) > uint64(len(v)-4) {
			return false
		}
		if !fn(base+i, v[4:4+size]) {
			return true
		}
		v = v[4+size:]
	}
	return len(v) == 0
}

// batchCount is how many members the batch record v has (0 if it does not read).
func batchCount(v []byte) uint64 {
	if !isBatch(v) {
		return 0
	}
	n, w := binary.Uvarint(v[1:])
	if w <= 0 {
		return 0
	}
	return n
}

// decodeRecord reads an outbox record: one message, or a batch's members.
func decodeRecord(k, v []byte) ([]domain.OutboxMessage, error) {
	if !isBatch(v) {
		m, err := decodeOutbox(k, v)
		return []domain.OutboxMessage{m}, err
	}
	if len(k) != 8 {
		return nil, errCorrupt
	}
	var out []domain.OutboxMessage
	var err error
	if !batchMembers(binary.BigEndian.Uint64(k), v, func(id uint64, rec []byte) bool {
		var m domain.OutboxMessage
		if m, err = decodeOutboxBinary(id, rec); err != nil {
			return false
		}
		out = append(out, m)
		return true
	}) && err == nil {
		err = errCorrupt
	}
	return out, err
}

// findOutbox finds the record that holds message id: its own, or the batch it is a
// member of (the batch's key then differs from id).
func findOutbox(c *bolt.Cursor, id uint64) (k, v []byte) {
	want := u64(id)
	k, v = c.Seek(want)
	if bytes.Equal(k, want) {
		return k, v
	}
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if len(k) == 8 && isBatch(v) && id < binary.BigEndian.Uint64(k)+batchCount(v) {
		return k, v
	}
	return nil, nil
}

// member reads message id from the record (k, v) findOutbox gave.
func member(k, v []byte, id uint64) (domain.OutboxMessage, error) {
	if !isBatch(v) {
		return decodeOutbox(k, v)
	}
	var m domain.OutboxMessage
	err := errCorrupt
	batchMembers(binary.BigEndian.Uint64(k), v, func(at uint64, rec []byte) bool {
		if at != id {
			return true
		}
		m, err = decodeOutboxBinary(id, rec)
		return false
	})
	return m, err
}

// messagesAt is what the state row of message id names: the message, or every member of
// the batch whose row it is.
func messagesAt(tx *bolt.Tx, id uint64) ([]domain.OutboxMessage, error) {
	k := u64(id)
	v := tx.Bucket(bOutbox).Get(k)
	if v == nil {
		return nil, fmt.Errorf("message %d: %w", id, ErrNoMessage)
	}
	ms, err := decodeRecord(k, v)
	if err != nil {
		return nil, fmt.Errorf("outbox message %d: %w", id, err)
	}
	return ms, nil
}

// split writes the members of batch (base, v), stored before this transaction, as
// messages of their own, each with its state row; the first takes the batch's key and
// row. Its counts do not change.
func (w *wtx) split(base []byte, v []byte) error {
	ms, err := decodeRecord(base, v)
	if err != nil {
		return fmt.Errorf("outbox batch %d: %w", binary.BigEndian.Uint64(base), err)
	}
	for i := range ms {
		w.put(bOutbox, u64(ms[i].ID), appendOutbox(nil, &ms[i]))
		if i > 0 {
			sk, _, _ := outboxRows(&ms[i])
			w.put(bOutboxByState, sk, []byte{})
		}
	}
	return nil
}

// batch is the open batch of an uploads: the shipped messages numbered since it opened,
// whose numbers follow each other.
type batch struct {
	msgs []domain.OutboxMessage
}

// add numbers m (its fields but the number set) and adds it to the open batch, filing
// the batch first when it is full or when its numbers would not follow each other (a
// tracking.upload chunk took one between); it returns m's number.
func (b *batch) add(w *wtx, u *uploads, m domain.OutboxMessage) (uint64, error) {
	id, err := u.reserve(w)
	if err != nil {
		return 0, err
	}
	if n := len(b.msgs); n == batchMax || n > 0 && b.msgs[n-1].ID+1 != id {
		b.file(w, u)
	}
	m.ID = id
	b.msgs = append(b.msgs, m)
	return id, nil
}

// file writes the open batch (a lone message as a message of its own) and counts it.
func (b *batch) file(w *wtx, u *uploads) {
	switch len(b.msgs) {
	case 0:
		return
	case 1:
		w.putNewOutbox(&b.msgs[0])
	default:
		first := &b.msgs[0]
		size := 16
		for i := range b.msgs {
			size += 4 + outboxSize(&b.msgs[i])
		}
		id := w.keep(binary.BigEndian.AppendUint64(w.room(8), first.ID))
		w.put(bOutbox, id, w.keep(appendBatch(w.room(size), b.msgs)))
		w.putStateRow(first) // the batch's row
	}
	u.queued += int64(len(b.msgs))
	w.lastOutbox = max(w.lastOutbox, b.msgs[len(b.msgs)-1].ID)
	b.msgs = b.msgs[:0]
}
