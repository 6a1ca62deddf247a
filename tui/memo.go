package tui

import (
	"sync"

	"shipdesk/textsafe"
)

// memo remembers the results of a pure function of a string and a number for the
// strings of the last frames drawn. Measuring non-ASCII text (grapheme clusters and their
// widths) took most of a list's View, and consecutive frames draw mostly the same cells
// and lines: the frame before a jump's rows arrive is the frame before it, and a cursor
// step redraws the same rows. Two generations of at most size entries each; a hit in the
// older one moves into the current one, so what the last frames used stays. Shared by
// the sessions of a server, hence the lock.
type memo struct {
	mu        sync.Mutex
	size      int
	cur, prev map[memoKey]string
}

type memoKey struct {
	s string
	n int
}

func newMemo(size int) *memo {
	return &memo{size: size, cur: make(map[memoKey]string, size)}
}

// get returns f(s, n), from memory when s and n were asked for lately.
func (m *memo) get(s string, n int, f func(string, int) string) string {
	k := memoKey{s, n}
	m.mu.Lock()
	v, ok := m.cur[k]
	if !ok {
		if v, ok = m.prev[k]; ok {
			m.put(k, v)
		}
	}
	m.mu.Unlock()
	if ok {
		return v
	}
	v = f(s, n)
	m.mu.Lock()
	m.put(k, v)
	m.mu.Unlock()
	return v
}

// put files k in the current generation, which becomes the older one when full.
func (m *memo) put(k memoKey, v string) {
	if len(m.cur) >= m.size {
		m.prev, m.cur = m.cur, make(map[memoKey]string, m.size)
	}
	m.cur[k] = v
}

// Fit is textsafe.Fit, remembered for the non-ASCII cells of the last frames drawn.
func Fit(s string, width int) string { return fitCell(s, width, true) }

// Cut is textsafe.Cut, remembered the same way.
func Cut(s string, max int) string { return fitCell(s, max, false) }

// fittedCells holds the non-ASCII cells fitted lately, keyed by text and width<<1|pad:
// the cells of a few screens of a few sessions.
var fittedCells = newMemo(4096)

func fitCell(s string, width int, pad bool) string {
	if width <= 0 || textsafe.PrintableASCII(s) {
		return fitNow(s, width<<1|boolBit(pad))
	}
	return fittedCells.get(s, width<<1|boolBit(pad), fitNow)
}

// fitNow is textsafe.Fit or Cut of s; n is width<<1|pad.
func fitNow(s string, n int) string {
	if n&1 == 1 {
		return textsafe.Fit(s, n>>1)
	}
	return textsafe.Cut(s, n>>1)
}

func boolBit(b bool) int {
	if b {
		return 1
	}
	return 0
}
