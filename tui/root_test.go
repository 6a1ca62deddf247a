package tui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
)

func TestChangesOfOtherSessionsShowLive(t *testing.T) {
	h := newHarness(t, manyTrades(2), 120, 30, live)
	h.waitFor("the subscription", func() bool { return h.model().changes != nil })
	h.press("2")
	h.waitFor("the pool rows", func() bool { return len(h.poolIDs()) == 2 })

	// Another session imports and converts.
	if _, err := h.store.Import([]domain.Trade{trade("jd", "NEW", "zoe", testNow, 1)}, testNow, storage.Actor{Operator: "other", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the imported row", func() bool { return slices.Contains(h.poolIDs(), "NEW") })
	if _, err := h.store.Convert([]domain.Key{{Channel: "tb", TradeID: "T0001"}}, testNow, storage.Actor{Operator: "other", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the converted row to leave", func() bool { return !slices.Contains(h.poolIDs(), "T0001") })
	h.waitFor("the counts", func() bool { return h.model().counts.Orders[domain.OrderAwaitingShipment] == 1 })
	h.mustShow("2 ready", "1 awaiting")

	h.press("q")
	h.waitFor("quit", func() bool { return h.quit })
}

func TestQuit(t *testing.T) {
	h := newHarness(t, manyTrades(3), 120, 30)
	h.press("2", "/")
	h.typeText("q")
	if h.quit {
		t.Fatal("q typed into the filter quit")
	}
	if v := h.pool().list.filter.input.Value(); v != "q" {
		t.Fatalf("filter is %q, want q", v)
	}
	h.press("esc", "q")
	if !h.quit {
		t.Fatal("q in the list did not quit")
	}

	h = newHarness(t, manyTrades(3), 120, 30)
	h.press("2", "p")
	h.typeText("q")
	if h.quit {
		t.Fatal("q typed into the reason prompt quit")
	}
	h.press("ctrl+c")
	if !h.quit {
		t.Fatal("ctrl+c in the reason prompt did not quit")
	}
}

func TestKeysReadTogetherAreHandledOneByOne(t *testing.T) {
	h := newHarness(t, manyTrades(5), 120, 30)
	h.press("2jj/buyer3") // one message, as Bubble Tea reports a burst of input
	if got := h.pool().list.filter.input.Value(); got != "buyer3" {
		t.Fatalf("filter %q, want buyer3", got)
	}
	if got := h.poolIDs(); len(got) != 1 || got[0] != "T0003" {
		t.Fatalf("rows %v, want T0003", got)
	}
	h.press("esc", "jjj")
	if got := h.cursorID(); got != "T0004" {
		t.Fatalf("cursor on %s after jjj, want T0004", got)
	}
}

func TestViewSwitching(t *testing.T) {
	h := newHarness(t, manyTrades(3), 120, 30)
	h.mustShow("Pending pool", "Sales orders", "Refund queue") // the dashboard's panels
	for _, step := range []struct {
		key  string
		want string
	}{
		// The vouchers view opens at the counter, which takes every key (codes are typed
		// there) until esc leaves it for the list.
		{"2", "Pool"}, {"3", "Orders"}, {"tab", "Tracking"}, {"tab", "Refunds"}, {"tab", "Vouchers"}, {"tab", "Vouchers"}, {"esc", "Vouchers"}, {"tab", "Parcels"}, {"tab", "Audit"}, {"tab", "Channels"}, {"tab", "Outbox"}, {"tab", "Dashboard"}, {"4", "Tracking"}, {"5", "Refunds"}, {"6", "Vouchers"}, {"0", "Parcels"}, {"tab", "Audit"}, {"tab", "Channels"}, {"tab", "Outbox"}, {"tab", "Dashboard"}, {"tab", "Pool"},
		{"?", "Help"}, {"esc", "Pool"}, {"?", "Help"}, {"?", "Pool"}, {"7", "Audit"}, {"0", "Parcels"}, {"8", "Channels"}, {"O", "Outbox"}, {"1", "Dashboard"},
	} {
		h.press(step.key)
		if got := h.activeView(); got != step.want {
			t.Fatalf("after %q: view %s, want %s", step.key, got, step.want)
		}
	}
	h.mustShow("/var/lib/shipdesk/t.db", "tester", "3 open", "3 ready")
}

func TestHelpIsGeneratedFromTheKeymap(t *testing.T) {
	h := newHarness(t, manyTrades(2), 120, 40) // tall enough for every binding at once
	h.press("?")
	for _, e := range keymapEntries(keymap.Default()) {
		h.mustShow(e)
	}
	if l := h.lineWith("convert to order"); !strings.Contains(l, "c ") {
		t.Errorf("default help line for convert: %q", l)
	}

	cfg := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(cfg, []byte("[keys]\n\"pool.convert\" = \"v\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	km, err := keymap.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h = newHarness(t, manyTrades(2), 120, 40, withKeys(km))
	h.press("?")
	if l := h.lineWith("convert to order"); !strings.Contains(l, "v ") || strings.Contains(l, "c ") {
		t.Errorf("rebound help line for convert: %q", l)
	}
	h.press("2", "c")
	h.mustNotShow("Convert 1 entry")
	h.press("v")
	h.mustShow("Convert 1 entry (tb:T0001) to sales orders?")
	h.press("n")
	h.mustShow("v convert to order") // the short help line
}

// keymapEntries is every binding's help text.
func keymapEntries(k keymap.KeyMap) []string {
	var out []string
	for _, e := range k.Entries() {
		out = append(out, e.Binding.Help().Desc)
	}
	return out
}

// The status bar's help line is remembered per width and bindings, so it must still follow
// the view, the width and the state of the view (a form open).
func TestStatusBarHelpFollowsViewAndWidth(t *testing.T) {
	h := newHarness(t, manyTrades(2), 120, 30)
	last := func() string {
		lines := strings.Split(h.view(), "\n")
		return lines[len(lines)-1]
	}
	h.press("2")
	if l := last(); !strings.Contains(l, "convert to order") {
		t.Fatalf("pool status bar: %q", l)
	}
	h.press("1")
	if l := last(); strings.Contains(l, "convert to order") {
		t.Fatalf("dashboard status bar still shows the pool's keys: %q", l)
	}
	h.press("2")
	wide := last()
	h.send(tea.WindowSizeMsg{Width: 50, Height: 30})
	if l := last(); l == wide || ansi.StringWidth(l) > 50 {
		t.Fatalf("status bar at 50 columns: %q (%d cells)", l, ansi.StringWidth(l))
	}
	h.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	if l := last(); l != wide {
		t.Fatalf("status bar back at 120 columns: %q, want %q", l, wide)
	}
}
