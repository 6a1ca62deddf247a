package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"shipdesk/domain"
	"shipdesk/textsafe"
)

// column describes one table column. Columns start at min width; when the
// terminal is too narrow the one with the highest drop is hidden first
// (0 = never). Spare width grows the columns toward max in proportion to
// their room. An extra column is shown only when all the others are at max.
type column struct {
	title string
	min   int
	max   int
	right bool
	drop  int
	extra bool
}

// cell is one value to draw; style, if any, adds colour on top of the row's style.
type cell struct {
	text  string
	style *lipgloss.Style
}

func plainCells(texts ...string) []cell {
	cells := make([]cell, len(texts))
	for i, t := range texts {
		cells[i].text = t
	}
	return cells
}

// layout gives each column its width for a line of width cells; 0 hides it.
// Columns are separated by one space.
func layout(cols []column, width int) []int {
	w := make([]int, len(cols))
	full := make([]int, len(cols))
	for i, c := range cols {
		if !c.extra {
			w[i], full[i] = c.min, c.max
		}
	}
	for i, c := range cols {
		if c.extra {
			full[i] = c.min
			if used(full) <= width {
				w[i] = c.min
			}
		}
	}
	for used(w) > width {
		drop := -1
		for i, c := range cols {
			if w[i] > 0 && c.drop > 0 && (drop < 0 || c.drop > cols[drop].drop) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		w[drop] = 0
	}
	grow(cols, w, width-used(w))
	return w
}

// grow shares spare cells among the visible columns in proportion to how
// far each is from its max; the rounding rest goes to the columns that are
// dropped last.
func grow(cols []column, w []int, spare int) {
	room := 0
	for i, c := range cols {
		if w[i] > 0 {
			room += c.max - w[i]
		}
	}
	if room <= 0 || spare <= 0 {
		return
	}
	give := min(spare, room)
	left := give
	for i, c := range cols {
		if w[i] > 0 {
			g := give * (c.max - w[i]) / room
			w[i] += g
			left -= g
		}
	}
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return cols[order[a]].drop < cols[order[b]].drop })
	for left > 0 {
		for _, i := range order {
			if left > 0 && w[i] > 0 && w[i] < cols[i].max {
				w[i]++
				left--
			}
		}
	}
}

// used is the width of the visible columns plus their separators.
func used(w []int) int {
	n, cols := 0, 0
	for _, x := range w {
		if x > 0 {
			n += x
			cols++
		}
	}
	if cols > 1 {
		n += cols - 1
	}
	return n
}

// renderRow draws cells into their columns on one line of exactly width
// cells. Every text goes through Fit, so untrusted data is sanitised and
// wide characters keep the columns aligned.
//
// A run of cells without a style of their own, with the separators and the
// padding between them, is rendered in the row's style at once: a lipgloss
// Render costs about a microsecond whatever the text, and a screen of rows
// cell by cell took most of a list's View.
func renderRow(cols []column, widths []int, cells []cell, base lipgloss.Style, width int) string {
	var b, run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			b.WriteString(base.Render(run.String()))
			run.Reset()
		}
	}
	n := 0
	for i, c := range cols {
		if widths[i] == 0 || i >= len(cells) {
			continue
		}
		if n > 0 {
			run.WriteByte(' ')
			n++
		}
		text := Fit(cells[i].text, widths[i])
		if c.right {
			text = fitRight(cells[i].text, widths[i])
		}
		if st := cells[i].style; st != nil {
			flush()
			b.WriteString(base.Inherit(*st).Render(text))
		} else {
			run.WriteString(text)
		}
		n += widths[i]
	}
	if n < width {
		run.WriteString(strings.Repeat(" ", width-n))
	}
	flush()
	return b.String()
}

// headerRow draws the column titles.
func headerRow(s styles, cols []column, widths []int, width int) string {
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	return renderRow(cols, widths, plainCells(titles...), s.colHeader, width)
}

// fitRight is Fit aligned to the right, for numbers.
func fitRight(s string, width int) string {
	t := Cut(s, width)
	return strings.Repeat(" ", max(0, width-ansi.StringWidth(t))) + t
}

// cutLeft keeps the end of s, where a file path keeps its name.
func cutLeft(s string, max int) string {
	t := textsafe.Safe(s)
	w := ansi.StringWidth(t)
	if w <= max || max <= 1 {
		return Cut(t, max)
	}
	return ansi.TruncateLeft(t, w-max+1, "…")
}

// fitLine truncates a styled line to width cells. A line of printable ASCII is its
// length wide; others are measured once and remembered for the next frames.
func fitLine(s string, width int) string {
	if textsafe.PrintableASCII(s) {
		if len(s) <= width {
			return s
		}
		return s[:max(width, 0)]
	}
	return fittedLines.get(s, width, truncateLine)
}

func truncateLine(s string, width int) string { return ansi.Truncate(s, width, "") }

// fittedLines holds the lines fitted lately: a few screens of a few sessions.
var fittedLines = newMemo(1024)

// frame makes s exactly height lines, each at most width cells.
func frame(s string, width, height int) string {
	if height <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		lines[i] = fitLine(l, width)
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

const shortTime = "01-02 15:04"

// localTime shows t in the warehouse zone, or a dash when unset.
func localTime(t time.Time, loc *time.Location, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format(layout)
}

// listTime is a time in a list column: month, day and time within about a year of
// now, the full date (same width) beyond, so last year's November is not read as this one.
func listTime(t, now time.Time, loc *time.Location) string {
	if d := now.Sub(t); !t.IsZero() && (d > 300*24*time.Hour || d < -300*24*time.Hour) {
		return t.In(loc).Format("2006-01-02")
	}
	return localTime(t, loc, shortTime)
}

// age is how long ago t was, in the largest whole unit: "45m", "5h", "3d".
func age(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := now.Sub(t)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", max(0, int(d/time.Minute)))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// units is the item count of a trade, or a dash while only the header is known.
func units(t domain.Trade) string {
	if len(t.Items) == 0 {
		return "—"
	}
	return fmt.Sprint(t.ItemCount())
}

func itemColumns() []column {
	return []column{
		{title: "SKU", min: 8, max: 20, drop: 0},
		{title: "title", min: 10, max: 60, drop: 1},
		{title: "qty", min: 4, max: 5, right: true},
		{title: "unit price", min: 10, max: 14, right: true},
		{title: "line total", min: 10, max: 14, right: true},
	}
}

// itemLines draws the line items of a trade as a table.
func itemLines(s styles, items []domain.Item, width int) []string {
	cols := itemColumns()
	widths := layout(cols, width)
	lines := []string{headerRow(s, cols, widths, width)}
	for _, it := range items {
		lines = append(lines, renderRow(cols, widths, plainCells(
			it.SKU, it.Title, fmt.Sprint(it.Qty), it.Price.String(), it.Price.Times(it.Qty).String(),
		), s.plain, width))
	}
	if len(items) == 0 {
		lines = append(lines, s.dim.Render("no line items yet — waiting for the detail import"))
	}
	return lines
}

// field is one labelled value of a detail view.
type field struct{ label, value string }

// fieldLines draws label/value pairs, the values sanitised and cut to the width.
func fieldLines(s styles, fields []field, width int) []string {
	const labelWidth = 16
	lines := make([]string, 0, len(fields))
	for _, f := range fields {
		lines = append(lines, s.label.Render(Fit(f.label, labelWidth))+Cut(f.value, width-labelWidth))
	}
	return lines
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
