package tui

import (
	"context"
	"errors"
	"fmt"
	"shipdesk/textsafe"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
)

// The pending pool: a window over the pool index with filter, sort,
// selection and the batch actions convert, remove, mark processed and
// convert all ready; enter opens an entry's detail.

// poolColumns are the list's columns; the consignee goes first on a narrow
// terminal, and the address shows only on a wide one.
func poolColumns() []column {
	return []column{
		{title: "channel", min: 8, max: 16},
		{title: "trade ID", min: 16, max: 24},
		{title: "buyer", min: 8, max: 24, drop: 2},
		{title: "consignee", min: 8, max: 20, drop: 5},
		{title: "ship to", min: 20, max: 60, drop: 6, extra: true},
		{title: "items", min: 5, max: 5, right: true, drop: 1},
		{title: "amount", min: 11, max: 14, right: true},
		{title: "paid at", min: 11, max: 11, drop: 3},
		{title: "age", min: 4, max: 4, right: true, drop: 4},
		{title: "flags", min: 5, max: 11},
	}
}

const sortColumnPaidAt, sortColumnChannel = 7, 0

// poolAction is a batch action on pool entries.
type poolAction uint8

const (
	actConvert poolAction = iota + 1
	actRemove
	actProcess
	actConvertAll
)

// pendingAction is an action waiting for its confirmation, or running.
type pendingAction struct {
	act    poolAction
	keys   []domain.Key // none for actConvertAll: storage picks the ready entries
	reason string
}

// Messages of the pool view.
type (
	poolEntryMsg struct {
		entry domain.PoolEntry
		found bool
		err   error
	}
	poolActionMsg struct {
		action pendingAction
		res    storage.BatchResult
		err    error
	}
)

type poolModel struct {
	c             *common
	width, height int

	win      window[storage.PoolRow]
	query    storage.PoolQuery // the filter in force; sort is kept apart
	sortBy   storage.PoolSort
	desc     bool
	gen      uint64 // counts filter and sort changes, so a late select-all is dropped
	started  bool
	filter   filterBox
	selected marks[domain.Key]

	detailOpen  bool
	detail      domain.PoolEntry
	detailPager pager

	actionOverlay
	pending pendingAction
	busy    bool
	ready   int // ready entries, from the counts, for "convert all ready"
}

func newPool(c *common) poolModel {
	return poolModel{
		c:        c,
		win:      newWindow(func(r storage.PoolRow) storage.Pos { return r.Pos }, func(r storage.PoolRow) string { return r.Entry.Key.String() }),
		filter:   newFilterBox(c.styles),
		selected: newMarks[domain.Key](),
	}
}

// source reads the pool for the current filter and sort. It captures copies:
// the cmds that call it run after Update has moved on.
func (m poolModel) source() source[storage.PoolRow] {
	store, q := m.c.store, m.query
	q.States, q.Words = slices.Clone(q.States), slices.Clone(q.Words)
	q.Sort, q.Desc = m.sortBy, m.desc
	return source[storage.PoolRow]{
		fetch: func(ctx context.Context, from storage.Pos, back bool, limit int) ([]storage.PoolRow, bool, error) {
			return store.PoolWindow(ctx, q, from, back, limit)
		},
		count: func() (int, bool, error) { return store.PoolCount(q) },
	}
}

func (m poolModel) setSize(w, h int) (poolModel, tea.Cmd) {
	m.width, m.height = w, h
	return m, m.win.setHeight(h - listChrome)
}

// refresh re-reads the rows around the cursor and the open entry.
func (m poolModel) refresh() (poolModel, tea.Cmd) {
	if !m.started {
		m.started = true
		return m, m.win.query(m.source())
	}
	cmd := m.win.refresh()
	if m.detailOpen {
		cmd = tea.Batch(cmd, m.loadEntry(m.detail.Key))
	}
	return m, cmd
}

