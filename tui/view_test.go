package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
)

// fakeView records what the root hands it.
type fakeView struct {
	width, height int
	refreshes     int
	keys          []string
	results       []string
	typing        bool // captures every key
}

type fakeMsg string

func (f *fakeView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		f.keys = append(f.keys, msg.String())
		if msg.String() == "i" {
			f.typing = true
		}
	case fakeMsg:
		f.results = append(f.results, string(msg))
	}
	return nil
}

func (f *fakeView) view() string { return "fake body: " + strings.Join(f.keys, ",") }
func (f *fakeView) setSize(w, h int) tea.Cmd {
	f.width, f.height = w, h
	return nil
}
func (f *fakeView) refresh() tea.Cmd {
	f.refreshes++
	return nil
}
func (f *fakeView) capturing() bool { return f.typing }
func (f *fakeView) shortHelp() []key.Binding {
	return []key.Binding{helpOnly("i", "start typing")}
}

// A view plugged into the table through the interface alone is reached by its key, drawn,
// sized, refreshed and handed results, with no other change to the root.
func TestAViewInTheTableIsRoutedThroughTheInterface(t *testing.T) {
	h := newHarness(t, manyTrades(2), 120, 30)
	fake := &fakeView{}
	m := h.model()
	m.specs = append(m.specs[:len(m.specs):len(m.specs)], viewSpec{
		name: "Fake",
		key:  func(*keymap.KeyMap) key.Binding { return key.NewBinding(key.WithKeys("9"), key.WithHelp("9", "fake")) },
		make: func(*common) view { return fake },
	})
	m.views = append(m.views, fake)

	h.send(tea.WindowSizeMsg{Width: 150, Height: 24}) // wide enough for every tab and the fake's
	if fake.width != 150 || fake.height != 20 {
		t.Fatalf("resize: fake is %d×%d, want 150×20 (the body)", fake.width, fake.height)
	}
	h.mustShow("9 Fake") // its tab
	h.press("9")
	if h.activeView() != "Fake" || fake.refreshes != 1 {
		t.Fatalf("key 9: view %s, %d refreshes", h.activeView(), fake.refreshes)
	}
	h.mustShow("fake body:", "i start typing", "? help") // its body and its help line
	h.send(tea.KeyMsg{Type: tea.KeyCtrlR})
	if fake.refreshes != 2 {
		t.Fatalf("refresh reached it %d times, want 2", fake.refreshes)
	}
	h.send(fakeMsg("result"))
	if len(fake.results) != 1 {
		t.Fatal("a result did not reach the view")
	}
	h.send(dataChangedMsg{}) // another change: the active view refreshes
	if fake.refreshes != 3 {
		t.Fatalf("a change refreshed it %d times, want 3", fake.refreshes)
	}
	// While it captures keys the global ones are its text.
	h.press("x", "i", "q", "2")
	if h.quit || h.activeView() != "Fake" {
		t.Fatalf("a captured key left the view: quit %v, view %s", h.quit, h.activeView())
	}
	h.mustShow("fake body: x,i,q,2")
	fake.typing = false
	// Tab goes round through it and on to the first view.
	h.press("tab")
	if h.activeView() != "Dashboard" {
		t.Fatalf("tab after the last view: %s", h.activeView())
	}
	// Hidden, it still gets results but no keys.
	h.press("j")
	h.send(fakeMsg("late"))
	if len(fake.results) != 2 || fake.keys[len(fake.keys)-1] != "2" {
		t.Fatalf("hidden view: results %v keys %v", fake.results, fake.keys)
	}
}

// Two lists of one row type (a second orders list in the table) each keep their own reads.
func TestTwoListsOfOneRowTypeKeepTheirOwnReads(t *testing.T) {
	h := shippingHarness(t)
	if _, _, err := h.store.Ship(orderRef("SO00000001"), domain.ShipInput{Carrier: "ems", Number: goodS10}, domain.ShipPolicy{Country: "CN"}, testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("3") // the orders list reads the shipment
	m := h.model()
	second := newOrders(m.c).(*ordersView)
	m.specs = append(m.specs[:len(m.specs):len(m.specs)], viewSpec{
		name: "Shipped",
		key: func(*keymap.KeyMap) key.Binding {
			return key.NewBinding(key.WithKeys("9"), key.WithHelp("9", "shipped"))
		},
		make: func(*common) view { return second },
	})
	m.views = append(m.views, second)
	h.send(tea.WindowSizeMsg{Width: 120, Height: 36})
	ids := func(v *ordersView) []string {
		var out []string
		for _, r := range v.win.rows {
			out = append(out, r.Order.TradeID)
		}
		return out
	}
	// The second list's next read has the sequence number the orders list waits for.
	second.query = storage.OrderQuery{Statuses: []domain.OrderStatus{domain.OrderShipped}}
	second.win.seq = h.orders().win.seq - 1
	h.press("9")
	if got := h.orderIDs(); !slices.Equal(got, []string{"T0002", "T0003"}) {
		t.Fatalf("orders list %v after the second list's read, want the awaiting T0002 T0003", got)
	}
	h.press("3", "9", "3")
	if got := ids(second); !slices.Equal(got, []string{"T0001"}) {
		t.Fatalf("second list %v, want the shipped T0001", got)
	}
	if got := h.orderIDs(); !slices.Equal(got, []string{"T0002", "T0003"}) {
		t.Fatalf("orders list %v, want the awaiting T0002 T0003", got)
	}
}
