package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// The pending pool: a list over the pool index, sorted by paid time or channel, with the
// batch actions convert, remove, mark processed and convert all ready; enter opens an
// entry's detail, where the first three work on that entry.

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

// Messages of the pool view.
type poolEntryMsg struct {
	entry domain.PoolEntry
	found bool
	err   error
}

// poolSorts are the orders storage reads the pool in, as the list offers them.
var poolSorts = [...]storage.PoolSort{storage.SortPaidAt, storage.SortChannel}

type poolView struct {
	*list[storage.PoolRow, domain.Key, storage.PoolQuery]
	entry domain.PoolEntry // the entry the detail shows
	ready int              // ready entries, from the counts, for "convert all ready"
}

func newPool(c *common) view {
	v := &poolView{}
	store := c.store
	v.list = newList(c, &listSpec[storage.PoolRow, domain.Key, storage.PoolQuery]{
		title: "Pending pool", noun: [2]string{"entry", "entries"}, thing: [2]string{"entry", "entries"},
		columns: poolColumns,
		cells:   v.cells,
		keyOf:   func(r storage.PoolRow) domain.Key { return r.Entry.Key },
		posOf:   func(r storage.PoolRow) storage.Pos { return r.Pos },
		parse:   parsePoolFilter,
		read: func(q storage.PoolQuery, sort int, desc bool) source[storage.PoolRow] {
			q.States, q.Words = slices.Clone(q.States), slices.Clone(q.Words)
			q.Sort, q.Desc = poolSorts[sort], desc
			return storeSource(q, store.PoolWindow, store.PoolCount)
		},
		sorts: []sortOption{{name: "paid at", column: 7}, {name: "channel", column: 0}},
		empty: [2]string{"the pool is empty — nothing waits for conversion", "no entries match the filter"},
		detail: &detailSpec[storage.PoolRow, domain.Key]{
			open: func(r storage.PoolRow) tea.Cmd {
				v.entry = r.Entry
				return v.loadEntry()
			},
			reload: v.loadEntry,
			shown:  func() domain.Key { return v.entry.Key },
			title: func() string {
				return titleLine(v.c.styles, "Pool entry "+textsafe.Safe(v.entry.Key.String()), []string{v.entry.State.String()}, nil)
			},
			lines: v.detailLines,
		},
		actions: v.actions(c),
	})
	return v
}

// actions are the pool's batch actions, each one storage call in one transaction.
func (v *poolView) actions(c *common) []listAction[domain.Key] {
	store, loc := c.store, c.loc
	act := func(b func(*keymap.KeyMap) key.Binding, w actionWords, role domain.Action, q func(what, them string, n int) string,
		call func(a actionArgs[domain.Key]) (storage.BatchResult, error)) listAction[domain.Key] {
		return listAction[domain.Key]{binding: b, words: w, role: role, question: q, detail: true,
			run: func(a actionArgs[domain.Key]) actionResult[domain.Key] {
				res, err := call(a)
				var unknown storage.ErrUnknownKeys
				switch {
				case errors.As(err, &unknown):
					return actionResult[domain.Key]{drop: unknown,
						err: fmt.Errorf("%s refused, nothing written — %w; another session changed the pool, the list is refreshed", w.name, err)}
				case err != nil:
					return actionResult[domain.Key]{err: fmt.Errorf("%s failed, nothing written: %w", w.name, err)}
				}
				return batchResult(res, nil, a.now, loc, func(r storage.RowResult) string {
					if r.OrderNo != 0 {
						return " → " + domain.OrderNumber(r.OrderNo)
					}
					return " " + w.done
				})
			}}
	}
	convert := act(func(k *keymap.KeyMap) key.Binding { return k.Convert }, actionWords{"convert", "converted", "converting…"}, domain.ActionConvert,
		func(what, _ string, _ int) string { return fmt.Sprintf("Convert %s to sales orders?", what) },
		func(a actionArgs[domain.Key]) (storage.BatchResult, error) { return store.Convert(a.keys, a.now, a.by) })
	remove := act(func(k *keymap.KeyMap) key.Binding { return k.Remove }, actionWords{"remove", "removed", "removing…"}, domain.ActionRemove,
		func(what, them string, _ int) string {
			return fmt.Sprintf("Remove %s from the pool? The next import brings %s back.", what, them)
		},
		func(a actionArgs[domain.Key]) (storage.BatchResult, error) { return store.Remove(a.keys, a.now, a.by) })
	process := act(func(k *keymap.KeyMap) key.Binding { return k.Process }, actionWords{"mark processed", "marked processed", "marking processed…"}, domain.ActionProcess,
		func(what, them string, _ int) string {
			return fmt.Sprintf("Mark %s processed? Later imports will skip %s.", what, them)
		},
		func(a actionArgs[domain.Key]) (storage.BatchResult, error) {
			return store.Process(a.keys, a.reason, a.now, a.by)
		})
	process.input = "reason: "
	all := act(func(k *keymap.KeyMap) key.Binding { return k.ConvertAllReady }, actionWords{"convert all ready", "converted", "converting all ready entries…"}, domain.ActionConvert,
		func(_, _ string, n int) string {
			return fmt.Sprintf("Convert all %s to sales orders? Unpaid ones are skipped.", plural(n, "ready entry", "ready entries"))
		},
		func(a actionArgs[domain.Key]) (storage.BatchResult, error) { return store.ConvertAllReady(a.now, a.by) })
	all.all, all.detail = func() int { return v.ready }, false
	return []listAction[domain.Key]{convert, remove, process, all,
		undoAction[domain.Key](store, c.loc, string(domain.ActionConvert), string(domain.ActionRemove), string(domain.ActionProcess))}
}

func (v *poolView) loadEntry() tea.Cmd {
	store, k := v.c.store, v.entry.Key
	return func() tea.Msg {
		e, found, err := store.PoolEntry(k)
		return poolEntryMsg{entry: e, found: found, err: err}
	}
}

func (v *poolView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case countsMsg:
		v.ready = msg.counts.Pool[domain.PoolReady]
	case poolEntryMsg:
		if msg.err != nil {
			return reportErr(msg.err)
		}
		if v.detail.open && msg.found && msg.entry.Key == v.entry.Key {
			v.entry = msg.entry
		}
		return nil
	}
	return v.list.update(msg)
}

func (v *poolView) cells(r storage.PoolRow) []cell {
	e, c := &r.Entry, v.c
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
		e.Total.String(), listTime(e.PaidAt, c.now(), c.loc), age(since, c.now()), strings.Join(flags, " "))
	if e.Changed {
		cells[len(cells)-1].style = &c.styles.warn
	}
	return cells
}

// detailLines is every field of the entry and its line items.
func (v *poolView) detailLines() []string {
	s, e, loc, width := v.c.styles, v.entry, v.c.loc, v.width
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
	lines := fieldLines(s, fields, width)
	lines = append(lines, "", s.title.Render(fmt.Sprintf("Items — %s, %s", plural(len(e.Items), "line", "lines"), plural(e.ItemCount(), "unit", "units"))))
	return append(lines, itemLines(s, e.Items, width)...)
}
