package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// The vouchers view (rules 23–27). It opens in counter mode: type or scan the code, the
// phone's last four digits, units (empty: all left) and optionally the POS ID; enter
// redeems, and the result stands large until the next code is typed. esc leaves for the
// list of codes (the list component: newest order first, filter words, state: and sku:),
// whose enter opens an order's detail with its redemption log; r resends the order's
// codes and e extends their validity, from the list or the detail; c goes back to the
// counter.

// The counter's fields, in tab order.
const (
	counterCode = iota
	counterPhone
	counterUnits
	counterPOS
	counterFields
)

func voucherColumns() []column {
	return []column{
		{title: "order", min: 10, max: 10},
		{title: "code", min: 8, max: 16},
		{title: "sku", min: 6, max: 14, drop: 3},
		{title: "state", min: 6, max: 8},
		{title: "units", min: 5, max: 5, right: true},
		{title: "used", min: 4, max: 4, right: true, drop: 2},
		{title: "valid until", min: 16, max: 16},
		{title: "item", min: 10, max: 40, drop: 4, extra: true},
	}
}

// voucherCode is a row of the list: an order's code by its place among the order's codes
// (a redemption adds codes after it; none is ever removed).
type voucherCode struct {
	no  uint64
	idx uint16
}

func (k voucherCode) String() string {
	return fmt.Sprintf("%s code %d", domain.OrderNumber(k.no), k.idx+1)
}

type (
	redeemMsg struct {
		res storage.RedeemResult
		err error
	}
	voucherDetailMsg struct {
		no  uint64
		d   storage.VoucherDetail
		err error
	}
)

var (
	vkRedeem = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "redeem"))
	vkField  = key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next field"))
	vkLeave  = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "list of codes"))
)

type vouchersView struct {
	*list[storage.VoucherRow, voucherCode, storage.VoucherQuery]
	counting bool // the counter, not the list, has the view

	fields [counterFields]textinput.Model
	focus  int
	busy   bool
	result *redeemMsg // the last redemption's outcome, shown large

	shown    storage.VoucherDetail // the order the detail shows
	shownErr error                 // why it could not be read, if it could not
}

func newVouchers(c *common) view {
	v := &vouchersView{counting: true}
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
	store := c.store
	v.list = newList(c, &listSpec[storage.VoucherRow, voucherCode, storage.VoucherQuery]{
		title: "Vouchers", noun: [2]string{"code", "codes"}, thing: [2]string{"voucher code", "voucher codes"},
		columns: voucherColumns,
		cells:   v.cells,
		keyOf:   func(r storage.VoucherRow) voucherCode { return voucherCode{r.OrderNo, codeIndex(r.Pos)} },
		posOf:   func(r storage.VoucherRow) storage.Pos { return r.Pos },
		parse:   parseVoucherFilter,
		read: func(q storage.VoucherQuery, _ int, desc bool) source[storage.VoucherRow] {
			q.Words, q.Now = slices.Clone(q.Words), c.now()
			return reversed(storeSource(q, store.VoucherWindow, store.VoucherCount), !desc)
		},
		sorts: []sortOption{{name: "order", column: 0, asc: "oldest order first", desc: "newest order first"}},
		desc:  true,
		empty: [2]string{"no voucher orders yet", "no voucher codes match the filter"},
		hint:  "words  state:live|used|void|expired|refunded|locked  sku:PREFIX",
		detail: &detailSpec[storage.VoucherRow, voucherCode]{
			open: func(r storage.VoucherRow) tea.Cmd {
				v.shown, v.shownErr = storage.VoucherDetail{}, nil
				v.shown.Order.No, v.shown.Order.Key = r.OrderNo, r.Key
				return v.loadDetail()
			},
			reload: v.loadDetail,
			shown:  func() voucherCode { return voucherCode{no: v.shown.Order.No} },
			title: func() string {
				var state []string // none until the codes are read
				if len(v.shown.Voucher.Codes) > 0 {
					state = []string{v.shown.Voucher.Tally().OrderState()}
				}
				return titleLine(v.c.styles, domain.OrderNumber(v.shown.Order.No)+"  "+textsafe.Safe(v.shown.Order.Key.String()),
					state, v.shownErr)
			},
			lines: v.detailLines,
		},
		actions: v.actions(c),
	})
	return v
}

