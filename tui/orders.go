package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
)

// Sales orders by ship-by, earliest first, with due-today and overdue marked; enter
// opens an order's detail. Tracking is entered for the order under the cursor or, one
// form after another, for the selection (ordertrack.go); the selection exports to a file.

// orderColumns are the list's columns; status goes first on a narrow
// terminal, since the default filter shows only awaiting orders.
func orderColumns() []column {
	return []column{
		{title: "order", min: 10, max: 10},
		{title: "channel", min: 8, max: 16, drop: 4},
		{title: "trade ID", min: 16, max: 24},
		{title: "buyer", min: 8, max: 24, drop: 3},
		{title: "items", min: 5, max: 5, right: true, drop: 2},
		{title: "amount", min: 11, max: 14, right: true},
		{title: "tracking", min: 16, max: 26, drop: 6},
		{title: "status", min: 9, max: 9, drop: 5},
		{title: "ship by", min: 11, max: 11},
		{title: "due", min: 7, max: 7},
		{title: "!", min: 1, max: 1},
	}
}

const orderShipByColumn = 8

type orderMsg struct {
	order    domain.SalesOrder
	found    bool
	delivery domain.DeliveryStatus // zero when not shipped
	parcel   domain.ParcelState
	err      error
}

// orderNo is a sales order's number, the orders list's row key.
type orderNo uint64

func (n orderNo) String() string { return domain.OrderNumber(uint64(n)) }

type ordersView struct {
	*list[storage.OrderRow, orderNo, storage.OrderQuery]
	order    domain.SalesOrder     // the order the detail shows
	refunds  []domain.Refund       // its refunds
	delivery domain.DeliveryStatus // its parcel's delivery status; zero until read or when not shipped
	parcel   domain.ParcelState

	formOpen    bool
	form        trackForm
	lastCarrier string    // the carrier of the last save, offered to the next form
	run         *trackRun // tracking entered for the selection, one order after another

	refundOpen bool
	refundForm refundForm
	messages   []domain.OutboxMessage // the outbox's messages about the order shown
}

func newOrders(c *common) view {
	v := &ordersView{}
	store := c.store
	v.list = newList(c, &listSpec[storage.OrderRow, orderNo, storage.OrderQuery]{
		title: "Sales orders", noun: [2]string{"order", "orders"}, thing: [2]string{"order", "orders"},
		columns: orderColumns,
		cells:   v.cells,
		keyOf:   func(r storage.OrderRow) orderNo { return orderNo(r.Order.No) },
		posOf:   func(r storage.OrderRow) storage.Pos { return r.Pos },
		parse:   func(text string) (storage.OrderQuery, error) { return parseOrderFilter(text, c.now(), c.loc) },
		read: func(q storage.OrderQuery, sort int, desc bool) source[storage.OrderRow] {
			q.Statuses, q.Words, q.Desc = slices.Clone(q.Statuses), slices.Clone(q.Words), desc
			if sort == 0 {
				return storeSource(q, store.OrderWindow, store.OrderCount)
			}
			return inTurn(eachOf(shownStatuses(q.Statuses), desc, func(st domain.OrderStatus) source[storage.OrderRow] {
				q.Statuses = []domain.OrderStatus{st}
				return storeSource(q, store.OrderWindow, store.OrderCount)
			}), func(r *storage.OrderRow) *storage.Pos { return &r.Pos })
		},
		// storage keeps the orders of each status in one index, by ship-by: read together
		// or one status after another.
		sorts: []sortOption{{name: "ship by", column: orderShipByColumn}, {name: "status", column: orderShipByColumn - 1}},
		parts: func(q storage.OrderQuery) []string { return []string{statusNames(q.Statuses)} },
		shape: func(q storage.OrderQuery, cols []column) {
			if st := q.Statuses; len(st) == 0 || len(st) == 1 && st[0] == domain.OrderAwaitingShipment {
				cols[orderShipByColumn-2].extra = true // nothing awaiting has tracking: last to get room
			}
		},
		empty: [2]string{"no orders match", "no orders match"},
		detail: &detailSpec[storage.OrderRow, orderNo]{
			open: func(r storage.OrderRow) tea.Cmd {
				v.order, v.refunds, v.delivery, v.parcel, v.messages = r.Order, nil, 0, domain.ParcelState{}, nil
				return v.loadOrder()
			},
			reload: v.loadOrder,
			shown:  func() orderNo { return orderNo(v.order.No) },
			title: func() string {
				return titleLine(v.c.styles, "Sales order "+domain.OrderNumber(v.order.No), []string{v.order.Status.String()}, nil)
			},
			lines: v.detailLines,
			keys:  v.detailKey,
			help:  func(k *keymap.KeyMap) []key.Binding { return []key.Binding{k.Track, k.PartialRefund} },
		},
		actions: v.actions(c),
	})
	return v
}

