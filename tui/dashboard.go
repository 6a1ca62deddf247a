package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// dashboardModel is the quick status an operator glances at many times a
// day: what waits in the pool and what is late right now.
type dashboardModel struct {
	c             *common
	width, height int
	counts        storage.Counts
	channels      *storage.ChannelSummary // nil until read
}

func newDashboard(c *common) view { return &dashboardModel{c: c} }

func (m *dashboardModel) setSize(w, h int) tea.Cmd {
	m.width, m.height = w, h
	return nil
}

func (m *dashboardModel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case countsMsg:
		m.counts = msg.counts
		return m.loadChannels() // the counts are re-read after every change and on the clock
	case channelSummaryMsg:
		if msg.err != nil {
			return reportErr(msg.err)
		}
		m.channels = &msg.sum
	}
	return nil
}

// The counts are the root's to read: the dashboard shows what its countsMsg brings.
func (m *dashboardModel) refresh() tea.Cmd { return nil }
func (m *dashboardModel) capturing() bool  { return false }

func (m *dashboardModel) shortHelp() []key.Binding {
	k := &m.c.keys
	return []key.Binding{k.Pool, k.Orders, k.Refunds, k.Audit, k.NextView, k.Refresh}
}

// countRow is one line of a dashboard panel; a zero row is a gap.
type countRow struct {
	label string
	n     int
	style *lipgloss.Style // applied when n > 0
	note  string          // shown when n > 0, so the warning survives a colourless terminal
}

func (m *dashboardModel) view() string {
	s, c := m.c.styles, m.counts
	if c.Pool == nil {
		return s.dim.Render("reading counts…")
	}
	pool := []countRow{
		{label: "awaiting detail", n: c.Pool[domain.PoolAwaitingDetail]},
		{label: "ready", n: c.Pool[domain.PoolReady], style: &s.ok},
		{label: "changed", n: c.Changed, style: &s.warn},
		{},
		{label: "converted", n: c.Pool[domain.PoolConverted]},
		{label: "removed", n: c.Pool[domain.PoolRemoved]},
		{label: "processed", n: c.Pool[domain.PoolProcessed]},
	}
	orders := []countRow{
		{label: "awaiting shipment", n: c.Orders[domain.OrderAwaitingShipment]},
		{label: "due today", n: c.DueToday, style: &s.warn},
		{label: "overdue", n: c.Overdue, style: &s.loud, note: "◀ LATE"},
		{label: "needs attention", n: c.Attention, style: &s.danger, note: "◀ look"},
		{label: "no tracking yet", n: c.NoTracking, style: &s.warn, note: "◀ tracking:none"},
		{label: "numbers replaced", n: c.Replaced},
		{},
	}
	for _, st := range domain.OrderStatuses[1:] {
		orders = append(orders, countRow{label: strings.ReplaceAll(st.String(), "_", " "), n: c.Orders[st]})
	}
	r := c.Refunds
	refunds := []countRow{
		{label: "pending", n: r.Pending},
		{label: "due within 24 h", n: r.DueSoon, style: &s.warn},
		{label: "overdue", n: r.Overdue, style: &s.loud, note: "◀ LATE"},
		{label: "changed", n: r.Changed, style: &s.warn},
		{},
		{label: "converted", n: r.Converted},
		{label: "rejected", n: r.Rejected},
		{label: "processed", n: r.Processed},
	}
	if c.Outbox.Failed+c.Outbox.Dead > 0 { // the outbox, when a message needs a look
		refunds = append(refunds, countRow{label: "messages failed", n: c.Outbox.Failed, style: &s.warn},
			countRow{label: "messages dead", n: c.Outbox.Dead, style: &s.loud})
	}
	left, right, third := m.panelLines("Pending pool", pool), m.panelLines("Sales orders", orders), m.panelLines("Refund queue", refunds)
	for _, t := range r.Refunded {
		third = append(third, fmt.Sprintf("%-13s %10s", "refunded "+t.Currency, t.Decimal()))
	}
	banner := m.backupBanner()
	// The vouchers go under the pool, the shortest panel.
	vo := c.Vouchers
	left = append(left, "")
	left = append(left, m.panelLines("Vouchers", []countRow{
		{label: "live codes", n: vo.Live},
		{label: "expiring in 7 d", n: vo.Expiring7d, style: &s.warn, note: "◀ soon"},
		{label: "units unredeemed", n: vo.UnitsUnredeemed},
		{label: "redeemed today", n: vo.RedeemedToday},
	})...)
	fourth := m.panelLines("Parcels", m.deliveryRows())
	w := max(lipgloss.Width(strings.Join(left, "\n")), lipgloss.Width(strings.Join(right, "\n")), lipgloss.Width(strings.Join(third, "\n")), lipgloss.Width(strings.Join(fourth, "\n")))
	box := s.box.Width(w + 2) // + padding
	lp, rp, tp, fp := box.Render(strings.Join(left, "\n")), box.Render(strings.Join(right, "\n")), box.Render(strings.Join(third, "\n")), box.Render(strings.Join(fourth, "\n"))
	pw := lipgloss.Width(lp)
	var panels string
	if 4*pw+6 <= m.width {
		panels = m.withChannels(lipgloss.JoinHorizontal(lipgloss.Top, lp, "  ", rp, "  ", tp, "  ", fp))
	} else {
		// Narrower: the parcels panel shrinks to its loud counts under the refund queue,
		// which is shorter than the panels beside it, so the dashboard grows no taller.
		tp = lipgloss.JoinVertical(lipgloss.Left, tp, box.Render(strings.Join(m.deliveryShort(w), "\n")))
		switch {
		case 3*pw+4 <= m.width:
			panels = m.withChannels(lipgloss.JoinHorizontal(lipgloss.Top, lp, "  ", rp, "  ", tp))
		case 2*pw+2 <= m.width:
			panels = m.withChannels(lipgloss.JoinVertical(lipgloss.Left, lipgloss.JoinHorizontal(lipgloss.Top, lp, "  ", rp), tp))
		default:
			panels = m.withChannels(lipgloss.JoinVertical(lipgloss.Left, lp, rp, tp))
		}
	}
	if banner == "" {
		return panels
	}
	return lipgloss.JoinVertical(lipgloss.Left, banner, panels)
}

