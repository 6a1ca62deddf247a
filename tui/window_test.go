package tui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
)

// jumpOnce sends one key to the model and returns it before the commands the
// key started have run: what the frame of that key shows, before any read
// comes back.
func jumpOnce(h *harness, key string) (*Model, tea.Cmd) {
	h.t.Helper()
	m, cmd := h.m.Update(keyMsg(key))
	h.m = m
	return m.(*Model), cmd
}

func TestHomeAndEndShowTheEndsReadAheadInTheFrameOfTheKey(t *testing.T) {
	h := newHarness(t, manyTrades(300), 100, 20)
	h.press("2")
	w := h.pool().list.win
	if w.ends[0] == nil || w.ends[1] == nil {
		t.Fatalf("ends not read ahead after the first window: head %v tail %v", w.ends[0] != nil, w.ends[1] != nil)
	}

	// Each end is drawn in the frame of its key; the page beside it is still read, in
	// the background.
	for _, c := range []struct{ jump, at, row, page, after string }{
		{"end", "T0300", "row 300 of 300", "pgup", "T0274"},
		{"home", "T0001", "row 1 of 300", "pgdown", "T0027"},
	} {
		m, cmd := jumpOnce(h, c.jump)
		if w := viewOf[*poolView](m).list.win; w.loading || h.cursorID() != c.at {
			t.Fatalf("%s: loading %v, cursor on %s; want %s at once", c.jump, w.loading, h.cursorID(), c.at)
		}
		h.mustShow(c.at, c.row)
		h.run(cmd)
		h.press(c.page, c.page)
		if h.cursorID() != c.after {
			t.Fatalf("two %s after %s: on %s, want %s", c.page, c.jump, h.cursorID(), c.after)
		}
	}
}

func TestAChangeDropsTheEndsReadAhead(t *testing.T) {
	h := newHarness(t, manyTrades(300), 100, 20)
	h.press("2", "end", "home")
	// New trades paid after every other arrive; the list is refreshed, as after
	// any change, and End must reach them, not the last screen read before.
	var later []domain.Trade
	for i := 301; i <= 305; i++ {
		later = append(later, trade("tb", fmt.Sprintf("T%04d", i), "late", testNow.Add(time.Duration(i)*time.Second), 1))
	}
	if _, err := h.store.Import(later, testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	stale := h.pool().list.win.ends[1]
	h.send(dataChangedMsg{})
	if w := h.pool().list.win; w.ends[1] == stale {
		t.Fatal("the refresh kept the last screen read before the change")
	}
	h.press("end")
	if h.cursorID() != "T0305" {
		t.Fatalf("End after the change: on %s, want T0305", h.cursorID())
	}
	h.mustShow("row 305 of 305")
}

func TestEndsOfAnOldQueryAreDropped(t *testing.T) {
	h := newHarness(t, manyTrades(300), 100, 20)
	h.press("2")
	tail := *h.pool().list.win.ends[1]
	// A filter makes a new query: the ends of the old one, even if their read
	// comes back late, must not be used for it.
	h.press("/")
	h.typeText("buyer1")
	h.press("enter")
	tail.seq = 0
	h.send(tail)
	h.press("end")
	if id := h.cursorID(); id != "T0199" {
		t.Fatalf("End in the filtered list: on %s, want T0199 (the last buyer1xx)", id)
	}
}
