package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
)

// parcelsFixture has three shipped orders: A waiting at pickup for 7 days (with hostile
// text in its event), B stuck in transit for 8 days, C delivered.
func parcelsFixture(t *testing.T) *harness {
	t.Helper()
	day := 24 * time.Hour
	h := newHarness(t, []domain.Trade{
		trade("tb", "A", "alice", testNow.Add(-20*day), 1),
		trade("tb", "B", "bob", testNow.Add(-20*day), 1),
		trade("tb", "C", "carol", testNow.Add(-20*day), 1),
	}, 200, 30)
	sup := storage.Actor{Operator: "test", Role: domain.RoleSupervisor}
	keys := []domain.Key{{Channel: "tb", TradeID: "A"}, {Channel: "tb", TradeID: "B"}, {Channel: "tb", TradeID: "C"}}
	if _, err := h.store.Convert(keys, testNow.Add(-19*day), sup); err != nil {
		t.Fatal(err)
	}
	for i, n := range []string{"EE040293660CN", "EA123456785CN", "EB000000014CN"} {
		if _, _, err := h.store.Ship(orderRef(keys[i].String()), domain.ShipInput{Carrier: "ems", Number: n, ShippedAt: testNow.Add(-15 * day)}, domain.ShipPolicy{Country: "CN"}, testNow.Add(-15*day), sup); err != nil {
			t.Fatal(err)
		}
	}
	_, err := h.store.ApplyEvents(storage.EventBatch{Events: []domain.TrackingEvent{
		{Tracking: "EE040293660CN", At: testNow.Add(-7 * day), Status: domain.EventAtPickup, Location: "Moscow\x1b[2J", Text: "ready\x1b]0;pwned\x07 for pickup"},
		{Tracking: "EE040293660CN", At: testNow.Add(-10 * day), Status: domain.EventInTransit, Location: "Shanghai"},
		{Tracking: "EA123456785CN", At: testNow.Add(-8 * day), Status: domain.EventLeftSorting, Location: "Beijing"},
		{Tracking: "EB000000014CN", At: testNow.Add(-2 * day), Status: domain.EventDelivered},
	}}, testNow, sup)
	if err != nil {
		t.Fatal(err)
	}
	h.press("0")
	return h
}

func TestParcelsLoudestFirstGradedInWords(t *testing.T) {
	h := parcelsFixture(t)
	if h.activeView() != "Parcels" {
		t.Fatalf("key 0 shows %s", h.activeView())
	}
	v := h.view()
	stuck, pickup, delivered := strings.Index(v, "STUCK in transit"), strings.Index(v, "Waiting long, 7d"), strings.Index(v, "delivered")
	if stuck < 0 || pickup < 0 || delivered < 0 || !(stuck < pickup && pickup < delivered) {
		t.Fatalf("want stuck, then the pickup age in words, then delivered:\n%s", v)
	}
	h.mustNotShow("\x1b[2J", "pwned\x07")
	// The filter: a prefix names a status; pickup names every age.
	h.press("/")
	h.typeText("delivery:pick")
	h.press("enter")
	h.mustShow("Waiting long")
	h.mustNotShow("STUCK in transit")
	// The detail: the whole timeline, oldest first, made safe.
	h.press("enter")
	h.mustShow("Events — 2 events, oldest first", "in_transit · Shanghai", "at_pickup · Moscow")
	h.mustNotShow("\x1b]0;pwned")
	tl := h.view()
	if strings.Index(tl, "in_transit · Shanghai") > strings.Index(tl, "at_pickup · Moscow") {
		t.Fatalf("timeline not oldest first:\n%s", tl)
	}
	// Stop asks the reason, then the parcel reads stopped.
	h.press("x")
	h.mustShow("reason:")
	h.typeText("buyer collected in person")
	h.press("enter")
	h.waitFor("stopped", func() bool {
		d, _, _ := h.store.DeliveryOf(mustOrder(t, h, 1), testNow)
		return d == domain.DeliveryStopped
	})
}

func mustOrder(t *testing.T, h *harness, no uint64) domain.SalesOrder {
	t.Helper()
	o, found, err := h.store.Order(no)
	if err != nil || !found {
		t.Fatalf("order %d: %v %v", no, found, err)
	}
	return o
}

func TestDashboardDeliveryPanelAndOrderDetail(t *testing.T) {
	h := parcelsFixture(t)
	h.press("1")
	h.mustShow("Parcels", dashRow("stuck", 1), dashRow("pickup 5–15 d", 1), dashRow("delivered", 1))
	// Narrower, the panel shrinks to its loud counts under the pool.
	h.send(tea.WindowSizeMsg{Width: 140, Height: 30})
	h.mustShow("Parcels", "STUCK 1", "5–15d 1", "in transit 0")
	h.press("3", "/")
	h.typeText("delivery:stuck")
	h.press("enter")
	if nos := h.orderNos(); len(nos) != 1 || nos[0] != "SO00000002" {
		t.Fatalf("orders with delivery:stuck: %v\n%s", nos, h.view())
	}
	h.press("enter")
	h.mustShow("delivery", "STUCK in transit", "left_sorting_centre · Beijing")
}

// Stopping a selection is one transaction with a line per parcel: the parcels stopped,
// the one already stopped skipped with the reason; one audit event names both orders.
func TestParcelsStopSelectionInOneTransaction(t *testing.T) {
	h := parcelsFixture(t)
	sup := storage.Actor{Operator: "test", Role: domain.RoleSupervisor}
	if _, err := h.store.SetTracking(orderRef("SO00000003"), true, "delivered by hand", testNow, sup); err != nil {
		t.Fatal(err)
	}
	h.press("a") // every parcel: A at pickup, B stuck, C already stopped
	h.mustShow("● 3 selected")
	h.press("x")
	h.mustShow("Stop following 3 parcels?", "reason:")
	h.typeText("lost in the warehouse fire")
	h.press("enter")
	h.mustShow("Stop tracking: stopped 2, skipped 1",
		"SO00000001: pickup_5_15 → stopped", "SO00000002: stuck → stopped",
		"skipped: tracking of SO00000003 is already stopped (delivered by hand)")
	var stops []storage.AuditEvent
	err := h.store.EachAudit(storage.AuditQuery{Action: "parcel.stop"}, func(a storage.AuditEvent) error {
		stops = append(stops, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stops) != 2 || stops[1].Detail["orders"] != "SO00000001 SO00000002" || stops[1].Detail["reason"] != "lost in the warehouse fire" {
		t.Fatalf("audit: %+v", stops)
	}
}
