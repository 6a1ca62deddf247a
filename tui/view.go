package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/keymap"
)

// view is one screen of the console: the dashboard, a list, bulk tracking, help. The
// root model holds its views in one table (viewTable) and reaches them only through this
// interface: it routes keys to the active view, every other message to all of them,
// sizes them, refreshes the active one after each change to the data, draws its tab and
// puts its short help in the status bar.
//
// To add a view:
//
//  1. Write one file with a type whose pointer implements view, and a constructor
//     func(*common) view. A list view embeds a *list[R, K, Q] (listmodel.go) made from a
//     listSpec — its columns, cells, filter, the sorts storage can read in index order,
//     its detail and its actions, as data — and its update handles only its own messages
//     before handing the rest to the list. See audit.go for a list with a detail and no
//     actions, pool.go for one with batch actions, orders.go for actions with forms.
//  2. Give it a key: a binding in keymap's global group (keymap.go: the field, its
//     default in Default and its config name in Entries).
//  3. Add one line to viewTable, where its tab should stand.
//
// Nothing else changes: tab cycles through the table, the header draws it, and the
// view's messages reach it however many views there are.
type view interface {
	// update takes a key, only while the view is active, or any other message: every
	// view sees every result and keeps the ones it asked for.
	update(msg tea.Msg) tea.Cmd
	// view draws the body: the screen between the header and the status lines.
	view() string
	// setSize is the body's size; the root sends it to every view on each resize.
	setSize(width, height int) tea.Cmd
	// refresh re-reads what the view shows: when it is shown, and after every change to
	// the data while it is shown. Hidden views catch up when they are shown.
	refresh() tea.Cmd
	// capturing says the view takes every key (an input is focused, a dialog is open):
	// the global keys are text then, and only ctrl+c quits.
	capturing() bool
	// shortHelp is the bindings the status bar shows for the view's present state.
	shortHelp() []key.Binding
}

// viewSpec is one line of the view table.
type viewSpec struct {
	name  string                           // the tab's title
	key   func(*keymap.KeyMap) key.Binding // the key that shows it
	make  func(*common) view
	aside bool // help: its key or back returns to the view before; tab passes it by
}

// viewTable is every view, in tab order.
func viewTable() []viewSpec {
	return []viewSpec{
		{name: "Dashboard", key: func(k *keymap.KeyMap) key.Binding { return k.Dashboard }, make: newDashboard},
		{name: "Pool", key: func(k *keymap.KeyMap) key.Binding { return k.Pool }, make: newPool},
		{name: "Orders", key: func(k *keymap.KeyMap) key.Binding { return k.Orders }, make: newOrders},
		{name: "Tracking", key: func(k *keymap.KeyMap) key.Binding { return k.Tracking }, make: newBulk},
		{name: "Refunds", key: func(k *keymap.KeyMap) key.Binding { return k.Refunds }, make: newRefunds},
		{name: "Vouchers", key: func(k *keymap.KeyMap) key.Binding { return k.Vouchers }, make: newVouchers},
		{name: "Parcels", key: func(k *keymap.KeyMap) key.Binding { return k.Parcels }, make: newParcels},
		{name: "Audit", key: func(k *keymap.KeyMap) key.Binding { return k.Audit }, make: newAudit},
		{name: "Channels", key: func(k *keymap.KeyMap) key.Binding { return k.Channels }, make: newChannels},
		{name: "Outbox", key: func(k *keymap.KeyMap) key.Binding { return k.Outbox }, make: newOutbox},
		{name: "Help", key: func(k *keymap.KeyMap) key.Binding { return k.Help }, make: newHelp, aside: true},
	}
}
