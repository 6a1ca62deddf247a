package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
)

// Sales orders by ship-by, earliest first, with due-today and overdue
// marked; enter opens an order's detail.

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
	order domain.SalesOrder
	found bool
	err   error
}

type ordersModel struct {
	c             *common
	width, height int

	win     window[storage.OrderRow]
	query   storage.OrderQuery
	desc    bool
	started bool
	filter  filterBox

	detailOpen    bool
	detail        domain.SalesOrder
	detailRefunds []domain.Refund
	detailPager   pager

	formOpen    bool
	form        trackForm
	lastCarrier string // the carrier of the last save, offered to the next form

	refundOpen bool
	refundForm refundForm
}

func newOrders(c *common) ordersModel {
	return ordersModel{
		c:      c,
		win:    newWindow(func(r storage.OrderRow) storage.Pos { return r.Pos }, func(r storage.OrderRow) string { return domain.OrderNumber(r.Order.No) }),
		filter: newFilterBox(c.styles),
	}
}

// source reads the orders for the current filter; it captures copies.
func (m ordersModel) source() source[storage.OrderRow] {
	store, q := m.c.store, m.query
	q.Statuses, q.Words = slices.Clone(q.Statuses), slices.Clone(q.Words)
	q.Desc = m.desc
	return source[storage.OrderRow]{
		fetch: func(ctx context.Context, from storage.Pos, back bool, limit int) ([]storage.OrderRow, bool, error) {
			return store.OrderWindow(ctx, q, from, back, limit)
		},
		count: func() (int, bool, error) { return store.OrderCount(q) },
	}
}

func (m ordersModel) setSize(w, h int) (ordersModel, tea.Cmd) {
	m.width, m.height = w, h
	return m, m.win.setHeight(h - listChrome)
}

func (m ordersModel) refresh() (ordersModel, tea.Cmd) {
	if !m.started {
		m.started = true
		return m, m.win.query(m.source())
	}
	cmd := m.win.refresh()
	if m.detailOpen {
		cmd = tea.Batch(cmd, m.loadOrder(m.detail.No))
	}
	return m, cmd
}

func (m ordersModel) loadOrder(no uint64) tea.Cmd {
	store := m.c.store
	return tea.Batch(func() tea.Msg {
		o, found, err := store.Order(no)
		return orderMsg{order: o, found: found, err: err}
	}, loadOrderRefunds(store, no))
}

func (m ordersModel) capturing() bool { return m.filter.editing() || m.formOpen || m.refundOpen }