func (m poolModel) loadEntry(k domain.Key) tea.Cmd {
	store := m.c.store
	return func() tea.Msg {
		e, found, err := store.PoolEntry(k)
		return poolEntryMsg{entry: e, found: found, err: err}
	}
}

// capturing: the filter input, a dialog or the results panel takes every key.
func (m poolModel) capturing() bool { return m.filter.editing() || m.overlay != noOverlay }

func (m poolModel) update(msg tea.Msg) (poolModel, tea.Cmd) {
	switch msg := msg.(type) {
	case windowMsg[storage.PoolRow]:
		return m, m.win.apply(msg)
	case countsMsg:
		m.ready = msg.counts.Pool[domain.PoolReady]
	case poolEntryMsg:
		if msg.err != nil {
			return m, reportErr(msg.err)
		}
		if m.detailOpen && msg.found && msg.entry.Key == m.detail.Key {
			m.detail = msg.entry
		}
	case keysMsg[domain.Key]:
		return m, m.selected.done(msg, m.gen, "entry", "entries")
	case poolActionMsg:
		return m.actionDone(msg)
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m poolModel) key(msg tea.KeyMsg) (poolModel, tea.Cmd) {
	switch {
	case m.overlay != noOverlay:
		return m.overlayKey(msg)
	case m.filter.editing():
		return m.filterKey(msg)
	case m.detailOpen:
		return m.detailKey(msg)
	}
	return m.listKey(msg)
}

func (m poolModel) listKey(msg tea.KeyMsg) (poolModel, tea.Cmd) {
	k := &m.c.keys
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
			m.detailOpen, m.detail, m.detailPager = true, row.Entry, pager{}
			return m, m.loadEntry(row.Entry.Key)
		}
	case key.Matches(msg, k.Sort):
		m.sortBy = (m.sortBy + 1) % 2
		return m.requery()
	case key.Matches(msg, k.Reverse):
		m.desc = !m.desc
		return m.requery()
	case key.Matches(msg, k.Select):
		if row, ok := m.win.current(); ok {
			m.selected.toggle(row.Entry.Key)
			return m, m.win.move(1)
		}
	case key.Matches(msg, k.SelectAll):
		return m.selectAll()
	case key.Matches(msg, k.SelectNone):
		m.selected.none()
	case key.Matches(msg, k.ConvertAllReady):
		return m.ask(pendingAction{act: actConvertAll})
	case key.Matches(msg, k.Convert, k.Remove, k.Process):
		return m.ask(pendingAction{act: actionFor(msg, k), keys: m.targets()})
	}
	return m, nil
}

func (m poolModel) detailKey(msg tea.KeyMsg) (poolModel, tea.Cmd) {
	k := &m.c.keys
	switch {
	case key.Matches(msg, k.Back):
		m.detailOpen = false
	case key.Matches(msg, k.Convert, k.Remove, k.Process):
		return m.ask(pendingAction{act: actionFor(msg, k), keys: []domain.Key{m.detail.Key}})
	default:
		m.detailPager.update(msg, k, len(m.detailLines()), m.height-1)
	}
	return m, nil
}

