package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/keymap"
	"shipdesk/storage"
)

// One list component serves every list of the console (pool, orders, refunds, audit):
// a window read from a storage index (window.go), cursor and paging, the "/" filter
// with its terms (a stale read is dropped by the window's sequence), sort by any
// column storage keeps an index for, selection apart from the cursor (marks.go),
// select-all-filtered, and the batch actions with their confirmation, one transaction
// and a results panel (listaction.go), and the detail of a row. Key dispatch and the
// status bar's help come from the same action table (the help screen from the key map).
// A list supplies only a listSpec: data.

// sortOption is one order a list can be read in: one that storage serves in index
// order, so that a window is read, never the whole list sorted in memory.
type sortOption struct {
	name   string // "paid at"
	column int    // the column whose title carries the direction arrow
	// asc and desc, when set, name the directions in the title line ("newest first");
	// else it says "sort: NAME ↑".
	asc, desc string
}

// listSpec is what a list is made of. R is a row as storage reads it, K the key rows
// are selected by, Q the storage query the filter text becomes.
type listSpec[R any, K rowKey, Q any] struct {
	title string
	// noun counts rows in "selected 4 requests"; thing counts them in an action's
	// question ("Convert 2 refund requests…"); both singular, plural.
	noun, thing [2]string
	columns     func() []column
	cells       func(R) []cell
	keyOf       func(R) K
	posOf       func(R) storage.Pos
	// parse reads the filter text; an error keeps the rows of the last good filter.
	parse func(text string) (Q, error)
	// read is the source of the rows of q in sort order sorts[sort], reversed with desc.
	// It runs on Update's goroutine but its functions run in cmds: it copies q.
	read  func(q Q, sort int, desc bool) source[R]
	sorts []sortOption
	desc  bool // the direction a list opens in
	// parts, when set, adds to the title line what the query shows (the states listed).
	parts func(q Q) []string
	// shape, when set, adjusts the columns to the query before the layout.
	shape func(q Q, cols []column)
	// empty is what an empty list says, without a filter and with one.
	empty [2]string
	hint  string // the filter's placeholder; "" keeps the default
	// detail, when set, is the view's detail of one row, which enter opens.
	detail *detailSpec[R, K]
	// follow: a refresh while the cursor is on the first row reads the list again
	// from its start, so new rows show at the top as they come (the audit log).
	follow  bool
	actions []listAction[K]
}

// detailSpec is a view's detail of one row: the view keeps the row shown, reads it
// whole, and draws it; the list opens it, scrolls it, closes it on back and takes the
// actions that work there (listAction.detail) on the row shown.
type detailSpec[R any, K rowKey] struct {
	open   func(R) tea.Cmd // enter on a row: the view shows it and reads it whole
	reload func() tea.Cmd  // a refresh while it is open: read the row shown again
	shown  func() K        // the key of the row shown
	title  func() string
	lines  func() []string
	// keys, when set, takes the view's own keys there first (ok: the key was its).
	keys func(tea.KeyMsg) (cmd tea.Cmd, ok bool)
	help func(*keymap.KeyMap) []key.Binding // the view's own keys there, for the status bar
}

// list is the state of one list. Views hold it by pointer; its messages carry the
// pointer, so two lists of the same row type never take each other's results.
type list[R any, K rowKey, Q any] struct {
	c             *common
	spec          *listSpec[R, K, Q]
	width, height int

	win      window[R]
	query    Q // the filter in force; the sort is kept apart
	sort     int
	desc     bool
	gen      uint64 // counts filter and sort changes, so a late select-all is dropped
	started  bool
	filter   filterBox
	selected marks[K]
	detail   detailPane

	actionOverlay
	pending pendingAction[K]
	busy    bool
}

func newList[R any, K rowKey, Q any](c *common, spec *listSpec[R, K, Q]) *list[R, K, Q] {
	keyOf := spec.keyOf
	l := &list[R, K, Q]{
		c: c, spec: spec, desc: spec.desc,
		win:      newWindow(spec.posOf, func(r R) string { return keyOf(r).String() }),
		filter:   newFilterBox(c.styles),
		selected: newMarks[K](),
	}
	if spec.hint != "" {
		l.filter.input.Placeholder = spec.hint
	}
	return l
}

// source reads the list for the current filter and sort.
func (l *list[R, K, Q]) source() source[R] { return l.spec.read(l.query, l.sort, l.desc) }

func (l *list[R, K, Q]) setSize(w, h int) tea.Cmd {
	l.width, l.height = w, h
	return l.win.setHeight(h - listChrome)
}

// refresh re-reads the rows around the cursor (from the start, the first time, or for a
// list that follows its head while the cursor is on it).
func (l *list[R, K, Q]) refresh() tea.Cmd {
	atHead := l.win.cursor == 0 && l.win.offsetKnown && l.win.offset == 0
	if !l.started || l.spec.follow && atHead {
		l.started = true
		return l.win.query(l.source())
	}
	cmd := l.win.refresh()
	if d := l.spec.detail; l.detail.open && d.reload != nil {
		cmd = tea.Batch(cmd, d.reload())
	}
	return cmd
}

