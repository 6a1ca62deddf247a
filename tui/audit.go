package tui

import (
	"context"
	"fmt"
	"shipdesk/textsafe"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/storage"
)

// The audit log: every change, newest first, read a window at a time from the trail by
// sequence number; filter by operator, action, object or words; enter opens an event
// with each changed field before → after. It follows new events live like the lists.

func auditColumns() []column {
	return []column{
		{title: "#", min: 6, max: 9, right: true, drop: 4},
		{title: "at", min: 11, max: 11},
		{title: "operator", min: 8, max: 16},
		{title: "session", min: 8, max: 8, drop: 3},
		{title: "action", min: 12, max: 16},
		{title: "objects", min: 12, max: 48, extra: true},
		{title: "what", min: 12, max: 60, drop: 2, extra: true},
	}
}

// auditEventMsg is a whole event read for the detail.
type auditEventMsg struct {
	ev    storage.AuditEvent
	found bool
	err   error
}

type auditModel struct {
	c             *common
	width, height int

	win     window[storage.AuditRow]
	query   storage.AuditQuery
	started bool
	filter  filterBox

	detailOpen  bool
	detail      storage.AuditEvent
	detailLoad  bool // the whole event is still being read
	detailPager pager
}

func newAudit(c *common) auditModel {
	f := newFilterBox(c.styles)
	f.input.Placeholder = "words  operator:NAME  action:NAME  key:KEY"
	return auditModel{
		c:      c,
		win:    newWindow(func(r storage.AuditRow) storage.Pos { return r.Pos }, func(r storage.AuditRow) string { return fmt.Sprint(r.Event.Seq) }),
		filter: f,
	}
}

// parseAuditFilter reads an audit filter: operator:NAME, action:NAME (a prefix such as
// "pool." is enough), key:KEY (an object: CHANNEL:TRADE_ID or an order number), words.
func parseAuditFilter(s string) (storage.AuditQuery, error) {
	terms, words, err := splitFilter(s, "operator", "action", "key")
	if err != nil {
		return storage.AuditQuery{}, err
	}
	return storage.AuditQuery{Operator: terms["operator"], Action: terms["action"], Key: terms["key"], Words: words}, nil
}

func (m auditModel) source() source[storage.AuditRow] {
	store, q := m.c.store, m.query
	q.Words = slices.Clone(q.Words)
	return source[storage.AuditRow]{
		fetch: func(ctx context.Context, from storage.Pos, back bool, limit int) ([]storage.AuditRow, bool, error) {
			return store.AuditWindow(ctx, q, from, back, limit)
		},
		count: func() (int, bool, error) { return store.AuditCount(q) },
	}
}

func (m auditModel) setSize(w, h int) (auditModel, tea.Cmd) {
	m.width, m.height = w, h
	return m, m.win.setHeight(h - listChrome)
}

// refresh reads the newest events when the cursor is on the first row, so new events
// show at the top as they are written; further down it keeps the cursor's row.
func (m auditModel) refresh() (auditModel, tea.Cmd) {
	if !m.started || m.win.cursor == 0 && m.win.offsetKnown && m.win.offset == 0 {
		m.started = true
		return m, m.win.query(m.source())
	}
	return m, m.win.refresh()
}

func (m auditModel) loadEvent(seq uint64) tea.Cmd {
	store := m.c.store
	return func() tea.Msg {
		ev, found, err := store.AuditEventAt(seq)
		return auditEventMsg{ev: ev, found: found, err: err}
	}
}

func (m auditModel) capturing() bool { return m.filter.editing() }

