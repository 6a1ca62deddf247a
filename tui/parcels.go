package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// Parcels by delivery status (rule 14), the loudest first: stuck, the pickup ages from
// the oldest, no info, error, then the quiet ones; each status oldest first. Enter opens
// a parcel with its whole event timeline; x stops following it (asks the reason), o
// resumes.

func parcelColumns() []column {
	return []column{
		{title: "order", min: 10, max: 10},
		{title: "carrier", min: 5, max: 12, drop: 4},
		{title: "tracking", min: 13, max: 22},
		{title: "consignee", min: 8, max: 20, drop: 3},
		{title: "delivery", min: 22, max: 26},
		{title: "days", min: 4, max: 4, right: true},
		{title: "last event", min: 12, max: 60, drop: 2},
	}
}

const parcelDeliveryColumn = 4

// parcelQuery is the parcels filter: delivery statuses (none: all, loudest first) and
// words.
type parcelQuery struct {
	statuses []domain.DeliveryStatus
	words    []string
}

type parcelDetailMsg struct {
	no     uint64
	detail storage.ParcelDetail
	err    error
}

type parcelsView struct {
	*list[storage.ParcelListRow, orderNo, parcelQuery]
	shown storage.ParcelDetail
}

func newParcels(c *common) view {
	v := &parcelsView{}
	store := c.store
	v.list = newList(c, &listSpec[storage.ParcelListRow, orderNo, parcelQuery]{
		title: "Parcels", noun: [2]string{"parcel", "parcels"}, thing: [2]string{"parcel", "parcels"},
		columns: parcelColumns,
		cells:   v.cells,
		keyOf:   func(r storage.ParcelListRow) orderNo { return orderNo(r.Order.No) },
		posOf:   func(r storage.ParcelListRow) storage.Pos { return r.Pos },
		parse:   parseParcelFilter,
		read: func(q parcelQuery, _ int, desc bool) source[storage.ParcelListRow] {
			words, now := slices.Clone(q.words), c.now()
			return inTurn(eachOf(shownDeliveries(q.statuses), desc, func(st domain.DeliveryStatus) source[storage.ParcelListRow] {
				return storeSource(storage.ParcelStatusQuery{Status: st, Words: words, Now: now}, store.ParcelStatusWindow, store.ParcelStatusCount)
			}), func(r *storage.ParcelListRow) *storage.Pos { return &r.Pos })
		},
		sorts: []sortOption{{name: "loudest first", column: parcelDeliveryColumn}},
		parts: func(q parcelQuery) []string { return []string{deliveryNames(q.statuses)} },
		empty: [2]string{"no parcels shipped yet", "no parcels match the filter"},
		hint:  "words  delivery:stuck,pickup,no_info,error…|all",
		detail: &detailSpec[storage.ParcelListRow, orderNo]{
			open: func(r storage.ParcelListRow) tea.Cmd {
				v.shown = storage.ParcelDetail{ParcelRow: r.ParcelRow}
				return v.loadDetail()
			},
			reload: v.loadDetail,
			shown:  func() orderNo { return orderNo(v.shown.Order.No) },
			title: func() string {
				return titleLine(v.c.styles, "Parcel of "+domain.OrderNumber(v.shown.Order.No), []string{v.shown.Status.String()}, nil)
			},
			lines: v.detailLines,
		},
		actions: parcelActions(store),
	})
	return v
}

