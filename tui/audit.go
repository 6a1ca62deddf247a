package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/storage"
	"shipdesk/textsafe"
)

// The audit log: every change, newest first (or oldest first), read a window at a time
// from the trail by sequence number; filter by operator, action, object or words; enter
// opens an event with each changed field before → after. It follows new events live.

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

// auditSeq is an event's sequence number, the audit list's row key.
type auditSeq uint64

func (s auditSeq) String() string { return strconv.FormatUint(uint64(s), 10) }

type auditView struct {
	*list[storage.AuditRow, auditSeq, storage.AuditQuery]
	event   storage.AuditEvent // the event the detail shows
	loading bool               // the whole event is still being read
}

func newAudit(c *common) view {
	v := &auditView{}
	store := c.store
	v.list = newList(c, &listSpec[storage.AuditRow, auditSeq, storage.AuditQuery]{
		title: "Audit log", noun: [2]string{"event", "events"}, thing: [2]string{"event", "events"},
		columns: auditColumns,
		cells:   v.cells,
		keyOf:   func(r storage.AuditRow) auditSeq { return auditSeq(r.Event.Seq) },
		posOf:   func(r storage.AuditRow) storage.Pos { return r.Pos },
		parse:   parseAuditFilter,
		// The trail is read newest first; oldest first is the same reads the other way.
		read: func(q storage.AuditQuery, _ int, desc bool) source[storage.AuditRow] {
			q.Words = slices.Clone(q.Words)
			return reversed(storeSource(q, store.AuditWindow, store.AuditCount), !desc)
		},
		sorts: []sortOption{{name: "time", column: 1, asc: "oldest first", desc: "newest first"}},
		desc:  true,
		empty: [2]string{"no changes recorded yet", "no events match the filter"},
		hint:  "words  operator:NAME  action:NAME  key:KEY",
		// New events show at the top as they are written while the cursor is on the first
		// row; further down a refresh keeps the cursor's row.
		follow: true,
		detail: &detailSpec[storage.AuditRow, auditSeq]{
			open: func(r storage.AuditRow) tea.Cmd {
				v.event, v.loading = r.Event, true
				return v.loadEvent()
			},
			shown: func() auditSeq { return auditSeq(v.event.Seq) },
			title: func() string {
				return titleLine(v.c.styles, fmt.Sprintf("Audit event #%d", v.event.Seq), []string{textsafe.Safe(v.event.Action)}, nil)
			},
			lines: v.detailLines,
		},
	})
	return v
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

func (v *auditView) loadEvent() tea.Cmd {
	store, seq := v.c.store, v.event.Seq
	return func() tea.Msg {
		ev, found, err := store.AuditEventAt(seq)
		return auditEventMsg{ev: ev, found: found, err: err}
	}
}

func (v *auditView) update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(auditEventMsg); ok {
		if msg.err != nil {
			return reportErr(msg.err)
		}
		if v.detail.open && msg.found && msg.ev.Seq == v.event.Seq {
			v.event, v.loading = msg.ev, false
		}
		return nil
	}
	return v.list.update(msg)
}

func (v *auditView) cells(r storage.AuditRow) []cell {
	ev := r.Event
	objects := strings.Join(ev.Objects, " ")
	if more := r.ObjectCount - len(ev.Objects); more > 0 {
		objects += fmt.Sprintf(" +%d", more)
	}
	return plainCells(fmt.Sprint(ev.Seq), listTime(ev.At, v.c.now(), v.c.loc), ev.Operator, ev.Session, ev.Action, objects, ev.DetailText())
}

// detailLines is the event's fields, then each change as "object  field  before → after".
func (v *auditView) detailLines() []string {
	s, ev, width := v.c.styles, v.event, v.width
	const long = "2006-01-02 15:04:05 MST"
	session := ev.Session
	if session == "" {
		session = "local"
	}
	fields := []field{
		{"event", fmt.Sprint(ev.Seq)},
		{"at", localTime(ev.At, v.c.loc, long)},
		{"operator", ev.Operator},
		{"session", session},
		{"action", ev.Action},
	}
	if d := ev.DetailText(); d != "" {
		fields = append(fields, field{"detail", d})
	}
	lines := fieldLines(s, fields, width)
	if v.loading {
		return append(lines, "", s.dim.Render("reading the changes…"))
	}
	lines = append(lines, "", s.title.Render(fmt.Sprintf("Changes — %s on %s", plural(len(ev.Changes), "field", "fields"), plural(len(ev.Objects), "object", "objects"))))
	if len(ev.Changes) == 0 {
		lines = append(lines, s.dim.Render("no field changes recorded (counts are in the detail)"))
	}
	keyW := min(24, max(10, width/4))
	fieldW := min(18, max(8, width/6))
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
		lines = append(lines, fitLine(text, width))
	}
	return lines
}
