package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// The vouchers view (rules 23–27). It opens in counter mode: type or scan the code, the
// phone's last four digits, units (empty: all left) and optionally the POS ID; enter
// redeems, and the result stands large until the next code is typed. esc leaves for the
// list of codes (filter state: and sku:), whose enter opens an order's detail with its
// redemption log; there s resends the codes and e extends their validity.

type voucherMode uint8

const (
	modeCounter voucherMode = iota
	modeList
	modeDetail
	modeExtend
)

// The counter's fields, in tab order.
const (
	counterCode = iota
	counterPhone
	counterUnits
	counterPOS
	counterFields
)

// voucherListLimit bounds the codes the list reads.
const voucherListLimit = 500

type (
	redeemMsg struct {
		res storage.RedeemResult
		err error
	}
	voucherRowsMsg struct {
		rows []storage.VoucherRow
		more bool
		err  error
	}
	voucherDetailMsg struct {
		d   storage.VoucherDetail
		err error
	}
	voucherActMsg struct {
		text string
		err  error
	}
)

var (
	vkCounter = key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "counter"))
	vkFilter  = key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter"))
	vkOpen    = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail"))
	vkResend  = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "resend"))
	vkExtend  = key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "extend"))
	vkRedeem  = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "redeem"))
	vkField   = key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next field"))
	vkLeave   = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "list / leave"))
)

type vouchersView struct {
	c             *common
	width, height int
	mode          voucherMode

	fields [counterFields]textinput.Model
	focus  int
	busy   bool
	result *redeemMsg // the last redemption's outcome, shown large

	filter    textinput.Model
	filtering bool
	rows      []storage.VoucherRow
	more      bool
	cursor    int
	listErr   error

	detail  storage.VoucherDetail
	shown   string // the order the detail shows (SO number)
	until   textinput.Model
	lastAct string
}

func newVouchers(c *common) view {
	v := &vouchersView{c: c}
	labels := [counterFields]string{"code        ", "last four   ", "units       ", "POS ID      "}
	for i := range v.fields {
		v.fields[i] = newInput(c.styles, labels[i])
	}
	v.fields[counterCode].CharLimit = domain.MaxCodeDigits
	v.fields[counterPhone].CharLimit = 4
	v.fields[counterUnits].CharLimit = 7
	v.fields[counterUnits].Placeholder = "all left"
	v.fields[counterPOS].CharLimit = 64
	v.fields[counterCode].Focus()
	v.filter = newInput(c.styles, "/ ")
	v.filter.Placeholder = "words  state:live|used|void|expired|refunded|locked  sku:PREFIX"
	v.until = newInput(c.styles, "valid until ")
	v.until.Placeholder = "2027-03-31"
	return v
}

func (v *vouchersView) setSize(w, h int) tea.Cmd {
	v.width, v.height = w, h
	return nil
}

func (v *vouchersView) capturing() bool {
	return v.mode == modeCounter || v.mode == modeExtend || v.filtering
}

func (v *vouchersView) shortHelp() []key.Binding {
	switch {
	case v.mode == modeCounter:
		return []key.Binding{vkRedeem, vkField, vkLeave}
	case v.filtering || v.mode == modeExtend:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")), v.c.keys.Back}
	case v.mode == modeDetail:
		return []key.Binding{vkResend, vkExtend, v.c.keys.Back}
	}
	return []key.Binding{vkCounter, vkFilter, vkOpen, v.c.keys.Up, v.c.keys.Down}
}

// showCode prints a code in full to the local console and to supervisors; over SSH the
// others see its last four digits.
func (v *vouchersView) showCode(code string) string {
	return domain.ShownCode(code, v.c.role, v.c.session != "")
}

func (v *vouchersView) refresh() tea.Cmd {
	switch v.mode {
	case modeList:
		return v.readRows()
	case modeDetail, modeExtend:
		return v.readDetail(v.shown)
	}
	return nil
}

func (v *vouchersView) readRows() tea.Cmd {
	q, err := parseVoucherFilter(v.filter.Value())
	if err != nil {
		return reportErr(err)
	}
	q.Now = v.c.now()
	store := v.c.store
	return func() tea.Msg {
		rows, more, err := store.VoucherRows(q, voucherListLimit)
		return voucherRowsMsg{rows: rows, more: more, err: err}
	}
}

func (v *vouchersView) readDetail(ref string) tea.Cmd {
	store := v.c.store
	return func() tea.Msg {
		d, err := store.VoucherDetail(orderRefOf(ref))
		return voucherDetailMsg{d: d, err: err}
	}
}

