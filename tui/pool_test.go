package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"

	"shipdesk/domain"
	"shipdesk/storage"
)

func TestPoolColumnsStayAlignedWithCJK(t *testing.T) {
	cn := trade("tmall", "T2", "张三丰", testNow.Add(-2*time.Hour), 3)
	cn.Consignee.Name = "李四光"
	cn.Consignee.Address = "北京市朝阳区建国路88号"
	trades := []domain.Trade{
		trade("tb", "T1", "alice", testNow.Add(-3*time.Hour), 1),
		cn,
		trade("jd", "T3", "a-very-long-buyer-name-that-gets-cut", testNow.Add(-time.Hour), 0),
	}
	for _, width := range []int{80, 120, 200} {
		h := newHarness(t, trades, width, 30)
		h.press("2")
		var cols []int
		for _, tr := range trades {
			line := h.lineWith(tr.TradeID + " ")
			if w := ansi.StringWidth(line); w != width {
				t.Errorf("width %d: row %s is %d cells wide", width, tr.TradeID, w)
			}
			paid := tr.PaidAt.In(testLoc).Format(shortTime)
			i := strings.Index(line, paid)
			if i < 0 {
				t.Fatalf("width %d: row %s lacks paid time %q:\n%s", width, tr.TradeID, paid, line)
			}
			cols = append(cols, runewidth.StringWidth(line[:i]))
		}
		if cols[0] != cols[1] || cols[1] != cols[2] {
			t.Errorf("width %d: paid-at column starts at cells %v, want equal:\n%s", width, cols, h.view())
		}
	}
	h := newHarness(t, trades, 120, 30)
	h.press("2")
	h.mustShow("张三丰", "—") // header-only entry shows a dash for items
	if !strings.Contains(h.lineWith("T3 "), "hdr") {
		t.Errorf("header-only row lacks the hdr flag: %q", h.lineWith("T3 "))
	}
}

func TestEscapeSequencesNeverReachTheTerminal(t *testing.T) {
	evil := trade("tb", "T1", "evil\x1b[31mred\x1b[2J", testNow.Add(-time.Hour), 1)
	evil.Consignee.Name = "\x1b]0;pwned\x07bob\u202e"
	evil.Consignee.Address = "line1\nline2\r\x9b31m"
	evil.Items[0].Title = "\x1b[1;1Hwidget\x07"
	evil.PaymentRef = "TR\x1bP1$r\x1b\\9"
	h := newHarness(t, []domain.Trade{evil}, 120, 30)
	h.press("2")
	check := func(where string) {
		t.Helper()
		v := h.view()
		for _, bad := range []string{"\x1b[31m", "\x1b[2J", "\x1b", "\x07", "\x9b", "\u202e"} {
			if strings.Contains(v, bad) {
				t.Fatalf("%s: view contains %q:\n%q", where, bad, v)
			}
		}
	}
	check("list")
	h.mustShow("evilred")
	h.press("enter")
	check("detail")
	h.mustShow("evilred", "widget", "line1 line2")
	h.press("esc", "x")
	check("confirm")
	h.press("y")
	check("results")
}