// capturing: the filter input, a dialog or the results panel takes every key.
func (l *list[R, K, Q]) capturing() bool { return l.filter.editing() || l.overlay != noOverlay }

// selectable: a list with actions on more than the row under the cursor has a selection
// for them to act on.
func (l *list[R, K, Q]) selectable() bool {
	return slices.ContainsFunc(l.spec.actions, func(a listAction[K]) bool { return !a.cursorOnly })
}

// update takes the list's own results and, from its view, keys.
func (l *list[R, K, Q]) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case windowMsg[R]:
		if msg.to == &l.win {
			return l.win.apply(msg)
		}
	case keysMsg[K]:
		if msg.to == l {
			return l.selected.done(msg, l.gen, l.spec.noun[0], l.spec.noun[1])
		}
	case listActionMsg[K]:
		if msg.to == l {
			return l.actionDone(msg)
		}
	case listOfferMsg[K]:
		if msg.to == l {
			return l.offered(msg)
		}
	case tea.KeyMsg:
		return l.key(msg)
	}
	return nil
}

func (l *list[R, K, Q]) key(msg tea.KeyMsg) tea.Cmd {
	k := &l.c.keys
	switch {
	case l.overlay != noOverlay:
		return l.overlayKey(msg)
	case l.filter.editing():
		return l.filterKey(msg)
	case l.detail.open:
		return l.detailKey(msg)
	}
	if cmd, ok := navigate(&l.win, msg, k); ok {
		return cmd
	}
	switch {
	case key.Matches(msg, k.Filter):
		l.filter.open()
	case key.Matches(msg, k.ClearFilter), key.Matches(msg, k.Back) && l.filter.input.Value() != "":
		l.filter.clear()
		return l.applyFilter("")
	case key.Matches(msg, k.Open):
		if row, ok := l.win.current(); ok && l.spec.detail != nil {
			l.detail.show()
			return l.spec.detail.open(row)
		}
	case key.Matches(msg, k.Sort):
		return l.nextSort()
	case key.Matches(msg, k.Reverse):
		l.desc = !l.desc
		return l.requery()
	case l.selectable() && key.Matches(msg, k.Select):
		if row, ok := l.win.current(); ok {
			l.selected.toggle(l.spec.keyOf(row))
			return l.win.move(1)
		}
	case l.selectable() && key.Matches(msg, k.SelectAll):
		return l.selectAll()
	case l.selectable() && key.Matches(msg, k.SelectNone):
		l.selected.none()
	default:
		if a := l.actionFor(msg, false); a != nil {
			return l.ask(a, l.targets(a))
		}
	}
	return nil
}

// detailKey is a key in the detail: the view's own, an action on the row shown, back,
// or scrolling.
func (l *list[R, K, Q]) detailKey(msg tea.KeyMsg) tea.Cmd {
	d := l.spec.detail
	if d.keys != nil {
		if cmd, ok := d.keys(msg); ok {
			return cmd
		}
	}
	if a := l.actionFor(msg, true); a != nil {
		return l.ask(a, []K{d.shown()})
	}
	l.detail.key(msg, l.c, len(d.lines()), l.height-1)
	return nil
}

// nextSort reads the list in the next sort order the list has, keeping the direction.
func (l *list[R, K, Q]) nextSort() tea.Cmd {
	if len(l.spec.sorts) < 2 {
		return report(fmt.Sprintf("%s: no other sort — storage keeps it in one order, by %s; %s reverses it",
			l.spec.title, l.sortOption().name, l.c.keys.Reverse.Help().Key))
	}
	l.sort = (l.sort + 1) % len(l.spec.sorts)
	return l.requery()
}

func (l *list[R, K, Q]) sortOption() sortOption { return l.spec.sorts[l.sort] }

func (l *list[R, K, Q]) filterKey(msg tea.KeyMsg) tea.Cmd {
	ev, cmd := l.filter.update(msg, &l.c.keys)
	switch ev {
	case filterEdited:
		return tea.Batch(cmd, l.applyFilter(l.filter.input.Value()))
	case filterCleared:
		return l.applyFilter("")
	}
	return cmd
}

// applyFilter reads the list for a new filter text as it is typed. A text that does not
// parse keeps the rows of the last good one.
func (l *list[R, K, Q]) applyFilter(text string) tea.Cmd {
	q, err := l.spec.parse(text)
	if err != nil {
		l.filter.err = err.Error()
		return nil
	}
	l.filter.err, l.query = "", q
	return l.requery()
}

// requery reads the list from its start for a new filter or sort; a select-all of the
// old one is stopped and its late result dropped.
func (l *list[R, K, Q]) requery() tea.Cmd {
	l.selected.cancel()
	l.gen++
	l.started = true
	return l.win.query(l.source())
}

// selectAll selects every row that passes the filter.
func (l *list[R, K, Q]) selectAll() tea.Cmd {
	return selectAll(&l.selected, l, l.source(), l.gen, l.spec.posOf, l.spec.keyOf)
}

// current is the key of the row under the cursor.
func (l *list[R, K, Q]) current() (K, bool) {
	row, ok := l.win.current()
	if !ok {
		var zero K
		return zero, false
	}
	return l.spec.keyOf(row), true
}

