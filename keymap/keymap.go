// Package keymap defines shipdesk's key bindings, their defaults and the
// user overrides read from the config file.
package keymap

import "github.com/charmbracelet/bubbles/key"

// Help groups. Bindings in GroupGlobal and GroupLists are active in every
// view and must not share keys with any other group; the groups of one view
// (pool, orders, refunds) are active only in that view, so they may reuse
// each other's keys; dialog and form bindings are only active while a dialog
// or form is open, so they may reuse keys from the other groups.
const (
	GroupGlobal   = "Global"
	GroupLists    = "Lists"
	GroupPool     = "Pending pool"
	GroupOrders   = "Sales orders and tracking"
	GroupRefunds  = "Refund queue"
	GroupOutbox   = "Outbox"
	GroupParcels  = "Parcels"
	GroupChannels = "Channels and rebates"
	GroupVouchers = "E-vouchers"
	GroupForms    = "Forms"
	GroupDialogs  = "Dialogs"
)

// KeyMap holds every key binding of the application.
type KeyMap struct {
	// Global
	Quit      key.Binding
	Help      key.Binding
	Back      key.Binding
	Dashboard key.Binding
	Pool      key.Binding
	Orders    key.Binding
	Tracking  key.Binding // the bulk tracking paste view
	Refunds   key.Binding // the refund queue
	Outbox    key.Binding // the outbox of messages
	Vouchers  key.Binding // the voucher counter and list
	Parcels   key.Binding // parcels by delivery status
	Audit     key.Binding
	Channels  key.Binding // channels, their authorizations and cut-offs, and the rebates
	NextView  key.Binding
	Refresh   key.Binding

	// Lists
	Up          key.Binding
	Down        key.Binding
	PageUp      key.Binding
	PageDown    key.Binding
	Home        key.Binding
	End         key.Binding
	Open        key.Binding
	Filter      key.Binding
	ClearFilter key.Binding
	Sort        key.Binding // cycle the sort column
	Reverse     key.Binding // flip the sort order
	Select      key.Binding // toggle the row under the cursor
	SelectAll   key.Binding // select every row that passes the filter
	SelectNone  key.Binding
	Undo        key.Binding // offer to undo this operator's last action in the list

	// Pending pool
	Convert         key.Binding
	Remove          key.Binding
	Process         key.Binding // mark processed; asks for a reason
	ConvertAllReady key.Binding

	// Sales orders and tracking
	Track         key.Binding // the tracking form of the order under the cursor, or of each selected order in turn
	PartialRefund key.Binding // the partial refund form of the order
	Export        key.Binding // write the selected orders to a file

	// Refund queue
	RefundConvert key.Binding // refund on the original order
	RefundReject  key.Binding // asks for a reason; queues the write-back to the channel
	RefundProcess key.Binding // close without a refund; asks for a reason

	// Outbox
	OutboxRetry  key.Binding // due now again (supervisor)
	OutboxCancel key.Binding // call off, with a reason (supervisor)
	// Parcels
	StopTracking   key.Binding // stop following a parcel; asks for a reason
	ResumeTracking key.Binding
	// Channels and rebates
	Reauthorize   key.Binding // asks for the new expiry of the channel under the cursor
	RebateConfirm key.Binding // asks when the subscription order was confirmed on the platform
	RebateClaim   key.Binding
	RebatePaid    key.Binding
	// E-vouchers
	VoucherCounter key.Binding // from the list of codes back to the counter
	VoucherResend  key.Binding // the order's live codes to the buyer again
	VoucherExtend  key.Binding // asks for the order's new valid-until

	// Forms
	NextField key.Binding
	PrevField key.Binding
	Save      key.Binding // a form; in bulk tracking, check the pasted lines
	Skip      key.Binding // tracking for a selection: leave this order, open the next

	// Dialogs
	Confirm key.Binding
	Cancel  key.Binding
}

// Entry names one binding of a KeyMap for help screens and config overrides.
type Entry struct {
	Name    string // stable config name, e.g. "pool.convert"
	Group   string // one of the Group* constants
	Binding *key.Binding
}

