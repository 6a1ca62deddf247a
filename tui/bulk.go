package tui

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// Bulk tracking (rule 11): the operator pastes GSPAY or CSV lines into a
// text box, ctrl+s checks every line against the orders (nothing is
// written), a preview lists each line's verdict, and confirming applies the
// good lines in one transaction. The view emits statusMsg and dataChangedMsg.

type bulkMode uint8

const (
	bulkEditing bulkMode = iota
	bulkPreview
	bulkConfirming
	bulkResults
)

// bulkKind is what a preview line will do, for its colour and the counts.
type bulkKind uint8

const (
	kindShip bulkKind = iota
	kindCorrect
	kindUnchanged
	kindBad
)

// bulkRow is one line of the preview, drawn from these strings only: the
// table stays fast however many lines were pasted.
type bulkRow struct {
	line    int
	ref     string
	order   string
	verdict string
	kind    bulkKind
}

// bulkCheck is what a check found: the parsed lines (applied as they are),
// the parser's syntax errors, and the plan of the lines that parsed.
type bulkCheck struct {
	text   string // the raw text checked, to show lines the parser refused
	format string
	lines  []domain.TrackingLine
	syntax domain.ImportErrors
	plan   domain.TrackingPlan
}

// counts says how many lines will do what; bad counts the lines refused by
// the parser as well as those the plan found in error.
func (c bulkCheck) counts() (ship, correct, unchanged, bad int) {
	ship, correct, unchanged, bad = c.plan.Counts()
	return ship, correct, unchanged, bad + len(c.syntax)
}

// Messages of the bulk view.
type (
	bulkCheckedMsg struct {
		seq   uint64
		check bulkCheck
		err   error // the paste could not be read at all
	}
	bulkAppliedMsg struct {
		check bulkCheck // the check as applied: its plan is the one written
		err   error
	}
)

// tabMark stands for a tab in the text box, which would otherwise turn tabs
// into spaces: a spreadsheet copies its cells tab-separated, and the CSV
// reader takes tabs as the delimiter. It is a tab again when checked.
const tabMark = "⇥"

// maxPasteLines is what the text box holds (the textarea's own limit). The
// textarea redraws every line on each frame, about 30 ms per 1,000 lines;
// the preview draws only the rows that fit.
const maxPasteLines = 10000

// A paste of more than blockLines lines into an empty box is kept as a block beside the
// text box rather than in it: the textarea redraws and re-wraps every line on every key,
// which takes a third of a second at ten thousand lines. A block is checked and applied
// like typed text, but not edited; maxBlockLines bounds it (the command line takes more).
const (
	blockLines    = 500
	maxBlockLines = 100_000
)

// lineNumberCells: the textarea reserves 4 cells for line numbers but draws
// MaxHeight's digits plus two spaces; the text box is narrowed by the rest.
const lineNumberCells = 7

type bulkModel struct {
	c             *common
	width, height int

	mode     bulkMode
	input    textarea.Model
	seq      uint64 // counts checks and edits: a check of an older text is dropped
	checking bool
	applying bool
	err      string // why the last paste could not be read at all
	block    string // a large paste, kept out of the text box (see blockLines)
	blockN   int    // its line count

	check   bulkCheck
	rows    []bulkRow
	cursor  int // preview row whose whole verdict shows below the table
	top     int // first preview row on screen
	confirm confirmDialog
	skipBad bool // the confirmation said bad lines will be skipped
	results resultsPanel
}

func newBulk(c *common) view {
	s := c.styles
	ta := textarea.New()
	st := textarea.Style{
		Base:             s.plain,
		CursorLine:       s.plain,
		CursorLineNumber: s.key,
		EndOfBuffer:      s.dim,
		LineNumber:       s.dim,
		Placeholder:      s.dim,
		Prompt:           s.dim,
		Text:             s.plain,
	}
	ta.FocusedStyle = st
	st.Text, st.CursorLine, st.CursorLineNumber = s.dim, s.dim, s.dim
	ta.BlurredStyle = st
	ta.Prompt = "│"
	ta.Placeholder = "paste GSPAY or CSV lines here"
	ta.MaxHeight = maxPasteLines
	ta.CharLimit = 0
	ta.Cursor.Style = s.cursorRow
	ta.Cursor.SetMode(cursor.CursorStatic)
	// ctrl+v would read the clipboard of the machine shipdesk runs on, which
	// over SSH is not the operator's; terminals paste as typed text anyway.
	ta.KeyMap.Paste.SetEnabled(false)
	// Unfocused until the operator pastes, types or presses enter: the
	// global keys (tab through the views, q) keep working on arrival.
	ta.Blur()
	return &bulkModel{c: c, input: ta}
}

