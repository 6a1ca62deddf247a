package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// ordersFixture converts three trades whose ship-by (paid + 7 days) is
// overdue, due today and later, imported in a shuffled order.
func ordersFixture(t *testing.T) *harness {
	t.Helper()
	trades := []domain.Trade{
		trade("tb", "LATER", "carol", testNow.Add(-5*24*time.Hour), 1),
		trade("tb", "LATE", "alice", testNow.Add(-8*24*time.Hour), 1),
		trade("jd", "TODAY", "bob", testNow.Add(-7*24*time.Hour+2*time.Hour), 2), // ship-by 14:00 UTC, 22:00 local
	}
	h := newHarness(t, trades, 120, 30)
	if _, err := h.store.ConvertAllReady(testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("3")
	return h
}

func (h *harness) orderIDs() []string {
	var ids []string
	for _, r := range h.orders().list.win.rows {
		ids = append(ids, r.Order.TradeID)
	}
	return ids
}

func TestOrdersByShipByWithUrgency(t *testing.T) {
	h := ordersFixture(t)
	if got := h.orderIDs(); !slices.Equal(got, []string{"LATE", "TODAY", "LATER"}) {
		t.Fatalf("orders %v, want earliest ship-by first", got)
	}
	if l := h.lineWith("LATE "); !strings.Contains(l, "OVERDUE") {
		t.Errorf("overdue order not marked: %q", l)
	}
	if l := h.lineWith("TODAY "); !strings.Contains(l, "today") || strings.Contains(l, "OVERDUE") {
		t.Errorf("due-today order not marked as such: %q", l)
	}
	if l := h.lineWith("LATER "); strings.Contains(l, "today") || strings.Contains(l, "OVERDUE") {
		t.Errorf("order due later is marked: %q", l)
	}
	h.mustShow("1 overdue", "1 due today", "3 awaiting")

	h.press("S")
	if got := h.orderIDs(); !slices.Equal(got, []string{"LATER", "TODAY", "LATE"}) {
		t.Fatalf("reversed orders %v", got)
	}
	h.press("S", "/")
	h.typeText("channel:jd")
	if got := h.orderIDs(); !slices.Equal(got, []string{"TODAY"}) {
		t.Fatalf("channel:jd orders %v", got)
	}
	h.press("esc", "/")
	h.typeText("state:ship")
	if got := h.orderIDs(); len(got) != 0 {
		t.Fatalf("state:shipped orders %v, want none", got)
	}
	h.mustShow("no orders match")
	h.press("ctrl+u")
	h.typeText("so00000002")
	if got := h.orderIDs(); len(got) != 1 {
		t.Fatalf("order number search: %v", got)
	}
}

func TestOrderDetail(t *testing.T) {
	h := ordersFixture(t)
	h.press("down", "enter")
	h.mustShow("Sales order SO0000000", "jd:TODAY", "ship by", "today", "SKU-TODAY", "Items — 1 line, 2 units")
	h.press("esc")
	h.mustShow("Sales orders")
	if h.orders().detail.open {
		t.Fatal("esc did not close the order detail")
	}
}