// actions: tracking for the selection (or the order under the cursor), a partial
// refund of the order under the cursor, and export of the selection.
func (v *ordersView) actions(c *common) []listAction[orderNo] {
	return []listAction[orderNo]{
		{binding: func(k *keymap.KeyMap) key.Binding { return k.Track }, start: v.track},
		{binding: func(k *keymap.KeyMap) key.Binding { return k.PartialRefund }, cursorOnly: true,
			start: func([]orderNo) tea.Cmd {
				if row, ok := v.win.current(); ok {
					return v.openRefundForm(row.Order)
				}
				return nil
			}},
		exportAction(c.store),
		undoAction[orderNo](c.store, c.loc, string(domain.ActionTracking)),
	}
}

func (v *ordersView) capturing() bool { return v.list.capturing() || v.formOpen || v.refundOpen }

func (v *ordersView) loadOrder() tea.Cmd {
	store, no, now := v.c.store, v.order.No, v.c.now()
	return tea.Batch(func() tea.Msg {
		o, found, err := store.Order(no)
		if err != nil || !found {
			return orderMsg{order: o, found: found, err: err}
		}
		st, p, err := store.DeliveryOf(o, now)
		return orderMsg{order: o, found: found, delivery: st, parcel: p, err: err}
	}, loadOrderRefunds(store, no), loadOrderMessages(store, no))
}

func (v *ordersView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case orderMsg:
		if msg.err != nil {
			return reportErr(msg.err)
		}
		if v.detail.open && msg.found && msg.order.No == v.order.No {
			v.order, v.delivery, v.parcel = msg.order, msg.delivery, msg.parcel
		}
		return nil
	case runOrderMsg:
		return v.runOrder(msg)
	case trackSavedMsg:
		return v.trackSaved(msg)
	case orderRefundsMsg:
		return v.orderRefunds(msg)
	case orderMessagesMsg:
		if msg.err != nil {
			return reportErr(msg.err)
		}
		if msg.no == v.order.No {
			v.messages = msg.msgs
		}
		return nil
	case partialSavedMsg:
		return v.partialSaved(msg)
	case tea.KeyMsg:
		switch {
		case v.refundOpen && !v.list.capturing():
			return v.refundFormKey(msg)
		case v.formOpen && !v.list.capturing():
			return v.formKey(msg)
		}
	}
	return v.list.update(msg)
}

// detailKey takes the order detail's own keys: its tracking form, its partial refund.
func (v *ordersView) detailKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := &v.c.keys
	switch {
	case key.Matches(msg, k.Track):
		v.formOpen, v.form = true, newTrackForm(v.c, v.order, v.lastCarrier)
		return nil, true
	case key.Matches(msg, k.PartialRefund):
		return v.openRefundForm(v.order), true
	}
	return nil, false
}

func (v *ordersView) shortHelp() []key.Binding {
	k := &v.c.keys
	switch {
	case v.list.capturing():
	case v.refundOpen:
		return v.refundForm.shortHelp()
	case v.formOpen && v.run != nil:
		return []key.Binding{k.Save, k.Skip, helpOnly(inputHelp(k.Back).Help().Key, "stop"), helpOnly("tab/↓", "next field")}
	case v.formOpen:
		return v.form.shortHelp()
	}
	return v.list.shortHelp()
}