// codeIndex is the code's place among its order's codes, from a row's position.
func codeIndex(p storage.Pos) uint16 {
	if len(p) < 2 {
		return 0
	}
	return uint16(p[len(p)-2])<<8 | uint16(p[len(p)-1])
}

// actedOn is the order an action asks about: the one open, or the code's under the cursor
// (the actions take no selection).
func (v *vouchersView) actedOn() string {
	if v.detail.open {
		return domain.OrderNumber(v.shown.Order.No)
	}
	k, _ := v.list.current()
	return domain.OrderNumber(k.no)
}

// actions resend an order's live codes and extend their validity: each on the order of
// the code under the cursor (or of the detail), in one transaction.
func (v *vouchersView) actions(c *common) []listAction[voucherCode] {
	store := c.store
	return []listAction[voucherCode]{
		{binding: func(k *keymap.KeyMap) key.Binding { return k.VoucherResend }, cursorOnly: true, detail: true,
			words: actionWords{"resend codes", "resent", "resending…"}, role: domain.ActionResend,
			question: func(string, string, int) string {
				return fmt.Sprintf("Send the live codes of %s to the buyer's phone again? At most once a warehouse day.", v.actedOn())
			},
			run: func(a actionArgs[voucherCode]) actionResult[voucherCode] {
				k := a.keys[0]
				vo, err := store.Resend(domain.OrderRef{No: k.no}, a.now, c.loc, a.by)
				if err != nil {
					return actionResult[voucherCode]{err: err}
				}
				var out actionResult[voucherCode]
				out.row(k, domain.OrderNumber(k.no), true, fmt.Sprintf(": %s resent to the phone ending %s", plural(len(vo.Live()), "live code", "live codes"), lastFour(vo.Phone)), "")
				return out
			}},
		{binding: func(k *keymap.KeyMap) key.Binding { return k.VoucherExtend }, cursorOnly: true, detail: true,
			words: actionWords{"extend validity", "extended", "extending…"}, role: domain.ActionExtend,
			question: func(string, string, int) string {
				return fmt.Sprintf("Extend the live codes of %s until when? A date alone is the end of that day.", v.actedOn())
			},
			input: "valid until: ", need: "give a date such as 2027-03-31",
			check: func(line string) error {
				_, err := domain.ParseValidUntil(line, c.loc)
				return err
			},
			run: func(a actionArgs[voucherCode]) actionResult[voucherCode] {
				k := a.keys[0]
				until, err := domain.ParseValidUntil(a.reason, c.loc)
				if err != nil {
					return actionResult[voucherCode]{err: fmt.Errorf("valid until: %w", err)}
				}
				if _, err := store.Extend(domain.OrderRef{No: k.no}, until, a.now, a.by); err != nil {
					return actionResult[voucherCode]{err: err}
				}
				var out actionResult[voucherCode]
				out.row(k, domain.OrderNumber(k.no), true, ": valid until "+until.In(c.loc).Format("2006-01-02 15:04"), "")
				return out
			}},
	}
}

func (v *vouchersView) setSize(w, h int) tea.Cmd { return v.list.setSize(w, h) }

func (v *vouchersView) capturing() bool { return v.counting || v.list.capturing() }

func (v *vouchersView) shortHelp() []key.Binding {
	if v.counting {
		return []key.Binding{vkRedeem, vkField, vkLeave}
	}
	bs := v.list.shortHelp()
	if !v.list.capturing() && !v.detail.open {
		bs = append([]key.Binding{v.c.keys.VoucherCounter}, bs...)
	}
	return bs
}

// showCode prints a code in full to the local console and to supervisors; over SSH the
// others see its last four digits.
func (v *vouchersView) showCode(code string) string {
	return domain.ShownCode(code, v.c.role, v.c.session != "")
}

func (v *vouchersView) refresh() tea.Cmd {
	if v.counting {
		return nil
	}
	return v.list.refresh()
}