func TestFilterAsYouType(t *testing.T) {
	trades := []domain.Trade{
		trade("tb", "T1", "alice", testNow.Add(-4*time.Hour), 1),
		trade("jd", "T2", "bob", testNow.Add(-3*time.Hour), 1),
		trade("tb", "T3", "Alice Wong", testNow.Add(-2*time.Hour), 0),
		trade("jd", "T4", "carol", testNow.Add(-time.Hour), 0),
	}
	h := newHarness(t, trades, 120, 30)
	h.press("2")
	if got := h.poolIDs(); !slices.Equal(got, []string{"T1", "T2", "T3", "T4"}) {
		t.Fatalf("unfiltered rows %v", got)
	}

	h.press("/")
	h.typeText("ali")
	if got := h.poolIDs(); !slices.Equal(got, []string{"T1", "T3"}) {
		t.Fatalf("after typing \"ali\": rows %v, want T1 T3", got)
	}
	h.typeText(" wong")
	if got := h.poolIDs(); !slices.Equal(got, []string{"T3"}) {
		t.Fatalf("all words must match: rows %v, want T3", got)
	}
	h.mustShow("row 1 of 1")

	tests := []struct {
		filter string
		want   []string
	}{
		{"channel:jd", []string{"T2", "T4"}},
		{"state:await", []string{"T3", "T4"}},
		{"state:ready,awaiting_detail channel:tb", []string{"T1", "T3"}},
		{"state:all", []string{"T1", "T2", "T3", "T4"}},
	}
	for _, tc := range tests {
		h.press("esc") // clears the filter and leaves the input
		h.press("/")
		h.typeText(tc.filter)
		if got := h.poolIDs(); !slices.Equal(got, tc.want) {
			t.Errorf("filter %q: rows %v, want %v", tc.filter, got, tc.want)
		}
	}

	// A bad state shows the error and keeps the rows of the last good filter.
	h.press("esc", "/")
	h.typeText("channel:jd")
	h.paste(" state:bogus")
	if got := h.poolIDs(); !slices.Equal(got, []string{"T2", "T4"}) {
		t.Errorf("bad state: rows %v, want those of channel:jd", got)
	}
	h.mustShow(`state "bogus" is not one of`)
	h.paste(" colour:red")
	h.mustShow(`unknown term "colour:"`)

	// enter keeps the filter, esc in the list clears it.
	h.press("ctrl+u")
	h.typeText("bob")
	h.press("enter")
	if h.pool().list.filter.editing() {
		t.Fatal("enter did not leave the filter input")
	}
	if got := h.poolIDs(); !slices.Equal(got, []string{"T2"}) {
		t.Fatalf("after enter: rows %v, want T2", got)
	}
	h.mustShow("/bob")
	h.press("esc")
	if got := h.poolIDs(); len(got) != 4 {
		t.Fatalf("esc in the list did not clear the filter: rows %v", got)
	}
}

func TestStaleFilterResultsAreDropped(t *testing.T) {
	trades := []domain.Trade{
		trade("tb", "T1", "alice", testNow.Add(-2*time.Hour), 1),
		trade("tb", "T2", "albert", testNow.Add(-time.Hour), 1),
	}
	h := newHarness(t, trades, 120, 30)
	h.press("2", "/")
	// Type "a" but hold its read back, as if the database were slow.
	m, stale := h.m.Update(keyMsg("a"))
	h.m = m
	h.typeText("li")
	if got := h.poolIDs(); !slices.Equal(got, []string{"T1"}) {
		t.Fatalf("filter \"ali\": rows %v", got)
	}
	h.run(stale) // the read for "a" arrives last
	if got := h.poolIDs(); !slices.Equal(got, []string{"T1"}) {
		t.Fatalf("a stale result replaced the rows: %v", got)
	}

	// The same with a hand-made message of an old sequence.
	old := windowMsg[storage.PoolRow]{to: &h.pool().list.win, seq: h.pool().list.win.seq - 1, kind: loadStart, rows: h.pool().list.win.rows[:0]}
	h.send(old)
	if got := h.poolIDs(); !slices.Equal(got, []string{"T1"}) {
		t.Fatalf("an old-sequence message replaced the rows: %v", got)
	}
}

