package tui

import (
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
)

// testNow is 20:00 in the warehouse zone (UTC+8): due-today ends at 16:00 UTC.
var (
	testNow = time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)
	testLoc = time.FixedZone("CST", 8*3600)
)

// harness drives the root model like a Bubble Tea program would, but runs
// every command synchronously and feeds its messages back.
type harness struct {
	t     *testing.T
	store *storage.Store
	m     tea.Model
	quit  bool
	async chan tea.Msg // live mode: commands run concurrently and report here
}

type harnessOpt func(*Config)

func withKeys(k keymap.KeyMap) harnessOpt { return func(c *Config) { c.Keys = k } }

// live keeps the subscription and the tick; the harness then runs commands
// in goroutines, and waitFor handles their messages.
func live(c *Config) { c.NoLive = false }

// chinaWarehouse ships from CN: parcels elsewhere are international.
func chinaWarehouse(c *Config) { c.Policy = domain.ShipPolicy{Country: "CN"} }

func newHarness(t *testing.T, trades []domain.Trade, width, height int, opts ...harnessOpt) *harness {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "t.db"), storage.Options{NoSync: true}) // tests need no fsync
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if len(trades) > 0 {
		if _, err := st.Import(trades, testNow.Add(-time.Hour), storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
			t.Fatal(err)
		}
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	cfg := Config{
		Store: st, Keys: keymap.Default(), Operator: "tester", Role: domain.RoleSupervisor, Location: testLoc,
		Now: func() time.Time { return testNow }, DBLabel: "/var/lib/shipdesk/t.db", Renderer: r, NoLive: true,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h := &harness{t: t, store: st, m: New(cfg)}
	if !cfg.NoLive {
		h.async = make(chan tea.Msg, 64)
	}
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	return h
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	m, cmd := h.m.Update(msg)
	h.m = m
	h.run(cmd)
}

// run executes cmd and everything it leads to.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	switch {
	case cmd == nil:
	case h.async != nil:
		go func() { h.async <- cmd() }()
	default:
		h.handle(cmd())
	}
}

// waitFor handles the messages of running commands until cond holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(5 * time.Second)
	for !cond() {
		select {
		case msg := <-h.async:
			h.handle(msg)
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s:\n%s", what, h.view())
		}
	}
}

func (h *harness) handle(msg tea.Msg) {
	h.t.Helper()
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.QuitMsg:
		h.quit = true
	default:
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := 0; i < v.Len(); i++ { // tea.Sequence
				h.run(v.Index(i).Interface().(tea.Cmd))
			}
			return
		}
		h.send(msg)
	}
}

// press sends each argument as one key: a name such as "enter" or a rune.
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

// typeText sends every rune of s as its own key press.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(keyMsg(string(r)))
	}
}

// paste sends s as a terminal's bracketed paste: one message.
func (h *harness) paste(s string) {
	h.t.Helper()
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s), Paste: true})
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "ctrl+u":
		return tea.KeyMsg{Type: tea.KeyCtrlU}
	case "ctrl+l":
		return tea.KeyMsg{Type: tea.KeyCtrlL}
	case "ctrl+s":
		return tea.KeyMsg{Type: tea.KeyCtrlS}
	case "ctrl+n":
		return tea.KeyMsg{Type: tea.KeyCtrlN}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func (h *harness) model() *Model { return h.m.(*Model) }

// viewOf is the model's view of type V, from its view table.
func viewOf[V view](m *Model) V {
	for _, v := range m.views {
		if x, ok := v.(V); ok {
			return x
		}
	}
	panic("no such view in the table")
}

func (h *harness) pool() *poolView       { return viewOf[*poolView](h.model()) }
func (h *harness) orders() *ordersView   { return viewOf[*ordersView](h.model()) }
func (h *harness) refunds() *refundsView { return viewOf[*refundsView](h.model()) }

// activeView is the tab title of the active view.
func (h *harness) activeView() string { return h.model().specs[h.model().active].name }
func (h *harness) view() string       { return h.m.View() }

// orderNos are the sales-order numbers in the orders window, in order.
func (h *harness) orderNos() []string {
	var nos []string
	for _, r := range h.orders().list.win.rows {
		nos = append(nos, domain.OrderNumber(r.Order.No))
	}
	return nos
}

// poolIDs are the trade IDs in the pool window, in order.
func (h *harness) poolIDs() []string {
	var ids []string
	for _, r := range h.pool().list.win.rows {
		ids = append(ids, r.Entry.TradeID)
	}
	return ids
}

// cursorID is the trade ID under the pool's cursor.
func (h *harness) cursorID() string {
	w := h.pool().list.win
	r, _ := w.current()
	return r.Entry.TradeID
}

func (h *harness) entry(ch, id string) domain.PoolEntry {
	h.t.Helper()
	e, found, err := h.store.PoolEntry(domain.Key{Channel: ch, TradeID: id})
	if err != nil || !found {
		h.t.Fatalf("entry %s:%s: found=%v err=%v", ch, id, found, err)
	}
	return e
}

func (h *harness) mustShow(want ...string) {
	h.t.Helper()
	v := h.view()
	for _, w := range want {
		if !strings.Contains(v, w) {
			h.t.Fatalf("view lacks %q:\n%s", w, v)
		}
	}
}

func (h *harness) mustNotShow(unwanted ...string) {
	h.t.Helper()
	v := h.view()
	for _, w := range unwanted {
		if strings.Contains(v, w) {
			h.t.Fatalf("view shows %q:\n%s", w, v)
		}
	}
}

// lineWith is the first line of the view that contains s.
func (h *harness) lineWith(s string) string {
	h.t.Helper()
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	h.t.Fatalf("no line with %q:\n%s", s, h.view())
	return ""
}

// trade is a paid trade with one line item (none when qty is 0).
func trade(ch, id, buyer string, paid time.Time, qty int) domain.Trade {
	t := domain.Trade{
		Key:         domain.Key{Channel: ch, TradeID: id},
		Platform:    "taobao",
		Buyer:       buyer,
		Consignee:   domain.Consignee{Name: "Consignee " + id, Phone: "13800000000", Address: "1 Road", Country: "CN"},
		TradeStatus: domain.TradePaid,
		PaymentRef:  "TR" + id,
		PaidAt:      paid,
		Total:       domain.Money{Minor: 14497, Currency: "CNY"},
	}
	if qty > 0 {
		t.Items = []domain.Item{{SKU: "SKU-" + id, Title: "Widget " + id, Qty: qty, Price: domain.Money{Minor: 14497, Currency: "CNY"}}}
	}
	return t
}

// manyTrades are n ready trades tb:T0001… paid a minute apart, oldest first.
func manyTrades(n int) []domain.Trade {
	out := make([]domain.Trade, n)
	for i := range out {
		out[i] = trade("tb", fmt.Sprintf("T%04d", i+1), fmt.Sprintf("buyer%d", i+1), testNow.Add(-time.Duration(n-i)*time.Minute), 1)
	}
	return out
}
