package tui

import (
	"context"
	"errors"
	"fmt"
	"shipdesk/textsafe"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
)

// The refund queue: pending requests by respond-by, overdue first and loud, with filter,
// selection and the batch answers convert, reject and mark processed; enter opens a
// request with its original order, the order's shipment and its refunds so far.

func refundColumns() []column {
	return []column{
		{title: "channel", min: 8, max: 16, drop: 3},
		{title: "refund ID", min: 10, max: 22},
		{title: "order", min: 10, max: 10, drop: 2},
		{title: "kind", min: 18, max: 18, drop: 4},
		{title: "amount", min: 10, max: 14, right: true},
		{title: "reason", min: 10, max: 60, drop: 5},
		{title: "time left", min: 15, max: 15},
	}
}

const refundTimeColumn = 6

// refundAct is a batch answer to refund requests.
type refundAct uint8

const (
	refundActConvert refundAct = iota + 1
	refundActReject
	refundActProcess
)

func (a refundAct) words() actionWords {
	switch a {
	case refundActConvert:
		return actionWords{"convert", "converted", "converting…"}
	case refundActReject:
		return actionWords{"reject", "rejected", "rejecting…"}
	}
	return actionWords{"mark processed", "marked processed", "marking processed…"}
}

type refundPending struct {
	act    refundAct
	keys   []domain.RefundKey
	reason string
}

// Messages of the refund queue.
type (
	refundDetailMsg struct {
		key    domain.RefundKey
		detail storage.RefundDetail
		err    error
	}
	refundActionMsg struct {
		action refundPending
		res    storage.RefundBatchResult
		err    error
	}
)

type refundsModel struct {
	c             *common
	width, height int

	win      window[storage.RefundRow]
	query    storage.RefundQuery
	desc     bool
	gen      uint64
	started  bool
	filter   filterBox
	selected marks[domain.RefundKey]

	detailOpen  bool
	detail      storage.RefundDetail
	detailPager pager

	actionOverlay
	pending refundPending
	busy    bool
}

func newRefunds(c *common) refundsModel {
	fb := newFilterBox(c.styles)
	fb.input.Placeholder = "words  channel:NAME  state:pending,converted,rejected,processed|all"
	return refundsModel{
		c: c,
		win: newWindow(func(r storage.RefundRow) storage.Pos { return r.Pos },
			func(r storage.RefundRow) string { return r.Request.RefundKey.String() }),
		filter:   fb,
		selected: newMarks[domain.RefundKey](),
	}
}

// source reads the queue for the current filter; it captures copies.
func (m refundsModel) source() source[storage.RefundRow] {
	store, q := m.c.store, m.query
	q.States, q.Words = slices.Clone(q.States), slices.Clone(q.Words)
	q.Desc = m.desc
	return source[storage.RefundRow]{
		fetch: func(ctx context.Context, from storage.Pos, back bool, limit int) ([]storage.RefundRow, bool, error) {
			return store.RefundWindow(ctx, q, from, back, limit)
		},
		count: func() (int, bool, error) { return store.RefundCount(q) },
	}
}

func (m refundsModel) setSize(w, h int) (refundsModel, tea.Cmd) {
	m.width, m.height = w, h
	return m, m.win.setHeight(h - listChrome)
}

func (m refundsModel) refresh() (refundsModel, tea.Cmd) {
	if !m.started {
		m.started = true
		return m, m.win.query(m.source())
	}
	cmd := m.win.refresh()
	if m.detailOpen {
		cmd = tea.Batch(cmd, m.loadDetail(m.detail.Request.RefundKey))
	}
	return m, cmd
}

func (m refundsModel) loadDetail(k domain.RefundKey) tea.Cmd {
	store := m.c.store
	return func() tea.Msg {
		d, err := store.RefundDetail(k)
		return refundDetailMsg{key: k, detail: d, err: err}
	}
}

func (m refundsModel) capturing() bool { return m.filter.editing() || m.overlay != noOverlay }