func (m ordersModel) update(msg tea.Msg) (ordersModel, tea.Cmd) {
	switch msg := msg.(type) {
	case windowMsg[storage.OrderRow]:
		return m, m.win.apply(msg)
	case orderMsg:
		if msg.err != nil {
			return m, reportErr(msg.err)
		}
		if m.detailOpen && msg.found && msg.order.No == m.detail.No {
			m.detail = msg.order
		}
	case trackSavedMsg:
		return m.trackSaved(msg)
	case orderRefundsMsg:
		return m.orderRefunds(msg)
	case partialSavedMsg:
		return m.partialSaved(msg)
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m ordersModel) key(msg tea.KeyMsg) (ordersModel, tea.Cmd) {
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
	if m.refundOpen {
		return m.refundFormKey(msg)
	}
	if m.formOpen {
		var cmd tea.Cmd
		var closed bool
		m.form, cmd, closed = m.form.update(msg)
		if closed {
			m.formOpen = false
		}
		return m, cmd
	}
	if m.detailOpen {
		if key.Matches(msg, k.Back) {
			m.detailOpen = false
		} else if key.Matches(msg, k.Track) {
			m.formOpen, m.form = true, newTrackForm(m.c, m.detail, m.lastCarrier)
		} else if key.Matches(msg, k.PartialRefund) {
			return m.openRefundForm(m.detail)
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
	case key.Matches(msg, k.Reverse):
		m.desc = !m.desc
		return m, m.win.query(m.source())
	case key.Matches(msg, k.Track):
		if row, ok := m.win.current(); ok {
			m.formOpen, m.form = true, newTrackForm(m.c, row.Order, m.lastCarrier)
		}
	case key.Matches(msg, k.PartialRefund):
		if row, ok := m.win.current(); ok {
			return m.openRefundForm(row.Order)
		}
	case key.Matches(msg, k.Open):
		if row, ok := m.win.current(); ok {
			m.detailOpen, m.detail, m.detailRefunds, m.detailPager = true, row.Order, nil, pager{}
			return m, m.loadOrder(row.Order.No)
		}
	}
	return m, nil
}

// applyFilter reads the list for a new filter text; a text that does not
// parse keeps the rows of the last good one.
func (m ordersModel) applyFilter(text string) (ordersModel, tea.Cmd) {
	q, err := parseOrderFilter(text, m.c.now(), m.c.loc)
	if err != nil {
		m.filter.err = err.Error()
		return m, nil
	}
	m.filter.err, m.query, m.started = "", q, true
	return m, m.win.query(m.source())
}

// trackSaved closes the form after a save, or, in a run from the list, opens it on the
// next awaiting order with the same carrier.
func (m ordersModel) trackSaved(msg trackSavedMsg) (ordersModel, tea.Cmd) {
	if !m.formOpen || msg.no != m.form.order.No {
		return m, nil
	}
	var ok bool
	if m.form, ok = m.form.saved(msg); !ok {
		return m, nil
	}
	if msg.order.Shipment.Carrier != "" {
		m.lastCarrier = msg.order.Shipment.Carrier
	}
	m.formOpen = false
	if m.detailOpen {
		m.detail = msg.order
	} else if msg.outcome != domain.ShipUnchanged {
		if next, found := nextAwaiting(m.win.rows, msg.no); found {
			m.formOpen, m.form = true, newTrackForm(m.c, next, m.lastCarrier)
		}
	}
	return m, tea.Batch(report(savedText(msg)), changed)
}

func (m ordersModel) shortHelp() []key.Binding {
	k := &m.c.keys
	switch {
	case m.refundOpen:
		return m.refundForm.shortHelp()
	case m.formOpen:
		return m.form.shortHelp()
	case m.filter.editing():
		return []key.Binding{helpOnly(inputHelp(k.Confirm).Help().Key, "keep filter"), helpOnly(inputHelp(k.Cancel).Help().Key, "clear filter")}
	case m.detailOpen:
		return []key.Binding{k.Track, k.PartialRefund, k.Back, k.Up, k.Down}
	}
	return []key.Binding{k.Open, k.Track, k.PartialRefund, k.Filter, k.Reverse, k.Up, k.Down, k.PageDown, k.End}
}

func (m ordersModel) view() string {
	if m.refundOpen {
		return m.refundForm.view(m.width, m.height)
	}
	if m.formOpen {
		return m.form.view(m.width, m.height)
	}
	if m.detailOpen {
		o := m.detail
		title := titleLine(m.c.styles, "Sales order "+domain.OrderNumber(o.No), []string{o.Status.String()}, nil)
		return strings.Join(append([]string{title}, pageOf(m.detailLines(), m.detailPager.top, m.height-1)...), "\n")
	}
	return strings.Join(m.listView(), "\n")
}

func (m ordersModel) listView() []string {
	s := m.c.styles
	parts := []string{"by ship-by " + sortArrow(m.desc), statusNames(m.query.Statuses), m.win.position()}
	cols := orderColumns()
	cols[orderShipByColumn].title += " " + sortArrow(m.desc)
	if st := m.query.Statuses; len(st) == 0 || len(st) == 1 && st[0] == domain.OrderAwaitingShipment {
		cols[orderShipByColumn-2].extra = true // nothing awaiting has tracking: last to get room
	}
	tw := m.width - gutterWidth
	widths := layout(cols, tw)
	lines := []string{
		titleLine(s, "Sales orders", parts, m.win.err),
		m.filter.view(s, &m.c.keys, m.width),
		strings.Repeat(" ", gutterWidth) + headerRow(s, cols, widths, tw),
	}
	rows, cur := m.win.visible()
	for i, r := range rows {
		base := s.plain
		if i == cur {
			base = s.cursorRow
		}
		lines = append(lines, gutter(&s, base, i == cur, false)+renderRow(cols, widths, m.cells(r.Order), base, tw))
	}
	if len(rows) == 0 && !m.win.loading {
		lines = append(lines, s.dim.Render("  no orders match"))
	}
	return lines
}

// statusNames says which statuses the list shows.
func statusNames(sts []domain.OrderStatus) string {
	if len(sts) == 0 {
		sts = []domain.OrderStatus{domain.OrderAwaitingShipment}
	}
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
func (m *ordersModel) urgency(o domain.SalesOrder) cell {
	switch domain.UrgencyOf(o, m.c.now(), m.c.loc) {
	case domain.UrgencyOverdue:
		return cell{text: "OVERDUE", style: &m.c.styles.urgent}
	case domain.UrgencyDueToday:
		return cell{text: "today", style: &m.c.styles.warn}
	}
	return cell{}
}

// trackingCell is carrier and number, or a loud mark for an order shipped without one.
func (m *ordersModel) trackingCell(o domain.SalesOrder) cell {
	sh := o.Shipment
	switch {
	case sh.MissingTracking():
		return cell{text: "NO TRACKING", style: &m.c.styles.warn}
	case sh.Number != "":
		return cell{text: sh.Carrier + " " + sh.Number}
	}
	return cell{}
}

func (m *ordersModel) cells(o domain.SalesOrder) []cell {
	due := m.urgency(o)
	attention := ""
	if o.Attention != "" {
		attention = "!"
	}
	track := m.trackingCell(o)
	cells := plainCells(domain.OrderNumber(o.No), o.Channel, o.TradeID, o.Buyer, units(o.Trade), o.Total.String(),
		track.text, statusLabel(o.Status), listTime(o.ShipBy, m.c.now(), m.c.loc), due.text, attention)
	cells[orderShipByColumn-2].style = track.style
	cells[orderShipByColumn].style = due.style
	cells[orderShipByColumn+1].style = due.style
	cells[orderShipByColumn+2].style = &m.c.styles.urgent
	return cells
}

// detailLines is every field of the order, its attention note and its items.
func (m ordersModel) detailLines() []string {
	s, o, loc := m.c.styles, m.detail, m.c.loc
	const long = "2006-01-02 15:04 MST"
	shipBy := localTime(o.ShipBy, loc, long)
	if due := m.urgency(o); due.text != "" {
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
	lines := fieldLines(s, fields, m.width)
	if o.Attention != "" {
		lines = append(lines, s.danger.Render(Fit("attention", 16))+s.danger.Render(Cut(o.Attention, m.width-16)))
	}
	lines = append(lines, m.shipmentLines()...)
	lines = append(lines, m.refundLines()...)
	lines = append(lines, "", s.title.Render(fmt.Sprintf("Items — %s, %s", plural(len(o.Items), "line", "lines"), plural(o.ItemCount(), "unit", "units"))))
	return append(lines, itemLines(s, o.Items, m.width)...)
}

// shipmentLines is the shipment and its correction history, oldest first.
func (m ordersModel) shipmentLines() []string {
	s, sh, loc := m.c.styles, m.detail.Shipment, m.c.loc
	const long = "2006-01-02 15:04 MST"
	if !sh.Shipped() {
		return []string{"", s.title.Render("Shipment") + s.dim.Render(" — not shipped yet · "+m.c.keys.Track.Help().Key+" enters tracking")}
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
	title := "Shipment"
	if sh.Replaced > 0 {
		title += fmt.Sprintf(" — number replaced %s", plural(sh.Replaced, "time", "times"))
	}
	lines := append([]string{"", s.title.Render(title)}, fieldLines(s, fields, m.width)...)
	if sh.MissingTracking() {
		lines[len(lines)-len(fields)+1] = s.label.Render(Fit("tracking", 16)) + s.warn.Render(Cut(number, m.width-16))
	}
	for _, h := range sh.History {
		text := fmt.Sprintf("%s  %s  %s %s → %s %s", localTime(h.At, loc, "2006-01-02 15:04"), h.Operator, h.OldCarrier, h.OldNumber, h.NewCarrier, h.NewNumber)
		if h.Reason != "" {
			text += "  (override: " + h.Reason + ")"
		}
		lines = append(lines, s.label.Render(Fit("replaced", 16))+Cut(text, m.width-16))
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
