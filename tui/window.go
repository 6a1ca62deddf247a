package tui

import (
	"bytes"
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/storage"
)

// A window holds a bounded slice of a list that may have millions of rows:
// about three screens around the cursor. Moving inside it is instant; near
// its edge the neighbouring page is read in a tea.Cmd and the far side is
// trimmed, so memory stays bounded however far the operator scrolls.
//
// Every read carries the window's sequence number. A new query, Home, End or
// a refresh starts a new sequence and cancels the reads of the old one; their
// results, if they still arrive, are dropped.
//
// The first and the last screen of the list are read ahead, once the window
// has rows, so that Home and End show their rows at once, in the frame of the
// key, like any move inside the window. They belong to the list as it was at
// the last query or refresh (the window's generation): a refresh, which
// follows every change to the data, drops them and reads them again.

// source reads rows of one query. Both functions run inside tea.Cmds, so they
// must capture copies of everything they use.
type source[T any] struct {
	fetch func(ctx context.Context, from storage.Pos, back bool, limit int) ([]T, bool, error)
	count func() (n int, exact bool, err error)
}

type loadKind uint8

const (
	loadStart  loadKind = iota // first rows (new query, Home)
	loadEnd                    // last rows (End)
	loadAround                 // the rows around the cursor (refresh after a change)
	loadBefore                 // the page before the window
	loadAfter                  // the page after the window
	loadHead                   // the first screen, read ahead for Home
	loadTail                   // the last screen, read ahead for End
)

// windowMsg is the result of one read, for the window to: two lists of one row type
// each take only their own.
type windowMsg[T any] struct {
	to         *window[T]
	seq        uint64
	kind       loadKind
	from       storage.Pos // edge reads: the row they continue from
	rows       []T
	before     int // loadAround: how many rows precede the anchor
	moreBefore bool
	moreAfter  bool
	total      int
	exact      bool
	err        error
	gen        uint64 // loadHead, loadTail: the generation they were read in
}

// minPage keeps reads useful on tiny terminals and before the first resize.
const minPage = 10

type window[T any] struct {
	src    source[T]
	posOf  func(T) storage.Pos
	idOf   func(T) string
	height int // visible rows

	rows   []T
	cursor int // index into rows
	top    int // index of the first visible row

	offset      int  // list index of rows[0]
	offsetKnown bool // false after End on a query whose size is unknown
	moreBefore  bool
	moreAfter   bool
	total       int
	exact       bool

	seq           uint64
	ctx           context.Context // of the current sequence; cancelled when it is replaced
	cancel        context.CancelFunc
	loading       bool // a start/end/around read is under way
	pendingBefore bool
	pendingAfter  bool
	err           error

	// gen counts queries and refreshes; genCtx is cancelled when it moves on.
	// ends are the first and last screens (as start and end reads) of generation
	// gen, read ahead; nil until they are in.
	gen       uint64
	genCtx    context.Context
	genCancel context.CancelFunc
	ends      [2]*windowMsg[T]
	endsAsked [2]bool
}

func newWindow[T any](posOf func(T) storage.Pos, idOf func(T) string) window[T] {
	return window[T]{posOf: posOf, idOf: idOf, ctx: context.Background(), genCtx: context.Background()}
}

func (w *window[T]) page() int     { return max(w.height, minPage) }
func (w *window[T]) capacity() int { return 3 * w.page() }

// current is the row under the cursor.
func (w *window[T]) current() (T, bool) {
	if w.cursor < 0 || w.cursor >= len(w.rows) {
		var zero T
		return zero, false
	}
	return w.rows[w.cursor], true
}

// visible returns the rows on screen and the cursor's index among them.
func (w *window[T]) visible() ([]T, int) {
	end := min(len(w.rows), w.top+w.height)
	if w.top >= end {
		return nil, -1
	}
	return w.rows[w.top:end], w.cursor - w.top
}

// reset starts a new sequence: it cancels the reads of the old one and
// returns the context for the new reads.
func (w *window[T]) reset() (uint64, context.Context) {
	if w.cancel != nil {
		w.cancel()
	}
	w.seq++
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.loading, w.pendingBefore, w.pendingAfter = true, false, false
	return w.seq, w.ctx
}