func (m auditModel) update(msg tea.Msg) (auditModel, tea.Cmd) {
	switch msg := msg.(type) {
	case windowMsg[storage.AuditRow]:
		return m, m.win.apply(msg)
	case auditEventMsg:
		if msg.err != nil {
			return m, reportErr(msg.err)
		}
		if m.detailOpen && msg.found && msg.ev.Seq == m.detail.Seq {
			m.detail, m.detailLoad = msg.ev, false
		}
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m auditModel) key(msg tea.KeyMsg) (auditModel, tea.Cmd) {
	k := &m.c.keys
	if m.filter.editing() {
		ev, cmd := m.filter.update(msg, k)
		switch ev {
		case filterEdited:
			var load tea.Cmd
			m, load = m.applyFilter(m.filter.input.Value())
			return m, tea.Batch(cmd, load)
		case filterCleared:
			return m.applyFilter("")
		}
		return m, cmd
	}
	if m.detailOpen {
		if key.Matches(msg, k.Back) {
			m.detailOpen = false
		} else {
			m.detailPager.update(msg, k, len(m.detailLines()), m.height-1)
		}
		return m, nil
	}
	if cmd, ok := navigate(&m.win, msg, k); ok {
		return m, cmd
	}
	switch {
	case key.Matches(msg, k.Filter):
		m.filter.open()
	case key.Matches(msg, k.ClearFilter), key.Matches(msg, k.Back) && m.filter.input.Value() != "":
		m.filter.clear()
		return m.applyFilter("")
	case key.Matches(msg, k.Open):
		if row, ok := m.win.current(); ok {
			m.detailOpen, m.detail, m.detailLoad, m.detailPager = true, row.Event, true, pager{}
			return m, m.loadEvent(row.Event.Seq)
		}
	}
	return m, nil
}

func (m auditModel) applyFilter(text string) (auditModel, tea.Cmd) {
	q, err := parseAuditFilter(text)
	if err != nil {
		m.filter.err = err.Error()
		return m, nil
	}
	m.filter.err, m.query, m.started = "", q, true
	return m, m.win.query(m.source())
}

func (m auditModel) shortHelp() []key.Binding {
	k := &m.c.keys
	switch {
	case m.filter.editing():
		return []key.Binding{helpOnly(inputHelp(k.Confirm).Help().Key, "keep filter"), helpOnly(inputHelp(k.Cancel).Help().Key, "clear filter")}
	case m.detailOpen:
		return []key.Binding{k.Back, k.Up, k.Down, k.PageDown}
	}
	return []key.Binding{k.Open, k.Filter, k.Up, k.Down, k.PageDown, k.End}
}

func (m auditModel) view() string {
	if m.detailOpen {
		title := titleLine(m.c.styles, fmt.Sprintf("Audit event #%d", m.detail.Seq), []string{textsafe.Safe(m.detail.Action)}, nil)
		return strings.Join(append([]string{title}, pageOf(m.detailLines(), m.detailPager.top, m.height-1)...), "\n")
	}
	return strings.Join(m.listView(), "\n")
}

func (m auditModel) listView() []string {
	s := m.c.styles
	cols := auditColumns()
	tw := m.width - gutterWidth
	widths := layout(cols, tw)
	lines := []string{
		titleLine(s, "Audit log", []string{"newest first", m.win.position()}, m.win.err),
		m.filter.view(s, &m.c.keys, m.width),
		strings.Repeat(" ", gutterWidth) + headerRow(s, cols, widths, tw),
	}
	rows, cur := m.win.visible()
	for i, r := range rows {
		base := s.plain
		if i == cur {
			base = s.cursorRow
		}
		lines = append(lines, gutter(&s, base, i == cur, false)+renderRow(cols, widths, m.cells(r), base, tw))
	}
	if len(rows) == 0 && !m.win.loading {
		text := "no changes recorded yet"
		if m.filter.input.Value() != "" {
			text = "no events match the filter"
		}
		lines = append(lines, s.dim.Render("  "+text))
	}
	return lines
}

func (m *auditModel) cells(r storage.AuditRow) []cell {
	ev := r.Event
	objects := strings.Join(ev.Objects, " ")
	if more := r.ObjectCount - len(ev.Objects); more > 0 {
		objects += fmt.Sprintf(" +%d", more)
	}
	return plainCells(fmt.Sprint(ev.Seq), listTime(ev.At, m.c.now(), m.c.loc), ev.Operator, ev.Session, ev.Action, objects, ev.DetailText())
}

// detailLines is the event's fields, then each change as "object  field  before → after".
func (m auditModel) detailLines() []string {
	s, ev := m.c.styles, m.detail
	const long = "2006-01-02 15:04:05 MST"
	session := ev.Session
	if session == "" {
		session = "local"
	}
	fields := []field{
		{"event", fmt.Sprint(ev.Seq)},
		{"at", localTime(ev.At, m.c.loc, long)},
		{"operator", ev.Operator},
		{"session", session},
		{"action", ev.Action},
	}
	if d := ev.DetailText(); d != "" {
		fields = append(fields, field{"detail", d})
	}
	lines := fieldLines(s, fields, m.width)
	if m.detailLoad {
		return append(lines, "", s.dim.Render("reading the changes…"))
	}
	lines = append(lines, "", s.title.Render(fmt.Sprintf("Changes — %s on %s", plural(len(ev.Changes), "field", "fields"), plural(len(ev.Objects), "object", "objects"))))
	if len(ev.Changes) == 0 {
		lines = append(lines, s.dim.Render("no field changes recorded (counts are in the detail)"))
	}
	keyW := min(24, max(10, m.width/4))
	fieldW := min(18, max(8, m.width/6))
	for _, c := range ev.Changes {
		before := c.Before
		if before == "" {
			before = "—"
		}
		after := c.After
		if after == "" {
			after = "—"
		}
		text := Fit(c.Key, keyW) + " " + s.label.Render(Fit(c.Field, fieldW)) + " " + textsafe.Safe(before) + s.dim.Render(" → ") + textsafe.Safe(after)
		lines = append(lines, fitLine(text, m.width))
	}
	return lines
}
