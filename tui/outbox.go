package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/notify"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// The outbox: every message owed to a buyer or a channel, dead and failed first, each
// state by time; filter by words and state:NAME; enter opens a message with its
// rendered text and its attempts; retry and cancel (a supervisor's) act on the selection.

func outboxColumns() []column {
	return []column{
		{title: "#", min: 4, max: 8, right: true},
		{title: "state", min: 9, max: 9},
		{title: "kind", min: 11, max: 15},
		{title: "order", min: 10, max: 10},
		{title: "to", min: 8, max: 12, drop: 2},
		{title: "tries", min: 5, max: 5, right: true},
		{title: "next / sent", min: 11, max: 11},
		{title: "last error", min: 12, max: 60, extra: true, drop: 1},
	}
}

// msgID is a message's number, the outbox list's row key.
type msgID uint64

func (m msgID) String() string { return strconv.FormatUint(uint64(m), 10) }

// outboxQuery is the list's filter: the states shown (all by default) and words.
type outboxQuery struct {
	states []domain.OutboxState
	words  []string
}

type outboxMsgLoaded struct {
	id   uint64
	m    domain.OutboxMessage
	text string // the rendered message, or why it does not render
	err  error
}

type outboxView struct {
	*list[storage.OutboxRow, msgID, outboxQuery]
	shown domain.OutboxMessage
	text  string
}

func newOutbox(c *common) view {
	v := &outboxView{}
	store := c.store
	v.list = newList(c, &listSpec[storage.OutboxRow, msgID, outboxQuery]{
		title: "Outbox", noun: [2]string{"message", "messages"}, thing: [2]string{"message", "messages"},
		columns: outboxColumns,
		cells:   v.cells,
		keyOf:   func(r storage.OutboxRow) msgID { return msgID(r.Msg.ID) },
		posOf:   func(r storage.OutboxRow) storage.Pos { return r.Pos },
		parse:   parseOutboxFilter,
		read: func(q outboxQuery, _ int, desc bool) source[storage.OutboxRow] {
			states := q.states
			if len(states) == 0 {
				states = domain.OutboxStates
			}
			words := slices.Clone(q.words)
			return inTurn(eachOf(states, desc, func(st domain.OutboxState) source[storage.OutboxRow] {
				return reversed(storeSource(storage.OutboxQuery{State: st, Words: words}, store.OutboxWindow, store.OutboxCount), desc)
			}), func(r *storage.OutboxRow) *storage.Pos { return &r.Pos })
		},
		sorts: []sortOption{{name: "state", column: 1, asc: "dead first", desc: "cancelled first"}},
		parts: func(q outboxQuery) []string { return []string{outboxStateNames(q.states)} },
		empty: [2]string{"nothing in the outbox yet", "no messages match the filter"},
		hint:  "words  state:dead|failed|queued|sent|cancelled",
		detail: &detailSpec[storage.OutboxRow, msgID]{
			open: func(r storage.OutboxRow) tea.Cmd {
				v.shown, v.text = r.Msg, ""
				return v.load()
			},
			reload: v.load,
			shown:  func() msgID { return msgID(v.shown.ID) },
			title: func() string {
				return titleLine(v.c.styles, fmt.Sprintf("Message %d", v.shown.ID), []string{v.shown.Kind, v.shown.State.String()}, nil)
			},
			lines: v.detailLines,
		},
		actions: outboxActions(store),
	})
	return v
}

func outboxActions(store *storage.Store) []listAction[msgID] {
	ids := func(keys []msgID) []uint64 {
		out := make([]uint64, len(keys))
		for i, k := range keys {
			out[i] = uint64(k)
		}
		return out
	}
	// result files each message's outcome: done ones leave the selection, named; a sent
	// one is skipped with the reason, the rest still done.
	result := func(w, text string, outs []storage.OutboxOutcome, err error) actionResult[msgID] {
		var out actionResult[msgID]
		if err != nil {
			out.err = fmt.Errorf("%s failed, nothing written: %w", w, err)
			return out
		}
		for _, o := range outs {
			out.row(msgID(o.ID), fmt.Sprintf("message %d", o.ID), o.Done, text, o.Reason)
		}
		return out
	}
	return []listAction[msgID]{
		{binding: func(k *keymap.KeyMap) key.Binding { return k.OutboxRetry }, words: actionWords{"retry", "due again", "retrying…"},
			role: domain.ActionOutboxManage, detail: true,
			question: func(what, _ string, _ int) string {
				return fmt.Sprintf("Retry %s now? Their attempts keep counting.", what)
			},
			run: func(a actionArgs[msgID]) actionResult[msgID] {
				outs, err := store.RetryEach(ids(a.keys), a.now, a.by)
				return result("retry", ": due again", outs, err)
			}},
		{binding: func(k *keymap.KeyMap) key.Binding { return k.OutboxCancel }, words: actionWords{"cancel", "cancelled", "cancelling…"},
			role: domain.ActionOutboxManage, detail: true, input: "reason: ",
			question: func(what, _ string, _ int) string { return fmt.Sprintf("Cancel %s? They will not be sent.", what) },
			run: func(a actionArgs[msgID]) actionResult[msgID] {
				outs, err := store.CancelEach(ids(a.keys), a.reason, a.now, a.by)
				return result("cancel", ": cancelled", outs, err)
			}},
	}
}