func TestSelectAndConvert(t *testing.T) {
	unpaid := trade("tb", "T5", "eve", time.Time{}, 1)
	unpaid.TradeStatus = domain.TradeUnpaid
	trades := []domain.Trade{
		trade("tb", "T1", "alice", testNow.Add(-5*time.Hour), 1),
		trade("tb", "T2", "bob", testNow.Add(-4*time.Hour), 2),
		trade("tb", "T3", "carol", testNow.Add(-3*time.Hour), 0), // awaiting detail
		trade("jd", "T4", "dave", testNow.Add(-2*time.Hour), 1),
		unpaid,
	}
	h := newHarness(t, trades, 120, 30)
	h.press("2")
	start := h.model().counts.Pool[domain.PoolReady]

	// Space toggles the row under the cursor and moves down.
	first := h.poolIDs()[0]
	h.press(" ")
	pool := h.pool().list
	if len(pool.selected.set) != 1 || pool.win.cursor != 1 {
		t.Fatalf("space: %d selected, cursor %d; want 1 selected, cursor 1", len(pool.selected.set), pool.win.cursor)
	}
	if !strings.Contains(h.lineWith(first+" "), "●") {
		t.Errorf("selected row is not marked: %q", h.lineWith(first+" "))
	}
	h.mustShow("1 selected")

	// a selects every row of the filter, here all channels but jd.
	h.press("/")
	h.typeText("channel:tb")
	h.press("enter", "A", "a")
	if n := len(h.pool().list.selected.set); n != 4 {
		t.Fatalf("select all filtered: %d selected, want 4", n)
	}
	h.press("c")
	h.mustShow("Convert 4 entries to sales orders?")
	h.press("y")

	// Results: every row with its outcome.
	h.mustShow("Convert: converted 2, skipped 2", "tb:T1 → SO0000000", "tb:T2 → SO0000000",
		"skipped: tb:T3 is not ready: no line items yet", "skipped: tb:T5 is not paid")
	for _, id := range []string{"T1", "T2"} {
		if e := h.entry("tb", id); e.State != domain.PoolConverted || e.OrderNo == 0 {
			t.Errorf("tb:%s: state %s order %d, want converted", id, e.State, e.OrderNo)
		}
	}
	if e := h.entry("jd", "T4"); e.State != domain.PoolReady {
		t.Errorf("jd:T4 outside the filter was converted")
	}
	if got := h.pool().list.selected.set; len(got) != 2 || !got[domain.Key{Channel: "tb", TradeID: "T3"}] {
		t.Errorf("selection after convert %v, want the two skipped rows", got)
	}
	h.mustShow("converted 2, skipped 2 — see results")

	h.press("esc")
	if h.pool().list.overlay != noOverlay {
		t.Fatal("esc did not close the results")
	}
	if got := h.poolIDs(); !slices.Equal(got, []string{"T5", "T3"}) { // unpaid sorts first
		t.Errorf("rows after convert %v, want the unconverted T5 T3", got)
	}
	c := h.model().counts
	if c.Pool[domain.PoolReady] != start-2 || c.Pool[domain.PoolConverted] != 2 || c.Orders[domain.OrderAwaitingShipment] != 2 {
		t.Errorf("counts after convert: ready %d (was %d), converted %d, awaiting %d",
			c.Pool[domain.PoolReady], start, c.Pool[domain.PoolConverted], c.Orders[domain.OrderAwaitingShipment])
	}
	h.press("1")
	if !regexp.MustCompile(`converted\s+2\b`).MatchString(h.view()) || !regexp.MustCompile(`awaiting shipment\s+2\b`).MatchString(h.view()) {
		t.Errorf("dashboard does not show the conversion:\n%s", h.view())
	}
}

func TestConvertAllReady(t *testing.T) {
	h := newHarness(t, manyTrades(5), 120, 30)
	h.press("2", "C")
	h.mustShow("Convert all 5 ready entries to sales orders?")
	h.press("n")
	if h.entry("tb", "T0001").State != domain.PoolReady {
		t.Fatal("n converted")
	}
	h.press("C", "enter")
	h.mustShow("converted 5, skipped 0")
	if h.entry("tb", "T0005").State != domain.PoolConverted {
		t.Fatal("convert all ready did not convert")
	}
}

func TestProcessNeedsAReason(t *testing.T) {
	h := newHarness(t, manyTrades(2), 120, 30)
	h.press("2", "p")
	h.mustShow("Mark 1 entry (tb:T0001) processed?")
	h.press("enter")
	h.mustShow("a reason is required")
	if e := h.entry("tb", "T0001"); e.State != domain.PoolReady {
		t.Fatalf("an empty reason marked it %s", e.State)
	}
	h.typeText("buyer cancelled by phone, not quite")
	h.press("enter")
	e := h.entry("tb", "T0001")
	if e.State != domain.PoolProcessed || e.Reason != "buyer cancelled by phone, not quite" {
		t.Fatalf("after reason: state %s reason %q", e.State, e.Reason)
	}
	h.mustShow("marked processed 1, skipped 0")
}