func (m *bulkModel) setSize(w, h int) tea.Cmd {
	m.width, m.height = w, h
	m.input.SetWidth(max(1, w-(lineNumberCells-4)))
	m.input.SetHeight(max(1, h-2))
	return nil
}

// refresh checks the shown preview again: another session may have shipped
// some of its orders. Editing, confirming and results are left alone.
func (m *bulkModel) refresh() tea.Cmd {
	if m.mode != bulkPreview || m.applying {
		return nil
	}
	var cmd tea.Cmd
	*m, cmd = m.startCheck(m.check.text)
	return cmd
}

// capturing: the focused text box takes every key, so q and 1–4 are text;
// so does a confirmation.
func (m bulkModel) capturing() bool {
	return (m.mode == bulkEditing && m.input.Focused()) || m.mode == bulkConfirming
}

func (m *bulkModel) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	*m, cmd = m.step(msg)
	return cmd
}

func (m bulkModel) step(msg tea.Msg) (bulkModel, tea.Cmd) {
	switch msg := msg.(type) {
	case bulkCheckedMsg:
		return m.checked(msg)
	case bulkAppliedMsg:
		return m.applied(msg)
	case tea.KeyMsg:
		switch m.mode {
		case bulkEditing:
			return m.editKey(msg)
		case bulkPreview:
			return m.previewKey(msg)
		case bulkConfirming:
			return m.confirmKey(msg)
		case bulkResults:
			if m.results.update(msg, &m.c.keys, m.height) {
				return m.edit()
			}
		}
	}
	return m, nil
}

func (m bulkModel) editKey(msg tea.KeyMsg) (bulkModel, tea.Cmd) {
	k := &m.c.keys
	if m.block != "" {
		return m.blockKey(msg)
	}
	switch {
	case command(msg, k.Save):
		return m.startCheck(m.input.Value())
	case !m.input.Focused():
		if command(msg, k.Open) {
			return m, m.input.Focus()
		}
		if !typed(msg) {
			return m, nil
		}
		// A paste or a letter goes where the operator meant it to.
		cmd := m.input.Focus()
		var edit tea.Cmd
		m, edit = m.type_(msg)
		return m, tea.Batch(cmd, edit)
	case command(msg, k.Back):
		m.input.Blur()
		return m, nil
	}
	return m.type_(msg)
}

// blockKey handles keys while a large paste is held as a block: check it, or clear it.
func (m bulkModel) blockKey(msg tea.KeyMsg) (bulkModel, tea.Cmd) {
	k := &m.c.keys
	switch {
	case command(msg, k.Save):
		return m.startCheck(m.block)
	case command(msg, k.ClearFilter):
		m.seq++
		m.block, m.blockN, m.checking = "", 0, false
		return m, report("pasted block cleared")
	case typed(msg):
		return m, report(fmt.Sprintf("the %d pasted lines are kept as a block, not edited here: %s checks them, %s clears them",
			m.blockN, m.c.keys.Save.Help().Key, m.c.keys.ClearFilter.Help().Key))
	}
	return m, nil
}