// parcelActions stop (with a reason) or resume following the selection (or the parcel
// under the cursor): one transaction for all of them, with a result per parcel.
func parcelActions(store *storage.Store) []listAction[orderNo] {
	act := func(b func(*keymap.KeyMap) key.Binding, w actionWords, stop bool, input string, q func(what, them string, n int) string) listAction[orderNo] {
		return listAction[orderNo]{binding: b, words: w, role: domain.ActionTrackStop, question: q, input: input, detail: true,
			run: func(a actionArgs[orderNo]) actionResult[orderNo] {
				nos := make([]uint64, len(a.keys))
				for i, k := range a.keys {
					nos[i] = uint64(k)
				}
				res, err := store.SetTrackingMany(nos, stop, a.reason, a.now, a.by)
				if err != nil {
					return actionResult[orderNo]{err: err}
				}
				var out actionResult[orderNo]
				for _, r := range res.Rows {
					k := orderNo(r.OrderNo)
					out.row(k, k.String(), r.Done, fmt.Sprintf(": %s → %s", r.Change.From, r.Change.To), r.Reason)
				}
				return out
			}}
	}
	return []listAction[orderNo]{
		act(func(k *keymap.KeyMap) key.Binding { return k.StopTracking }, actionWords{"stop tracking", "stopped", "stopping…"}, true, "reason: ",
			func(what, _ string, _ int) string {
				return fmt.Sprintf("Stop following %s? They read stopped whatever the carrier says, until resumed.", what)
			}),
		act(func(k *keymap.KeyMap) key.Binding { return k.ResumeTracking }, actionWords{"resume tracking", "resumed", "resuming…"}, false, "",
			func(what, _ string, _ int) string {
				return fmt.Sprintf("Resume following %s? Their status comes from the events again.", what)
			}),
	}
}

func (v *parcelsView) loadDetail() tea.Cmd {
	store, no, now := v.c.store, v.shown.Order.No, v.c.now()
	return func() tea.Msg {
		d, _, err := store.Parcel(no, now)
		return parcelDetailMsg{no: no, detail: d, err: err}
	}
}

func (v *parcelsView) update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(parcelDetailMsg); ok {
		if msg.err != nil {
			return reportErr(msg.err)
		}
		if v.detail.open && msg.no == v.shown.Order.No {
			v.shown = msg.detail
		}
		return nil
	}
	return v.list.update(msg)
}

// parseParcelFilter reads a parcels filter: words and delivery:NAME[,NAME] (prefixes
// of the names do: delivery:pick is every pickup age).
func parseParcelFilter(s string) (parcelQuery, error) {
	terms, words, err := splitFilter(s, "delivery")
	if err != nil {
		return parcelQuery{}, err
	}
	q := parcelQuery{words: words}
	if v, ok := terms["delivery"]; ok {
		q.statuses, err = domain.ParseDeliveryStatuses(v)
	}
	return q, err
}

// shownDeliveries are the statuses a filter lists, loudest first.
func shownDeliveries(sts []domain.DeliveryStatus) []domain.DeliveryStatus {
	var out []domain.DeliveryStatus
	for _, st := range storage.LoudFirst() {
		if len(sts) == 0 || slices.Contains(sts, st) {
			out = append(out, st)
		}
	}
	return out
}

func deliveryNames(sts []domain.DeliveryStatus) string {
	if len(sts) == 0 || len(sts) == len(domain.DeliveryStatuses) {
		return "every delivery status"
	}
	names := make([]string, len(sts))
	for i, st := range sts {
		names[i] = st.String()
	}
	return strings.Join(names, ", ")
}

// deliveryStyle is how a delivery status is graded wherever it is drawn (the parcels
// view, the order detail, the dashboard): the pickup ages darker the longer the parcel
// waits, stuck and error loud, no info a warning, delivered fine, the rest plain (nil).
func deliveryStyle(s *styles, st domain.DeliveryStatus) *lipgloss.Style {
	switch st {
	case domain.DeliveryPickup1to5, domain.DeliveryPickup5to15, domain.DeliveryPickup15to30, domain.DeliveryPickupOver30:
		return &s.pickup[int(st-domain.DeliveryPickup1to5)]
	case domain.DeliveryStuck:
		return &s.urgent
	case domain.DeliveryError:
		return &s.danger
	case domain.DeliveryNoInfo:
		return &s.warn
	case domain.DeliveryDelivered:
		return &s.ok
	case domain.DeliveryStopped, domain.DeliveryNoTracking:
		return &s.dim
	}
	return nil
}