func (v *ordersView) view() string {
	switch {
	case v.list.capturing():
	case v.refundOpen:
		return v.refundForm.view(v.width, v.height)
	case v.formOpen && v.run != nil:
		return v.run.title(v.c, v.width) + "\n" + v.form.view(v.width, v.height-1)
	case v.formOpen:
		return v.form.view(v.width, v.height)
	}
	return v.list.view()
}

// shownStatuses are the statuses a filter lists: none named is awaiting shipment.
func shownStatuses(sts []domain.OrderStatus) []domain.OrderStatus {
	if len(sts) == 0 {
		return []domain.OrderStatus{domain.OrderAwaitingShipment}
	}
	return sts
}

// statusNames says which statuses the list shows.
func statusNames(sts []domain.OrderStatus) string {
	sts = shownStatuses(sts)
	if len(sts) == len(domain.OrderStatuses) {
		return "all statuses"
	}
	names := make([]string, len(sts))
	for i, st := range sts {
		names[i] = st.String()
	}
	return strings.Join(names, ", ")
}

// statusLabel fits a status into its column.
func statusLabel(st domain.OrderStatus) string {
	if st == domain.OrderAwaitingShipment {
		return "awaiting"
	}
	return st.String()
}

// urgency is the text and style of an order's due mark: words as well as
// colours, so a colourless terminal still shows what is late.
func (v *ordersView) urgency(o domain.SalesOrder) cell {
	switch domain.UrgencyOf(o, v.c.now(), v.c.loc) {
	case domain.UrgencyOverdue:
		return cell{text: "OVERDUE", style: &v.c.styles.urgent}
	case domain.UrgencyDueToday:
		return cell{text: "today", style: &v.c.styles.warn}
	}
	return cell{}
}

// trackingCell is carrier and number, or a loud mark for an order shipped without one.
func (v *ordersView) trackingCell(o domain.SalesOrder) cell {
	sh := o.Shipment
	switch {
	case sh.MissingTracking():
		return cell{text: "NO TRACKING", style: &v.c.styles.warn}
	case sh.Number != "":
		return cell{text: sh.Carrier + " " + sh.Number}
	}
	return cell{}
}

func (v *ordersView) cells(r storage.OrderRow) []cell {
	o := &r.Order
	due := v.urgency(*o)
	attention := ""
	if o.Attention != "" {
		attention = "!"
	}
	track := v.trackingCell(*o)
	cells := plainCells(domain.OrderNumber(o.No), o.Channel, o.TradeID, o.Buyer, units(o.Trade), o.Total.String(),
		track.text, statusLabel(o.Status), listTime(o.ShipBy, v.c.now(), v.c.loc), due.text, attention)
	cells[orderShipByColumn-2].style = track.style
	cells[orderShipByColumn].style = due.style
	cells[orderShipByColumn+1].style = due.style
	cells[orderShipByColumn+2].style = &v.c.styles.urgent
	return cells
}