// type_ hands a key to the text box. Text from outside (a paste) is made
// printable first, and a check of the old text is dropped.
func (m bulkModel) type_(msg tea.KeyMsg) (bulkModel, tea.Cmd) {
	m.seq++
	m.checking, m.err = false, ""
	switch {
	case msg.Type == tea.KeyTab:
		msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(tabMark)}
	case msg.Type == tea.KeyRunes:
		text := pasteable(string(msg.Runes))
		if n := strings.Count(strings.TrimRight(text, "\n"), "\n") + 1; msg.Paste && n > blockLines && m.input.Value() == "" {
			if n > maxBlockLines {
				return m, reportErr(fmt.Errorf("paste refused: %d lines, at most %d at a time here — use shipdesk import tracking FILE", n, maxBlockLines))
			}
			m.input.Blur()
			m.block, m.blockN = text, n
			return m, report(fmt.Sprintf("%d lines pasted: %s checks them", n, m.c.keys.Save.Help().Key))
		}
		if n := m.input.LineCount() + strings.Count(text, "\n"); n > maxPasteLines {
			text = strings.TrimRight(text, "\n")
			if n = m.input.LineCount() + strings.Count(text, "\n"); n > maxPasteLines {
				return m, reportErr(fmt.Errorf("paste refused: the box holds %d lines and would have %d — paste fewer lines at a time, or use shipdesk import tracking FILE", maxPasteLines, n))
			}
		}
		msg.Runes, msg.Paste = []rune(text), false
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// pasteable makes pasted text safe to keep in the text box and draw. A run
// of line ends becomes one "\n": terminals paste a CRLF copy as two CRs, and
// blank lines mean nothing in either format. A leading byte order mark goes,
// tabs become tabMark, and every other character a terminal would interpret
// (escape sequences start with ESC), bidi control, invisible character,
// invalid byte or U+FFFD (which the textarea would drop) becomes "?", as the
// command line shows them. Unlike Safe it removes nothing: a reference with
// an escape sequence stays visibly wrong and is refused, rather than quietly
// becoming another, valid-looking one.
func pasteable(s string) string {
	s = strings.TrimPrefix(strings.ToValidUTF8(s, "?"), "\ufeff")
	var b strings.Builder
	b.Grow(len(s))
	atBreak := false
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n':
			if !atBreak {
				b.WriteByte('\n')
			}
			atBreak = true
			continue
		case r == '\t':
			b.WriteString(tabMark)
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || unicode.Is(unicode.Cf, r) || textsafe.Invisible(r) ||
			r == '\u2028' || r == '\u2029' || r == '\uFFFD':
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
		atBreak = false
	}
	return b.String()
}

// startCheck parses the text and plans every line in a cmd; nothing is written.
func (m bulkModel) startCheck(text string) (bulkModel, tea.Cmd) {
	if strings.TrimSpace(strings.ReplaceAll(text, tabMark, "")) == "" {
		return m, report("nothing to check: paste GSPAY or CSV lines first")
	}
	m.seq++
	m.checking, m.err = true, ""
	seq, store, pol, now, op, loc := m.seq, m.c.store, m.c.policy, m.c.now(), m.c.operator, m.c.loc
	return m, func() tea.Msg {
		c := bulkCheck{text: text}
		file, err := domain.ParseTracking("paste", strings.NewReader(strings.ReplaceAll(text, tabMark, "\t")), loc)
		if err != nil {
			return bulkCheckedMsg{seq: seq, err: err}
		}
		lines := file.Lines
		c.lines, c.format, c.syntax = lines, file.Format, file.Errors
		if len(lines) > 0 {
			if c.plan, err = store.PlanTracking(lines, pol, now, op); err != nil {
				return bulkCheckedMsg{seq: seq, err: fmt.Errorf("checking the lines: %w", err)}
			}
		}
		return bulkCheckedMsg{seq: seq, check: c}
	}
}

func (m bulkModel) checked(msg bulkCheckedMsg) (bulkModel, tea.Cmd) {
	if msg.seq != m.seq || !m.checking {
		return m, nil
	}
	m.checking = false
	if msg.err != nil {
		m.err = msg.err.Error()
		if m.mode == bulkPreview {
			m.mode = bulkEditing
			return m, tea.Batch(m.input.Focus(), reportErr(msg.err))
		}
		return m, reportErr(msg.err)
	}
	if m.mode == bulkEditing {
		m.cursor, m.top = 0, 0
	}
	m.mode, m.check, m.rows = bulkPreview, msg.check, previewRows(msg.check)
	m.input.Blur()
	m.clampCursor()
	return m, nil
}