func (m refundsModel) update(msg tea.Msg) (refundsModel, tea.Cmd) {
	switch msg := msg.(type) {
	case windowMsg[storage.RefundRow]:
		return m, m.win.apply(msg)
	case refundDetailMsg:
		if msg.err != nil {
			return m, reportErr(msg.err)
		}
		if m.detailOpen && msg.key == m.detail.Request.RefundKey {
			m.detail = msg.detail
		}
	case keysMsg[domain.RefundKey]:
		return m, m.selected.done(msg, m.gen, "request", "requests")
	case refundActionMsg:
		return m.actionDone(msg)
	case tea.KeyMsg:
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
	return m, nil
}

func (m refundsModel) listKey(msg tea.KeyMsg) (refundsModel, tea.Cmd) {
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
			m.detailOpen, m.detail, m.detailPager = true, storage.RefundDetail{Request: row.Request}, pager{}
			return m, m.loadDetail(row.Request.RefundKey)
		}
	case key.Matches(msg, k.Reverse):
		m.desc = !m.desc
		return m.requery()
	case key.Matches(msg, k.Select):
		if row, ok := m.win.current(); ok {
			m.selected.toggle(row.Request.RefundKey)
			return m, m.win.move(1)
		}
	case key.Matches(msg, k.SelectAll):
		return m.selectAll()
	case key.Matches(msg, k.SelectNone):
		m.selected.none()
	case key.Matches(msg, k.RefundConvert, k.RefundReject, k.RefundProcess):
		return m.ask(refundPending{act: m.actFor(msg), keys: m.targets()})
	}
	return m, nil
}

func (m refundsModel) detailKey(msg tea.KeyMsg) (refundsModel, tea.Cmd) {
	k := &m.c.keys
	switch {
	case key.Matches(msg, k.Back):
		m.detailOpen = false
	case key.Matches(msg, k.RefundConvert, k.RefundReject, k.RefundProcess):
		return m.ask(refundPending{act: m.actFor(msg), keys: []domain.RefundKey{m.detail.Request.RefundKey}})
	default:
		m.detailPager.update(msg, k, len(m.detailLines()), m.height-1)
	}
	return m, nil
}

func (m refundsModel) actFor(msg tea.KeyMsg) refundAct {
	switch {
	case key.Matches(msg, m.c.keys.RefundConvert):
		return refundActConvert
	case key.Matches(msg, m.c.keys.RefundReject):
		return refundActReject
	}
	return refundActProcess
}

