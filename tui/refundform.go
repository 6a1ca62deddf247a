package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
)

// The partial refund form (rule 20, seed 002 部分退款) adds a compensation to an order
// from the orders view: an amount, which shows what is left to refund and is refused
// beyond it, and a reason. The domain checks it as it is typed; storage checks it again
// in its transaction, since another session may have refunded the order meanwhile.

const (
	rfAmount = iota
	rfReason
	rfFields
)

type refundForm struct {
	c       *common
	order   domain.SalesOrder
	refunds []domain.Refund
	loaded  bool // refunds read: until then nothing is known to be left
	inputs  [rfFields]textinput.Model
	focus   int
	saving  bool
	err     string
}

// Messages of the order's refunds.
type (
	orderRefundsMsg struct {
		no      uint64
		refunds []domain.Refund
		err     error
	}
	partialSavedMsg struct {
		no  uint64
		res storage.PartialResult
		err error
	}
)

func loadOrderRefunds(store *storage.Store, no uint64) tea.Cmd {
	return func() tea.Msg {
		rs, err := store.OrderRefunds(no)
		return orderRefundsMsg{no: no, refunds: rs, err: err}
	}
}

func newRefundForm(c *common, o domain.SalesOrder) (refundForm, tea.Cmd) {
	f := refundForm{c: c, order: o}
	for i := range f.inputs {
		f.inputs[i] = newInput(c.styles, "")
	}
	f.inputs[rfAmount].CharLimit = 20
	f.inputs[rfReason].Placeholder = "why, e.g. scratched box, agreed with the buyer"
	f.inputs[rfAmount].Focus()
	return f, loadOrderRefunds(c.store, o.No)
}

// left is what may still be refunded.
func (f refundForm) left() domain.Money { return domain.Refundable(f.order.Total, f.refunds) }

// amount is the typed amount if the domain would refund it on this order.
func (f refundForm) amount() (domain.Money, error) {
	amount := strings.TrimSpace(f.inputs[rfAmount].Value())
	if amount == "" {
		return domain.Money{}, fmt.Errorf("type an amount, up to %s", f.left())
	}
	a, err := domain.ParseAmount(amount)
	if err != nil {
		return domain.Money{}, err
	}
	m, err := a.In(f.order.Total.Currency)
	if err != nil {
		return domain.Money{}, err
	}
	return m, domain.CheckRefund(f.order, f.refunds, m)
}

// decide asks the domain what saving would do.
func (f refundForm) decide() (domain.Refund, error) {
	m, err := f.amount()
	if err != nil {
		return domain.Refund{}, err
	}
	return domain.PartialRefund(f.order, f.refunds, m, f.inputs[rfReason].Value(), f.c.now(), f.c.operator)
}

func (f refundForm) setFocus(i int) refundForm {
	f.inputs[f.focus].Blur()
	f.focus = (i + rfFields) % rfFields
	f.inputs[f.focus].Focus()
	return f
}

// update handles a key; done says the form was closed without saving.
func (f refundForm) update(msg tea.KeyMsg) (next refundForm, cmd tea.Cmd, done bool) {
	k := &f.c.keys
	if f.saving {
		return f, nil, false
	}
	switch {
	case key.Matches(msg, k.Back):
		return f, nil, true
	case key.Matches(msg, k.Save):
		return f.save()
	case msg.Type == tea.KeyEnter:
		if f.focus == rfFields-1 {
			return f.save()
		}
		return f.setFocus(f.focus + 1), nil, false
	case key.Matches(msg, k.NextField):
		return f.setFocus(f.focus + 1), nil, false
	case key.Matches(msg, k.PrevField):
		return f.setFocus(f.focus - 1), nil, false
	}
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	f.err = ""
	return f, cmd, false
}

// save refuses at once what the domain refuses, then writes in a command.
func (f refundForm) save() (refundForm, tea.Cmd, bool) {
	if !f.loaded {
		f.err = "still reading the order's refunds…"
		return f, nil, false
	}
	if _, err := f.decide(); err != nil {
		f.err = err.Error()
		return f, nil, false
	}
	if err := domain.Require(f.c.operator, f.c.role, domain.ActionPartial); err != nil {
		f.err = err.Error()
		return f, nil, false
	}
	f.saving, f.err = true, ""
	store, no, now, op := f.c.store, f.order.No, f.c.now(), f.c.actor()
	amount, err := domain.ParseAmount(f.inputs[rfAmount].Value())
	if err != nil {
		f.saving, f.err = false, err.Error()
		return f, nil, false
	}
	reason := f.inputs[rfReason].Value()
	return f, func() tea.Msg {
		res, err := store.PartialRefund(domain.RefTo(no), amount, reason, now, op)
		return partialSavedMsg{no: no, res: res, err: err}
	}, false
}

