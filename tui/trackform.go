package tui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// The tracking form enters one order's shipment: carrier (picked by typing part of its
// code or name), number with a live verdict, URL, shipped-at and expected arrival, and a
// reason when the number fails its carrier's rule or when there is no number at all.
// After a save the orders view opens it on the next awaiting order, keeping the carrier,
// so a packing bench enters a run of numbers from the keyboard alone.

const (
	fCarrier = iota
	fNumber
	fURL
	fShipped
	fETA
	fReason
	fieldCount
)

var fieldLabels = [fieldCount]string{"carrier", "number", "URL", "shipped at", "arrives", "reason"}

// pickRows is how many carrier suggestions the form shows.
const pickRows = 5

type trackForm struct {
	c      *common
	order  domain.SalesOrder
	inputs [fieldCount]textinput.Model
	focus  int
	pick   int // index into picks() while the carrier field has focus
	saving bool
	err    string // the last save's refusal
}

// trackSavedMsg is the store's answer to a save.
type trackSavedMsg struct {
	no      uint64
	order   domain.SalesOrder
	outcome domain.ShipOutcome
	err     error
}

func newTrackForm(c *common, o domain.SalesOrder, carrier string) trackForm {
	f := trackForm{c: c, order: o}
	for i := range f.inputs {
		f.inputs[i] = newInput(c.styles, "")
	}
	f.inputs[fNumber].CharLimit = 60
	f.inputs[fShipped].Placeholder = "now — or 2026-11-23 14:30"
	f.inputs[fCarrier].SetValue(carrier)
	f.inputs[fCarrier].Placeholder = "type to search: ems, sf, ups…"
	if o.Shipment.Shipped() {
		f.inputs[fCarrier].SetValue(firstNonEmpty(o.Shipment.Carrier, carrier))
	}
	f.focus = fCarrier
	if f.inputs[fCarrier].Value() != "" {
		f.focus = fNumber
	}
	f.inputs[f.focus].Focus()
	return f
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// carrier is the registry entry the carrier field names exactly, if any.
func (f trackForm) carrier() (domain.Carrier, bool) {
	return domain.CarrierByCode(strings.TrimSpace(f.inputs[fCarrier].Value()))
}

// picks are the carriers whose code or name holds what is typed, or that accept the
// number when nothing is typed.
func (f trackForm) picks() []domain.Carrier {
	q := strings.ToLower(strings.TrimSpace(f.inputs[fCarrier].Value()))
	if q == "" {
		if n := domain.NormalizeTracking(f.inputs[fNumber].Value()); n != "" {
			if m := domain.MatchCarriers(n); len(m) > 0 {
				return m
			}
		}
	}
	// Best first: the code itself, codes that start with it, names with a word that
	// starts with it, then anything that holds it.
	var ranked [4][]domain.Carrier
	for _, c := range domain.Carriers() {
		code, name := strings.ToLower(c.Code), strings.ToLower(c.Name)
		switch {
		case code == q:
			ranked[0] = append(ranked[0], c)
		case strings.HasPrefix(code, q):
			ranked[1] = append(ranked[1], c)
		case wordPrefix(name, q):
			ranked[2] = append(ranked[2], c)
		case strings.Contains(code, q) || strings.Contains(name, q):
			ranked[3] = append(ranked[3], c)
		}
	}
	return append(append(append(ranked[0], ranked[1]...), ranked[2]...), ranked[3]...)
}

func wordPrefix(text, q string) bool {
	for _, w := range strings.Fields(text) {
		if strings.HasPrefix(strings.Trim(w, "()"), q) {
			return true
		}
	}
	return false
}

// input is the form as a shipping entry; a date that does not parse is an error.
func (f trackForm) input() (domain.ShipInput, error) {
	in := domain.ShipInput{
		Carrier: strings.TrimSpace(f.inputs[fCarrier].Value()),
		Number:  strings.TrimSpace(f.inputs[fNumber].Value()),
		URL:     strings.TrimSpace(f.inputs[fURL].Value()),
	}
	var err error
	if in.ShippedAt, err = domain.ParseWhen(f.inputs[fShipped].Value(), f.c.loc); err != nil {
		return in, fmt.Errorf("shipped at: %v", err)
	}
	if in.ETA, err = domain.ParseWhen(f.inputs[fETA].Value(), f.c.loc); err != nil {
		return in, fmt.Errorf("arrives: %v", err)
	}
	reason := strings.TrimSpace(f.inputs[fReason].Value())
	if in.Number == "" {
		in.NoTracking, in.Carrier = reason, ""
	} else {
		in.Override = reason
	}
	return in, nil
}

// numberProblem is why the number fails its carrier's rule, or "".
func (f trackForm) numberProblem() string {
	n := strings.TrimSpace(f.inputs[fNumber].Value())
	if n == "" {
		return ""
	}
	_, _, err := domain.CheckTrackingNumber(strings.TrimSpace(f.inputs[fCarrier].Value()), n)
	if err != nil {
		return err.Error()
	}
	return ""
}

// reasonLabel says what the reason field is for right now.
func (f trackForm) reasonLabel() string {
	switch {
	case strings.TrimSpace(f.inputs[fNumber].Value()) == "":
		return "reason for shipping without a tracking number"
	case f.numberProblem() != "":
		return "override reason — accept this number anyway"
	}
	return "not needed"
}

// preview is what saving would do, decided by the domain on the form's values.
func (f trackForm) preview() (domain.SalesOrder, domain.ShipOutcome, error) {
	in, err := f.input()
	if err != nil {
		return f.order, 0, err
	}
	next, outcome, err := domain.Ship(f.order, in, f.c.now(), f.c.policy)
	return next, outcome, formShipError(err)
}

// formShipError says, for a refusal the form can mend, which field mends it.
func formShipError(err error) error {
	if errors.As(err, new(*domain.NeedsArrivalError)) {
		return fmt.Errorf("fill in %q: %w", fieldLabels[fETA], err)
	}
	return err
}

func (f trackForm) setFocus(i int) trackForm {
	f.inputs[f.focus].Blur()
	f.focus = (i + fieldCount) % fieldCount
	f.inputs[f.focus].Focus()
	f.pick = 0
	return f
}

// update handles a key; done says the form was closed without saving.
func (f trackForm) update(msg tea.KeyMsg) (next trackForm, cmd tea.Cmd, done bool) {
	k := &f.c.keys
	if f.saving {
		return f, nil, false
	}
	switch {
	case key.Matches(msg, k.Back):
		return f, nil, true
	case key.Matches(msg, k.Save):
		return f.save()
	case f.focus == fCarrier && (msg.Type == tea.KeyUp || msg.Type == tea.KeyDown):
		n := len(f.picks())
		if n > 0 {
			d := 1
			if msg.Type == tea.KeyUp {
				d = -1
			}
			f.pick = (f.pick + d + n) % n
		}
		return f, nil, false
	case f.focus == fCarrier && msg.Type == tea.KeyEnter, f.focus == fCarrier && key.Matches(msg, k.NextField):
		if p := f.picks(); len(p) > 0 && f.pick < len(p) {
			f.inputs[fCarrier].SetValue(p[f.pick].Code)
		}
		return f.setFocus(fNumber), nil, false
	case msg.Type == tea.KeyEnter:
		if f.focus == fieldCount-1 {
			return f.save()
		}
		return f.setFocus(f.focus + 1), nil, false
	case key.Matches(msg, k.NextField):
		return f.setFocus(f.focus + 1), nil, false
	case key.Matches(msg, k.PrevField):
		return f.setFocus(f.focus - 1), nil, false
	}
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	if f.focus == fCarrier {
		f.pick = 0
	}
	f.err = ""
	return f, cmd, false
}

// save checks the form with the domain first, so an obvious mistake is named at once,
// then writes in a command.
func (f trackForm) save() (trackForm, tea.Cmd, bool) {
	in, err := f.input()
	if err == nil {
		_, _, err = domain.Ship(f.order, in, f.c.now(), f.c.policy)
	}
	if err != nil {
		f.err = formShipError(err).Error()
		return f, nil, false
	}
	action := domain.ActionShip
	if in.Override != "" && f.numberProblem() != "" {
		action = domain.ActionOverride
	}
	if err := domain.Require(f.c.operator, f.c.role, action); err != nil {
		f.err = err.Error()
		return f, nil, false
	}
	f.saving, f.err = true, ""
	store, no, pol, now, op := f.c.store, f.order.No, f.c.policy, f.c.now(), f.c.actor()
	return f, func() tea.Msg {
		o, out, err := store.Ship(domain.RefTo(no), in, pol, now, op)
		return trackSavedMsg{no: no, order: o, outcome: out, err: err}
	}, false
}

// saved takes the store's answer; ok means the form's work is done.
func (f trackForm) saved(msg trackSavedMsg) (trackForm, bool) {
	f.saving = false
	if msg.err != nil {
		f.err = formShipError(msg.err).Error()
		return f, false
	}
	return f, true
}

// savedText is the status line after a save.
func savedText(msg trackSavedMsg) string {
	o, sh := msg.order, msg.order.Shipment
	no := domain.OrderNumber(o.No)
	switch msg.outcome {
	case domain.ShipUnchanged:
		return fmt.Sprintf("%s already has %s: nothing changed", no, sh.Number)
	case domain.ShipCorrected:
		return fmt.Sprintf("%s: tracking corrected to %s (replaced %d×)", no, sh.Number, sh.Replaced)
	case domain.ShipUpdated:
		return fmt.Sprintf("%s keeps %s: URL or dates updated", no, sh.Number)
	}
	if sh.Number == "" {
		return fmt.Sprintf("%s shipped without tracking: %s", no, sh.NoTracking)
	}
	return fmt.Sprintf("%s shipped with %s %s", no, sh.Carrier, sh.Number)
}

func (f trackForm) shortHelp() []key.Binding {
	k := &f.c.keys
	return []key.Binding{k.Save, helpOnly("tab/↓", "next field"), helpOnly("shift+tab/↑", "previous"), helpOnly(inputHelp(k.Back).Help().Key, "cancel")}
}

// view draws the form: the order it is for, the fields, the carrier suggestions under
// the carrier field, and under the number what saving would do.
func (f trackForm) view(width, height int) string {
	s := f.c.styles
	o := f.order
	head := fmt.Sprintf("Tracking — %s  %s  %s → %s", domain.OrderNumber(o.No), o.Key, o.Consignee.Name, o.Consignee.Country)
	lines := []string{s.title.Render(Cut(head, width)), ""}
	const labelW = 12
	valueW := max(10, width-labelW-2)
	next, outcome, verdictErr := f.preview()
	for i := 0; i < fieldCount; i++ {
		in := f.inputs[i]
		in.Width = valueW
		switch i {
		case fURL:
			if c, ok := f.carrier(); ok && in.Value() == "" {
				if n := domain.NormalizeTracking(f.inputs[fNumber].Value()); n != "" {
					in.Placeholder = textsafe.Safe(c.URL(n))
				} else {
					in.Placeholder = "from the carrier's tracking page"
				}
			}
		case fETA:
			if in.Value() == "" && verdictErr == nil && !next.Shipment.ETA.IsZero() {
				in.Placeholder = next.Shipment.ETA.In(f.c.loc).Format("2006-01-02") + " (carrier's transit time)"
			} else if in.Value() == "" {
				in.Placeholder = "e.g. 2026-12-01"
			}
		case fReason:
			in.Placeholder = f.reasonLabel()
		}
		label := s.label.Render(Fit(fieldLabels[i], labelW))
		if i == f.focus {
			label = s.title.Render(Fit("› "+fieldLabels[i], labelW))
		}
		lines = append(lines, label+"  "+in.View())
		if i == fCarrier && f.focus == fCarrier {
			lines = append(lines, f.pickLines(labelW+2, valueW)...)
		}
		if i == fNumber {
			lines = append(lines, strings.Repeat(" ", labelW+2)+f.verdictLine(next, outcome, verdictErr, valueW))
		}
	}
	if f.err != "" {
		lines = append(lines, "", s.danger.Render(Cut("✗ "+f.err, width)))
	}
	if f.saving {
		lines = append(lines, "", s.dim.Render("saving…"))
	}
	if o.Shipment.Shipped() {
		lines = append(lines, "", s.dim.Render(Cut(fmt.Sprintf("now: %s %s, shipped %s — a new number replaces it and is kept in the history",
			o.Shipment.Carrier, firstNonEmpty(o.Shipment.Number, "(no tracking)"), localTime(o.Shipment.ShippedAt, f.c.loc, "2006-01-02 15:04")), width)))
	}
	return strings.Join(pageOf(lines, 0, height), "\n")
}

func (f trackForm) pickLines(indent, width int) []string {
	s := f.c.styles
	picks := f.picks()
	if len(picks) == 0 {
		return []string{strings.Repeat(" ", indent) + s.danger.Render("no carrier matches — try part of its name, or other")}
	}
	top := 0
	if f.pick >= pickRows {
		top = f.pick - pickRows + 1
	}
	var out []string
	for i := top; i < len(picks) && i < top+pickRows; i++ {
		text := Cut(fmt.Sprintf("%-8s %s", picks[i].Code, picks[i].Name), width)
		if i == f.pick {
			text = s.cursorRow.Render(text)
		} else {
			text = s.dim.Render(text)
		}
		out = append(out, strings.Repeat(" ", indent)+text)
	}
	if len(picks) > pickRows {
		out = append(out, strings.Repeat(" ", indent)+s.dim.Render(fmt.Sprintf("%d carriers match · ↑/↓ choose · enter take", len(picks))))
	}
	return out
}

// verdictLine says, as the operator types, what saving would do or why it cannot.
func (f trackForm) verdictLine(next domain.SalesOrder, outcome domain.ShipOutcome, err error, width int) string {
	s := f.c.styles
	number := domain.NormalizeTracking(f.inputs[fNumber].Value())
	if number == "" && strings.TrimSpace(f.inputs[fReason].Value()) == "" {
		return s.dim.Render("type the number — or leave it empty and give a reason to ship without one")
	}
	if err != nil {
		text := "✗ " + err.Error()
		if m := domain.MatchCarriers(number); len(m) > 0 && f.numberProblem() != "" {
			text = fmt.Sprintf("✗ not a %s number — it looks like %s (%s)", f.inputs[fCarrier].Value(), m[0].Name, m[0].Code)
		}
		return s.danger.Render(Cut(text, width))
	}
	sh := next.Shipment
	var text string
	switch outcome {
	case domain.ShipUnchanged:
		return s.dim.Render("= the order already has this number")
	case domain.ShipCorrected:
		text = fmt.Sprintf("✓ will replace %s with %s", f.order.Shipment.Number, sh.Number)
	case domain.ShipUpdated:
		text = "✓ same number: will update the URL or dates"
	default:
		if sh.Number == "" {
			text = "✓ will ship without tracking"
		} else {
			text = "✓ will ship with " + sh.Carrier + " " + sh.Number
		}
	}
	if sh.Override != "" {
		text += " (override)"
	}
	if !sh.ETA.IsZero() {
		text += ", arrives " + sh.ETA.In(f.c.loc).Format("2006-01-02")
	}
	return s.ok.Render(Cut(text, width))
}

// nextAwaiting is the order after no in the rows shown, for the run of entries.
func nextAwaiting(rows []storage.OrderRow, no uint64) (domain.SalesOrder, bool) {
	for i, r := range rows {
		if r.Order.No == no {
			for _, n := range rows[i+1:] {
				if n.Order.Status == domain.OrderAwaitingShipment {
					return n.Order, true
				}
			}
			return domain.SalesOrder{}, false
		}
	}
	return domain.SalesOrder{}, false
}