// parseOutboxFilter reads words and state:NAME[,NAME].
func parseOutboxFilter(s string) (outboxQuery, error) {
	terms, words, err := splitFilter(s, "state")
	if err != nil {
		return outboxQuery{}, err
	}
	q := outboxQuery{words: words}
	if st := terms["state"]; st != "" {
		for _, name := range strings.Split(st, ",") {
			s, err := domain.ParseOutboxState(name)
			if err != nil {
				return outboxQuery{}, err
			}
			q.states = append(q.states, s)
		}
	}
	return q, nil
}

func outboxStateNames(sts []domain.OutboxState) string {
	if len(sts) == 0 {
		return "every state"
	}
	names := make([]string, len(sts))
	for i, s := range sts {
		names[i] = s.String()
	}
	return strings.Join(names, ", ")
}

func (v *outboxView) cells(r storage.OutboxRow) []cell {
	m := r.Msg
	when := ""
	switch {
	case m.State == domain.OutboxSent:
		when = listTime(m.SentAt, v.c.now(), v.c.loc)
	case m.State.Pending():
		when = listTime(m.NextAttempt, v.c.now(), v.c.loc)
	}
	order := ""
	if m.Order != 0 {
		order = domain.OrderNumber(m.Order)
	}
	to := m.To
	if to == "" {
		to = m.Transport
	}
	cells := plainCells(fmt.Sprint(m.ID), m.State.String(), m.Kind, order, to, fmt.Sprint(m.Attempts), when, m.LastError)
	switch m.State {
	case domain.OutboxDead:
		cells[1].style = &v.c.styles.danger
	case domain.OutboxFailed:
		cells[1].style = &v.c.styles.warn
	}
	return cells
}

// load reads the message again and renders it as it would go now.
func (v *outboxView) load() tea.Cmd {
	store, id, c := v.c.store, v.shown.ID, v.c
	return func() tea.Msg {
		m, err := store.OutboxMessage(id)
		if err != nil {
			return outboxMsgLoaded{id: id, err: err}
		}
		return outboxMsgLoaded{id: id, m: m, text: renderMessage(store, c, m)}
	}
}

// renderMessage is a message's subject and text as its template renders them now.
func renderMessage(store *storage.Store, c *common, m domain.OutboxMessage) string {
	if c.templatesErr != nil {
		return c.templatesErr.Error()
	}
	it := storage.OutboxItem{Msg: m}
	if m.Order != 0 {
		o, found, err := store.Order(m.Order)
		if err != nil {
			return err.Error()
		}
		it.Order, it.HasOrder = o, found
	}
	e, err := (&notify.Sender{Store: store, Config: c.notifyConfig(), Templates: c.templates}).Envelope(it)
	if err != nil {
		return "does not render: " + err.Error()
	}
	return "Subject: " + e.Subject + "\n\n" + e.Text
}

func (v *outboxView) update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(outboxMsgLoaded); ok {
		if msg.err != nil {
			return reportErr(msg.err)
		}
		if v.detail.open && msg.id == v.shown.ID {
			v.shown, v.text = msg.m, msg.text
		}
		return nil
	}
	return v.list.update(msg)
}

func (v *outboxView) detailLines() []string {
	s, m, width := v.c.styles, v.shown, v.width
	const long = "2006-01-02 15:04:05 MST"
	fields := []field{
		{"message", fmt.Sprint(m.ID)},
		{"kind", m.Kind},
		{"state", m.State.String()},
		{"channel", m.Channel},
		{"transport", m.Transport},
		{"to", m.To},
		{"attempts", fmt.Sprint(m.Attempts)},
		{"queued", localTime(m.CreatedAt, v.c.loc, long)},
		{"idempotency key", m.IdempotencyKey()},
	}
	if m.Order != 0 {
		fields = append(fields, field{"order", domain.OrderNumber(m.Order)})
	}
	if n := len(m.Lines); n > 0 {
		fields = append(fields, field{"lines", fmt.Sprintf("%d (the order is the first line's)", n)})
	}
	if m.State.Pending() {
		fields = append(fields, field{"next attempt", localTime(m.NextAttempt, v.c.loc, long)})
	}
	if m.State == domain.OutboxSent {
		fields = append(fields, field{"sent", localTime(m.SentAt, v.c.loc, long)})
	}
	if m.LastError != "" {
		fields = append(fields, field{"last error", m.LastError})
	}
	lines := fieldLines(s, fields, width)
	if len(m.Tries) > 0 {
		lines = append(lines, "", s.dim.Render("attempts"))
		for _, t := range m.Tries {
			what := "delivered"
			if t.Error != "" {
				what = t.Error
			}
			lines = append(lines, "  "+localTime(t.At, v.c.loc, long)+"  "+textsafe.Safe(what))
		}
	}
	lines = append(lines, "", s.dim.Render("the message"))
	if v.text == "" {
		return append(lines, s.dim.Render("rendering…"))
	}
	for _, l := range strings.Split(strings.TrimRight(textsafe.Lines(v.text), "\n"), "\n") {
		lines = append(lines, "  "+l)
	}
	return lines
}