// parseVoucherFilter reads the list's filter: state:NAME, sku:PREFIX and words.
func parseVoucherFilter(s string) (storage.VoucherQuery, error) {
	var q storage.VoucherQuery
	for _, w := range strings.Fields(strings.ToLower(s)) {
		switch {
		case strings.HasPrefix(w, "state:"):
			st, locked, err := domain.ParseCodeState(strings.TrimPrefix(w, "state:"))
			if err != nil {
				return q, err
			}
			q.State, q.Locked = st, locked
		case strings.HasPrefix(w, "sku:"):
			q.SKU = strings.TrimPrefix(w, "sku:")
		default:
			q.Words = append(q.Words, w)
		}
	}
	return q, nil
}

func (v *vouchersView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case redeemMsg:
		v.busy, v.result = false, &msg
		if msg.err == nil {
			for _, f := range []int{counterCode, counterPhone, counterUnits} {
				v.fields[f].SetValue("")
			}
			v.focusField(counterCode)
			return changed
		}
		return nil
	case voucherRowsMsg:
		v.rows, v.more, v.listErr = msg.rows, msg.more, msg.err
		v.cursor = min(v.cursor, max(len(v.rows)-1, 0))
		return nil
	case voucherDetailMsg:
		if msg.err != nil {
			v.mode = modeList
			return reportErr(msg.err)
		}
		v.detail = msg.d
		return nil
	case voucherActMsg:
		if msg.err != nil {
			return reportErr(msg.err)
		}
		v.lastAct = msg.text
		return tea.Batch(report(msg.text), changed)
	case tea.KeyMsg:
		switch v.mode {
		case modeCounter:
			return v.counterKey(msg)
		case modeExtend:
			return v.extendKey(msg)
		case modeDetail:
			return v.detailKey(msg)
		}
		return v.listKey(msg)
	}
	return nil
}

func (v *vouchersView) focusField(i int) {
	for f := range v.fields {
		v.fields[f].Blur()
	}
	v.focus = (i + counterFields) % counterFields
	v.fields[v.focus].Focus()
}

func (v *vouchersView) counterKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		v.mode = modeList
		return v.readRows()
	case tea.KeyTab, tea.KeyDown:
		v.focusField(v.focus + 1)
		return nil
	case tea.KeyShiftTab, tea.KeyUp:
		v.focusField(v.focus - 1)
		return nil
	case tea.KeyEnter:
		return v.submit()
	}
	if v.busy {
		return nil
	}
	if typed(msg) {
		v.result = nil // a new customer: the last result gives way
		// A scanner types the code and enter; digits only in the number fields.
		if v.focus != counterPOS && strings.IndexFunc(string(msg.Runes), func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return nil
		}
	}
	var cmd tea.Cmd
	v.fields[v.focus], cmd = v.fields[v.focus].Update(msg)
	// The code's length is a setting, so a scanner's enter ends it; four digits end the phone.
	if v.focus == counterPhone && len(v.fields[counterPhone].Value()) == 4 {
		v.focusField(v.focus + 1)
	}
	return cmd
}

// submit redeems what the counter holds, or moves to the field that is still missing.
func (v *vouchersView) submit() tea.Cmd {
	if v.busy {
		return nil
	}
	code, phone := strings.TrimSpace(v.fields[counterCode].Value()), strings.TrimSpace(v.fields[counterPhone].Value())
	switch {
	case code == "":
		v.focusField(counterCode)
		return nil
	case phone == "" && v.focus == counterCode:
		v.focusField(counterPhone)
		return nil
	}
	if allow := v.c.allow(domain.ActionRedeem); allow != nil {
		return allow
	}
	in := domain.RedeemInput{Code: code, Phone4: phone, POS: strings.TrimSpace(v.fields[counterPOS].Value())}
	if u := strings.TrimSpace(v.fields[counterUnits].Value()); u != "" {
		n, err := strconv.Atoi(u)
		if err != nil || n <= 0 {
			v.result = &redeemMsg{err: fmt.Errorf("units %q is not a positive number", u)}
			return nil
		}
		in.Units = n
	}
	if err := domain.CheckRedeemInput(in); err != nil {
		v.result = &redeemMsg{err: err}
		return nil
	}
	v.busy, v.result = true, nil
	store, now, by := v.c.store, v.c.now(), v.c.actor()
	return func() tea.Msg {
		res, err := store.Redeem(in, now, by)
		return redeemMsg{res: res, err: err}
	}
}