// nextGen starts a new generation: the ends read ahead, or being read, are dropped.
func (w *window[T]) nextGen() {
	if w.genCancel != nil {
		w.genCancel()
	}
	w.gen++
	w.genCtx, w.genCancel = context.WithCancel(context.Background())
	w.ends, w.endsAsked = [2]*windowMsg[T]{}, [2]bool{}
}

// query replaces the source and reads the first rows.
func (w *window[T]) query(src source[T]) tea.Cmd {
	w.src = src
	w.nextGen()
	return w.load(loadStart)
}

// refresh re-reads the rows around the cursor, keeping it on the same row
// when that row is still in the list.
func (w *window[T]) refresh() tea.Cmd {
	w.nextGen()
	if len(w.rows) == 0 {
		return w.load(loadStart)
	}
	return w.load(loadAround)
}

func (w *window[T]) load(kind loadKind) tea.Cmd {
	if w.src.fetch == nil {
		return nil
	}
	seq, ctx := w.reset()
	src, limit := w.src, w.capacity()
	// A jump to either end reads one screen, so its frame comes at once; ensure then reads
	// the page beyond it in the background.
	screen := w.page()
	switch kind {
	case loadStart:
		return func() tea.Msg {
			rows, more, err := src.fetch(ctx, nil, false, screen)
			return finish(src, windowMsg[T]{to: w, seq: seq, kind: kind, rows: rows, moreAfter: more, err: err})
		}
	case loadEnd:
		return func() tea.Msg {
			rows, more, err := src.fetch(ctx, nil, true, screen)
			return finish(src, windowMsg[T]{to: w, seq: seq, kind: kind, rows: rows, moreBefore: more, err: err})
		}
	}
	posOf := w.posOf
	anchor := append(storage.Pos{}, posOf(w.rows[w.cursor])...)
	nb := min(max(w.cursor, 1), w.page())
	return func() tea.Msg {
		msg := around(ctx, src, posOf, seq, anchor, nb, limit)
		msg.to = w
		return msg
	}
}

// around reads up to nb rows before anchor, then the rest of the window from
// the last of those: that includes the anchor row itself if it is still listed.
func around[T any](ctx context.Context, src source[T], posOf func(T) storage.Pos, seq uint64, anchor storage.Pos, nb, limit int) windowMsg[T] {
	msg := windowMsg[T]{seq: seq, kind: loadAround}
	before, moreBefore, err := src.fetch(ctx, anchor, true, nb)
	if err != nil {
		msg.err = err
		return msg
	}
	var from storage.Pos
	if len(before) > 0 {
		from = posOf(before[len(before)-1])
	}
	after, moreAfter, err := src.fetch(ctx, from, false, limit-len(before))
	msg.rows, msg.before, msg.moreBefore, msg.moreAfter, msg.err = append(before, after...), len(before), moreBefore, moreAfter, err
	return finish(src, msg)
}

// finish adds the list size to a successful reset read.
func finish[T any](src source[T], msg windowMsg[T]) windowMsg[T] {
	if msg.err == nil && src.count != nil {
		msg.total, msg.exact, msg.err = src.count()
	}
	return msg
}

// loadEdge reads the page before or after the window.
func (w *window[T]) loadEdge(back bool) tea.Cmd {
	seq, ctx, fetch, limit := w.seq, w.ctx, w.src.fetch, w.page()
	kind, row := loadAfter, w.rows[len(w.rows)-1]
	if back {
		kind, row = loadBefore, w.rows[0]
	}
	from := append(storage.Pos{}, w.posOf(row)...)
	return func() tea.Msg {
		rows, more, err := fetch(ctx, from, back, limit)
		msg := windowMsg[T]{to: w, seq: seq, kind: kind, from: from, rows: rows, err: err}
		msg.moreBefore, msg.moreAfter = more, more
		return msg
	}
}

// readEnd reads ahead the first (back false) or last screen of the list.
func (w *window[T]) readEnd(back bool) tea.Cmd {
	kind, i := loadHead, 0
	if back {
		kind, i = loadTail, 1
	}
	w.endsAsked[i] = true
	gen, ctx, src, screen := w.gen, w.genCtx, w.src, w.page()
	return func() tea.Msg {
		rows, more, err := src.fetch(ctx, nil, back, screen)
		msg := windowMsg[T]{to: w, kind: kind, gen: gen, rows: rows, moreBefore: more && back, moreAfter: more && !back, err: err}
		return finish(src, msg)
	}
}

