package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
	"shipdesk/textsafe"
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

type refundDetailMsg struct {
	key    domain.RefundKey
	detail storage.RefundDetail
	err    error
}

type refundsView struct {
	*list[storage.RefundRow, domain.RefundKey, storage.RefundQuery]
	shown storage.RefundDetail // the request the detail shows, with its order
}

func newRefunds(c *common) view {
	v := &refundsView{}
	store := c.store
	v.list = newList(c, &listSpec[storage.RefundRow, domain.RefundKey, storage.RefundQuery]{
		title: "Refund queue", noun: [2]string{"request", "requests"}, thing: [2]string{"refund request", "refund requests"},
		columns: refundColumns,
		cells:   v.cells,
		keyOf:   func(r storage.RefundRow) domain.RefundKey { return r.Request.RefundKey },
		posOf:   func(r storage.RefundRow) storage.Pos { return r.Pos },
		parse:   parseRefundFilter,
		read: func(q storage.RefundQuery, sort int, desc bool) source[storage.RefundRow] {
			q.States, q.Words, q.Desc = slices.Clone(q.States), slices.Clone(q.Words), desc
			if sort == 0 {
				return storeSource(q, store.RefundWindow, store.RefundCount)
			}
			states := q.States
			if len(states) == 0 {
				states = []domain.RefundState{domain.RefundPending}
			}
			return inTurn(eachOf(states, desc, func(st domain.RefundState) source[storage.RefundRow] {
				q.States = []domain.RefundState{st}
				return storeSource(q, store.RefundWindow, store.RefundCount)
			}), func(r *storage.RefundRow) *storage.Pos { return &r.Pos })
		},
		// storage keeps the queue in one index of each state, by respond-by: read together
		// or one state after another.
		sorts: []sortOption{{name: "respond-by", column: refundTimeColumn}, {name: "state", column: refundTimeColumn}},
		parts: func(q storage.RefundQuery) []string { return []string{refundStateNames(q.States)} },
		empty: [2]string{"no refund requests wait for an answer", "no refund requests match the filter"},
		hint:  "words  channel:NAME  state:pending,converted,rejected,processed|all",
		detail: &detailSpec[storage.RefundRow, domain.RefundKey]{
			open: func(r storage.RefundRow) tea.Cmd {
				v.shown = storage.RefundDetail{Request: r.Request}
				return v.loadDetail()
			},
			reload: v.loadDetail,
			shown:  func() domain.RefundKey { return v.shown.Request.RefundKey },
			title: func() string {
				r := v.shown.Request
				return titleLine(v.c.styles, "Refund request "+textsafe.Safe(r.RefundKey.String()), []string{r.State.String()}, nil)
			},
			lines: v.detailLines,
		},
		actions: refundActions(store, c.loc),
	})
	return v
}

// refundActions answer requests in one transaction each: convert, reject, mark processed.
func refundActions(store *storage.Store, loc *time.Location) []listAction[domain.RefundKey] {
	act := func(b func(*keymap.KeyMap) key.Binding, w actionWords, input string, q func(what, them string, n int) string,
		call func(a actionArgs[domain.RefundKey]) (storage.RefundBatchResult, error)) listAction[domain.RefundKey] {
		return listAction[domain.RefundKey]{binding: b, words: w, role: domain.ActionRefund, question: q, input: input, detail: true,
			run: func(a actionArgs[domain.RefundKey]) actionResult[domain.RefundKey] {
				res, err := call(a)
				if err != nil {
					var unknown storage.ErrUnknownRefunds
					errors.As(err, &unknown)
					return actionResult[domain.RefundKey]{drop: unknown, err: fmt.Errorf("%s failed, nothing written: %w", w.name, err)}
				}
				var out actionResult[domain.RefundKey]
				for _, r := range res.Rows {
					out.row(r.Key, r.Key.String(), r.Done, ": "+r.Text, r.Reason)
				}
				return out
			}}
	}
	return []listAction[domain.RefundKey]{
		act(func(k *keymap.KeyMap) key.Binding { return k.RefundConvert }, actionWords{"convert", "converted", "converting…"}, "",
			func(what, _ string, _ int) string {
				return fmt.Sprintf("Convert %s to refunds? Orders not yet shipped are cancelled and refunded in full.", what)
			},
			func(a actionArgs[domain.RefundKey]) (storage.RefundBatchResult, error) {
				return store.ConvertRefunds(a.keys, a.now, a.by)
			}),
		act(func(k *keymap.KeyMap) key.Binding { return k.RefundReject }, actionWords{"reject", "rejected", "rejecting…"}, "reason: ",
			func(what, _ string, _ int) string {
				return fmt.Sprintf("Reject %s? The reason is written back to the channel.", what)
			},
			func(a actionArgs[domain.RefundKey]) (storage.RefundBatchResult, error) {
				return store.RejectRefunds(a.keys, a.reason, a.now, a.by)
			}),
		act(func(k *keymap.KeyMap) key.Binding { return k.RefundProcess }, actionWords{"mark processed", "marked processed", "marking processed…"}, "reason: ",
			func(what, them string, _ int) string {
				return fmt.Sprintf("Mark %s processed, without a refund? Later imports will skip %s.", what, them)
			},
			func(a actionArgs[domain.RefundKey]) (storage.RefundBatchResult, error) {
				return store.ProcessRefunds(a.keys, a.reason, a.now, a.by)
			}),
		undoAction[domain.RefundKey](store, loc, string(domain.ActionRefundReject), string(domain.ActionRefundProcess)),
	}
}

