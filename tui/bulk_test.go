package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
)

const emsURL = "http://www.ems.com.cn/english-main.jsp"

// Valid UPU S10 numbers of China EMS (they start with E), and one whose
// check digit should be 7.
const (
	s10a   = "EE040293660CN"
	s10b   = "EA123456785CN"
	s10c   = "EB000000014CN"
	s10bad = "EB084456702CN"
)

func gspay(ref, number string) string {
	return fmt.Sprintf("%s:: %s:: Tracking ID=%s", ref, emsURL, number)
}

// bulkFixture has three converted orders, paid by TRB1, TRB2 and TRB3, and
// shows the bulk tracking view.
func bulkFixture(t *testing.T) *harness {
	t.Helper()
	trades := []domain.Trade{
		trade("tb", "B1", "alice", testNow.Add(-3*time.Hour), 1),
		trade("tb", "B2", "bob", testNow.Add(-2*time.Hour), 1),
		trade("tb", "B3", "carol", testNow.Add(-time.Hour), 1),
	}
	h := newHarness(t, trades, 140, 30)
	if _, err := h.store.ConvertAllReady(testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("4")
	return h
}

func (h *harness) ctrlS() { h.t.Helper(); h.send(tea.KeyMsg{Type: tea.KeyCtrlS}) }

// clearText empties the text box with ctrl+u, line by line.
func (h *harness) clearText() {
	h.t.Helper()
	for i := 0; h.bulk().input.Value() != ""; i++ {
		if i > 100 {
			h.t.Fatalf("ctrl+u did not empty the text box: %q", h.bulk().input.Value())
		}
		h.press("ctrl+u")
	}
}

func (h *harness) bulk() *bulkModel { return viewOf[*bulkModel](h.model()) }

// shipment is the stored shipment of the order a reference names.
func (h *harness) shipment(ref string) domain.Shipment {
	h.t.Helper()
	o, err := h.store.FindOrder(orderRef(ref))
	if err != nil {
		h.t.Fatalf("order %s: %v", ref, err)
	}
	o, found, err := h.store.Order(o.No)
	if err != nil || !found {
		h.t.Fatalf("order %s: found=%v err=%v", ref, found, err)
	}
	return o.Shipment
}

func TestBulkPasteCheckApply(t *testing.T) {
	h := bulkFixture(t)
	if h.model().capturing() {
		t.Fatal("the text box takes the keys before the operator pastes or presses enter")
	}
	// A Windows copy: byte order mark and CRLF line ends.
	h.paste("\ufeff" + gspay("TRB1", s10a) + "\r\n" + gspay("TRB2", s10b) + "\r\n" + gspay("TRB3", s10bad) + "\r\n")
	if got, want := h.bulk().input.Value(), gspay("TRB1", s10a)+"\n"+gspay("TRB2", s10b)+"\n"+gspay("TRB3", s10bad)+"\n"; got != want {
		t.Fatalf("text box holds %q, want %q", got, want)
	}
	h.ctrlS()
	if h.bulk().mode != bulkPreview {
		t.Fatalf("ctrl+s did not show the preview:\n%s", h.view())
	}
	h.mustShow("2 to ship", "0 to correct", "0 unchanged", "1 in error",
		"will ship with "+s10a, "will ship with "+s10b, "error: ", "check digit should be 7")
	if l := h.lineWith("TRB1"); !strings.Contains(l, "SO") {
		t.Errorf("preview line lacks the order number: %q", l)
	}
	if l := h.lineWith(s10bad); !strings.Contains(l, "3") {
		t.Errorf("error line lacks its line number: %q", l)
	}

	h.press("enter")
	h.mustShow("Ship 2 orders? 1 bad line will be skipped.")
	h.press("n")
	if h.bulk().mode != bulkPreview || h.shipment("TRB1").Number != "" {
		t.Fatal("cancel did not go back to the preview without writing")
	}
	h.press("enter", "y")
	if got := h.shipment("TRB1").Number; got != s10a {
		t.Errorf("TRB1 tracking %q, want %s", got, s10a)
	}
	if got := h.shipment("TRB2").Number; got != s10b {
		t.Errorf("TRB2 tracking %q, want %s", got, s10b)
	}
	if got := h.shipment("TRB3").Number; got != "" {
		t.Errorf("the bad line was written: TRB3 tracking %q", got)
	}
	h.mustShow("shipped 2, corrected 0, unchanged 0, skipped 1 bad line", "shipped with "+s10a, "line 3 TRB3 skipped")
	if v := h.bulk().input.Value(); v != "" {
		t.Errorf("the text box was not cleared for the next batch: %q", v)
	}
	if c := h.model().counts; c.Orders[domain.OrderAwaitingShipment] != 1 {
		t.Errorf("counts not refreshed: %d awaiting, want 1", c.Orders[domain.OrderAwaitingShipment])
	}

	// The same lines again change nothing; a new number is a correction.
	h.press("esc")
	if h.bulk().mode != bulkEditing || !h.model().capturing() {
		t.Fatal("closing the results did not go back to the focused text box")
	}
	h.paste(gspay("TRB1", s10a) + "\n" + gspay("TRB2", s10b) + "\n")
	h.ctrlS()
	h.mustShow("0 to ship", "2 unchanged", "0 in error")
	if !strings.Contains(h.lineWith("TRB2"), "unchanged") {
		t.Errorf("second run: %q", h.lineWith("TRB2"))
	}
	h.press("enter")
	h.mustShow("nothing to apply")
	if h.bulk().mode != bulkPreview {
		t.Fatal("a confirmation opened with nothing to apply")
	}

	h.press("esc")
	h.clearText()
	h.paste(gspay("TRB1", s10c))
	h.ctrlS()
	h.mustShow("1 to correct", "will correct "+s10a+" → "+s10c)
	h.press("enter")
	h.mustShow("Correct 1 tracking number?")
	h.mustNotShow("skipped")
	h.press("y")
	s := h.shipment("TRB1")
	if s.Number != s10c || s.Replaced != 1 {
		t.Errorf("after the correction: number %q replaced %d, want %s and 1", s.Number, s.Replaced, s10c)
	}
}

func TestBulkEscKeepsTextAndFocus(t *testing.T) {
	h := bulkFixture(t)
	text := gspay("TRB1", s10a)
	h.paste(text)
	h.ctrlS()
	h.press("esc")
	b := h.bulk()
	if b.mode != bulkEditing || !b.input.Focused() {
		t.Fatalf("esc in the preview: mode %d focused %v, want the focused text box", b.mode, b.input.Focused())
	}
	if b.input.Value() != text {
		t.Fatalf("text after esc %q, want %q", b.input.Value(), text)
	}

	// esc leaves the text box: global keys work again, enter comes back.
	h.press("esc")
	if h.model().capturing() {
		t.Fatal("esc did not leave the text box")
	}
	h.mustShow("not editing")
	h.press("enter")
	if !h.model().capturing() || h.bulk().input.Value() != text {
		t.Fatalf("enter did not refocus the text box unchanged: %q", h.bulk().input.Value())
	}
	h.press("esc", "1")
	if h.activeView() != "Dashboard" {
		t.Fatal("1 outside the text box did not show the dashboard")
	}
	h.press("4")
	if h.bulk().input.Value() != text {
		t.Fatal("the text was lost on leaving the view")
	}
	// A paste outside the text box goes into it.
	h.paste("\n" + gspay("TRB2", s10b))
	if !h.model().capturing() || !strings.HasSuffix(h.bulk().input.Value(), gspay("TRB2", s10b)) {
		t.Fatalf("a paste outside the text box was not taken: %q", h.bulk().input.Value())
	}
}

func TestBulkTypingIsText(t *testing.T) {
	h := bulkFixture(t)
	h.press("enter")
	h.typeText("q1234?")
	h.press("tab")
	if h.quit {
		t.Fatal("q typed into the text box quit")
	}
	if h.activeView() != "Tracking" {
		t.Fatalf("a digit typed into the text box switched views to %s", h.activeView())
	}
	if got := h.bulk().input.Value(); got != "q1234?"+tabMark {
		t.Fatalf("text box holds %q", got)
	}
	h.send(tea.KeyMsg{Type: tea.KeyCtrlC})
	if !h.quit {
		t.Fatal("ctrl+c did not quit from the text box")
	}
}

func TestBulkEscapeSequencesNeverReachTheTerminal(t *testing.T) {
	h := bulkFixture(t)
	h.paste(gspay("TR\x1b[31mB1\x1b]0;pwned\x07\u202e", s10a) + "\n" + gspay("TRB2\x9b2J", s10b) + "\n")
	check := func(where string) {
		t.Helper()
		v := h.view()
		for _, bad := range []string{"\x1b[31m", "\x1b]", "\x07", "\x9b", "\u202e"} {
			if strings.Contains(v, bad) {
				t.Fatalf("%s: view contains %q:\n%q", where, bad, v)
			}
		}
	}
	check("text box")
	if v := h.bulk().input.Value(); strings.ContainsAny(v, "\x1b\x07\x9b\u202e") {
		t.Fatalf("the text box keeps control characters: %q", v)
	}
	h.mustShow("TR?[31mB1?]0;pwned??::", "TRB2?2J::")
	h.ctrlS()
	check("preview")
	// The references stay visibly wrong: neither quietly becomes TRB1 or TRB2.
	h.mustShow("0 to ship", "2 in error")
	h.press("esc", "esc")
	check("not editing")
}

func TestBulkStaleCheckIsDropped(t *testing.T) {
	h := bulkFixture(t)
	h.paste(gspay("TRB1", s10a))
	m, stale := h.m.Update(tea.KeyMsg{Type: tea.KeyCtrlS})
	h.m = m
	h.mustShow("checking…")
	h.typeText("X") // the text changed: the check in flight no longer applies
	h.run(stale)
	if h.bulk().mode != bulkEditing {
		t.Fatalf("a check of an older text showed its preview:\n%s", h.view())
	}
	h.mustNotShow("checking…")
}

func TestBulkPreviewRefreshesAfterAnotherWrite(t *testing.T) {
	h := bulkFixture(t)
	h.paste(gspay("TRB1", s10a))
	h.ctrlS()
	h.mustShow("1 to ship")
	// Another session ships the order; its change reaches this session.
	lines := parseLines(t, gspay("TRB1", s10a))
	if _, err := h.store.ApplyTracking(lines, 0, domain.ShipPolicy{}, false, testNow, storage.Actor{Operator: "other", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.send(dataChangedMsg{}) // what a change of another session also does
	h.mustShow("1 unchanged", "0 to ship")
}

func TestBulkApplyRefusedWhenLinesTurnBad(t *testing.T) {
	h := bulkFixture(t)
	h.paste(gspay("TRB1", s10a))
	h.ctrlS()
	h.press("enter")
	h.mustShow("Ship 1 order?")
	// Meanwhile another session gives that number to another order.
	lines := parseLines(t, gspay("TRB2", s10a))
	if _, err := h.store.ApplyTracking(lines, 0, domain.ShipPolicy{}, false, testNow, storage.Actor{Operator: "other", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("y")
	if got := h.shipment("TRB1").Number; got != "" {
		t.Fatalf("a line confirmed as good but bad by now was written: %q", got)
	}
	h.mustShow("nothing written", "1 in error", "already used by")
	if h.bulk().mode != bulkPreview {
		t.Fatal("the refused apply did not stay in the preview")
	}
}

func TestBulkPreviewScrollsAndDrawsOnlyWhatFits(t *testing.T) {
	h := bulkFixture(t)
	const n = 10000
	c := bulkCheck{format: "gspay"}
	for i := 1; i <= n; i++ {
		c.plan.Verdicts = append(c.plan.Verdicts, domain.TrackingVerdict{Line: i, Ref: fmt.Sprintf("TR%05d", i), Err: "no sales order"})
	}
	long := strings.Repeat("a reason longer than the verdict column ", 3) + "ends here"
	c.plan.Verdicts[n-1].Err = long
	bm := h.bulk()
	bm.seq++
	bm.checking = true
	h.send(bulkCheckedMsg{seq: bm.seq, check: c})
	b := h.bulk()
	h.mustShow("TR00001", fmt.Sprintf("lines 1–%d of %d", b.previewHeight(), n), fmt.Sprintf("%d in error", n))
	h.press("end")
	h.mustShow(fmt.Sprintf("TR%05d", n), "ends here") // the whole reason of the row under the cursor
	h.mustNotShow("TR00001 ")
	h.press("k")
	h.mustShow(fmt.Sprintf("line %d: error: no sales order", n-1))
	if got := strings.Count(h.bulk().view(), "\n") + 1; got != h.bulk().height {
		t.Errorf("preview draws %d lines, want the %d that fit", got, h.bulk().height)
	}
}

// parseLines reads pasted text the way the view does.
func parseLines(t *testing.T, text string) []domain.TrackingLine {
	t.Helper()
	f, err := domain.ParseTracking("paste", strings.NewReader(text), time.UTC)
	if err != nil || len(f.Errors) > 0 {
		t.Fatalf("parse: %v %v", err, f.Errors)
	}
	return f.Lines
}

func TestBulkSyntaxErrorsMergedInLineOrder(t *testing.T) {
	h := bulkFixture(t)
	h.paste(gspay("TRB1", s10a) + "\nthis is not a line\n" + gspay("TRB2", s10b) + "\nTRB3:: " + emsURL + "\n")
	h.ctrlS()
	h.mustShow("2 to ship", "2 in error")
	var order []string
	for _, r := range h.bulk().rows {
		order = append(order, fmt.Sprint(r.line))
	}
	if got := strings.Join(order, " "); got != "1 2 3 4" {
		t.Fatalf("rows in line order %q, want 1 2 3 4", got)
	}
	if r := h.bulk().rows[1]; r.kind != kindBad || r.ref != "this is not a line" {
		t.Errorf("syntax error row %+v", r)
	}
	h.press("enter")
	h.mustShow("Ship 2 orders? 2 bad lines will be skipped.")
	h.press("y")
	if h.shipment("TRB1").Number != s10a || h.shipment("TRB2").Number != s10b || h.shipment("TRB3").Number != "" {
		t.Fatal("skipping the bad lines did not write exactly the good ones")
	}
	h.mustShow("line 2 skipped", "line 4 skipped")
}

func TestBulkCSVAndSpreadsheetPaste(t *testing.T) {
	h := bulkFixture(t)
	h.paste("order,carrier,tracking\r\nTRB1,ems," + s10a + "\r\n")
	h.ctrlS()
	h.mustShow("CSV", "will ship with "+s10a)
	h.press("esc")
	h.clearText()
	// Cells copied from a spreadsheet arrive tab-separated.
	h.paste("order\tcarrier\ttracking\ntb:B2\tems\t" + s10b + "\n")
	h.mustShow("order" + tabMark + "carrier")
	h.ctrlS()
	h.mustShow("will ship with " + s10b)
}

func TestPasteable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"\na\r\r\n\nb\r\r", "\na\nb\n"},
		{"\ufeffTR1:: u:: Tracking ID=X", "TR1:: u:: Tracking ID=X"},
		{"a\tb", "a" + tabMark + "b"},
		{"TR\x1b[31m1\x07", "TR?[31m1?"},
		{"x\u202ey\u200bz\x9b", "x?y?z?"},
		{"bad\xffutf8", "bad?utf8"},
		{"张三 ok", "张三 ok"},
	}
	for _, tc := range tests {
		if got := pasteable(tc.in); got != tc.want {
			t.Errorf("pasteable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBulkLargePasteIsKeptAsABlock(t *testing.T) {
	h := bulkFixture(t)
	var b strings.Builder
	b.WriteString(gspay("TRB1", s10a) + "\r\n")
	for i := 0; i < 1200; i++ {
		b.WriteString(gspay(fmt.Sprintf("TRNONE%d", i), domain.S10Number("EA", i, "CN")) + "\r\n")
	}
	h.paste(b.String())
	m := h.bulk()
	if m.blockN != 1201 || m.input.Value() != "" {
		t.Fatalf("block of %d lines, text box %d lines", m.blockN, m.input.LineCount())
	}
	h.mustShow("1201 lines pasted as a block", "TRB1::")
	h.press("x") // not edited: a hint, and the block is unchanged
	if h.bulk().blockN != 1201 {
		t.Fatal("a typed key changed the block")
	}
	h.ctrlS()
	h.mustShow("1 to ship", "1200 in error")
	h.press("enter")
	h.mustShow("Ship 1 order? 1200 bad lines will be skipped.")
	h.press("y")
	if got := h.shipment("TRB1").Number; got != s10a {
		t.Fatalf("TRB1 number %q after applying the block", got)
	}
	if h.bulk().block != "" {
		t.Fatal("the block stayed after it was applied")
	}
	// A new block can be cleared without checking it.
	h.press("esc")
	h.paste(b.String())
	h.send(tea.KeyMsg{Type: tea.KeyCtrlL})
	if h.bulk().block != "" {
		t.Fatal("ctrl+l did not clear the block")
	}
}