// keepEnd keeps the rows of a start or end read as the list's first or last
// screen, when the read was one screen (a jump's), as the start or end read a
// jump to it replays. Callers have checked that it is of this generation.
func (w *window[T]) keepEnd(msg windowMsg[T]) {
	i, kind := 0, loadStart
	if msg.kind == loadEnd || msg.kind == loadTail {
		i, kind = 1, loadEnd
	}
	if len(msg.rows) > w.page() {
		return
	}
	msg.kind = kind
	msg.rows = append([]T(nil), msg.rows...) // the window grows and trims its own
	w.ends[i], w.endsAsked[i] = &msg, true
}

// jump shows a screen kept by keepEnd, as if it had just been read.
func (w *window[T]) jump(end *windowMsg[T]) tea.Cmd {
	msg := *end
	msg.seq, _ = w.reset()
	return w.apply(msg) // apply keeps a copy of the rows as the end
}

// ensure reads the neighbouring page when the cursor is within a screen of
// the window's edge and the list goes on, and the ends of the list ahead.
func (w *window[T]) ensure() tea.Cmd {
	if w.loading || len(w.rows) == 0 {
		return nil
	}
	var cmds []tea.Cmd
	if w.moreBefore && !w.endsAsked[0] {
		cmds = append(cmds, w.readEnd(false))
	}
	if w.moreAfter && !w.endsAsked[1] {
		cmds = append(cmds, w.readEnd(true))
	}
	if w.moreAfter && !w.pendingAfter && len(w.rows)-1-w.cursor < w.page() {
		w.pendingAfter = true
		cmds = append(cmds, w.loadEdge(false))
	}
	if w.moreBefore && !w.pendingBefore && w.cursor < w.page() {
		w.pendingBefore = true
		cmds = append(cmds, w.loadEdge(true))
	}
	return tea.Batch(cmds...)
}

// apply takes in a read. Results of an old sequence, or edge reads that no
// longer continue the window, are dropped.
func (w *window[T]) apply(msg windowMsg[T]) tea.Cmd {
	if msg.kind == loadHead || msg.kind == loadTail {
		if msg.gen == w.gen && msg.err == nil {
			w.keepEnd(msg)
		}
		return nil
	}
	if msg.seq != w.seq {
		return nil
	}
	switch msg.kind {
	case loadBefore:
		w.pendingBefore = false
	case loadAfter:
		w.pendingAfter = false
	default:
		w.loading = false
	}
	if msg.err != nil {
		w.err = msg.err
		return nil
	}
	w.err = nil
	switch msg.kind {
	case loadStart:
		w.keepEnd(msg)
		w.rows, w.cursor, w.top = msg.rows, 0, 0
		w.moreBefore, w.moreAfter = false, msg.moreAfter
	case loadEnd:
		w.keepEnd(msg)
		w.rows, w.cursor = msg.rows, len(msg.rows)-1
		w.top = max(0, len(msg.rows)-w.height)
		w.moreBefore, w.moreAfter = msg.moreBefore, false
		w.offsetKnown = false
	case loadAround:
		w.applyAround(msg)
	case loadBefore:
		if len(w.rows) == 0 || !bytes.Equal(msg.from, w.posOf(w.rows[0])) {
			return nil
		}
		w.prepend(msg.rows, msg.moreBefore)
	case loadAfter:
		if len(w.rows) == 0 || !bytes.Equal(msg.from, w.posOf(w.rows[len(w.rows)-1])) {
			return nil
		}
		w.appendRows(msg.rows, msg.moreAfter)
	}
	if msg.kind <= loadAround {
		w.total, w.exact = msg.total, msg.exact
	}
	w.settleOffset()
	w.scroll()
	return w.ensure()
}

func (w *window[T]) applyAround(msg windowMsg[T]) {
	id, screenRow := "", w.cursor-w.top
	if r, ok := w.current(); ok {
		id = w.idOf(r)
	}
	oldAbs, known := w.offset+w.cursor, w.offsetKnown
	w.rows, w.cursor = msg.rows, msg.before
	for i, r := range msg.rows {
		if w.idOf(r) == id {
			w.cursor = i
			break
		}
	}
	w.cursor = min(w.cursor, len(w.rows)-1)
	w.top = max(0, w.cursor-screenRow)
	w.moreBefore, w.moreAfter = msg.moreBefore, msg.moreAfter
	// Rows above may have left the list; the position is an estimate until
	// the start of the list is in the window again.
	w.offset, w.offsetKnown = max(0, oldAbs-msg.before), known
}