func (v *refundsView) loadDetail() tea.Cmd {
	store, k := v.c.store, v.shown.Request.RefundKey
	return func() tea.Msg {
		d, err := store.RefundDetail(k)
		return refundDetailMsg{key: k, detail: d, err: err}
	}
}

func (v *refundsView) update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(refundDetailMsg); ok {
		if msg.err != nil {
			return reportErr(msg.err)
		}
		if v.detail.open && msg.key == v.shown.Request.RefundKey {
			v.shown = msg.detail
		}
		return nil
	}
	return v.list.update(msg)
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
func (v *refundsView) timeLeft(r domain.RefundRequest) cell {
	if !r.State.Open() {
		return cell{text: r.State.String(), style: &v.c.styles.dim}
	}
	now := v.c.now()
	left := r.TimeLeft(now)
	switch domain.RefundUrgencyOf(r, now) {
	case domain.RefundOverdue:
		return cell{text: "OVERDUE " + span(-left), style: &v.c.styles.urgent}
	case domain.RefundDueSoon:
		return cell{text: span(left) + " left", style: &v.c.styles.warn}
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

func (v *refundsView) cells(row storage.RefundRow) []cell {
	r := row.Request
	order := cell{text: "no order", style: &v.c.styles.warn}
	if row.OrderNo != 0 {
		order = cell{text: domain.OrderNumber(row.OrderNo)}
	}
	cells := plainCells(r.Channel, r.RefundID, "", r.Kind.String(), r.AmountText(), r.Reason, "")
	cells[2] = order
	cells[refundTimeColumn] = v.timeLeft(r)
	return cells
}

// detailLines is the request, its original order with the shipment, and the refunds
// given on that order so far.
func (v *refundsView) detailLines() []string {
	s, d, loc, width := v.c.styles, v.shown, v.c.loc, v.width
	r := d.Request
	const long = "2006-01-02 15:04 MST"
	respond := localTime(r.RespondBy, loc, long)
	left := v.timeLeft(r)
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
	if d.Proposed != nil && r.State.Open() {
		fields = append(fields, field{"voucher formula", d.Proposed.String() + " — what converting refunds (units left × price × ratio − 1.00 a code)"})
	}
	lines := fieldLines(s, fields, width)
	for i, f := range fields {
		if f.label == "respond by" && left.style != nil && r.State.Open() {
			lines[i] = s.label.Render(Fit(f.label, 16)) + Cut(respond, 24) + "  " + left.style.Render(left.text)
		}
	}
	lines = append(lines, "")
	o := d.Order
	if o == nil {
		return append(lines, s.title.Render("Original order"),
			s.danger.Render(Cut("✗ "+r.OrderKey().String()+" is not in shipdesk — converting is refused until it is imported and converted", width)))
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
		{"shipment", orderShipmentText(o, loc, v.c.keys.Vouchers.Help().Key)},
	}, width)...)
	lines = append(lines, "")
	return append(lines, refundHistoryLines(s, *o, d.Refunds, loc, width)...)
}

// orderShipmentText is one line about how an order left: its shipment, or for an
// e-voucher order its codes (in the vouchers view, reached by vouchersKey).
func orderShipmentText(o *domain.SalesOrder, loc *time.Location, vouchersKey string) string {
	if domain.IsVoucherTrade(&o.Trade) && o.Status != domain.OrderAwaitingShipment {
		return "e-voucher codes issued (vouchers view, " + vouchersKey + ")"
	}
	return shipmentText(o.Shipment, loc)
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