func bind(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// Default returns the built-in key bindings.
func Default() KeyMap {
	return KeyMap{
		Quit:      bind("q", "quit", "q", "ctrl+c"),
		Help:      bind("?", "help", "?"),
		Back:      bind("esc", "back", "esc"),
		Dashboard: bind("1", "dashboard", "1"),
		Pool:      bind("2", "pending pool", "2"),
		Orders:    bind("3", "orders", "3"),
		Tracking:  bind("4", "bulk tracking", "4"),
		Refunds:   bind("5", "refund queue", "5"),
		Outbox:    bind("O", "outbox", "O"),
		Vouchers:  bind("6", "vouchers", "6"),
		Parcels:   bind("0", "parcels", "0"),
		Audit:     bind("7", "audit log", "7"),
		Channels:  bind("8", "channels", "8"),
		NextView:  bind("tab", "next view", "tab"),
		Refresh:   bind("ctrl+r", "refresh", "ctrl+r"),

		Up:          bind("↑/k", "up", "up", "k"),
		Down:        bind("↓/j", "down", "down", "j"),
		PageUp:      bind("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:    bind("pgdn", "page down", "pgdown", "ctrl+f"),
		Home:        bind("g/home", "first row", "home", "g"),
		End:         bind("G/end", "last row", "end", "G"),
		Open:        bind("enter", "open", "enter"),
		Filter:      bind("/", "filter", "/"),
		ClearFilter: bind("ctrl+l", "clear filter", "ctrl+l"),
		Sort:        bind("s", "sort column", "s"),
		Reverse:     bind("S", "reverse sort", "S"),
		// Bubble Tea v1 reports the space bar as " ".
		Select:     bind("space", "select", " "),
		SelectAll:  bind("a", "select all", "a"),
		SelectNone: bind("A", "select none", "A"),
		Undo:       bind("u", "undo my last action", "u"),

		Convert:         bind("c", "convert to order", "c"),
		Remove:          bind("x", "remove", "x"),
		Process:         bind("p", "mark processed", "p"),
		ConvertAllReady: bind("C", "convert all ready", "C"),

		Track:         bind("t", "enter tracking", "t"),
		PartialRefund: bind("R", "partial refund", "R"),
		Export:        bind("e", "export selection", "e"),

		RefundConvert: bind("c", "convert to refund", "c"),
		RefundReject:  bind("r", "reject", "r"),
		RefundProcess: bind("p", "mark processed", "p"),

		OutboxRetry:    bind("r", "retry", "r"),
		OutboxCancel:   bind("x", "cancel message", "x"),
		StopTracking:   bind("x", "stop tracking", "x"),
		ResumeTracking: bind("o", "resume tracking", "o"),
		Reauthorize:    bind("r", "re-authorize", "r"),
		RebateConfirm:  bind("c", "confirm rebate", "c"),
		RebateClaim:    bind("l", "claim rebate", "l"),
		RebatePaid:     bind("p", "mark rebate paid", "p"),
		VoucherCounter: bind("c", "voucher counter", "c"),
		VoucherResend:  bind("r", "resend codes", "r"),
		VoucherExtend:  bind("e", "extend validity", "e"),

		NextField: bind("tab", "next field", "tab", "down"),
		PrevField: bind("shift+tab", "previous field", "shift+tab", "up"),
		Save:      bind("ctrl+s", "save", "ctrl+s"),
		Skip:      bind("ctrl+n", "skip order", "ctrl+n"),

		Confirm: bind("y/enter", "confirm", "y", "enter"),
		Cancel:  bind("n/esc", "cancel", "n", "esc"),
	}
}

// Entries lists every binding with its config name and help group, in a
// fixed order (grouped, as they should appear in help). The bindings point
// into k, so changing them changes k.
func (k *KeyMap) Entries() []Entry {
	return []Entry{
		{"global.quit", GroupGlobal, &k.Quit},
		{"global.help", GroupGlobal, &k.Help},
		{"global.back", GroupGlobal, &k.Back},
		{"global.dashboard", GroupGlobal, &k.Dashboard},
		{"global.pool", GroupGlobal, &k.Pool},
		{"global.orders", GroupGlobal, &k.Orders},
		{"global.tracking", GroupGlobal, &k.Tracking},
		{"global.refunds", GroupGlobal, &k.Refunds},
		{"global.outbox", GroupGlobal, &k.Outbox},
		{"global.vouchers", GroupGlobal, &k.Vouchers},
		{"global.parcels", GroupGlobal, &k.Parcels},
		{"global.audit", GroupGlobal, &k.Audit},
		{"global.channels", GroupGlobal, &k.Channels},
		{"global.next_view", GroupGlobal, &k.NextView},
		{"global.refresh", GroupGlobal, &k.Refresh},

		{"list.up", GroupLists, &k.Up},
		{"list.down", GroupLists, &k.Down},
		{"list.page_up", GroupLists, &k.PageUp},
		{"list.page_down", GroupLists, &k.PageDown},
		{"list.home", GroupLists, &k.Home},
		{"list.end", GroupLists, &k.End},
		{"list.open", GroupLists, &k.Open},
		{"list.filter", GroupLists, &k.Filter},
		{"list.clear_filter", GroupLists, &k.ClearFilter},
		{"list.sort", GroupLists, &k.Sort},
		{"list.reverse", GroupLists, &k.Reverse},
		{"list.select", GroupLists, &k.Select},
		{"list.select_all", GroupLists, &k.SelectAll},
		{"list.select_none", GroupLists, &k.SelectNone},
		{"list.undo", GroupLists, &k.Undo},

		{"pool.convert", GroupPool, &k.Convert},
		{"pool.remove", GroupPool, &k.Remove},
		{"pool.process", GroupPool, &k.Process},
		{"pool.convert_all_ready", GroupPool, &k.ConvertAllReady},

		{"orders.track", GroupOrders, &k.Track},
		{"orders.partial_refund", GroupOrders, &k.PartialRefund},
		{"orders.export", GroupOrders, &k.Export},

		{"refunds.convert", GroupRefunds, &k.RefundConvert},
		{"refunds.reject", GroupRefunds, &k.RefundReject},
		{"refunds.process", GroupRefunds, &k.RefundProcess},
		{"parcels.stop", GroupParcels, &k.StopTracking},
		{"parcels.resume", GroupParcels, &k.ResumeTracking},

		{"outbox.retry", GroupOutbox, &k.OutboxRetry},
		{"outbox.cancel", GroupOutbox, &k.OutboxCancel},
		{"channels.reauthorize", GroupChannels, &k.Reauthorize},
		{"channels.confirm", GroupChannels, &k.RebateConfirm},
		{"channels.claim", GroupChannels, &k.RebateClaim},
		{"channels.paid", GroupChannels, &k.RebatePaid},
		{"vouchers.counter", GroupVouchers, &k.VoucherCounter},
		{"vouchers.resend", GroupVouchers, &k.VoucherResend},
		{"vouchers.extend", GroupVouchers, &k.VoucherExtend},

		{"form.next_field", GroupForms, &k.NextField},
		{"form.prev_field", GroupForms, &k.PrevField},
		{"form.save", GroupForms, &k.Save},
		{"form.skip", GroupForms, &k.Skip},

		{"dialog.confirm", GroupDialogs, &k.Confirm},
		{"dialog.cancel", GroupDialogs, &k.Cancel},
	}
}

// Groups returns the bindings of each help group in Entries order, ready for
// bubbles/help's FullHelp.
func (k *KeyMap) Groups() (names []string, bindings [][]key.Binding) {
	for _, e := range k.Entries() {
		if len(names) == 0 || names[len(names)-1] != e.Group {
			names = append(names, e.Group)
			bindings = append(bindings, nil)
		}
		bindings[len(bindings)-1] = append(bindings[len(bindings)-1], *e.Binding)
	}
	return names, bindings
}
