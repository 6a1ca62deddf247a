package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

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

// Staged keys. A transaction that adds many keys to a hashed index (an import of
// thousands of new orders, a conversion of thousands of entries) changes nearly every
// slot, and bbolt rewrites every page it touches: 26 MB of slot pages for 100,000 new
// orders into a year of them, a third of what such an import writes. Instead, such a
// transaction files its new keys as one run in the index's ".recent" bucket: a value of
// 14-byte items (slot, hash bits, value) sorted by slot and bits, under the run's number
// (1, 2, ... in order; 1.4 MB for 100,000 keys). A lookup reads the slot, then each run
// (runMatches). A fold (staged.go) moves the runs' keys into their slots at a quiet
// moment, all runs in one pass over the slots, and empties the bucket. The hashed indexes
// and their runs buckets are the kindHashed lines of the schema table (schema.go).

const runItem = 2 + idItem // slot | hash bits | value

var (
	// runFrom is the fewest keys a transaction adds to one hashed index that are staged
	// as a run; fewer change few slots. A variable for tests.
	runFrom = 4096
	// maxRuns bounds the runs a lookup reads: past it, keys go into the slots as before
	// until a fold. A variable for tests.
	maxRuns = 16
)

// runKeys are the keys of runs 0..64 (index i is run i), made once: lookups pass them
// through a getter on every call.
var runKeys = func() [][]byte {
	ks := make([][]byte, 65)
	for i := range ks {
		ks[i] = binary.BigEndian.AppendUint64(nil, uint64(i))
	}
	return ks
}()

// runKey is the key of run i (from 1).
func runKey(i int) []byte {
	if i < len(runKeys) {
		return runKeys[i]
	}
	return binary.BigEndian.AppendUint64(nil, uint64(i))
}

// runMatches calls fn with each value in run with slot and hash bits, until fn returns
// true; it reports whether fn did.
func runMatches(run []byte, slot [2]byte, bits uint32, fn func(val []byte) bool) bool {
	want := uint64(binary.BigEndian.Uint16(slot[:]))<<32 | uint64(bits)
	n := len(run) / runItem
	at := func(i int) uint64 { // slot and hash bits of item i, as one number
		return uint64(binary.BigEndian.Uint16(run[i*runItem:]))<<32 | uint64(binary.BigEndian.Uint32(run[i*runItem+2:]))
	}
	// The first item not below want is in [lo, hi). The items are hashes, spread evenly,
	// so guessing its place from the values at the ends finds it in a few reads of the
	// run where a binary search takes seventeen (each a miss of the processor's cache).
	lo, hi := 0, n
	for step := 0; step < 4 && hi-lo > 8; step++ {
		first, last := at(lo), at(hi-1)
		if want <= first {
			hi = lo
			break
		}
		if want > last {
			lo = hi
			break
		}
		g := lo + int(float64(want-first)/float64(last-first+1)*float64(hi-lo))
		g = min(max(g, lo+1), hi-1)
		if at(g) < want {
			lo = g + 1
			if lo < hi && at(min(lo+16, hi-1)) < want {
				lo = min(lo+16, hi-1)
			}
		} else {
			hi = g
			if hi > lo && at(max(hi-16, lo)) >= want {
				hi = max(hi-16, lo)
			}
		}
	}
	i := lo + sort.Search(hi-lo, func(j int) bool { return at(lo+j) >= want })
	for ; i < n && at(i) == want; i++ {
		if fn(run[i*runItem+6 : (i+1)*runItem]) {
			return true
		}
	}
	return false
}

// candidates calls fn with each value filed under a key with k's hash bits in the hashed
// index bucket, read through get, until fn returns true: the slot's, then each staged
// run's.
func candidates(get func(bucket, key []byte) []byte, bucket, k []byte, fn func(val []byte) bool) {
	slot, bits := slotOf(k)
	for items := get(bucket, slot[:]); len(items) >= idItem; items = items[idItem:] {
		if binary.BigEndian.Uint32(items) == bits && fn(items[4:idItem]) {
			return
		}
	}
	rb := sideOf(bucket, kindHashed)
	if rb == nil {
		return
	}
	if seen := get(rb, runKey(0)); seen != nil && !seenInRuns(seen, slot, bits) {
		return
	}
	for i := 1; ; i++ {
		run := get(rb, runKey(i))
		if run == nil || runMatches(run, slot, bits, fn) {
			return
		}
	}
}