func (m refundsModel) filterKey(msg tea.KeyMsg) (refundsModel, tea.Cmd) {
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

// parseRefundFilter reads a refund queue filter: words, channel: and state:.
func parseRefundFilter(s string) (storage.RefundQuery, error) {
	terms, words, err := splitFilter(s, "channel", "state")
	if err != nil {
		return storage.RefundQuery{}, err
	}
	q := storage.RefundQuery{Channel: terms["channel"], Words: words}
	if v, ok := terms["state"]; ok {
		q.States, err = parseList(v, domain.RefundStates, domain.ParseRefundState)
	}
	return q, err
}

func (m refundsModel) applyFilter(text string) (refundsModel, tea.Cmd) {
	q, err := parseRefundFilter(text)
	if err != nil {
		m.filter.err = err.Error()
		return m, nil
	}
	m.filter.err, m.query = "", q
	return m.requery()
}

func (m refundsModel) requery() (refundsModel, tea.Cmd) {
	m.selected.cancel()
	m.gen++
	m.started = true
	return m, m.win.query(m.source())
}

// selectAll selects every request the filter matches.
func (m refundsModel) selectAll() (refundsModel, tea.Cmd) {
	cmd := selectAll(&m.selected, m.source(), m.gen, func(r storage.RefundRow) storage.Pos { return r.Pos },
		func(r storage.RefundRow) domain.RefundKey { return r.Request.RefundKey })
	return m, cmd
}

// targets are the selected requests, or the one under the cursor when none is selected.
func (m refundsModel) targets() []domain.RefundKey {
	row, ok := m.win.current()
	return m.selected.targets(row.Request.RefundKey, ok)
}

// ask opens the confirmation, or the reason prompt for reject and mark processed; both
// say how many requests and what will happen to them.
func (m refundsModel) ask(p refundPending) (refundsModel, tea.Cmd) {
	if m.busy {
		return m, report("still working on the last action…")
	}
	n := len(p.keys)
	if n == 0 {
		return m, report("nothing to act on")
	}
	what, them := plural(n, "refund request", "refund requests"), "them"
	if n == 1 {
		what, them = what+" ("+textsafe.Safe(p.keys[0].String())+")", "it"
	}
	m.pending = p
	switch p.act {
	case refundActConvert:
		m.confirm = confirmDialog{question: fmt.Sprintf("Convert %s to refunds? Orders not yet shipped are cancelled and refunded in full.", what)}
		m.overlay = confirming
	case refundActReject:
		m.prompt = newReasonPrompt(m.c.styles, fmt.Sprintf("Reject %s? The reason is written back to the channel.", what))
		m.overlay = prompting
	default:
		m.prompt = newReasonPrompt(m.c.styles, fmt.Sprintf("Mark %s processed, without a refund? Later imports will skip %s.", what, them))
		m.overlay = prompting
	}
	return m, nil
}

func (m refundsModel) overlayKey(msg tea.KeyMsg) (refundsModel, tea.Cmd) {
	run, reason, cmd := m.step(msg, &m.c.keys, m.height)
	if run {
		p := m.pending
		p.reason = reason
		return m.run(p)
	}
	return m, cmd
}

// run answers the requests in one storage transaction inside a cmd.
func (m refundsModel) run(p refundPending) (refundsModel, tea.Cmd) {
	if cmd := m.c.allow(domain.ActionRefund); cmd != nil {
		m.overlay = noOverlay
		return m, cmd
	}
	m.overlay, m.busy = noOverlay, true
	store, now, op := m.c.store, m.c.now(), m.c.actor()
	p.keys = slices.Clone(p.keys)
	do := func() tea.Msg {
		var res storage.RefundBatchResult
		var err error
		switch p.act {
		case refundActConvert:
			res, err = store.ConvertRefunds(p.keys, now, op)
		case refundActReject:
			res, err = store.RejectRefunds(p.keys, p.reason, now, op)
		default:
			res, err = store.ProcessRefunds(p.keys, p.reason, now, op)
		}
		return refundActionMsg{action: p, res: res, err: err}
	}
	return m, tea.Batch(report(p.act.words().working), do)
}

// actionDone shows what happened to every request and has the root refresh the views.
func (m refundsModel) actionDone(msg refundActionMsg) (refundsModel, tea.Cmd) {
	m.busy = false
	v := msg.action.act.words()
	if msg.err != nil {
		var unknown storage.ErrUnknownRefunds
		if errors.As(msg.err, &unknown) {
			for _, k := range unknown {
				delete(m.selected.set, k)
			}
		}
		return m, tea.Batch(reportErr(fmt.Errorf("%s failed, nothing written: %w", v.name, msg.err)), changed)
	}
	p := resultsPanel{}
	for _, r := range msg.res.Rows {
		if r.Done {
			delete(m.selected.set, r.Key)
			p.lines = append(p.lines, resultLine{done: true, text: r.Key.String() + ": " + r.Text})
			continue
		}
		reason := r.Reason
		if !strings.Contains(reason, r.Key.String()) {
			reason = r.Key.String() + ": " + reason
		}
		p.lines = append(p.lines, resultLine{text: "skipped: " + reason})
	}
	summary := fmt.Sprintf("%s %d, skipped %d", v.done, msg.res.Done(), msg.res.Skipped())
	p.title = strings.ToUpper(v.name[:1]) + v.name[1:] + ": " + summary
	m.results, m.overlay = p, showingResults
	return m, tea.Batch(report(summary+" — see results"), changed)
}

func (m refundsModel) shortHelp() []key.Binding {
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
		return []key.Binding{k.Back, k.RefundConvert, k.RefundReject, k.RefundProcess, k.Up, k.Down}
	}
	return []key.Binding{k.Open, k.Filter, k.Select, k.SelectAll, k.RefundConvert, k.RefundReject, k.RefundProcess, k.Reverse, k.SelectNone}
}

