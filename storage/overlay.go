package storage

import (
	"bytes"
	"slices"
	"sync"
)

// overlay is the pending writes of one bucket in the order made, in blocks of a fixed
// size: a transaction of a hundred thousand writes never copies what it already holds,
// each block is sorted as soon as it is full — in the background, while the transaction
// goes on — and at commit the sorted blocks are merged. Buckets that are read back inside
// a transaction also keep the latest write of each key, in a map made only when a lookup
// needs it: while the writes come in key order (a feed's, order after order), a key
// past the greatest written is known unwritten, and most lookups are of such keys (the
// next order's record, read before it is written).
type overlay struct {
	blocks   [][]op
	n        int
	readBack bool
	latest   map[string]lastWrite // nil until a lookup or a write out of key order needs it
	maxKey   []byte               // the greatest key written, while latest is nil
	hint     int                  // the room latest is made with
	sorting  sync.WaitGroup       // full blocks being sorted
}

type op struct {
	key, val []byte
	del      bool
	seq      int32 // the write's place among its bucket's writes (an int32: 56 bytes an op, not 64)
}

type lastWrite struct {
	val []byte
	del bool
}

const blockSize = 4096

// readBackHintMax caps the room a read-back map is made with. A transaction's hint is the
// rows its biggest bucket expects (a feed: one parcel each of a million orders), while
// its other read-back buckets (the orders it moves, the messages it queues) take a few of
// them: a map made that big for each is tens of MB cleared for nothing. Past the cap a
// map grows as it fills.
const readBackHintMax = 1 << 16

func newOverlay(hint int, readBack bool) *overlay {
	return &overlay{blocks: [][]op{make([]op, 0, min(max(hint, 16), blockSize))}, readBack: readBack, hint: min(hint, readBackHintMax)}
}

func (ov *overlay) add(o op) {
	last := len(ov.blocks) - 1
	if len(ov.blocks[last]) == blockSize {
		ov.blocks = append(ov.blocks, make([]op, 0, blockSize))
		last++
	}
	if ov.readBack {
		switch {
		case ov.latest != nil:
			ov.latest[string(o.key)] = lastWrite{o.val, o.del}
		case ov.n == 0 || bytes.Compare(o.key, ov.maxKey) >= 0:
			ov.maxKey = o.key
		default: // out of key order: from now on the map keeps the latest writes
			ov.makeLatest()
			ov.latest[string(o.key)] = lastWrite{o.val, o.del}
		}
	}
	o.seq = int32(ov.n)
	ov.n++
	ov.blocks[last] = append(ov.blocks[last], o)
	if b := ov.blocks[last]; len(b) == blockSize {
		ov.sorting.Go(func() { slices.SortFunc(b, cmpOp) })
	}
}

// latestOf is the last write of k in this transaction, if any. Only for buckets made
// with readBack.
func (ov *overlay) latestOf(k []byte) (lastWrite, bool) {
	if ov.latest == nil {
		if ov.n == 0 || bytes.Compare(k, ov.maxKey) > 0 {
			return lastWrite{}, false
		}
		ov.makeLatest()
	}
	w, ok := ov.latest[string(k)]
	return w, ok
}

// makeLatest makes the map of the latest writes from the writes so far, all in key order:
// the writes of one key are next to each other, in the order made, within a block sorted
// or not, so the last one read is the last one made.
func (ov *overlay) makeLatest() {
	ov.sorting.Wait() // the full blocks' sorts
	ov.latest = make(map[string]lastWrite, max(ov.hint, ov.n))
	for _, b := range ov.blocks {
		for i := range b {
			ov.latest[string(b[i].key)] = lastWrite{b[i].val, b[i].del}
		}
	}
	ov.maxKey = nil
}

// cmpOp orders by key; writes of one key keep the order made (seq), so the last sorts last.
func cmpOp(a, b op) int {
	if c := bytes.Compare(a.key, b.key); c != 0 {
		return c
	}
	return int(a.seq) - int(b.seq)
}

// merged is the last write of every key, in key order: the sorted blocks merged.
func (ov *overlay) merged() []*op {
	ov.sorting.Wait()
	if last := ov.blocks[len(ov.blocks)-1]; len(last) < blockSize {
		slices.SortFunc(last, cmpOp)
	}
	out := make([]*op, 0, ov.n)
	var prev *op
	keep := func(o *op) {
		if prev != nil && !bytes.Equal(o.key, prev.key) {
			out = append(out, prev)
		}
		prev = o
	}
	if ov.inOrder() { // written in key order (a feed's rows, order after order): no merge
		for _, b := range ov.blocks {
			for i := range b {
				keep(&b[i])
			}
		}
	} else {
		var h blockHeap
		for _, b := range ov.blocks {
			if len(b) > 0 {
				h = append(h, b)
			}
		}
		h.init()
		for len(h) > 0 {
			keep(h.pop())
		}
	}
	if prev != nil {
		out = append(out, prev)
	}
	return out
}

// release drops the overlay's writes once they are in bbolt: a transaction of millions
// of writes gets their memory back for the buckets still to be written. The overlay is
// not read after it.
func (ov *overlay) release() { ov.blocks, ov.latest = nil, nil }

// inOrder reports whether each sorted block's keys all come before the next block's.
func (ov *overlay) inOrder() bool {
	for i := 1; i < len(ov.blocks); i++ {
		a, b := ov.blocks[i-1], ov.blocks[i]
		if len(a) == 0 || len(b) == 0 || bytes.Compare(a[len(a)-1].key, b[0].key) >= 0 {
			return false
		}
	}
	return true
}

// blockHeap is a min-heap of sorted blocks by their first op; pop slices it off.
type blockHeap [][]op

func (h blockHeap) less(i, j int) bool {
	a, b := &h[i][0], &h[j][0]
	if c := bytes.Compare(a.key, b.key); c != 0 {
		return c < 0
	}
	return a.seq < b.seq
}

func (h blockHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// pop returns the smallest op and moves its block on.
func (h *blockHeap) pop() *op {
	o := &(*h)[0][0]
	if (*h)[0] = (*h)[0][1:]; len((*h)[0]) == 0 {
		last := len(*h) - 1
		(*h)[0] = (*h)[last]
		*h = (*h)[:last]
	}
	h.down(0)
	return o
}

func (h blockHeap) down(i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if r := c + 1; r < len(h) && h.less(r, c) {
			c = r
		}
		if !h.less(c, i) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// arena holds the keys and values a transaction writes, packed into chunks: one
// allocation per chunk instead of several per row, and nothing in them for the collector
// to trace. bbolt keeps the values it is given until the commit, and the ops keep the
// chunks alive as long.
type arena struct{ chunk []byte }

// room is an empty slice with space for about n bytes, to append to and hand to keep
// before the next room.
func (a *arena) room(n int) []byte {
	if cap(a.chunk)-len(a.chunk) < n {
		a.chunk = make([]byte, 0, max(n, min(1<<20, 2*cap(a.chunk)), 4096))
	}
	return a.chunk[len(a.chunk):len(a.chunk)]
}

// keep claims b, built by appending to the last room: if it fitted, the arena moves past
// it; if it outgrew the room, append has already given it memory of its own.
func (a *arena) keep(b []byte) []byte {
	free := a.chunk[len(a.chunk):cap(a.chunk)]
	if len(b) > 0 && cap(b) == cap(free) && &b[0] == &free[0] {
		a.chunk = a.chunk[:len(a.chunk)+len(b)]
		return b[:len(b):len(b)]
	}
	return b
}
