package tui

import "github.com/charmbracelet/lipgloss"

// styles are built from one renderer so that every colour fits the terminal
// of the session that draws them (an SSH client, not the server's stdout).
// Colours are the 16 ANSI ones: they follow the operator's palette and work
// on any terminal a warehouse box meets.
type styles struct {
	r *lipgloss.Renderer

	plain     lipgloss.Style
	tab       lipgloss.Style
	tabActive lipgloss.Style
	title     lipgloss.Style
	dim       lipgloss.Style
	colHeader lipgloss.Style
	cursorRow lipgloss.Style
	mark      lipgloss.Style // selection gutter
	label     lipgloss.Style // field names in details
	key       lipgloss.Style // key names in help
	ok        lipgloss.Style
	warn      lipgloss.Style // due today
	danger    lipgloss.Style // overdue, errors
	urgent    lipgloss.Style // overdue orders and their attention mark
	loud      lipgloss.Style // overdue count on the dashboard
	box       lipgloss.Style // dialogs and dashboard panels
	// pickup grades a parcel's wait at the pickup point, 1–5, 5–15, 15–30 and over 30
	// days: the longer, the darker (seed 001); the words say it too, for NO_COLOR.
	pickup [4]lipgloss.Style
}

func newStyles(r *lipgloss.Renderer) styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	s := r.NewStyle
	return styles{
		r:         r,
		plain:     s(),
		tab:       s().Padding(0, 1),
		tabActive: s().Padding(0, 1).Bold(true).Reverse(true),
		title:     s().Bold(true),
		dim:       s().Faint(true),
		colHeader: s().Bold(true).Underline(true),
		cursorRow: s().Reverse(true),
		mark:      s().Foreground(lipgloss.Color("6")).Bold(true),
		label:     s().Faint(true),
		key:       s().Bold(true),
		ok:        s().Foreground(lipgloss.Color("2")),
		warn:      s().Foreground(lipgloss.Color("3")),
		danger:    s().Foreground(lipgloss.Color("1")),
		urgent:    s().Foreground(lipgloss.Color("1")).Bold(true),
		loud:      s().Foreground(lipgloss.Color("1")).Bold(true).Reverse(true),
		box:       s().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		pickup: [4]lipgloss.Style{
			s().Foreground(lipgloss.Color("6")),
			s().Foreground(lipgloss.Color("3")),
			s().Foreground(lipgloss.Color("1")),
			s().Foreground(lipgloss.Color("1")).Bold(true).Reverse(true),
		},
	}
}
