package storage

import (
	"bytes"
	"encoding/binary"

	"shipdesk/domain"
)

// The key index of the pool (bucket pool) finds an entry's arrival number from its key
// (channel 0x00 tradeID) without a B+tree of keys: a key is hashed (64-bit FNV-1a), the
// top 16 bits pick one of 65,536 slots and the slot's value is a packed list of 12-byte
// items, the low 32 bits of the hash and the arrival number (8). A candidate whose bits
// match is confirmed against the key in its record, so a collision costs a read, never a
// wrong answer.
//
// Why: with trade IDs that sort at random (most platforms'), a B+tree keyed by them takes
// every new key on a different page, and bbolt rewrites each page it touches. A million
// keys fill about 3,000 pages of slots (12 bytes a key, against about 50 for a key → number
// bucket and about 320 for a bucket of whole records), so an import of 100,000 new orders
// into a year of them rewrites 12 MB of index instead of hundreds of megabytes of records.

const (
	idItem   = 12 // hash bits (4) | arrival number (8)
	slotBits = 16 // 65,536 slots; part of the file format
)

// poolHash is the 64-bit FNV-1a hash of a pool key; stored on disk, so never change it.
func poolHash(pk []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range pk {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// slotOf is the slot key (2 bytes) and the 32 bits kept in the slot for pool key pk.
func slotOf(pk []byte) (slot [2]byte, bits uint32) {
	h := poolHash(pk)
	binary.BigEndian.PutUint16(slot[:], uint16(h>>(64-slotBits)))
	return slot, uint32(h)
}

// findEntry looks pool key pk up through get (w.get in a write transaction, txGetter in
// a read): its arrival number (8 bytes) and record, or nils.
func findEntry(get func(bucket, key []byte) []byte, pk []byte) (seq, rec []byte) {
	slot, bits := slotOf(pk)
	items := get(bPool, slot[:])
	for len(items) >= idItem {
		if binary.BigEndian.Uint32(items) == bits {
			seq = items[4:idItem]
			if rec = get(bPoolEntries, seq); rec != nil && recordHasKey(rec, pk) {
				return seq, rec
			}
		}
		items = items[idItem:]
	}
	return nil, nil
}

// entryRecord is the record of the pool entry with pool key pk, or nil.
func entryRecord(get func(bucket, key []byte) []byte, pk []byte) []byte {
	_, rec := findEntry(get, pk)
	return rec
}

// addID files a new entry's arrival number under its key. The slot is copied on its first
// change in the transaction and written once, at commit.
func (w *wtx) addID(pk, seq []byte) {
	slot, bits := slotOf(pk)
	s := binary.BigEndian.Uint16(slot[:])
	if w.slots == nil {
		w.slots = make([][]byte, 1<<slotBits)
	}
	items := w.slots[s]
	if items == nil {
		old := w.tx.Bucket(bPool).Get(slot[:])
		items = make([]byte, len(old), len(old)+4*idItem)
		copy(items, old)
	}
	items = binary.BigEndian.AppendUint32(items, bits)
	w.slots[s] = append(items, seq...)
}

// changedSlot is the slot's items as this transaction left them, if it changed them.
func (w *wtx) changedSlot(slot []byte) ([]byte, bool) {
	if w.slots == nil || len(slot) != 2 {
		return nil, false
	}
	items := w.slots[binary.BigEndian.Uint16(slot)]
	return items, items != nil
}

// flushIDs hands the changed slots to the overlay, in slot order.
func (w *wtx) flushIDs() {
	for s, items := range w.slots {
		if items != nil {
			w.put(bPool, w.keep(binary.BigEndian.AppendUint16(w.room(2), uint16(s))), items)
		}
	}
	w.slots = nil
}

// orderNoOf is the number of the sales order that the pool entry with key pk became, or
// 0 if it is not converted (or not in the pool).
func orderNoOf(get func(bucket, key []byte) []byte, pk []byte) uint64 {
	rec := entryRecord(get, pk)
	if len(rec) < 2 || domain.PoolState(rec[1]) != domain.PoolConverted {
		return 0
	}
	d := dec{b: rec[3:]} // version, state, changed
	d.skip()             // reason
	if no := d.u(); d.err == nil {
		return no
	}
	return 0
}

// recordHasKey says whether a pool-entry record (codec.go) is the one of pool key pk,
// reading only as far as the trade's channel and ID.
func recordHasKey(rec, pk []byte) bool {
	i := bytes.IndexByte(pk, 0)
	if i < 0 {
		return false
	}
	d := dec{b: rec}
	v := d.byte()
	d.byte() // state
	d.byte() // changed
	d.skip() // reason
	d.u()    // order number
	d.i()    // imported
	d.i()    // updated
	if v >= entryVersion {
		d.skip() // state by
		d.i()    // state at
	}
	ch := d.raw()
	id := d.raw()
	return d.err == nil && bytes.Equal(ch, pk[:i]) && bytes.Equal(id, pk[i+1:])
}
