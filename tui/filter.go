package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
)

// A filter is free words, which must all match, plus name:value terms:
//
//	channel:NAME            one channel
//	state:NAME[,NAME...]    pool states or order statuses; a unique prefix is enough; all = every one
//	carrier:CODE            orders: shipped with that carrier
//	tracking:none           orders: shipped without a tracking number
//	due:overdue|today|late  orders: ship-by passed, due today, or either
//	state:NAME              voucher codes: live, used, void, expired, refunded, or locked
//	sku:PREFIX              voucher codes: of SKUs that start so

// splitFilter separates the terms a list understands from the free words,
// which it lower-cases for storage's case-insensitive match. An unknown NAME:VALUE is
// refused as a mistyped term, unless its value holds a digit: that is an order's key
// pasted in (tb:T1001), a word like any other.
func splitFilter(s string, known ...string) (terms map[string]string, words []string, err error) {
	terms = map[string]string{}
	for _, f := range strings.Fields(s) {
		name, value, ok := strings.Cut(f, ":")
		if !ok || !isTermName(name) {
			words = append(words, strings.ToLower(f))
			continue
		}
		name = strings.ToLower(name)
		if !slices.Contains(known, name) {
			if strings.ContainsAny(value, "0123456789") {
				words = append(words, strings.ToLower(f))
				continue
			}
			return nil, nil, fmt.Errorf("unknown term %q — use %s", name+":", strings.Join(known, ": or ")+":")
		}
		if value == "" {
			return nil, nil, fmt.Errorf("%s: needs a value", name)
		}
		terms[name] = value
	}
	return terms, words, nil
}

// isTermName tells "state:" from a word that happens to hold a colon, such as a URL.
func isTermName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// parsePoolFilter reads a pool filter; sorting is not part of it.
func parsePoolFilter(s string) (storage.PoolQuery, error) {
	terms, words, err := splitFilter(s, "channel", "state")
	if err != nil {
		return storage.PoolQuery{}, err
	}
	q := storage.PoolQuery{Channel: terms["channel"], Words: words}
	if v, ok := terms["state"]; ok {
		q.States, err = parseList(v, domain.PoolStates, domain.ParsePoolState)
	}
	return q, err
}

// parseOrderFilter reads an orders filter.
// Besides channel: and state:, it knows carrier:CODE, tracking:none and
// due:overdue|today|late, which use the warehouse's day at now.
func parseOrderFilter(s string, now time.Time, loc *time.Location) (storage.OrderQuery, error) {
	terms, words, err := splitFilter(s, "channel", "state", "carrier", "due", "tracking", "delivery")
	if err != nil {
		return storage.OrderQuery{}, err
	}
	q := storage.OrderQuery{Channel: terms["channel"], Words: words}
	if v, ok := terms["state"]; ok {
		if q.Statuses, err = parseList(v, domain.OrderStatuses, domain.ParseOrderStatus); err != nil {
			return q, err
		}
	}
	if v, ok := terms["delivery"]; ok {
		if q.Delivery, err = domain.ParseDeliveryStatuses(v); err != nil {
			return q, err
		}
		q.DeliveryAt = now
		if len(q.Statuses) == 0 {
			q.Statuses = shippedStatuses()
		}
	}
	if v, ok := terms["carrier"]; ok {
		c, found := domain.CarrierByCode(v)
		if !found {
			return q, fmt.Errorf("carrier:%s — no such carrier code (shipdesk carriers lists them)", v)
		}
		q.Carrier = c.Code
		if len(q.Statuses) == 0 {
			q.Statuses = shippedStatuses()
		}
	}
	if v, ok := terms["tracking"]; ok {
		if !strings.EqualFold(v, "none") {
			return q, fmt.Errorf("tracking:%s — only tracking:none (shipped without a number) is known", v)
		}
		q.NoTracking = true
		if len(q.Statuses) == 0 {
			q.Statuses = shippedStatuses()
		}
	}
	if v, ok := terms["due"]; ok {
		overdueBefore, dueBefore := domain.DueWindow(now, loc)
		switch {
		case strings.HasPrefix("overdue", strings.ToLower(v)):
			q.ShipByBefore = overdueBefore
		case strings.HasPrefix("today", strings.ToLower(v)):
			q.ShipByFrom, q.ShipByBefore = overdueBefore, dueBefore
		case strings.EqualFold(v, "late"):
			q.ShipByBefore = dueBefore
		default:
			return q, fmt.Errorf("due:%s — use due:overdue, due:today or due:late (both)", v)
		}
	}
	return q, nil
}