// previewRows merges the plan's verdicts and the parser's syntax errors in
// line order. A line the parser refused shows its start in place of a reference.
func previewRows(c bulkCheck) []bulkRow {
	vs, syn := c.plan.Verdicts, c.syntax
	var text []string
	if len(syn) > 0 {
		text = strings.Split(c.text, "\n")
	}
	rows := make([]bulkRow, 0, len(vs)+len(syn))
	for i, j := 0, 0; i < len(vs) || j < len(syn); {
		if j < len(syn) && (i == len(vs) || syn[j].Line < vs[i].Line) {
			e := syn[j]
			ref := ""
			if e.Line >= 1 && e.Line <= len(text) {
				ref = strings.TrimSpace(strings.ReplaceAll(text[e.Line-1], tabMark, " "))
			}
			rows = append(rows, bulkRow{line: e.Line, ref: ref, verdict: "error: " + e.Reason, kind: kindBad})
			j++
			continue
		}
		rows = append(rows, verdictRow(vs[i]))
		i++
	}
	return rows
}

func verdictRow(v domain.TrackingVerdict) bulkRow {
	r := bulkRow{line: v.Line, ref: v.Ref, verdict: v.String()}
	if v.OrderNo != 0 {
		r.order = domain.OrderNumber(v.OrderNo)
	}
	switch {
	case !v.OK():
		r.kind = kindBad
	case v.Outcome == domain.ShipCorrected, v.Outcome == domain.ShipUpdated:
		r.kind = kindCorrect
	case v.Outcome == domain.ShipUnchanged:
		r.kind = kindUnchanged
	}
	return r
}

// footerLines show the whole verdict of the row under the cursor, which
// the table may cut.
const footerLines = 2

// previewHeight is how many rows fit between the title and column titles
// and the footer.
func (m bulkModel) previewHeight() int { return max(1, m.height-2-footerLines) }

// clampCursor keeps the cursor on a row and on screen.
func (m *bulkModel) clampCursor() {
	h := m.previewHeight()
	m.cursor = max(0, min(m.cursor, len(m.rows)-1))
	m.top = max(0, min(m.top, m.cursor, len(m.rows)-h))
	if m.cursor >= m.top+h {
		m.top = m.cursor - h + 1
	}
}

func (m bulkModel) previewKey(msg tea.KeyMsg) (bulkModel, tea.Cmd) {
	k := &m.c.keys
	switch {
	case m.applying:
		return m, report("still applying the last batch…")
	case key.Matches(msg, k.Back):
		return m.edit()
	case key.Matches(msg, k.Save):
		return m.startCheck(m.check.text)
	case key.Matches(msg, k.Confirm):
		return m.ask()
	}
	switch h := m.previewHeight(); {
	case key.Matches(msg, k.Up):
		m.cursor--
	case key.Matches(msg, k.Down):
		m.cursor++
	case key.Matches(msg, k.PageUp):
		m.cursor -= h
		m.top -= h
	case key.Matches(msg, k.PageDown):
		m.cursor += h
		m.top += h
	case key.Matches(msg, k.Home):
		m.cursor = 0
	case key.Matches(msg, k.End):
		m.cursor = len(m.rows)
	}
	m.clampCursor()
	return m, nil
}

// edit goes back to the text box, focused, with the text as it was.
func (m bulkModel) edit() (bulkModel, tea.Cmd) {
	m.seq++ // a check of the preview still under way no longer applies
	m.mode, m.checking = bulkEditing, false
	return m, m.input.Focus()
}

// ask opens the confirmation, which says how many orders and what will
// happen to them, and whether bad lines will be skipped.
func (m bulkModel) ask() (bulkModel, tea.Cmd) {
	if m.checking {
		return m, report("still checking the lines…")
	}
	ship, correct, unchanged, bad := m.check.counts()
	var what []string
	if ship > 0 {
		what = append(what, "ship "+plural(ship, "order", "orders"))
	}
	if correct > 0 {
		what = append(what, "correct "+plural(correct, "tracking number", "tracking numbers"))
	}
	if len(what) == 0 {
		return m, report(fmt.Sprintf("nothing to apply: %s unchanged, %s in error", plural(unchanged, "line", "lines"), plural(bad, "line", "lines")))
	}
	q := strings.Join(what, " and ")
	q = strings.ToUpper(q[:1]) + q[1:] + "?"
	if bad > 0 {
		q += fmt.Sprintf(" %s will be skipped.", plural(bad, "bad line", "bad lines"))
	}
	m.confirm, m.skipBad, m.mode = confirmDialog{question: q}, bad > 0, bulkConfirming
	return m, nil
}

