package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
)

// Tracking from the orders list. With nothing selected, the key opens the tracking form
// on the order under the cursor, and each save opens it on the next awaiting order shown,
// keeping the carrier. With a selection it runs through the selected orders in turn: each
// is read afresh and its form opens; a save or a skip opens the next, back stops the run,
// and a results panel says what became of each.

// trackRun is tracking entered for the selection, one order after another.
type trackRun struct {
	nos     []orderNo
	at      int // the order whose form is open, or being read
	lines   []resultLine
	shipped int
	skipped int
}

// runOrderMsg is an order of a run, read for its form.
type runOrderMsg struct {
	no    orderNo
	order domain.SalesOrder
	found bool
	err   error
}

func (r *trackRun) title(c *common, width int) string {
	k := &c.keys
	text := fmt.Sprintf("Tracking for the selection — order %d of %d · %s skips it · %s stops", r.at+1, len(r.nos),
		k.Skip.Help().Key, inputHelp(k.Back).Help().Key)
	return c.styles.title.Render(Cut(text, width))
}

// track is the list's tracking action on keys: the selection, or the cursor's order.
func (v *ordersView) track(keys []orderNo) tea.Cmd {
	if len(v.selected.set) == 0 {
		if row, ok := v.win.current(); ok {
			v.formOpen, v.form = true, newTrackForm(v.c, row.Order, v.lastCarrier)
		}
		return nil
	}
	v.run = &trackRun{nos: keys}
	return tea.Batch(report(fmt.Sprintf("tracking for %s, one after another", plural(len(keys), "selected order", "selected orders"))), v.readRunOrder())
}

// readRunOrder reads the run's current order, or ends the run after its last.
func (v *ordersView) readRunOrder() tea.Cmd {
	r := v.run
	if r.at >= len(r.nos) {
		return v.endRun()
	}
	store, no := v.c.store, r.nos[r.at]
	return func() tea.Msg {
		o, found, err := store.Order(uint64(no))
		return runOrderMsg{no: no, order: o, found: found, err: err}
	}
}

// runOrder opens the form on an order the run read; one that is gone is skipped.
func (v *ordersView) runOrder(msg runOrderMsg) tea.Cmd {
	r := v.run
	if r == nil || r.at >= len(r.nos) || r.nos[r.at] != msg.no {
		return nil
	}
	if msg.err != nil || !msg.found {
		reason := "no such order"
		if msg.err != nil {
			reason = msg.err.Error()
		}
		return v.skipRunOrder(reason)
	}
	v.formOpen, v.form = true, newTrackForm(v.c, msg.order, v.lastCarrier)
	return nil
}

// skipRunOrder leaves the current order of the run as it is and goes on to the next.
func (v *ordersView) skipRunOrder(reason string) tea.Cmd {
	r := v.run
	r.lines = append(r.lines, skippedLine(r.nos[r.at].String(), reason))
	r.skipped++
	r.at++
	v.formOpen = false
	return v.readRunOrder()
}

// endRun shows what the run did; the orders it saved leave the selection.
func (v *ordersView) endRun() tea.Cmd {
	r := v.run
	v.run, v.formOpen = nil, false
	for _, no := range r.nos[r.at:] {
		r.lines = append(r.lines, skippedLine(no.String(), "left as it was: the run was stopped"))
		r.skipped++
	}
	return tea.Batch(v.list.showResults("tracking", fmt.Sprintf("saved %d, skipped %d", r.shipped, r.skipped), r.lines), changed)
}

// formKey is a key for the open tracking form: in a run, skip goes to the next order and
// back stops the run.
func (v *ordersView) formKey(msg tea.KeyMsg) tea.Cmd {
	if v.run != nil && !v.form.saving && key.Matches(msg, v.c.keys.Skip) {
		return v.skipRunOrder("skipped, no tracking entered")
	}
	var cmd tea.Cmd
	var closed bool
	v.form, cmd, closed = v.form.update(msg)
	if closed {
		v.formOpen = false
		if v.run != nil {
			return v.endRun()
		}
	}
	return cmd
}

// trackSaved closes the form after a save and opens it on the next order: the next of a
// run, or, from the list, the next awaiting order shown, with the same carrier.
func (v *ordersView) trackSaved(msg trackSavedMsg) tea.Cmd {
	if !v.formOpen || msg.no != v.form.order.No {
		return nil
	}
	var ok bool
	if v.form, ok = v.form.saved(msg); !ok {
		return nil
	}
	if msg.order.Shipment.Carrier != "" {
		v.lastCarrier = msg.order.Shipment.Carrier
	}
	v.formOpen = false
	done := tea.Batch(report(savedText(msg)), changed)
	switch {
	case v.run != nil:
		r := v.run
		r.lines = append(r.lines, resultLine{done: true, text: savedText(msg)})
		r.shipped++
		delete(v.selected.set, r.nos[r.at])
		if r.at++; r.at == len(r.nos) {
			return v.endRun() // its summary, not this save, is the status line's last word
		}
		return tea.Batch(done, v.readRunOrder())
	case v.detail.open:
		v.order = msg.order
	case msg.outcome != domain.ShipUnchanged:
		if next, found := nextAwaiting(v.win.rows, msg.no); found {
			v.formOpen, v.form = true, newTrackForm(v.c, next, v.lastCarrier)
		}
	}
	return done
}