func (m refundsModel) view() string {
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

func (m refundsModel) listView() []string {
	s := m.c.styles
	parts := []string{"by respond-by " + sortArrow(m.desc), refundStateNames(m.query.States)}
	if n := len(m.selected.set); n > 0 {
		parts = append(parts, s.mark.Render(fmt.Sprintf("● %d selected", n)))
	}
	parts = append(parts, m.win.position())
	if m.busy {
		parts = append(parts, s.warn.Render("working…"))
	}
	cols := refundColumns()
	cols[refundTimeColumn].title += " " + sortArrow(m.desc)
	tw := m.width - gutterWidth
	widths := layout(cols, tw)
	lines := []string{
		titleLine(s, "Refund queue", parts, m.win.err),
		m.filter.view(s, &m.c.keys, m.width),
		strings.Repeat(" ", gutterWidth) + headerRow(s, cols, widths, tw),
	}
	rows, cur := m.win.visible()
	for i, r := range rows {
		base := s.plain
		if i == cur {
			base = s.cursorRow
		}
		lines = append(lines, gutter(&s, base, i == cur, m.selected.set[r.Request.RefundKey])+renderRow(cols, widths, m.cells(r), base, tw))
	}
	if len(rows) == 0 && !m.win.loading {
		text := "no refund requests wait for an answer"
		if m.filter.input.Value() != "" {
			text = "no refund requests match the filter"
		}
		lines = append(lines, s.dim.Render("  "+text))
	}
	return lines
}

func refundStateNames(sts []domain.RefundState) string {
	if len(sts) == 0 {
		return "pending"
	}
	if len(sts) == len(domain.RefundStates) {
		return "all states"
	}
	names := make([]string, len(sts))
	for i, st := range sts {
		names[i] = st.String()
	}
	return strings.Join(names, ", ")
}

// timeLeft is a request's deadline as words, styled by urgency: "OVERDUE 1d 4h" loud,
// "5h left" in warning colour, "3d 2h left" plain; answered requests show their state.
func (m *refundsModel) timeLeft(r domain.RefundRequest) cell {
	if !r.State.Open() {
		return cell{text: r.State.String(), style: &m.c.styles.dim}
	}
	now := m.c.now()
	left := r.TimeLeft(now)
	switch domain.RefundUrgencyOf(r, now) {
	case domain.RefundOverdue:
		return cell{text: "OVERDUE " + span(-left), style: &m.c.styles.urgent}
	case domain.RefundDueSoon:
		return cell{text: span(left) + " left", style: &m.c.styles.warn}
	}
	return cell{text: span(left) + " left"}
}

// span is a duration in days and hours, or hours and minutes under a day.
func span(d time.Duration) string {
	d = max(d, 0)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	}
	return fmt.Sprintf("%dm", mins)
}

func (m *refundsModel) cells(row storage.RefundRow) []cell {
	r := row.Request
	order := cell{text: "no order", style: &m.c.styles.warn}
	if row.OrderNo != 0 {
		order = cell{text: domain.OrderNumber(row.OrderNo)}
	}
	cells := plainCells(r.Channel, r.RefundID, "", r.Kind.String(), r.AmountText(), r.Reason, "")
	cells[2] = order
	cells[refundTimeColumn] = m.timeLeft(r)
	return cells
}

func (m refundsModel) detailView() []string {
	r := m.detail.Request
	title := titleLine(m.c.styles, "Refund request "+textsafe.Safe(r.RefundKey.String()), []string{r.State.String()}, nil)
	return append([]string{title}, pageOf(m.detailLines(), m.detailPager.top, m.height-1)...)
}