// shippedStatuses are the statuses of orders that have a shipment.
func shippedStatuses() []domain.OrderStatus {
	return slices.Clone(domain.ShippedStatuses)
}

// parseList reads "a,b" or "all" into distinct values.
func parseList[T comparable](v string, all []T, parse func(string) (T, error)) ([]T, error) {
	if strings.EqualFold(v, "all") {
		return slices.Clone(all), nil
	}
	var out []T
	for _, name := range strings.Split(v, ",") {
		x, err := parse(strings.ToLower(name))
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out, nil
}

// newInput is a one-line text input drawn with the session's styles. The
// cursor does not blink: a blink is a redraw every half second, per SSH session.
func newInput(s styles, prompt string) textinput.Model {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.PromptStyle = s.key
	ti.TextStyle = s.plain
	ti.PlaceholderStyle = s.dim
	ti.CompletionStyle = s.dim
	ti.Cursor.Style = s.cursorRow
	ti.Cursor.TextStyle = s.plain
	ti.Cursor.SetMode(cursor.CursorStatic)
	// Paste would read the clipboard of the machine shipdesk runs on, which
	// over SSH is not the operator's; terminals paste as typed text anyway.
	ti.KeyMap.Paste.SetEnabled(false)
	ti.CharLimit = 200
	return ti
}

// typed reports whether a key is text for an input rather than a command.
func typed(msg tea.KeyMsg) bool { return msg.Type == tea.KeyRunes || msg.Type == tea.KeySpace }

// command matches a binding only with keys that cannot be text, so that "y"
// or "n" typed into an input is never taken for confirm or cancel.
func command(msg tea.KeyMsg, b ...key.Binding) bool {
	return !typed(msg) && key.Matches(msg, b...)
}

// filterEvent is what a key did to the filter input.
type filterEvent uint8

const (
	filterNone    filterEvent = iota
	filterEdited              // the text changed
	filterClosed              // enter: keep the filter, back to the list
	filterCleared             // esc: drop the filter, back to the list
)

// filterBox is the "/" line of a list: the input while typing, else the filter in force.
type filterBox struct {
	input textinput.Model
	err   string // why the text does not parse; the last good filter stays in force
}

func newFilterBox(s styles) filterBox {
	fb := filterBox{input: newInput(s, "/")}
	fb.input.Placeholder = "words  channel:NAME  state:NAME[,NAME]|all"
	return fb
}

func (f filterBox) editing() bool { return f.input.Focused() }

func (f *filterBox) open() { f.input.Focus(); f.input.CursorEnd() }

func (f *filterBox) clear() {
	f.input.Reset()
	f.input.Blur()
	f.err = ""
}

func (f *filterBox) update(msg tea.KeyMsg, k *keymap.KeyMap) (filterEvent, tea.Cmd) {
	switch {
	case command(msg, k.Cancel, k.Back):
		f.clear()
		return filterCleared, nil
	case command(msg, k.Confirm, k.Open):
		f.input.Blur()
		return filterClosed, nil
	}
	before := f.input.Value()
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	if f.input.Value() != before {
		return filterEdited, cmd
	}
	return filterNone, cmd
}

// view draws the filter line.
func (f filterBox) view(s styles, k *keymap.KeyMap, width int) string {
	errText := ""
	if f.err != "" {
		errText = "  " + s.danger.Render("✗ "+Cut(f.err, max(0, width/2)))
	}
	switch {
	case f.editing():
		f.input.Width = max(10, width-lipgloss.Width(errText)-2)
		return f.input.View() + errText
	case f.input.Value() != "":
		return s.key.Render("/") + Cut(f.input.Value(), width/2) + s.dim.Render("  ("+k.ClearFilter.Help().Key+" clears)") + errText
	}
	return s.dim.Render(k.Filter.Help().Key + " filter")
}