func (w *window[T]) prepend(rows []T, more bool) {
	n := len(rows)
	w.rows = append(append(make([]T, 0, n+len(w.rows)), rows...), w.rows...)
	w.cursor += n
	w.top += n
	w.offset -= n
	w.moreBefore = more
	if extra := len(w.rows) - w.capacity(); extra > 0 {
		w.rows = w.rows[:len(w.rows)-extra]
		w.moreAfter = true
	}
}

func (w *window[T]) appendRows(rows []T, more bool) {
	w.rows = append(w.rows, rows...)
	w.moreAfter = more
	if extra := len(w.rows) - w.capacity(); extra > 0 {
		// Copy so the dropped rows can be collected.
		w.rows = append([]T(nil), w.rows[extra:]...)
		w.cursor -= extra
		w.top -= extra
		w.offset += extra
		w.moreBefore = true
	}
}

// settleOffset fixes the list index of the window when one of its ends is the
// list's end.
func (w *window[T]) settleOffset() {
	switch {
	case !w.moreBefore:
		w.offset, w.offsetKnown = 0, true
	case w.exact && !w.moreAfter:
		w.offset, w.offsetKnown = max(0, w.total-len(w.rows)), true
	}
}

// scroll keeps the cursor inside the rows and on screen.
func (w *window[T]) scroll() {
	w.cursor = max(0, min(w.cursor, len(w.rows)-1))
	h := max(w.height, 1)
	if w.cursor < w.top {
		w.top = w.cursor
	}
	if w.cursor >= w.top+h {
		w.top = w.cursor - h + 1
	}
	w.top = max(0, min(w.top, len(w.rows)-h))
}

// move moves the cursor by delta rows, as far as the window reaches.
func (w *window[T]) move(delta int) tea.Cmd {
	if len(w.rows) == 0 {
		return nil
	}
	w.cursor += delta
	w.scroll()
	return w.ensure()
}

func (w *window[T]) home() tea.Cmd {
	if !w.moreBefore && len(w.rows) > 0 {
		return w.move(-w.cursor)
	}
	if w.ends[0] != nil {
		return w.jump(w.ends[0])
	}
	return w.load(loadStart)
}

func (w *window[T]) end() tea.Cmd {
	if !w.moreAfter && len(w.rows) > 0 {
		return w.move(len(w.rows) - 1 - w.cursor)
	}
	if w.ends[1] != nil {
		return w.jump(w.ends[1])
	}
	return w.load(loadEnd)
}

func (w *window[T]) setHeight(h int) tea.Cmd {
	w.height = max(h, 0)
	w.scroll()
	return w.ensure()
}

// position says where the cursor is: "row 5 of 120". Without an exact size
// it counts the matches found so far ("row 5 of 40+"), and after End on such
// a list it counts from the end.
func (w *window[T]) position() string {
	if len(w.rows) == 0 {
		return ""
	}
	n := w.offset + w.cursor + 1
	switch {
	case !w.offsetKnown:
		return fmt.Sprintf("row %d from the end", len(w.rows)-w.cursor)
	case w.exact:
		return fmt.Sprintf("row %d of %d", min(n, w.total), w.total)
	case w.moreAfter:
		return fmt.Sprintf("row %d of %d+", n, w.offset+len(w.rows))
	}
	return fmt.Sprintf("row %d of %d", n, w.offset+len(w.rows))
}

// allKeys pages through every row of src, in a cmd, collecting keyOf of each: for
// "select all filtered", whose keys are never drawn, so the window's bound does not apply.
func allKeys[T, K any](ctx context.Context, src source[T], posOf func(T) storage.Pos, keyOf func(T) K) ([]K, error) {
	var keys []K
	var from storage.Pos
	for {
		rows, more, err := src.fetch(ctx, from, false, 1000)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			keys = append(keys, keyOf(r))
		}
		if !more || len(rows) == 0 {
			return keys, nil
		}
		from = posOf(rows[len(rows)-1])
	}
}
