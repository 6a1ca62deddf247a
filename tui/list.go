package tui

import (
	"context"
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"shipdesk/keymap"
	"shipdesk/textsafe"
)

// Pieces shared by the list views: the lines above the rows, cursor
// movement, and drawing a dialog over the bottom of the list.

// listChrome is how many lines a list draws above its rows: title, filter, column titles.
const listChrome = 3

// navigate moves the cursor for the list movement keys.
func navigate[T any](w *window[T], msg tea.KeyMsg, k *keymap.KeyMap) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, k.Up):
		return w.move(-1), true
	case key.Matches(msg, k.Down):
		return w.move(1), true
	case key.Matches(msg, k.PageUp):
		return w.move(-max(1, w.height)), true
	case key.Matches(msg, k.PageDown):
		return w.move(max(1, w.height)), true
	case key.Matches(msg, k.Home):
		return w.home(), true
	case key.Matches(msg, k.End):
		return w.end(), true
	}
	return nil, false
}

// titleLine is "Title · part · part", with an error at the end in red.
func titleLine(s styles, title string, parts []string, err error) string {
	line := s.title.Render(title)
	for _, p := range parts {
		if p != "" {
			line += s.dim.Render(" · ") + p
		}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		line += "  " + s.danger.Render("✗ "+textsafe.Safe(err.Error()))
	}
	return line
}

// sortArrow marks the sort direction.
func sortArrow(desc bool) string {
	if desc {
		return "↓"
	}
	return "↑"
}

// gutter marks the row under the cursor and selected rows: the cursor shows
// even on a terminal without reverse video.
func gutter(s *styles, base lipgloss.Style, cursor, selected bool) string {
	if !cursor && !selected {
		return base.Render("   ") // one Render for most rows of a frame
	}
	c, m := " ", " "
	if cursor {
		c = "▸"
	}
	if selected {
		m = "●"
	}
	return base.Render(c) + base.Inherit(s.mark).Render(m) + base.Render(" ")
}

const gutterWidth = 3

// overlay draws box over the last lines of body, which is height lines:
// the list stays visible above a dialog about it.
func overlay(body []string, box string, height int) []string {
	for len(body) < height {
		body = append(body, "")
	}
	lines := strings.Split(box, "\n")
	start := max(0, len(body)-len(lines))
	for i, l := range lines {
		if start+i < len(body) {
			body[start+i] = l
		}
	}
	return body
}