func (m poolModel) filterKey(msg tea.KeyMsg) (poolModel, tea.Cmd) {
	ev, cmd := m.filter.update(msg, &m.c.keys)
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

// applyFilter reads the list for a new filter text as it is typed. A text
// that does not parse keeps the rows of the last good one.
func (m poolModel) applyFilter(text string) (poolModel, tea.Cmd) {
	q, err := parsePoolFilter(text)
	if err != nil {
		m.filter.err = err.Error()
		return m, nil
	}
	m.filter.err = ""
	m.query = q
	return m.requery()
}

func (m poolModel) requery() (poolModel, tea.Cmd) {
	m.selected.cancel()
	m.gen++
	m.started = true
	return m, m.win.query(m.source())
}

// selectAll selects every row that passes the filter.
func (m poolModel) selectAll() (poolModel, tea.Cmd) {
	cmd := selectAll(&m.selected, m.source(), m.gen, func(r storage.PoolRow) storage.Pos { return r.Pos },
		func(r storage.PoolRow) domain.Key { return r.Entry.Key })
	return m, cmd
}

// targets are the selected keys, or the row under the cursor when nothing is selected.
func (m poolModel) targets() []domain.Key {
	row, ok := m.win.current()
	return m.selected.targets(row.Entry.Key, ok)
}

func actionFor(msg tea.KeyMsg, k *keymap.KeyMap) poolAction {
	switch {
	case key.Matches(msg, k.Convert):
		return actConvert
	case key.Matches(msg, k.Remove):
		return actRemove
	}
	return actProcess
}

// ask opens the confirmation, which says how many entries and what will
// happen to them, or the reason prompt.
func (m poolModel) ask(p pendingAction) (poolModel, tea.Cmd) {
	if m.busy {
		return m, report("still working on the last action…")
	}
	if refused := m.c.allow(p.act.domainAction()); refused != nil {
		return m, refused
	}
	n := len(p.keys)
	if p.act == actConvertAll {
		n = m.ready
	}
	if n == 0 {
		return m, report("nothing to act on")
	}
	what, them := plural(n, "entry", "entries"), "them"
	if len(p.keys) == 1 {
		what, them = what+" ("+textsafe.Safe(p.keys[0].String())+")", "it"
	}
	m.pending = p
	switch p.act {
	case actConvert:
		m.confirm = confirmDialog{question: fmt.Sprintf("Convert %s to sales orders?", what)}
	case actRemove:
		m.confirm = confirmDialog{question: fmt.Sprintf("Remove %s from the pool? The next import brings %s back.", what, them)}
	case actConvertAll:
		m.confirm = confirmDialog{question: fmt.Sprintf("Convert all %s to sales orders? Unpaid ones are skipped.", plural(n, "ready entry", "ready entries"))}
	case actProcess:
		m.prompt = newReasonPrompt(m.c.styles, fmt.Sprintf("Mark %s processed? Later imports will skip %s.", what, them))
		m.overlay = prompting
		return m, nil
	}
	m.overlay = confirming
	return m, nil
}

func (m poolModel) overlayKey(msg tea.KeyMsg) (poolModel, tea.Cmd) {
	run, reason, cmd := m.step(msg, &m.c.keys, m.height)
	if run {
		p := m.pending
		p.reason = reason
		return m.run(p)
	}
	return m, cmd
}

// run applies the action in one storage transaction inside a cmd.
func (m poolModel) run(p pendingAction) (poolModel, tea.Cmd) {
	m.overlay, m.busy = noOverlay, true
	store, now, op := m.c.store, m.c.now(), m.c.actor()
	p.keys = slices.Clone(p.keys)
	do := func() tea.Msg {
		var res storage.BatchResult
		var err error
		switch p.act {
		case actConvert:
			res, err = store.Convert(p.keys, now, op)
		case actRemove:
			res, err = store.Remove(p.keys, now, op)
		case actProcess:
			res, err = store.Process(p.keys, p.reason, now, op)
		case actConvertAll:
			res, err = store.ConvertAllReady(now, op)
		}
		return poolActionMsg{action: p, res: res, err: err}
	}
	return m, tea.Batch(report(p.act.words().working), do)
}

// domainAction is the action whose role rule applies.
func (a poolAction) domainAction() domain.Action {
	switch a {
	case actRemove:
		return domain.ActionRemove
	case actProcess:
		return domain.ActionProcess
	}
	return domain.ActionConvert
}

// actionWords name an action in the status line and the results panel.
type actionWords struct{ name, done, working string }

func (a poolAction) words() actionWords {
	switch a {
	case actConvert:
		return actionWords{"convert", "converted", "converting…"}
	case actConvertAll:
		return actionWords{"convert all ready", "converted", "converting all ready entries…"}
	case actRemove:
		return actionWords{"remove", "removed", "removing…"}
	}
	return actionWords{"mark processed", "marked processed", "marking processed…"}
}

// actionDone shows what happened to every row, drops the done rows from the
// selection, and has the root refresh the list and the counts.
func (m poolModel) actionDone(msg poolActionMsg) (poolModel, tea.Cmd) {
	m.busy = false
	v := msg.action.act.words()
	if msg.err != nil {
		var unknown storage.ErrUnknownKeys
		if errors.As(msg.err, &unknown) {
			for _, k := range unknown {
				delete(m.selected.set, k)
			}
			return m, tea.Batch(reportErr(fmt.Errorf("%s refused, nothing written — %w; another session changed the pool, the list is refreshed", v.name, msg.err)), changed)
		}
		return m, tea.Batch(reportErr(fmt.Errorf("%s failed, nothing written: %w", v.name, msg.err)), changed)
	}
	for i, r := range msg.res.Rows {
		if r.Done {
			delete(m.selected.set, r.Key)
		} else if r.By != "" {
			// Another session got there first: say who and when.
			msg.res.Rows[i].Reason += " — " + m.c.whoWhen(r.By, r.At)
		}
	}
	done, skipped := msg.res.Done(), len(msg.res.Skipped())
	summary := fmt.Sprintf("%s %d, skipped %d", v.done, done, skipped)
	m.results = newResultsPanel(strings.ToUpper(v.name[:1])+v.name[1:]+": "+summary, msg.res, func(r storage.RowResult) string {
		if r.OrderNo != 0 {
			return " → " + domain.OrderNumber(r.OrderNo)
		}
		return " " + v.done
	})
	m.overlay = showingResults
	return m, tea.Batch(report(summary+" — see results"), changed)
}

func (m poolModel) shortHelp() []key.Binding {
	k := &m.c.keys
	switch {
	case m.overlay == confirming:
		return []key.Binding{k.Confirm, k.Cancel}
	case m.overlay == prompting:
		return []key.Binding{inputHelp(k.Confirm), inputHelp(k.Cancel)}
	case m.overlay == showingResults:
		return []key.Binding{k.Up, k.Down, helpOnly(k.Back.Help().Key+"/"+k.Open.Help().Key, "close")}
	case m.filter.editing():
		return []key.Binding{helpOnly(inputHelp(k.Confirm).Help().Key, "keep filter"), helpOnly(inputHelp(k.Cancel).Help().Key, "clear filter")}
	case m.detailOpen:
		return []key.Binding{k.Back, k.Convert, k.Remove, k.Process, k.Up, k.Down}
	}
	return []key.Binding{k.Open, k.Filter, k.Select, k.SelectAll, k.Convert, k.Remove, k.Process, k.ConvertAllReady, k.Sort, k.Reverse, k.SelectNone}
}

func (m poolModel) view() string {
	if m.overlay == showingResults {
		return m.results.view(m.c.styles, m.width, m.height)
	}
	var lines []string
	if m.detailOpen {
		lines = m.detailView()
	} else {
		lines = m.listView()
	}
	switch m.overlay {
	case confirming:
		lines = overlay(lines, m.confirm.view(m.c.styles, &m.c.keys, m.width), m.height)
	case prompting:
		lines = overlay(lines, m.prompt.view(m.c.styles, &m.c.keys, m.width), m.height)
	}
	return strings.Join(lines, "\n")
}

func (m poolModel) listView() []string {
	s := m.c.styles
	sortName := "paid at"
	sortCol := sortColumnPaidAt
	if m.sortBy == storage.SortChannel {
		sortName, sortCol = "channel", sortColumnChannel
	}
	parts := []string{"sort: " + sortName + " " + sortArrow(m.desc)}
	if n := len(m.selected.set); n > 0 {
		parts = append(parts, s.mark.Render(fmt.Sprintf("● %d selected", n)))
	}
	parts = append(parts, m.win.position())
	if m.busy {
		parts = append(parts, s.warn.Render("working…"))
	}
	cols := poolColumns()
	cols[sortCol].title += " " + sortArrow(m.desc)
	tw := m.width - gutterWidth
	widths := layout(cols, tw)
	lines := []string{
		titleLine(s, "Pending pool", parts, m.win.err),
		m.filter.view(s, &m.c.keys, m.width),
		strings.Repeat(" ", gutterWidth) + headerRow(s, cols, widths, tw),
	}
	rows, cur := m.win.visible()
	for i, r := range rows {
		base := s.plain
		if i == cur {
			base = s.cursorRow
		}
		lines = append(lines, gutter(&s, base, i == cur, m.selected.set[r.Entry.Key])+renderRow(cols, widths, m.cells(r.Entry), base, tw))
	}
	if len(rows) == 0 && !m.win.loading {
		lines = append(lines, s.dim.Render("  "+m.emptyText()))
	}
	return lines
}

func (m poolModel) emptyText() string {
	if m.filter.input.Value() != "" {
		return "no entries match the filter"
	}
	return "the pool is empty — nothing waits for conversion"
}

func (m *poolModel) cells(e domain.PoolEntry) []cell {
	shipTo := e.Consignee.Address
	if e.Consignee.Country != "" {
		shipTo += ", " + e.Consignee.Country
	}
	since := e.PaidAt
	if since.IsZero() {
		since = e.ImportedAt
	}
	var flags []string
	if !e.State.Open() {
		flags = append(flags, e.State.String())
	}
	if e.Changed {
		flags = append(flags, "chg")
	}
	if e.HeaderOnly() {
		flags = append(flags, "hdr")
	}
	cells := plainCells(e.Channel, e.TradeID, e.Buyer, e.Consignee.Name, shipTo, units(e.Trade),
		e.Total.String(), listTime(e.PaidAt, m.c.now(), m.c.loc), age(since, m.c.now()), strings.Join(flags, " "))
	if e.Changed {
		cells[len(cells)-1].style = &m.c.styles.warn
	}
	return cells
}

func (m poolModel) detailView() []string {
	e := m.detail
	title := titleLine(m.c.styles, "Pool entry "+textsafe.Safe(e.Key.String()), []string{e.State.String()}, nil)
	return append([]string{title}, pageOf(m.detailLines(), m.detailPager.top, m.height-1)...)
}

// detailLines is every field of the entry and its line items.
func (m poolModel) detailLines() []string {
	s, e, loc := m.c.styles, m.detail, m.c.loc
	const long = "2006-01-02 15:04 MST"
	changed := "no"
	if e.Changed {
		changed = "yes — updated by an import since it was last looked at"
	}
	fields := []field{
		{"key", e.Key.String()},
		{"platform", e.Platform},
		{"state", e.State.String()},
		{"trade status", e.TradeStatus.String()},
		{"buyer", e.Buyer},
		{"consignee", e.Consignee.Name},
		{"phone", e.Consignee.Phone},
		{"address", e.Consignee.Address},
		{"country", e.Consignee.Country},
		{"payment ref", e.PaymentRef},
		{"paid at", localTime(e.PaidAt, loc, long)},
		{"total", e.Total.String()},
		{"changed", changed},
	}
	if e.Reason != "" {
		fields = append(fields, field{"processed reason", e.Reason})
	}
	if e.OrderNo != 0 {
		fields = append(fields, field{"sales order", domain.OrderNumber(e.OrderNo)})
	}
	if e.StateBy != "" {
		fields = append(fields, field{"state set", e.StateBy + " at " + localTime(e.StateAt, loc, long)})
	}
	fields = append(fields,
		field{"imported", localTime(e.ImportedAt, loc, long)},
		field{"updated", localTime(e.UpdatedAt, loc, long)})
	lines := fieldLines(s, fields, m.width)
	lines = append(lines, "", s.title.Render(fmt.Sprintf("Items — %s, %s", plural(len(e.Items), "line", "lines"), plural(e.ItemCount(), "unit", "units"))))
	return append(lines, itemLines(s, e.Items, m.width)...)
}