// deliveryCell is a delivery status in words, graded (deliveryStyle); the words carry it
// all without colour.
func deliveryCell(s *styles, st domain.DeliveryStatus, days int) cell {
	c := cell{text: strings.ReplaceAll(st.String(), "_", " "), style: deliveryStyle(s, st)}
	switch st {
	case domain.DeliveryPickup1to5, domain.DeliveryPickup5to15, domain.DeliveryPickup15to30, domain.DeliveryPickupOver30:
		c.text = fmt.Sprintf("%s, %dd", strings.ToUpper(st.PickupWords()[:1])+st.PickupWords()[1:], days)
	case domain.DeliveryStuck:
		c.text = "STUCK in transit"
	case domain.DeliveryError:
		c.text = "CARRIER ERROR"
	case domain.DeliveryNoInfo:
		c.text = "no info for long"
	case domain.DeliveryNoTracking:
		c.text = "no tracking number"
	}
	return c
}

// eventText is one event as a line: status, place and the carrier's words, made safe.
func eventText(ev domain.TrackingEvent) string {
	parts := []string{ev.Status.String()}
	if ev.Location != "" {
		parts = append(parts, textsafe.Safe(ev.Location))
	}
	if ev.Text != "" {
		parts = append(parts, textsafe.Safe(ev.Text))
	}
	return strings.Join(parts, " · ")
}

func (v *parcelsView) cells(r storage.ParcelListRow) []cell {
	now := v.c.now()
	o := r.Order
	last := "—"
	if l := r.Parcel.Latest; l.Status != 0 {
		last = listTime(l.At, now, v.c.loc) + " " + eventText(l)
	}
	if r.Parcel.Stopped {
		last = "stopped: " + textsafe.Safe(r.Parcel.StopReason)
	}
	days := domain.DaysSince(r.Since, now)
	cells := plainCells(domain.OrderNumber(o.No), o.Shipment.Carrier, o.Shipment.Number, o.Consignee.Name, "", fmt.Sprint(days), last)
	cells[parcelDeliveryColumn] = deliveryCell(&v.c.styles, r.Status, days)
	return cells
}

// detailLines is the parcel, its order and every event, oldest first.
func (v *parcelsView) detailLines() []string {
	s, d, loc, width, now := v.c.styles, v.shown, v.c.loc, v.width, v.c.now()
	o := d.Order
	const long = "2006-01-02 15:04 MST"
	status := deliveryCell(&s, d.Status, domain.DaysSince(d.Since, now))
	fields := []field{
		{"order", domain.OrderNumber(o.No) + " — " + o.Status.String()},
		{"consignee", o.Consignee.Name + ", " + o.Consignee.Country},
		{"shipment", shipmentText(o.Shipment, loc)},
		{"tracking page", o.Shipment.URL},
		{"delivery", status.text},
		{"since", localTime(d.Since, loc, long)},
	}
	if d.Parcel.Stopped {
		fields = append(fields, field{"stopped", d.Parcel.StopReason + " — " + d.Parcel.StoppedBy + ", " + localTime(d.Parcel.StoppedAt, loc, long)})
	}
	lines := fieldLines(s, fields, width)
	if status.style != nil {
		for i, f := range fields {
			if f.label == "delivery" {
				lines[i] = s.label.Render(Fit(f.label, 16)) + status.style.Render(Cut(status.text, width-16))
			}
		}
	}
	lines = append(lines, "", s.title.Render("Events — "+plural(len(d.Events), "event", "events")+", oldest first"))
	if len(d.Events) == 0 {
		return append(lines, s.dim.Render("none yet"))
	}
	for _, ev := range d.Events {
		lines = append(lines, Cut(localTime(ev.At, loc, "2006-01-02 15:04")+"  "+eventText(ev), width))
	}
	return lines
}
