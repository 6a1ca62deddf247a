package storage

import (
	"bytes"
	"encoding/binary"

	"shipdesk/domain"
)

// A hashed index finds the 8-byte values filed under a key without a B+tree of keys: the
// key is hashed (64-bit FNV-1a), the top 16 bits pick one of 65,536 slots and the slot's
// value is a packed list of 12-byte items, the low 32 bits of the hash and the value. Every
// candidate whose bits match is confirmed by the caller against the record it leads to, so
// a collision costs a read, never a wrong answer. Two buckets are such indexes:
//
//   - pool: pool key (channel 0x00 tradeID) → arrival number of the pool entry;
//   - orders_by_ref: trade ID or payment reference → sales-order number.
//
// Why: keys that sort at random (most platforms' trade IDs, every payment reference) land
// on a different page of a B+tree each, and bbolt rewrites each page it touches. A million
// keys fill about 3,300 pages of slots (12 bytes a key, against about 50 for a B+tree of
// key → number and about 320 for one of whole records), so an import of 100,000 new orders
// into a year of them rewrites 13 MB of index instead of hundreds of megabytes of records.

const (
	idItem   = 12 // hash bits (4) | value (8)
	slotBits = 16 // 65,536 slots; part of the file format
)

// keyHash is the 64-bit FNV-1a hash of a key; stored on disk, so never change it.
func keyHash(k []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range k {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// slotOf is the slot key (2 bytes) and the 32 bits kept in the slot for key k.
func slotOf(k []byte) (slot [2]byte, bits uint32) {
	h := keyHash(k)
	binary.BigEndian.PutUint16(slot[:], uint16(h>>(64-slotBits)))
	return slot, uint32(h)
}

// candidates calls fn with each value filed under a key with k's hash bits in the hashed
// index bucket, read through get, until fn returns true.
func candidates(get func(bucket, key []byte) []byte, bucket, k []byte, fn func(val []byte) bool) {
	slot, bits := slotOf(k)
	for items := get(bucket, slot[:]); len(items) >= idItem; items = items[idItem:] {
		if binary.BigEndian.Uint32(items) == bits && fn(items[4:idItem]) {
			return
		}
	}
}

// hashAdd files val (8 bytes) under key k in the hashed index bucket. The slot is copied
// on its first change in the transaction and written once, at commit.
func (w *wtx) hashAdd(bucket, k, val []byte) {
	slot, bits := slotOf(k)
	slots := w.slots[string(bucket)]
	if slots == nil {
		slots = make([][]byte, 1<<slotBits)
		if w.slots == nil {
			w.slots = map[string][][]byte{}
		}
		w.slots[string(bucket)] = slots
	}
	s := binary.BigEndian.Uint16(slot[:])
	items := slots[s]
	if items == nil {
		old := w.tx.Bucket(bucket).Get(slot[:])
		items = make([]byte, len(old), len(old)+4*idItem)
		copy(items, old)
	}
	items = binary.BigEndian.AppendUint32(items, bits)
	slots[s] = append(items, val...)
}

// changedSlot is the slot's items as this transaction left them, if it changed them.
func (w *wtx) changedSlot(bucket, slot []byte) ([]byte, bool) {
	slots := w.slots[string(bucket)]
	if slots == nil || len(slot) != 2 {
		return nil, false
	}
	items := slots[binary.BigEndian.Uint16(slot)]
	return items, items != nil
}

// flushSlots hands the changed slots to the overlay, in slot order.
func (w *wtx) flushSlots() {
	for name, slots := range w.slots {
		for s, items := range slots {
			if items != nil {
				w.put([]byte(name), w.keep(binary.BigEndian.AppendUint16(w.room(2), uint16(s))), items)
			}
		}
	}
	w.slots = nil
}

// findEntry looks pool key pk up through get: its arrival number (8 bytes) and record,
// or nils.
func findEntry(get func(bucket, key []byte) []byte, pk []byte) (seq, rec []byte) {
	candidates(get, bPool, pk, func(val []byte) bool {
		if r := get(bPoolEntries, val); r != nil && recordHasKey(r, pk) {
			seq, rec = val, r
			return true
		}
		return false
	})
	return seq, rec
}

// entryRecord is the record of the pool entry with pool key pk, or nil.
func entryRecord(get func(bucket, key []byte) []byte, pk []byte) []byte {
	_, rec := findEntry(get, pk)
	return rec
}

// addID files a new pool entry's arrival number under its key.
func (w *wtx) addID(pk, seq []byte) { w.hashAdd(bPool, pk, seq) }

// orderNoOf is the number of the sales order that the pool entry with key pk became, or
// 0 if it is not converted (or not in the pool).
func orderNoOf(get func(bucket, key []byte) []byte, pk []byte) uint64 {
	h, ok := entryHead(entryRecord(get, pk))
	if !ok || h.state != domain.PoolConverted {
		return 0
	}
	return h.orderNo
}

// recordHasKey says whether a pool-entry record is the one of pool key pk.
func recordHasKey(rec, pk []byte) bool {
	i := bytes.IndexByte(pk, 0)
	h, ok := entryHead(rec)
	return ok && i >= 0 && bytes.Equal(h.channel, pk[:i]) && bytes.Equal(h.tradeID, pk[i+1:])
}
