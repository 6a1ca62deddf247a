package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"shipdesk/textsafe"
)

// helpLine is a one-line "key action" summary of bindings, cut to the width.
func helpLine(s styles, width int, bindings ...key.Binding) string {
	parts := make([]string, 0, len(bindings))
	for _, b := range bindings {
		h := b.Help()
		if h.Key == "" {
			continue
		}
		parts = append(parts, s.key.Render(textsafe.Safe(h.Key))+" "+s.dim.Render(textsafe.Safe(h.Desc)))
	}
	return fitLine(strings.Join(parts, "  "), width)
}

// filterHelp explains the filter syntax beside the bindings.
func filterHelp() []field {
	return []field{
		{"words", "all must match"},
		{"channel:NAME", "one channel"},
		{"state:NAME,…", "states; prefix ok; state:all"},
		{"carrier:CODE", "orders shipped with it"},
		{"tracking:none", "shipped, no number yet"},
		{"due:overdue", "or due:today, due:late"},
	}
}

// helpModel lists every binding by group, generated from the key map so a
// rebinding in the config shows here.
type helpModel struct {
	c             *common
	width, height int
	pager         pager
}

func newHelp(c *common) view { return &helpModel{c: c} }

func (m *helpModel) setSize(w, h int) tea.Cmd {
	m.width, m.height = w, h
	return nil
}

func (m *helpModel) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok {
		m.pager.update(k, &m.c.keys, len(joinBlocks(m.blocks())), m.height)
	}
	return nil
}

func (m *helpModel) refresh() tea.Cmd { return nil }
func (m *helpModel) capturing() bool  { return false }

func (m *helpModel) shortHelp() []key.Binding {
	k := &m.c.keys
	return []key.Binding{k.Up, k.Down, k.Back}
}

// blocks is the help as one block of lines per group: a title, then "keys  action".
func (m *helpModel) blocks() [][]string {
	s := m.c.styles
	entries := m.c.keys.Entries()
	keyWidth := 6
	for _, e := range entries {
		keyWidth = max(keyWidth, lipgloss.Width(textsafe.Safe(e.Binding.Help().Key))+2)
	}
	var blocks [][]string
	group := ""
	for _, e := range entries {
		if e.Group != group {
			group = e.Group
			blocks = append(blocks, []string{s.title.Render(group)})
		}
		h := e.Binding.Help()
		b := &blocks[len(blocks)-1]
		*b = append(*b, "  "+s.key.Render(Fit(h.Key, keyWidth))+textsafe.Safe(h.Desc))
	}
	filter := []string{s.title.Render("Filter (" + textsafe.Safe(m.c.keys.Filter.Help().Key) + ")")}
	for _, f := range filterHelp() {
		filter = append(filter, "  "+s.key.Render(Fit(f.label, 14))+f.value)
	}
	return append(blocks, filter)
}

// joinBlocks stacks blocks with a blank line between them.
func joinBlocks(blocks [][]string) []string {
	var out []string
	for i, b := range blocks {
		if i > 0 {
			out = append(out, "")
		}
		out = append(out, b...)
	}
	return out
}

// view packs the groups into columns as high as the screen, each group in
// the first column with room; if the columns are wider than the screen the
// help becomes one scrolling column.
func (m *helpModel) view() string {
	blocks := m.blocks()
	h := max(1, m.height)
	var cols [][][]string
	for _, b := range blocks {
		placed := false
		for i := range cols {
			if len(joinBlocks(cols[i]))+1+len(b) <= h {
				cols[i] = append(cols[i], b)
				placed = true
				break
			}
		}
		if !placed {
			cols = append(cols, [][]string{b})
		}
	}
	rendered := make([]string, len(cols))
	for i, c := range cols {
		rendered[i] = m.c.styles.plain.PaddingRight(4).Render(strings.Join(joinBlocks(c), "\n"))
	}
	if joined := lipgloss.JoinHorizontal(lipgloss.Top, rendered...); lipgloss.Height(joined) <= h && lipgloss.Width(joined) <= m.width {
		return joined
	}
	return strings.Join(pageOf(joinBlocks(blocks), m.pager.top, h), "\n")
}
