package tui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"shipdesk/textsafe"
)

// Drawing the bulk tracking view: the text box, a pasted block, the preview, and the
// keys for each.

func (m bulkModel) shortHelp() []key.Binding {
	k := &m.c.keys
	check := helpOnly(k.Save.Help().Key, "check lines")
	switch m.mode {
	case bulkConfirming:
		return []key.Binding{k.Confirm, k.Cancel}
	case bulkResults:
		return []key.Binding{k.Up, k.Down, helpOnly(k.Back.Help().Key+"/"+k.Open.Help().Key, "close")}
	case bulkPreview:
		return []key.Binding{helpOnly(k.Confirm.Help().Key, "apply…"), helpOnly(k.Back.Help().Key, "edit lines"), check, k.Up, k.Down, k.PageDown, k.PageUp}
	}
	if m.block != "" {
		return []key.Binding{check, helpOnly(k.ClearFilter.Help().Key, "clear")}
	}
	if m.input.Focused() {
		return []key.Binding{check, helpOnly(k.Back.Help().Key, "stop editing")}
	}
	return []key.Binding{helpOnly(k.Open.Help().Key, "edit lines"), check}
}

func (m bulkModel) view() string {
	switch m.mode {
	case bulkEditing:
		return m.editView()
	case bulkResults:
		return m.results.view(m.c.styles, m.width, m.height)
	}
	lines := m.previewView()
	if m.mode == bulkConfirming {
		lines = overlay(lines, m.confirm.view(m.c.styles, &m.c.keys, m.width), m.height)
	}
	return strings.Join(lines, "\n")
}

func (m bulkModel) editView() string {
	s := m.c.styles
	parts := []string{plural(m.input.LineCount(), "line", "lines")}
	switch {
	case m.checking:
		parts = append(parts, s.warn.Render("checking…"))
	case !m.input.Focused():
		parts = append(parts, s.dim.Render("not editing — paste, or "+textsafe.Safe(m.c.keys.Open.Help().Key)+" to edit"))
	}
	var err error
	if m.err != "" {
		err = errors.New(m.err)
	}
	hint := "GSPAY: REF:: URL:: Tracking ID=NUMBER   or CSV with a header: order,carrier,tracking[,shipped_at,eta]   (tabs show as " + tabMark + ")"
	if m.block != "" {
		return strings.Join(m.blockView(s, err), "\n")
	}
	return strings.Join([]string{
		titleLine(s, "Bulk tracking", parts, err),
		s.dim.Render(Cut(hint, m.width)),
		m.input.View(),
	}, "\n")
}

// blockView shows the start of a large paste, which is not edited here.
func (m bulkModel) blockView(s styles, err error) []string {
	k := &m.c.keys
	parts := []string{plural(m.blockN, "line", "lines") + " pasted as a block"}
	if m.checking {
		parts = append(parts, s.warn.Render("checking…"))
	}
	lines := []string{
		titleLine(s, "Bulk tracking", parts, err),
		s.dim.Render(Cut(fmt.Sprintf("too many lines to edit here: %s checks them, %s clears them", k.Save.Help().Key, k.ClearFilter.Help().Key), m.width)),
	}
	rest := m.block
	for len(lines) < m.height && rest != "" {
		line, tail, _ := strings.Cut(rest, "\n")
		rest = tail
		lines = append(lines, s.dim.Render("│ ")+Cut(strings.ReplaceAll(line, tabMark, " "), m.width-2))
	}
	return lines
}

func bulkColumns() []column {
	return []column{
		{title: "line", min: 5, max: 6, right: true},
		{title: "reference", min: 28, max: 30, drop: 2},
		{title: "order", min: 10, max: 10, drop: 1},
		{title: "verdict", min: 20, max: 200},
	}
}

// previewView draws the counts and the rows that fit.
func (m bulkModel) previewView() []string {
	s := m.c.styles
	ship, correct, unchanged, bad := m.check.counts()
	counts := []string{
		fmt.Sprintf("%d to ship", ship),
		countStyled(correct, "to correct", s.warn),
		fmt.Sprintf("%d unchanged", unchanged),
		countStyled(bad, "in error", s.urgent),
	}
	parts := []string{strings.ToUpper(m.check.format), strings.Join(counts, s.dim.Render(" · "))}
	rows := pageOf(m.rows, m.top, m.previewHeight())
	if len(m.rows) > len(rows) {
		parts = append(parts, s.dim.Render(fmt.Sprintf("lines %d–%d of %d", m.top+1, m.top+len(rows), len(m.rows))))
	}
	switch {
	case m.applying:
		parts = append(parts, s.warn.Render("applying…"))
	case m.checking:
		parts = append(parts, s.warn.Render("checking…"))
	}
	cols := bulkColumns()
	tw := m.width - gutterWidth
	widths := layout(cols, tw)
	lines := make([]string, 0, m.height)
	lines = append(lines, titleLine(s, "Bulk tracking — preview", parts, nil),
		strings.Repeat(" ", gutterWidth)+headerRow(s, cols, widths, tw))
	for i, r := range rows {
		cells := plainCells(fmt.Sprint(r.line), r.ref, r.order, r.verdict)
		switch r.kind {
		case kindBad:
			cells[3].style = &s.danger
		case kindCorrect:
			cells[3].style = &s.warn
		case kindUnchanged:
			cells[3].style = &s.dim
		}
		base, cur := s.plain, m.top+i == m.cursor
		if cur {
			base = s.cursorRow
		}
		lines = append(lines, gutter(&s, base, cur, false)+renderRow(cols, widths, cells, base, tw))
	}
	if len(m.rows) == 0 {
		return append(lines, s.dim.Render("no lines to check"))
	}
	foot := m.footer()
	for len(lines) < m.height-len(foot) {
		lines = append(lines, "")
	}
	return append(lines, foot...)
}

// footer is the whole verdict of the row under the cursor, wrapped.
func (m bulkModel) footer() []string {
	s, r := m.c.styles, m.rows[m.cursor]
	st := s.dim
	if r.kind == kindBad {
		st = s.danger
	}
	text := fmt.Sprintf("line %d", r.line)
	if r.order != "" {
		text += " " + r.order
	}
	out := strings.Split(ansi.Wrap(textsafe.Safe(text+": "+r.verdict), max(1, m.width), " "), "\n")
	if len(out) > footerLines {
		out = out[:footerLines]
		out[footerLines-1] = Cut(out[footerLines-1]+" …", m.width)
	}
	for i, l := range out {
		out[i] = st.Render(l)
	}
	return out
}

// countStyled is "n label", in st when n is not zero.
func countStyled(n int, label string, st lipgloss.Style) string {
	text := fmt.Sprintf("%d %s", n, label)
	if n > 0 {
		return st.Render(text)
	}
	return text
}
