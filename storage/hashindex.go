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
//   - orders_by_ref: payment reference → sales-order number (a trade ID is found through
//     pool: its converted entry names its order).
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

// hashed is one hashed index as a transaction sees it, by slot number.
type hashed struct {
	changed [][]byte // the slots this transaction changed (its own copies); nil until its first change
	// stored are the slots as stored, read in one pass by a transaction that expects many
	// rows (nil: read one lookup each). They point into the file's map, valid while the
	// transaction runs and until its commit.
	stored [][]byte
}

// wholeSlotsFrom is the number of rows a transaction expects from which it reads a hashed
// index's slots in one pass (a cursor walk of a few thousand pages, a few milliseconds)
// rather than with a B+tree lookup per key.
var wholeSlotsFrom = 8192 // a variable for tests

// hashedIndex is the transaction's view of the hashed index bucket.
func (w *wtx) hashedIndex(bucket []byte) *hashed {
	h := w.slots[string(bucket)]
	if h != nil {
		return h
	}
	h = &hashed{}
	if w.hint >= wholeSlotsFrom {
		h.stored = make([][]byte, 1<<slotBits)
		c := w.tx.Bucket(bucket).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) == 2 {
				h.stored[binary.BigEndian.Uint16(k)] = v
			}
		}
	}
	if w.slots == nil {
		w.slots = map[string]*hashed{}
	}
	w.slots[string(bucket)] = h
	return h
}

// slotItems is the value of slot key slot in the hashed index bucket as this transaction
// left it.
func (w *wtx) slotItems(bucket, slot []byte) []byte {
	if len(slot) != 2 {
		return nil
	}
	h := w.hashedIndex(bucket)
	s := binary.BigEndian.Uint16(slot)
	if h.changed != nil && h.changed[s] != nil {
		return h.changed[s]
	}
	if h.stored != nil {
		return h.stored[s]
	}
	return w.tx.Bucket(bucket).Get(slot)
}

// hashAdd files val (8 bytes) under key k in the hashed index bucket. The slot is copied
// on its first change in the transaction and written once, at commit.
func (w *wtx) hashAdd(bucket, k, val []byte) {
	slot, bits := slotOf(k)
	h := w.hashedIndex(bucket)
	if h.changed == nil {
		h.changed = make([][]byte, 1<<slotBits)
	}
	s := binary.BigEndian.Uint16(slot[:])
	items := h.changed[s]
	if items == nil {
		old := w.slotItems(bucket, slot[:])
		items = make([]byte, len(old), len(old)+4*idItem)
		copy(items, old)
	}
	items = binary.BigEndian.AppendUint32(items, bits)
	h.changed[s] = append(items, val...)
}

// flushSlots hands the changed slots to the overlay, in slot order.
func (w *wtx) flushSlots() {
	for name, h := range w.slots {
		for s, items := range h.changed {
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