func (v *vouchersView) loadDetail() tea.Cmd {
	store, no := v.c.store, v.shown.Order.No
	return func() tea.Msg {
		d, err := store.VoucherDetail(domain.OrderRef{No: no})
		return voucherDetailMsg{no: no, d: d, err: err}
	}
}

// parseVoucherFilter reads the list's filter: state:NAME, sku:PREFIX and words.
func parseVoucherFilter(s string) (storage.VoucherQuery, error) {
	terms, words, err := splitFilter(strings.ToLower(s), "state", "sku")
	if err != nil {
		return storage.VoucherQuery{}, err
	}
	q := storage.VoucherQuery{SKU: terms["sku"], Words: words}
	if st, ok := terms["state"]; ok {
		q.State, q.Locked, err = domain.ParseCodeState(st)
	}
	return q, err
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
	case voucherDetailMsg:
		if v.detail.open && msg.no == v.shown.Order.No {
			if v.shownErr = msg.err; msg.err == nil {
				v.shown = msg.d
			}
		}
		if msg.err != nil {
			return reportErr(msg.err)
		}
		return nil
	case tea.KeyMsg:
		switch {
		case v.counting:
			return v.counterKey(msg)
		case !v.list.capturing() && !v.detail.open && key.Matches(msg, v.c.keys.VoucherCounter):
			v.counting, v.result = true, nil
			v.focusField(counterCode)
			return nil
		}
	}
	return v.list.update(msg)
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
		v.counting = false
		return v.list.refresh()
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

func lastFour(phone string) string {
	d := domain.PhoneDigits(phone)
	if len(d) > 4 {
		d = d[len(d)-4:]
	}
	return d
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

func (v *vouchersView) view() string {
	if v.counting {
		return v.counterView()
	}
	return v.list.view()
}

func (v *vouchersView) cells(r storage.VoucherRow) []cell {
	s, c, now := &v.c.styles, &r.Code, v.c.now()
	cells := plainCells(domain.OrderNumber(r.OrderNo), v.showCode(c.Code), c.SKU, c.StateAt(now),
		strconv.Itoa(c.Units), strconv.Itoa(c.Redeemed), localTime(c.ValidUntil, v.c.loc, "2006-01-02 15:04"), c.Title)
	switch {
	case c.StateAt(now) == "locked":
		cells[3].style = &s.danger
	case c.Expiring(now):
		cells[3].style, cells[6].style = &s.warn, &s.warn
	}
	return cells
}

// detailLines is the order's codes and its redemptions.
func (v *vouchersView) detailLines() []string {
	s, d, now, loc := v.c.styles, v.shown, v.c.now(), v.c.loc
	if len(d.Voucher.Codes) == 0 {
		return []string{s.dim.Render("reading " + domain.OrderNumber(d.Order.No) + "…")}
	}
	t := d.Voucher.Tally()
	lines := []string{
		fmt.Sprintf("phone ending %s   issued %d  redeemed %d  left %d  expired %d  refunded %d", lastFour(d.Voucher.Phone),
			t.Issued, t.Redeemed, t.Live, t.Expired, t.Refunded),
		"",
		s.colHeader.Render(fmt.Sprintf("%-16s %-12s %-9s %5s %5s %-16s %-10s", "code", "sku", "state", "units", "used", "valid until", "refunded")),
	}
	for i := range d.Voucher.Codes {
		c := &d.Voucher.Codes[i]
		lines = append(lines, Cut(fmt.Sprintf("%-16s %-12.12s %-9s %5d %5d %-16s %-10s", v.showCode(c.Code), textsafe.Safe(c.SKU), c.StateAt(now),
			c.Units, c.Redeemed, c.ValidUntil.In(loc).Format("2006-01-02 15:04"), c.Refunded.Decimal()), v.width))
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
		lines = append(lines, Cut(line, v.width))
	}
	if d.Voucher.ResentAt.After(time.Time{}) {
		lines = append(lines, "", s.dim.Render("last resent "+d.Voucher.ResentAt.In(loc).Format("2006-01-02 15:04")))
	}
	return lines
}