// detailLines is the request, its original order with the shipment, and the refunds
// given on that order so far.
func (m refundsModel) detailLines() []string {
	s, d, loc := m.c.styles, m.detail, m.c.loc
	r := d.Request
	const long = "2006-01-02 15:04 MST"
	respond := localTime(r.RespondBy, loc, long)
	left := m.timeLeft(r)
	fields := []field{
		{"refund", r.RefundKey.String()},
		{"original trade", r.OrderKey().String()},
		{"kind", r.Kind.String()},
		{"asks for", r.AmountText()},
		{"buyer's reason", r.Reason},
		{"requested", localTime(r.RequestedAt, loc, long)},
		{"respond by", respond},
		{"state", r.State.String()},
	}
	if r.Changed {
		fields = append(fields, field{"changed", "yes — updated by an import since it was last looked at"})
	}
	if r.Decision != "" {
		fields = append(fields, field{"decision", r.Decision})
	}
	if r.Operator != "" {
		fields = append(fields, field{"answered by", r.Operator + ", " + localTime(r.UpdatedAt, loc, long)})
	}
	if r.State == domain.RefundConverted {
		fields = append(fields, field{"refunded", r.Refunded.String() + " on " + domain.OrderNumber(r.OrderNo)})
	}
	lines := fieldLines(s, fields, m.width)
	for i, f := range fields {
		if f.label == "respond by" && left.style != nil && r.State.Open() {
			lines[i] = s.label.Render(Fit(f.label, 16)) + Cut(respond, 24) + "  " + left.style.Render(left.text)
		}
	}
	lines = append(lines, "")
	o := d.Order
	if o == nil {
		return append(lines, s.title.Render("Original order"),
			s.danger.Render(Cut("✗ "+r.OrderKey().String()+" is not in shipdesk — converting is refused until it is imported and converted", m.width)))
	}
	status := o.Status.String()
	if o.AwaitingReturn {
		status += " — waiting for the goods to come back"
	}
	lines = append(lines, s.title.Render("Original order "+domain.OrderNumber(o.No)))
	lines = append(lines, fieldLines(s, []field{
		{"status", status},
		{"buyer", o.Buyer},
		{"consignee", o.Consignee.Name + ", " + o.Consignee.Country},
		{"paid", o.Total.String() + " at " + localTime(o.PaidAt, loc, long)},
		{"shipment", shipmentText(o.Shipment, loc)},
	}, m.width)...)
	lines = append(lines, "")
	return append(lines, refundHistoryLines(s, *o, d.Refunds, loc, m.width)...)
}

// shipmentText is one line about an order's shipment.
func shipmentText(sh domain.Shipment, loc *time.Location) string {
	switch {
	case !sh.Shipped():
		return "not shipped yet"
	case sh.MissingTracking():
		return "shipped " + localTime(sh.ShippedAt, loc, "2006-01-02") + " without tracking: " + sh.NoTracking
	}
	return fmt.Sprintf("%s %s, shipped %s", sh.Carrier, sh.Number, localTime(sh.ShippedAt, loc, "2006-01-02"))
}

// refundHistoryLines lists an order's refunds, oldest first, under a title that says
// what was paid, refunded and is left.
func refundHistoryLines(s styles, o domain.SalesOrder, refunds []domain.Refund, loc *time.Location, width int) []string {
	left := domain.Refundable(o.Total, refunds)
	refunded := domain.Money{Minor: o.Total.Minor - left.Minor, Currency: o.Total.Currency}
	title := fmt.Sprintf("Refunds — %s: %s of %s refunded, %s left", plural(len(refunds), "refund", "refunds"), refunded, o.Total, left)
	lines := []string{s.title.Render(Cut(title, width))}
	if len(refunds) == 0 {
		return append(lines, s.dim.Render("none yet"))
	}
	for _, r := range refunds {
		text := fmt.Sprintf("%s  %14s  %-20s %s  %s", localTime(r.At, loc, "2006-01-02 15:04"), r.Amount, r.Source(), r.Operator, r.Reason)
		lines = append(lines, Cut(text, width))
	}
	return lines
}