// detailLines is every field of the order, its attention note and its items.
func (v *ordersView) detailLines() []string {
	s, o, loc, width := v.c.styles, v.order, v.c.loc, v.width
	const long = "2006-01-02 15:04 MST"
	shipBy := localTime(o.ShipBy, loc, long)
	if due := v.urgency(o); due.text != "" {
		shipBy += "  " + due.text
	}
	fields := []field{
		{"order", domain.OrderNumber(o.No)},
		{"key", o.Key.String()},
		{"platform", o.Platform},
		{"status", o.Status.String()},
		{"ship by", shipBy},
		{"created", localTime(o.CreatedAt, loc, long)},
		{"trade status", o.TradeStatus.String()},
		{"buyer", o.Buyer},
		{"consignee", o.Consignee.Name},
		{"phone", o.Consignee.Phone},
		{"address", o.Consignee.Address},
		{"country", o.Consignee.Country},
		{"payment ref", o.PaymentRef},
		{"paid at", localTime(o.PaidAt, loc, long)},
		{"total", o.Total.String()},
	}
	lines := fieldLines(s, fields, width)
	if o.Attention != "" {
		lines = append(lines, s.danger.Render(Fit("attention", 16))+s.danger.Render(Cut(o.Attention, width-16)))
	}
	lines = append(lines, v.shipmentLines()...)
	lines = append(lines, v.refundLines()...)
	lines = append(lines, "", s.title.Render(fmt.Sprintf("Items — %s, %s", plural(len(o.Items), "line", "lines"), plural(o.ItemCount(), "unit", "units"))))
	lines = append(lines, itemLines(s, o.Items, width)...)
	return append(lines, messageLines(s, v.messages, v.c, width)...)
}

// shipmentLines is the shipment and its correction history, oldest first.
func (v *ordersView) shipmentLines() []string {
	s, sh, loc, width := v.c.styles, v.order.Shipment, v.c.loc, v.width
	const long = "2006-01-02 15:04 MST"
	if domain.IsVoucherTrade(&v.order.Trade) && v.order.Status != domain.OrderAwaitingShipment {
		return []string{"", s.title.Render("Shipment") + s.dim.Render(" — e-voucher codes issued; the vouchers view ("+v.c.keys.Vouchers.Help().Key+") shows them")}
	}
	if !sh.Shipped() {
		return []string{"", s.title.Render("Shipment") + s.dim.Render(" — not shipped yet · "+v.c.keys.Track.Help().Key+" enters tracking")}
	}
	number := sh.Number
	if sh.MissingTracking() {
		number = "none — " + sh.NoTracking
	}
	fields := []field{
		{"carrier", carrierName(sh.Carrier)},
		{"tracking", number},
		{"tracking page", sh.URL},
		{"shipped", localTime(sh.ShippedAt, loc, long)},
		{"arrives", localTime(sh.ETA, loc, "2006-01-02")},
	}
	if sh.Override != "" {
		fields = append(fields, field{"override", sh.Override})
	}
	if v.delivery != 0 {
		d := deliveryCell(&s, v.delivery, 0)
		if v.delivery.Pickup() {
			_, since := domain.PhaseOf(sh, v.parcel) // as the parcels view counts them
			d = deliveryCell(&s, v.delivery, domain.DaysSince(since, v.c.now()))
		}
		text := d.text
		if l := v.parcel.Latest; l.Status != 0 {
			text += " — last event " + localTime(l.At, loc, "2006-01-02 15:04") + " " + eventText(l)
		}
		fields = append(fields, field{"delivery", text})
	}
	title := "Shipment"
	if sh.Replaced > 0 {
		title += fmt.Sprintf(" — number replaced %s", plural(sh.Replaced, "time", "times"))
	}
	lines := append([]string{"", s.title.Render(title)}, fieldLines(s, fields, width)...)
	if sh.MissingTracking() {
		lines[len(lines)-len(fields)+1] = s.label.Render(Fit("tracking", 16)) + s.warn.Render(Cut(number, width-16))
	}
	for _, h := range sh.History {
		text := fmt.Sprintf("%s  %s  %s %s → %s %s", localTime(h.At, loc, "2006-01-02 15:04"), h.Operator, h.OldCarrier, h.OldNumber, h.NewCarrier, h.NewNumber)
		if h.Reason != "" {
			text += "  (override: " + h.Reason + ")"
		}
		lines = append(lines, s.label.Render(Fit("replaced", 16))+Cut(text, width-16))
	}
	return lines
}

// carrierName is "EMS (ems)" for a registry code, or the code as stored.
func carrierName(code string) string {
	if c, ok := domain.CarrierByCode(code); ok && c.Name != "" {
		return c.Name + " (" + c.Code + ")"
	}
	return code
}
