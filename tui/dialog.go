package tui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"shipdesk/keymap"
)

// outcome is what a key did to a dialog.
type outcome uint8

const (
	undecided outcome = iota
	accepted
	cancelled
)

// dialogBox draws a framed dialog centred across the width.
func dialogBox(s styles, width int, lines ...string) string {
	inner := max(10, width-6) // border and padding
	for i, l := range lines {
		lines[i] = fitLine(l, inner)
	}
	return s.r.PlaceHorizontal(width, lipgloss.Center, s.box.Render(strings.Join(lines, "\n")))
}

// confirmDialog asks a yes/no question that says how many and what.
type confirmDialog struct{ question string }

func (d confirmDialog) update(msg tea.KeyMsg, k *keymap.KeyMap) outcome {
	switch {
	case key.Matches(msg, k.Confirm):
		return accepted
	case key.Matches(msg, k.Cancel):
		return cancelled
	}
	return undecided
}

// A question of several lines (an undo's offer: what can and cannot be undone) shows
// them under each other, the first as the title.
func (d confirmDialog) view(s styles, k *keymap.KeyMap, width int) string {
	first, rest, _ := strings.Cut(d.question, "\n")
	lines := []string{s.title.Render(first)}
	if rest != "" {
		lines = append(lines, strings.Split(rest, "\n")...)
	}
	return dialogBox(s, width, append(lines, helpLine(s, width, k.Confirm, k.Cancel))...)
}

// reasonPrompt asks for the reason of an action, or another line of text such as a file
// name, which it refuses without one.
type reasonPrompt struct {
	question string
	input    textinput.Model
	need     string // what it says when the line is empty
	err      string
}

// reasonNeeded is what an empty reason is told.
const reasonNeeded = `a reason is required — type why, e.g. "buyer cancelled by phone"`

func newReasonPrompt(s styles, question string) reasonPrompt {
	return newLinePrompt(s, question, "reason: ", "", reasonNeeded)
}

// newLinePrompt asks for a line after label, starting with value.
func newLinePrompt(s styles, question, label, value, need string) reasonPrompt {
	p := reasonPrompt{question: question, input: newInput(s, label), need: need}
	p.input.SetValue(value)
	p.input.CursorEnd()
	p.input.Focus()
	return p
}

func (p reasonPrompt) reason() string { return strings.TrimSpace(p.input.Value()) }

func (p *reasonPrompt) update(msg tea.KeyMsg, k *keymap.KeyMap) (outcome, tea.Cmd) {
	switch {
	case command(msg, k.Cancel, k.Back):
		return cancelled, nil
	case command(msg, k.Confirm):
		if p.reason() == "" {
			p.err = p.need
			return undecided, nil
		}
		return accepted, nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	p.err = ""
	return undecided, cmd
}

func (p reasonPrompt) view(s styles, k *keymap.KeyMap, width int) string {
	p.input.Width = max(10, width-20)
	lines := []string{s.title.Render(p.question), p.input.View()}
	if p.err != "" {
		lines = append(lines, s.danger.Render(p.err))
	}
	return dialogBox(s, width, append(lines, helpLine(s, width, inputHelp(k.Confirm), inputHelp(k.Cancel)))...)
}

// inputHelp shows a binding with only the keys that work while typing:
// "y/enter confirm" becomes "enter confirm".
func inputHelp(b key.Binding) key.Binding {
	var keys []string
	for _, k := range b.Keys() {
		if utf8.RuneCountInString(k) > 1 && !strings.HasPrefix(k, "alt+") {
			keys = append(keys, k)
		}
	}
	return helpOnly(strings.Join(keys, "/"), b.Help().Desc)
}

// helpOnly is a binding that exists to be shown in a help line.
func helpOnly(keys, desc string) key.Binding {
	return key.NewBinding(key.WithHelp(keys, desc))
}

// resultLine is one row's outcome in a results panel.
type resultLine struct {
	done bool
	text string
}

// resultsPanel lists what a batch action did to every row.
type resultsPanel struct {
	title string
	lines []resultLine
	pager pager
}

// update scrolls; it reports whether the panel was dismissed.
func (p *resultsPanel) update(msg tea.KeyMsg, k *keymap.KeyMap, height int) bool {
	if key.Matches(msg, k.Back, k.Open, k.Confirm) {
		return true
	}
	p.pager.update(msg, k, len(p.lines), p.rows(height))
	return false
}

// rows is how many result lines fit beside the title and the scroll position.
func (p resultsPanel) rows(height int) int { return max(1, height-3) }

func (p resultsPanel) view(s styles, width, height int) string {
	rows := p.rows(height)
	out := []string{s.title.Render(Cut(p.title, width)), ""}
	for _, l := range pageOf(p.lines, p.pager.top, rows) {
		mark := s.ok.Render("✓ ")
		if !l.done {
			mark = s.danger.Render("✗ ")
		}
		out = append(out, mark+Cut(l.text, width-2))
	}
	if len(p.lines) > rows {
		out = append(out, s.dim.Render(fmt.Sprintf("lines %d–%d of %d", p.pager.top+1, min(len(p.lines), p.pager.top+rows), len(p.lines))))
	}
	return strings.Join(out, "\n")
}

// pager scrolls a list of lines taller than the screen.
type pager struct{ top int }

func (p *pager) update(msg tea.KeyMsg, k *keymap.KeyMap, n, height int) {
	switch {
	case key.Matches(msg, k.Up):
		p.top--
	case key.Matches(msg, k.Down):
		p.top++
	case key.Matches(msg, k.PageUp):
		p.top -= height
	case key.Matches(msg, k.PageDown):
		p.top += height
	case key.Matches(msg, k.Home):
		p.top = 0
	case key.Matches(msg, k.End):
		p.top = n
	}
	p.top = max(0, min(p.top, n-height))
}

// pageOf returns the lines from top that fit in height.
func pageOf[T any](lines []T, top, height int) []T {
	top = max(0, min(top, len(lines)))
	return lines[top:min(len(lines), top+height)]
}

// overlayKind is what a list's action overlay shows.
type overlayKind uint8

const (
	noOverlay overlayKind = iota
	confirming
	prompting
	showingResults
)

// actionOverlay is the confirmation or reason prompt before a list's bulk action and
// the results panel after it; every list embeds it.
type actionOverlay struct {
	overlay overlayKind
	confirm confirmDialog
	prompt  reasonPrompt
	results resultsPanel
}

// step handles a key while the overlay is open. run says the operator accepted the
// action, with the reason typed when one was asked for.
func (a *actionOverlay) step(msg tea.KeyMsg, k *keymap.KeyMap, height int) (run bool, reason string, cmd tea.Cmd) {
	switch a.overlay {
	case confirming:
		switch a.confirm.update(msg, k) {
		case accepted:
			return true, "", nil
		case cancelled:
			a.overlay = noOverlay
		}
	case prompting:
		out, cmd := a.prompt.update(msg, k)
		switch out {
		case accepted:
			return true, a.prompt.reason(), nil
		case cancelled:
			a.overlay = noOverlay
		}
		return false, "", cmd
	case showingResults:
		if a.results.update(msg, k, height) {
			a.overlay = noOverlay
		}
	}
	return false, "", nil
}