// targets are what an action acts on: the selected keys, or the row under the cursor
// when nothing is selected (or the action takes the cursor's row only).
func (l *list[R, K, Q]) targets(a *listAction[K]) []K {
	cur, ok := l.current()
	if a.cursorOnly {
		if !ok {
			return nil
		}
		return []K{cur}
	}
	return l.selected.targets(cur, ok)
}

// shortHelp is generated from the list's state and its action table.
func (l *list[R, K, Q]) shortHelp() []key.Binding {
	k := &l.c.keys
	switch {
	case l.overlay == confirming:
		return []key.Binding{k.Confirm, k.Cancel}
	case l.overlay == prompting:
		return []key.Binding{inputHelp(k.Confirm), inputHelp(k.Cancel)}
	case l.overlay == showingResults:
		return []key.Binding{k.Up, k.Down, helpOnly(k.Back.Help().Key+"/"+k.Open.Help().Key, "close")}
	case l.filter.editing():
		return []key.Binding{helpOnly(inputHelp(k.Confirm).Help().Key, "keep filter"), helpOnly(inputHelp(k.Cancel).Help().Key, "clear filter")}
	case l.detail.open:
		bs := []key.Binding{k.Back}
		if h := l.spec.detail.help; h != nil {
			bs = append(bs, h(k)...)
		}
		return append(append(bs, l.detailHelp()...), k.Up, k.Down, k.PageDown)
	}
	var bs []key.Binding
	if l.spec.detail != nil {
		bs = append(bs, k.Open)
	}
	bs = append(bs, k.Filter)
	if l.selectable() {
		bs = append(bs, k.Select, k.SelectAll)
	}
	for i := range l.spec.actions {
		bs = append(bs, l.spec.actions[i].binding(k))
	}
	bs = append(bs, k.Sort, k.Reverse)
	if l.selectable() {
		return append(bs, k.SelectNone)
	}
	return append(bs, k.Up, k.Down, k.PageDown, k.End)
}

// view draws the list or the detail of a row, and over it a dialog or in its place the
// results.
func (l *list[R, K, Q]) view() string {
	s, k := l.c.styles, &l.c.keys
	var lines []string
	if d := l.spec.detail; l.detail.open {
		lines = append([]string{d.title()}, pageOf(d.lines(), l.detail.pager.top, l.height-1)...)
	} else {
		lines = l.lines()
	}
	switch l.overlay {
	case showingResults:
		return l.results.view(s, l.width, l.height)
	case confirming:
		lines = overlay(lines, l.confirm.view(s, k, l.width), l.height)
	case prompting:
		lines = overlay(lines, l.prompt.view(s, k, l.width), l.height)
	}
	return strings.Join(lines, "\n")
}

// lines is the title, the filter, the column titles and the rows on screen.
func (l *list[R, K, Q]) lines() []string {
	s, spec, so := l.c.styles, l.spec, l.sortOption()
	order := "sort: " + so.name + " " + sortArrow(l.desc)
	switch {
	case l.desc && so.desc != "":
		order = so.desc
	case !l.desc && so.asc != "":
		order = so.asc
	}
	parts := []string{order}
	if spec.parts != nil {
		parts = append(parts, spec.parts(l.query)...)
	}
	if n := len(l.selected.set); n > 0 {
		parts = append(parts, s.mark.Render(fmt.Sprintf("● %d selected", n)))
	}
	parts = append(parts, l.win.position())
	if l.busy {
		parts = append(parts, s.warn.Render("working…"))
	}
	cols := spec.columns()
	cols[so.column].title += " " + sortArrow(l.desc)
	if spec.shape != nil {
		spec.shape(l.query, cols)
	}
	tw := l.width - gutterWidth
	widths := layout(cols, tw)
	lines := []string{
		titleLine(s, spec.title, parts, l.win.err),
		l.filter.view(s, &l.c.keys, l.width),
		strings.Repeat(" ", gutterWidth) + headerRow(s, cols, widths, tw),
	}
	rows, cur := l.win.visible()
	marked := len(l.selected.set) > 0
	for i, r := range rows {
		base := s.plain
		if i == cur {
			base = s.cursorRow
		}
		lines = append(lines, gutter(&s, base, i == cur, marked && l.selected.set[spec.keyOf(r)])+renderRow(cols, widths, spec.cells(r), base, tw))
	}
	if len(rows) == 0 && !l.win.loading {
		text := spec.empty[0]
		if l.filter.input.Value() != "" {
			text = spec.empty[1]
		}
		lines = append(lines, s.dim.Render("  "+text))
	}
	return lines
}

// detailPane is whether a list's detail is open and how far it is scrolled.
type detailPane struct {
	open  bool
	pager pager
}

func (d *detailPane) show() { d.open, d.pager = true, pager{} }

// key closes the detail on back, else scrolls its n lines in height.
func (d *detailPane) key(msg tea.KeyMsg, c *common, n, height int) {
	if key.Matches(msg, c.keys.Back) {
		d.open = false
		return
	}
	d.pager.update(msg, &c.keys, n, height)
}
