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
	w := h.model().pool.win
	if w.ends[0] == nil || w.ends[1] == nil {
		t.Fatalf("ends not read ahead after the first window: head %v tail %v", w.ends[0] != nil, w.ends[1] != nil)
	}

	m, cmd := jumpOnce(h, "end")
	if w := m.pool.win; w.loading || h.cursorID() != "T0300" {
		t.Fatalf("End: loading %v, cursor on %s; want T0300 at once", w.loading, h.cursorID())
	}
	h.mustShow("T0300", "row 300 of 300")
	// The page before the last screen is still read, in the background.
	h.run(cmd)
	h.press("pgup", "pgup")
	if h.cursorID() != "T0274" {
		t.Fatalf("two PageUps from the end: on %s, want T0274", h.cursorID())
	}

	m, cmd = jumpOnce(h, "home")
	if w := m.pool.win; w.loading || h.cursorID() != "T0001" {
		t.Fatalf("Home: loading %v, cursor on %s; want T0001 at once", w.loading, h.cursorID())
	}
	h.mustShow("T0001", "row 1 of 300")
	h.run(cmd)
	h.press("pgdown", "pgdown")
	if h.cursorID() != "T0027" {
		t.Fatalf("two PageDowns from the top: on %s, want T0027", h.cursorID())
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
	if _, err := h.store.Import(later, testNow, storage.Actor{Operator: "test"}); err != nil {
		t.Fatal(err)
	}
	stale := h.model().pool.win.ends[1]
	h.send(dataChangedMsg{})
	if w := h.model().pool.win; w.ends[1] == stale {
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
	tail := *h.model().pool.win.ends[1]
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