func TestRemoveTheRowUnderTheCursor(t *testing.T) {
	h := newHarness(t, manyTrades(3), 120, 30)
	h.press("2", "down", "x")
	h.mustShow("Remove 1 entry (tb:T0002) from the pool?")
	h.press("y")
	if e := h.entry("tb", "T0002"); e.State != domain.PoolRemoved {
		t.Fatalf("T0002 is %s, want removed", e.State)
	}
	for _, id := range []string{"T0001", "T0003"} {
		if e := h.entry("tb", id); e.State != domain.PoolReady {
			t.Errorf("%s is %s, want ready", id, e.State)
		}
	}
	h.press("enter")
	if got := h.poolIDs(); !slices.Equal(got, []string{"T0001", "T0003"}) {
		t.Errorf("rows after remove %v", got)
	}
}

func TestDetailShowsItemsAndEscGoesBack(t *testing.T) {
	h := newHarness(t, manyTrades(3), 120, 30)
	h.press("2", "down", "enter")
	h.mustShow("Pool entry tb:T0002", "SKU-T0002", "Widget T0002", "TRT0002", "144.97 CNY", "Items — 1 line, 1 unit")
	h.press("esc")
	if h.pool().detail.open {
		t.Fatal("esc did not close the detail")
	}
	if got := h.cursorID(); got != "T0002" {
		t.Fatalf("cursor on %s after the detail, want T0002", got)
	}

	// Actions work from the detail, on that entry, and the detail follows.
	h.press("enter", "c", "y", "enter")
	h.mustShow("Pool entry tb:T0002", "sales order", "SO00000001")
}

func TestPagingKeepsMemoryBounded(t *testing.T) {
	const n = 300
	h := newHarness(t, manyTrades(n), 100, 20)
	h.press("2")
	w := h.pool().list.win
	if w.height != 13 {
		t.Fatalf("visible rows %d, want 13 on a 20-line terminal", w.height)
	}
	limit := w.capacity()
	checkBound := func() {
		t.Helper()
		if got := len(h.pool().list.win.rows); got > limit {
			t.Fatalf("window holds %d rows, bound %d", got, limit)
		}
	}
	current := h.cursorID

	h.press("end")
	checkBound()
	if current() != "T0300" {
		t.Fatalf("End: cursor on %s, want T0300", current())
	}
	h.mustShow("T0300", "row 300 of 300")
	h.press("home")
	if current() != "T0001" {
		t.Fatalf("Home: cursor on %s", current())
	}
	h.mustShow("row 1 of 300")

	prev := 1
	for i := 0; i < 30; i++ {
		h.press("pgdown")
		checkBound()
		var row int
		if _, err := fmt.Sscanf(current(), "T%d", &row); err != nil {
			t.Fatal(err)
		}
		if row != min(n, prev+13) {
			t.Fatalf("PageDown %d: on row %d, want %d", i+1, row, min(n, prev+13))
		}
		prev = row
	}
	h.mustShow("row 300 of 300")
	for i := 0; i < 30; i++ {
		h.press("pgup")
		checkBound()
	}
	if current() != "T0001" {
		t.Fatalf("PageUp to the top: on %s", current())
	}
	h.mustShow("row 1 of 300")

	// With words the size is unknown: End counts from the end.
	h.press("/")
	h.typeText("buyer")
	h.press("enter", "end")
	checkBound()
	h.mustShow("row 1 from the end")
	// Home reads one screen (13 rows), then the page after it: 26 known so far.
	h.press("home")
	h.mustShow("row 1 of 26+")
}

func TestSortCyclesAndReverses(t *testing.T) {
	trades := []domain.Trade{
		trade("tb", "T1", "a", testNow.Add(-3*time.Hour), 1),
		trade("jd", "T2", "b", testNow.Add(-2*time.Hour), 1),
		trade("tb", "T3", "c", testNow.Add(-time.Hour), 1),
	}
	h := newHarness(t, trades, 120, 30)
	h.press("2")
	for _, step := range []struct {
		key    string
		header string
		want   []string
	}{
		{"s", "channel ↑", []string{"T2", "T1", "T3"}},
		{"S", "channel ↓", []string{"T3", "T1", "T2"}},
		{"s", "paid at ↓", []string{"T3", "T2", "T1"}},
		{"S", "paid at ↑", []string{"T1", "T2", "T3"}},
	} {
		h.press(step.key)
		if got := h.poolIDs(); !slices.Equal(got, step.want) {
			t.Errorf("after %s: rows %v, want %v", step.key, got, step.want)
		}
		h.mustShow("sort: "+step.header, step.header)
	}
}