func (m bulkModel) confirmKey(msg tea.KeyMsg) (bulkModel, tea.Cmd) {
	switch m.confirm.update(msg, &m.c.keys) {
	case accepted:
		return m.apply()
	case cancelled:
		m.mode = bulkPreview
	}
	return m, nil
}

// apply writes the checked lines in one transaction inside a cmd. Storage
// plans them again in that transaction: a line another session made bad
// meanwhile is skipped only if the operator agreed to skip bad lines, else
// nothing is written.
func (m bulkModel) apply() (bulkModel, tea.Cmd) {
	if cmd := m.c.allow(domain.ActionTracking); cmd != nil {
		m.mode = bulkPreview
		return m, cmd
	}
	m.mode, m.applying = bulkPreview, true
	m.seq++ // a check still under way would show the state before the write
	m.checking = false
	store, pol, now, op, skip, c := m.c.store, m.c.policy, m.c.now(), m.c.actor(), m.skipBad, m.check
	c.lines = append([]domain.TrackingLine(nil), c.lines...)
	do := func() tea.Msg {
		var err error
		c.plan, err = store.ApplyTracking(c.lines, len(c.syntax), pol, skip, now, op)
		return bulkAppliedMsg{check: c, err: err}
	}
	return m, tea.Batch(report("applying tracking…"), do)
}

func (m bulkModel) applied(msg bulkAppliedMsg) (bulkModel, tea.Cmd) {
	m.applying = false
	switch {
	case errors.Is(msg.err, storage.ErrBadLines):
		// The orders changed since the check: show what the lines say now.
		m.check, m.rows = msg.check, previewRows(msg.check)
		m.clampCursor()
		_, _, _, bad := m.check.counts()
		return m, tea.Batch(reportErr(fmt.Errorf("nothing written: the orders changed since the check and %s now in error — review and confirm again",
			plural(bad, "line is", "lines are"))))
	case msg.err != nil:
		return m, reportErr(fmt.Errorf("applying tracking failed, nothing written: %w", msg.err))
	}
	ship, correct, unchanged, bad := msg.check.counts()
	summary := fmt.Sprintf("shipped %d, corrected %d, unchanged %d", ship, correct, unchanged)
	if bad > 0 {
		summary += fmt.Sprintf(", skipped %s", plural(bad, "bad line", "bad lines"))
	}
	m.results = resultsPanel{title: "Bulk tracking: " + summary, lines: resultLines(msg.check)}
	m.mode, m.check, m.rows = bulkResults, bulkCheck{}, nil
	m.input.Reset()
	m.block, m.blockN = "", 0
	m.seq++
	return m, tea.Batch(report(summary+" — see results"), changed)
}

// resultLines say what happened to every line, in line order: what it did
// to its order, or the reason it was skipped.
func resultLines(c bulkCheck) []resultLine {
	vs, syn := c.plan.Verdicts, c.syntax
	out := make([]resultLine, 0, len(vs)+len(syn))
	for i, j := 0, 0; i < len(vs) || j < len(syn); {
		if j < len(syn) && (i == len(vs) || syn[j].Line < vs[i].Line) {
			out = append(out, resultLine{text: fmt.Sprintf("line %d skipped: %s", syn[j].Line, syn[j].Reason)})
			j++
			continue
		}
		v := vs[i]
		i++
		if !v.OK() {
			out = append(out, resultLine{text: fmt.Sprintf("line %d %s skipped: %s", v.Line, v.Ref, v.Err)})
			continue
		}
		out = append(out, resultLine{done: true, text: fmt.Sprintf("line %d %s → %s %s", v.Line, v.Ref, domain.OrderNumber(v.OrderNo), appliedText(v))})
	}
	return out
}

// appliedText is a good verdict once written.
func appliedText(v domain.TrackingVerdict) string {
	switch v.Outcome {
	case domain.ShipCorrected:
		return fmt.Sprintf("corrected %s → %s", v.OldNumber, v.Number)
	case domain.ShipUnchanged:
		return "unchanged"
	case domain.ShipUpdated:
		return "URL or dates updated"
	case domain.ShipTracked:
		return "tracking added: " + v.Number
	}
	return "shipped with " + v.Number
}