// backupBanner is, for a supervisor, how the server's last scheduled backup went: loud
// when it failed, one quiet line when it worked; nothing for other roles or when the
// server takes no backups.
func (m *dashboardModel) backupBanner() string {
	b := m.counts.Backup
	if b == nil || m.c.role < domain.RoleSupervisor {
		return ""
	}
	s, at := m.c.styles, b.At.In(m.c.loc).Format("2006-01-02 15:04")
	if b.Failed() {
		return s.danger.Render(textsafe.Safe(fmt.Sprintf("◀ BACKUP FAILED at %s: %s", at, b.Err)))
	}
	return s.dim.Render(textsafe.Safe(fmt.Sprintf("last backup %s: %s (%d bytes, checked)", at, b.Path, b.Size)))
}

// deliveryRows are the parcels panel: shipments by delivery status at the time the
// counts were read (rule 14), the loud ones marked in words too.
func (m *dashboardModel) deliveryRows() []countRow {
	s, d := &m.c.styles, m.counts.Delivery
	return []countRow{
		{label: "stuck", n: d[domain.DeliveryStuck], style: deliveryStyle(s, domain.DeliveryStuck), note: "◀ STUCK"},
		{label: "pickup 1–5 d", n: d[domain.DeliveryPickup1to5], style: deliveryStyle(s, domain.DeliveryPickup1to5)},
		{label: "pickup 5–15 d", n: d[domain.DeliveryPickup5to15], style: deliveryStyle(s, domain.DeliveryPickup5to15), note: "◀ long"},
		{label: "pickup 15–30 d", n: d[domain.DeliveryPickup15to30], style: deliveryStyle(s, domain.DeliveryPickup15to30), note: "◀ very long"},
		{label: "pickup over 30 d", n: d[domain.DeliveryPickupOver30], style: deliveryStyle(s, domain.DeliveryPickupOver30), note: "◀ GOING BACK"},
		{label: "no info", n: d[domain.DeliveryNoInfo], style: deliveryStyle(s, domain.DeliveryNoInfo), note: "◀ silent"},
		{label: "error", n: d[domain.DeliveryError], style: deliveryStyle(s, domain.DeliveryError), note: "◀ look"},
		{},
		{label: "registered", n: d[domain.DeliveryRegistered]},
		{label: "in transit", n: d[domain.DeliveryInTransit]},
		{label: "delivered", n: d[domain.DeliveryDelivered]},
		{label: "returned", n: d[domain.DeliveryReturned]},
		{label: "stopped", n: d[domain.DeliveryStopped]},
	}
}

// panelLines draws a titled list of counts.
func (m *dashboardModel) panelLines(title string, rows []countRow) []string {
	s := m.c.styles
	lines := []string{s.title.Render(title), ""}
	for _, r := range rows {
		if r.label == "" {
			lines = append(lines, "")
			continue
		}
		line := fmt.Sprintf("%-17s %6d", r.label, r.n)
		if r.n > 0 && r.style != nil {
			line = r.style.Render(line)
			if r.note != "" {
				line += " " + r.style.Render(r.note)
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// deliveryShort is the parcels panel in three lines of width w: the loud counts, the
// pickup ages, the parcels on their way; each count styled like the full panel's when it
// is not zero.
func (m *dashboardModel) deliveryShort(w int) []string {
	s, d := &m.c.styles, m.counts.Delivery
	part := func(label string, st domain.DeliveryStatus, loud bool) string {
		text := fmt.Sprintf("%s %d", label, d[st])
		if style := deliveryStyle(s, st); d[st] > 0 && loud && style != nil {
			return style.Render(text)
		}
		return text
	}
	join := func(parts ...string) string { return strings.Join(parts, "  ") }
	lines := []string{
		s.title.Render("Parcels"),
		join(part("STUCK", domain.DeliveryStuck, true), part("no info", domain.DeliveryNoInfo, true), part("error", domain.DeliveryError, true)),
		strings.Join([]string{"pickup", part("1–5d", domain.DeliveryPickup1to5, true), part("5–15d", domain.DeliveryPickup5to15, true),
			part("15–30d", domain.DeliveryPickup15to30, true), part("30d+", domain.DeliveryPickupOver30, true)}, " "),
		join(part("in transit", domain.DeliveryInTransit, false), part("registered", domain.DeliveryRegistered, false), part("stopped", domain.DeliveryStopped, false)),
	}
	for i := range lines {
		if lipgloss.Width(lines[i]) > w {
			lines[i] = Cut(lines[i], w)
		}
	}
	return lines
}