func (v *vouchersView) listKey(msg tea.KeyMsg) tea.Cmd {
	k := &v.c.keys
	if v.filtering {
		switch msg.Type {
		case tea.KeyEnter:
			v.filtering = false
			v.filter.Blur()
			v.cursor = 0
			return v.readRows()
		case tea.KeyEsc:
			v.filtering = false
			v.filter.Blur()
			return nil
		}
		var cmd tea.Cmd
		v.filter, cmd = v.filter.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, vkCounter):
		v.mode, v.result = modeCounter, nil
		v.focusField(counterCode)
	case key.Matches(msg, vkFilter):
		v.filtering = true
		v.filter.Focus()
	case key.Matches(msg, k.Up):
		v.cursor = max(v.cursor-1, 0)
	case key.Matches(msg, k.Down):
		v.cursor = min(v.cursor+1, max(len(v.rows)-1, 0))
	case key.Matches(msg, vkOpen):
		if v.cursor < len(v.rows) {
			v.shown = domain.OrderNumber(v.rows[v.cursor].OrderNo)
			v.mode = modeDetail
			return v.readDetail(v.shown)
		}
	case key.Matches(msg, k.Back):
		if v.filter.Value() != "" {
			v.filter.SetValue("")
			return v.readRows()
		}
	}
	return nil
}

func (v *vouchersView) detailKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, v.c.keys.Back):
		v.mode, v.lastAct = modeList, ""
		return v.readRows()
	case key.Matches(msg, vkResend):
		if allow := v.c.allow(domain.ActionResend); allow != nil {
			return allow
		}
		store, ref, now, loc, by := v.c.store, v.shown, v.c.now(), v.c.loc, v.c.actor()
		return func() tea.Msg {
			vo, err := store.Resend(orderRefOf(ref), now, loc, by)
			if err != nil {
				return voucherActMsg{err: err}
			}
			return voucherActMsg{text: fmt.Sprintf("%s: %d codes resent to the phone ending %s", ref, len(vo.Live()), lastFour(vo.Phone))}
		}
	case key.Matches(msg, vkExtend):
		if allow := v.c.allow(domain.ActionExtend); allow != nil {
			return allow
		}
		v.mode = modeExtend
		v.until.SetValue("")
		v.until.Focus()
	}
	return nil
}

func (v *vouchersView) extendKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		v.mode = modeDetail
		v.until.Blur()
		return nil
	case tea.KeyEnter:
		until, err := domain.ParseValidUntil(v.until.Value(), v.c.loc)
		if err != nil {
			return reportErr(fmt.Errorf("valid until: %v", err))
		}
		v.mode = modeDetail
		v.until.Blur()
		store, ref, now, by, loc := v.c.store, v.shown, v.c.now(), v.c.actor(), v.c.loc
		return func() tea.Msg {
			if _, err := store.Extend(orderRefOf(ref), until, now, by); err != nil {
				return voucherActMsg{err: err}
			}
			return voucherActMsg{text: fmt.Sprintf("%s: valid until %s", ref, until.In(loc).Format("2006-01-02 15:04"))}
		}
	}
	var cmd tea.Cmd
	v.until, cmd = v.until.Update(msg)
	return cmd
}

// orderRefOf is the reference of an order the view names by its number (SO00000042).
func orderRefOf(so string) domain.OrderRef {
	r, _ := domain.ParseOrderRef(so)
	return r
}

func lastFour(phone string) string {
	d := domain.PhoneDigits(phone)
	if len(d) > 4 {
		d = d[len(d)-4:]
	}
	return d
}

func (v *vouchersView) view() string {
	switch v.mode {
	case modeCounter:
		return v.counterView()
	case modeDetail, modeExtend:
		return v.detailView()
	}
	return v.listView()
}

func (v *vouchersView) counterView() string {
	s := v.c.styles
	lines := []string{s.title.Render("Voucher counter") + s.dim.Render("  — scan or type the code, the phone's last four digits, enter"), ""}
	for i := range v.fields {
		lines = append(lines, "  "+v.fields[i].View())
	}
	lines = append(lines, "")
	switch r := v.result; {
	case v.busy:
		lines = append(lines, s.dim.Render("  redeeming…"))
	case r == nil:
	case r.err != nil:
		big := s.box.BorderForeground(lipgloss.Color("1")).Padding(1, 3)
		why := strings.TrimPrefix(r.err.Error(), "refused: ")
		lines = append(lines, big.Render(s.danger.Bold(true).Render("✗ REFUSED")+"\n\n"+textsafe.Safe(why)))
	default:
		red := r.res.Redemption
		body := s.ok.Bold(true).Render(strings.Replace(red.Summary(v.showCode), "redeemed", "REDEEMED", 1)) +
			"\n\n" + fmt.Sprintf("%s  %s  %s", domain.OrderNumber(red.OrderNo), textsafe.Safe(red.SKU), textsafe.Safe(r.res.Order.Key.String()))
		if red.Left == 0 {
			body += "\n" + s.dim.Render("code used up")
		}
		big := s.box.BorderForeground(lipgloss.Color("2")).Padding(1, 3)
		lines = append(lines, big.Render(body))
	}
	return strings.Join(lines, "\n")
}