func (f refundForm) shortHelp() []key.Binding {
	k := &f.c.keys
	return []key.Binding{k.Save, helpOnly("tab/↓", "next field"), helpOnly("shift+tab/↑", "previous"), helpOnly(inputHelp(k.Back).Help().Key, "cancel")}
}

func (f refundForm) view(width, height int) string {
	s, o := f.c.styles, f.order
	head := fmt.Sprintf("Partial refund — %s  %s  %s", domain.OrderNumber(o.No), o.Key, o.Buyer)
	lines := []string{s.title.Render(Cut(head, width)), ""}
	if f.loaded {
		refunded := domain.Money{Minor: o.Total.Minor - f.left().Minor, Currency: o.Total.Currency}
		lines = append(lines, Cut(fmt.Sprintf("paid %s · refunded so far %s · left to refund %s", o.Total, refunded, f.left()), width), "")
	} else {
		lines = append(lines, s.dim.Render("reading the order's refunds…"), "")
	}
	const labelW = 10
	valueW := max(10, width-labelW-2)
	labels := [rfFields]string{"amount", "reason"}
	for i := range f.inputs {
		in := f.inputs[i]
		in.Width = valueW
		if i == rfAmount && f.loaded {
			in.Placeholder = "up to " + f.left().String()
		}
		label := s.label.Render(Fit(labels[i], labelW))
		if i == f.focus {
			label = s.title.Render(Fit("› "+labels[i], labelW))
		}
		lines = append(lines, label+"  "+in.View())
		if i == rfAmount && f.loaded && strings.TrimSpace(in.Value()) != "" {
			lines = append(lines, strings.Repeat(" ", labelW+2)+f.verdict(valueW))
		}
	}
	if f.err != "" {
		lines = append(lines, "", s.danger.Render(Cut("✗ "+f.err, width)))
	}
	if f.saving {
		lines = append(lines, "", s.dim.Render("saving…"))
	}
	if len(f.refunds) > 0 {
		lines = append(lines, "")
		lines = append(lines, refundHistoryLines(s, o, f.refunds, f.c.loc, width)...)
	}
	return strings.Join(pageOf(lines, 0, height), "\n")
}

// verdict says, as the amount is typed, what saving would refund or why it cannot.
func (f refundForm) verdict(width int) string {
	s := f.c.styles
	amount, err := f.amount()
	if err != nil {
		return s.danger.Render(Cut("✗ "+err.Error(), width))
	}
	left := domain.Money{Minor: f.left().Minor - amount.Minor, Currency: amount.Currency}
	return s.ok.Render(Cut(fmt.Sprintf("✓ will refund %s, leaving %s", amount, left), width))
}

// The orders view's side of refunds: the form, and the refund history in the detail.

func (v *ordersView) openRefundForm(o domain.SalesOrder) tea.Cmd {
	var cmd tea.Cmd
	v.refundOpen = true
	v.refundForm, cmd = newRefundForm(v.c, o)
	return cmd
}

func (v *ordersView) refundFormKey(msg tea.KeyMsg) tea.Cmd {
	var cmd tea.Cmd
	var closed bool
	v.refundForm, cmd, closed = v.refundForm.update(msg)
	if closed {
		v.refundOpen = false
	}
	return cmd
}

func (v *ordersView) orderRefunds(msg orderRefundsMsg) tea.Cmd {
	if msg.err != nil {
		return reportErr(msg.err)
	}
	if v.detail.open && msg.no == v.order.No {
		v.refunds = msg.refunds
	}
	if v.refundOpen && msg.no == v.refundForm.order.No {
		v.refundForm.refunds, v.refundForm.loaded = msg.refunds, true
	}
	return nil
}

func (v *ordersView) partialSaved(msg partialSavedMsg) tea.Cmd {
	if !v.refundOpen || msg.no != v.refundForm.order.No {
		return nil
	}
	v.refundForm.saving = false
	if msg.err != nil {
		v.refundForm.err = msg.err.Error()
		// Another session may have refunded the order: show what is left now.
		return loadOrderRefunds(v.c.store, msg.no)
	}
	v.refundOpen = false
	r := msg.res
	return tea.Batch(report(fmt.Sprintf("%s: refunded %s; left to refund %s", domain.OrderNumber(r.Order.No), r.Refund.Amount, r.Left)), changed)
}

// refundLines are the order's refunds in its detail.
func (v *ordersView) refundLines() []string {
	s := v.c.styles
	lines := append([]string{""}, refundHistoryLines(s, v.order, v.refunds, v.c.loc, v.width)...)
	if v.order.AwaitingReturn {
		lines = append(lines, s.warn.Render("waiting for the goods to come back"))
	}
	return append(lines, s.dim.Render(v.c.keys.PartialRefund.Help().Key+" adds a partial refund"))
}