// hashed is one hashed index as a transaction sees it, by slot number.
type hashed struct {
	changed [][]byte // the slots this transaction changed (its own copies); nil until its first change
	base    []int32  // the length of each changed slot as stored: its items after that are new
	added   int      // keys this transaction added
	runs    [][]byte // the staged runs as stored, run i at i-1 (pointing into the file's map)
	seen    []byte   // with stored, the bitmap of the runs' keys (see seenBits); nil without runs
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
	if rb := w.tx.Bucket(sideOf(bucket, kindHashed)); rb != nil {
		c := rb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			h.runs = append(h.runs, v)
		}
	}
	if w.hint >= wholeSlotsFrom {
		h.stored = make([][]byte, 1<<slotBits)
		c := w.tx.Bucket(bucket).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) == 2 {
				h.stored[binary.BigEndian.Uint16(k)] = v
			}
		}
		if len(h.runs) > 0 {
			h.seen = make([]byte, 1<<seenBits/8)
			for _, run := range h.runs {
				for ; len(run) >= runItem; run = run[runItem:] {
					b := seenBit([2]byte(run[:2]), binary.BigEndian.Uint32(run[2:]))
					h.seen[b>>3] |= 1 << (b & 7)
				}
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

// Run 0 is never stored: a transaction that reads many keys answers it with a bitmap of
// the hash prefixes in its runs (seenBits of them), so a lookup of a key that no run
// holds, as most of an import's are, skips the runs without reading them.
const seenBits = 24 // 2 MB; a million staged keys set at most 6 % of it

func seenBit(slot [2]byte, bits uint32) uint32 {
	return uint32(binary.BigEndian.Uint16(slot[:]))<<(seenBits-16) | bits>>(32-(seenBits-16))
}

// seenInRuns says whether a key with slot and hash bits may be in the runs seen maps.
func seenInRuns(seen []byte, slot [2]byte, bits uint32) bool {
	b := seenBit(slot, bits)
	return seen[b>>3]&(1<<(b&7)) != 0
}

// runOrSeen is a run as stored (key 1 the newest, 2 the one before, ...), or for key 0
// the bitmap of the runs' keys if kept.
func (h *hashed) runOrSeen(key []byte) []byte {
	if len(key) != 8 {
		return nil
	}
	if i := binary.BigEndian.Uint64(key); i == 0 {
		return h.seen
	} else if i <= uint64(len(h.runs)) {
		return h.runs[len(h.runs)-int(i)] // the newest first: recent keys are the ones looked up most
	}
	return nil
}

// hashAdd files val (8 bytes) under key k in the hashed index bucket. The slot is copied
// on its first change in the transaction and written once, at commit.
func (w *wtx) hashAdd(bucket, k, val []byte) {
	slot, bits := slotOf(k)
	h := w.hashedIndex(bucket)
	if h.changed == nil {
		h.changed = make([][]byte, 1<<slotBits)
		h.base = make([]int32, 1<<slotBits)
	}
	s := binary.BigEndian.Uint16(slot[:])
	items := h.changed[s]
	if items == nil {
		old := w.slotItems(bucket, slot[:])
		items = make([]byte, len(old), len(old)+4*idItem)
		copy(items, old)
		h.base[s] = int32(len(old))
	}
	items = binary.BigEndian.AppendUint32(items, bits)
	h.changed[s] = append(items, val...)
	h.added++
}

// flushSlots hands the changed slots to the overlay, in slot order, or the keys added as
// one staged run when there are many (in the index's runs bucket).
func (w *wtx) flushSlots() {
	for name, h := range w.slots {
		if h.changed == nil {
			continue
		}
		if h.added >= runFrom && len(h.runs) < maxRuns && counter(w.tx, kStaged)+int64(h.added) <= stageCap {
			w.put(sideOf([]byte(name), kindHashed), runKey(len(h.runs)+1), w.keep(h.run(w.room(h.added*runItem))))
			w.add(kStaged, "", int64(h.added))
			continue
		}
		for s, items := range h.changed {
			switch {
			case items == nil:
			case len(items) == 0: // its last item removed (an undone conversion)
				w.del([]byte(name), binary.BigEndian.AppendUint16(nil, uint16(s)))
			default:
				w.put([]byte(name), w.keep(binary.BigEndian.AppendUint16(w.room(2), uint16(s))), items)
			}
		}
	}
	w.slots = nil
}

// run is the keys this transaction added as a run, appended to dst: slot by slot, each
// slot's new items sorted by hash bits and value.
func (h *hashed) run(dst []byte) []byte {
	for s, items := range h.changed {
		if items == nil {
			continue
		}
		from := len(dst)
		for fresh := items[h.base[s]:]; len(fresh) >= idItem; fresh = fresh[idItem:] {
			dst = binary.BigEndian.AppendUint16(dst, uint16(s))
			dst = append(dst, fresh[:idItem]...)
			// Insertion sort: a slot gains one or two keys in a run of 100,000.
			for j := len(dst) - runItem; j > from && bytes.Compare(dst[j-runItem+2:j], dst[j+2:j+runItem]) > 0; j -= runItem {
				var t [runItem]byte
				copy(t[:], dst[j:j+runItem])
				copy(dst[j:j+runItem], dst[j-runItem:j])
				copy(dst[j-runItem:j], t[:])
			}
		}
	}
	return dst
}

// foldRuns moves the keys of every staged run of hashed index name into their slots and
// deletes the runs; it returns how many keys it moved.
func foldRuns(main, runs *bolt.Bucket, name string) (int, error) {
	if runs == nil {
		return 0, nil
	}
	var all [][]byte
	var keys [][]byte
	c := runs.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		all, keys = append(all, v), append(keys, k)
	}
	if len(all) == 0 {
		return 0, nil
	}
	var (
		a     arena
		ops   []*op
		moved int
	)
	for s := range 1 << slotBits {
		var slot [2]byte
		binary.BigEndian.PutUint16(slot[:], uint16(s))
		var items []byte
		for i, run := range all {
			for len(run) >= runItem && binary.BigEndian.Uint16(run) == uint16(s) {
				if items == nil {
					old := main.Get(slot[:])
					items = a.room(len(old) + 4*idItem)
					items = append(items, old...)
				}
				items = append(items, run[2:runItem]...)
				run = run[runItem:]
				moved++
			}
			all[i] = run
		}
		if items != nil {
			val := a.keep(items)
			ops = append(ops, &op{key: a.keep(append(a.room(2), slot[:]...)), val: val})
		}
	}
	for _, run := range all {
		if len(run) != 0 {
			return 0, fmt.Errorf("%s: a staged run is not in slot order", name)
		}
	}
	if err := writeSorted(main, ops, fillOf([]byte(name)), false); err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := runs.Delete(k); err != nil {
			return 0, err
		}
	}
	return moved, nil
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