func (v *vouchersView) listView() string {
	s := v.c.styles
	now := v.c.now()
	head := s.title.Render("Vouchers") + s.dim.Render(fmt.Sprintf("  %d codes", len(v.rows)))
	if v.more {
		head += s.dim.Render(fmt.Sprintf(" (first %d; narrow the filter)", voucherListLimit))
	}
	lines := []string{head}
	if v.filtering || v.filter.Value() != "" {
		lines = append(lines, v.filter.View())
	}
	if v.listErr != nil {
		lines = append(lines, s.danger.Render(textsafe.Safe(v.listErr.Error())))
	}
	lines = append(lines, s.colHeader.Render(fmt.Sprintf("%-11s %-16s %-12s %-9s %5s %5s %-16s", "order", "code", "sku", "state", "units", "used", "valid until")))
	if len(v.rows) == 0 {
		lines = append(lines, s.dim.Render("no voucher codes match"))
	}
	room := max(v.height-len(lines)-1, 1)
	first := max(0, v.cursor-room+1)
	for i := first; i < len(v.rows) && i < first+room; i++ {
		r := v.rows[i]
		c := &r.Code
		line := fmt.Sprintf("%-11s %-16s %-12.12s %-9s %5d %5d %-16s", domain.OrderNumber(r.OrderNo), v.showCode(c.Code), textsafe.Safe(c.SKU),
			c.StateAt(now), c.Units, c.Redeemed, c.ValidUntil.In(v.c.loc).Format("2006-01-02 15:04"))
		switch {
		case i == v.cursor:
			line = s.cursorRow.Render(line)
		case c.StateAt(now) == "locked":
			line = s.danger.Render(line)
		case c.Expiring(now):
			line = s.warn.Render(line)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func (v *vouchersView) detailView() string {
	s, d, now, loc := v.c.styles, v.detail, v.c.now(), v.c.loc
	if d.Order.No == 0 {
		return s.dim.Render("reading " + v.shown + "…")
	}
	t := d.Voucher.Tally()
	lines := []string{
		s.title.Render(domain.OrderNumber(d.Order.No)+"  "+textsafe.Safe(d.Order.Key.String())) + "  " + s.label.Render(t.OrderState()),
		fmt.Sprintf("phone ending %s   issued %d  redeemed %d  left %d  expired %d  refunded %d", lastFour(d.Voucher.Phone),
			t.Issued, t.Redeemed, t.Live, t.Expired, t.Refunded),
		"",
		s.colHeader.Render(fmt.Sprintf("%-16s %-12s %-9s %5s %5s %-16s %-10s", "code", "sku", "state", "units", "used", "valid until", "refunded")),
	}
	for i := range d.Voucher.Codes {
		c := &d.Voucher.Codes[i]
		lines = append(lines, fmt.Sprintf("%-16s %-12.12s %-9s %5d %5d %-16s %-10s", v.showCode(c.Code), textsafe.Safe(c.SKU), c.StateAt(now),
			c.Units, c.Redeemed, c.ValidUntil.In(loc).Format("2006-01-02 15:04"), c.Refunded.Decimal()))
	}
	lines = append(lines, "", s.title.Render("Redemptions"))
	if len(d.Redemptions) == 0 {
		lines = append(lines, s.dim.Render("none yet"))
	}
	for _, r := range d.Redemptions {
		line := fmt.Sprintf("%s  %d units  code %s  by %s", r.At.In(loc).Format("2006-01-02 15:04"), r.Units, v.showCode(r.Code), textsafe.Safe(r.Operator))
		if r.POS != "" {
			line += "  at " + textsafe.Safe(r.POS)
		}
		if r.NewCode != "" {
			line += fmt.Sprintf("  → new code %s for %d", v.showCode(r.NewCode), r.Left)
		}
		lines = append(lines, line)
	}
	if d.Voucher.ResentAt.After(time.Time{}) {
		lines = append(lines, "", s.dim.Render("last resent "+d.Voucher.ResentAt.In(loc).Format("2006-01-02 15:04")))
	}
	if v.mode == modeExtend {
		lines = append(lines, "", v.until.View())
	}
	return strings.Join(lines, "\n")
}
