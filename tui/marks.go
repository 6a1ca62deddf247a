package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/storage"
)

// rowKey is what a list's rows are selected by: a pool key, a refund key.
type rowKey interface {
	comparable
	String() string
}

// marks is a list's selection, apart from the cursor, and the select-all that may be
// filling it. The set is a map, so copies of the model share it; Update is its only
// writer.
type marks[K rowKey] struct {
	set  map[K]bool
	stop context.CancelFunc // cancels a select-all under way, when the filter changes
}

// keysMsg carries every key of the filter of generation gen, for select-all, to the list
// that asked.
type keysMsg[K rowKey] struct {
	to   any
	gen  uint64
	keys []K
	err  error
}

func newMarks[K rowKey]() marks[K] { return marks[K]{set: map[K]bool{}} }

func (s marks[K]) toggle(k K) {
	if s.set[k] {
		delete(s.set, k)
	} else {
		s.set[k] = true
	}
}

// sorted lists the selected keys in a stable order for an action and its results.
func (s marks[K]) sorted() []K {
	keys := make([]K, 0, len(s.set))
	for k := range s.set {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int { return strings.Compare(a.String(), b.String()) })
	return keys
}

// targets are the selected keys, or the key of the row under the cursor (ok) when
// nothing is selected.
func (s marks[K]) targets(cursor K, ok bool) []K {
	switch {
	case len(s.set) > 0:
		return s.sorted()
	case ok:
		return []K{cursor}
	}
	return nil
}

// none clears the selection, stopping a select-all under way so it selects nothing later.
func (s *marks[K]) none() {
	s.cancel()
	clear(s.set)
}

// cancel stops a select-all under way.
func (s *marks[K]) cancel() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// selectAll starts collecting the key of every row of src (the filter of generation
// gen), page by page in a cmd: the keys are not drawn, so the window's bound does not
// apply. A select-all already under way is stopped. The result goes to the list to.
func selectAll[R any, K rowKey](s *marks[K], to any, src source[R], gen uint64, posOf func(R) storage.Pos, keyOf func(R) K) tea.Cmd {
	s.cancel()
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	return func() tea.Msg {
		keys, err := allKeys(ctx, src, posOf, keyOf)
		return keysMsg[K]{to: to, gen: gen, keys: keys, err: err}
	}
}

// done selects what a select-all of generation gen found (nothing if the filter has
// changed since) and says how many rows are selected, counting them as one or many.
func (s *marks[K]) done(msg keysMsg[K], gen uint64, one, many string) tea.Cmd {
	if msg.gen != gen {
		return nil
	}
	s.cancel() // done: releases the context
	if msg.err != nil {
		return reportErr(fmt.Errorf("select all: %w", msg.err))
	}
	for _, k := range msg.keys {
		s.set[k] = true
	}
	return report(fmt.Sprintf("selected %s", plural(len(s.set), one, many)))
}
