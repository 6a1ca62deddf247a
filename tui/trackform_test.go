package tui

import (
	"strings"
	"testing"

	"shipdesk/domain"
	"shipdesk/storage"
)

const (
	goodS10  = "EE040293660CN"
	goodS10b = "EA123456785CN"
	badS10   = "EB084456702CN" // check digit should be 7
)

// shippingHarness has three awaiting sales orders SO1–SO3 and shows the orders view.
func shippingHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, manyTrades(3), 120, 36, chinaWarehouse)
	if res, err := h.store.ConvertAllReady(testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil || res.Done() != 3 {
		t.Fatalf("convert: %v %+v", err, res)
	}
	h.press("3")
	h.mustShow("SO00000001", "SO00000003")
	return h
}

func (h *harness) order(no uint64) domain.SalesOrder {
	h.t.Helper()
	o, ok, err := h.store.Order(no)
	if err != nil || !ok {
		h.t.Fatalf("order %d: %v %v", no, ok, err)
	}
	return o
}

func TestTrackingFormRunOfEntries(t *testing.T) {
	h := shippingHarness(t)
	h.press("t")
	h.mustShow("Tracking — SO00000001", "carrier", "number", "arrives")
	h.typeText("em")
	h.mustShow("ems") // the suggestion
	h.press("enter")  // take it, on to the number
	h.typeText("q" + badS10[1:])
	if h.quit {
		t.Fatal("q typed into the form quit the console")
	}
	h.press("ctrl+u")
	h.typeText(badS10)
	h.mustShow("S10 check digit should be 7, got 2")
	h.press("ctrl+s")
	h.mustShow("S10 check digit should be 7, got 2")
	if o := h.order(1); o.Status != domain.OrderAwaitingShipment {
		t.Fatalf("a refused number was saved: %+v", o.Shipment)
	}
	h.press("ctrl+u")
	h.typeText(goodS10)
	h.mustShow("will ship with ems " + goodS10)
	h.press("ctrl+s")
	if o := h.order(1); o.Status != domain.OrderShipped || o.Shipment.Number != goodS10 || o.Shipment.Carrier != "ems" {
		t.Fatalf("after save: %v %+v", o.Status, o.Shipment)
	}
	h.mustShow("SO00000001 shipped with ems "+goodS10, "Tracking — SO00000002")
	// The next form keeps the carrier and waits on the number.
	if f := h.orders().form; f.focus != fNumber || f.inputs[fCarrier].Value() != "ems" {
		t.Fatalf("next form: focus %d carrier %q", f.focus, f.inputs[fCarrier].Value())
	}
	h.typeText(goodS10) // already on SO1
	h.press("ctrl+s")
	h.mustShow("already used by SO00000001")
	h.press("ctrl+u")
	h.typeText(goodS10b)
	h.press("ctrl+s")
	if o := h.order(2); o.Shipment.Number != goodS10b {
		t.Fatalf("SO2: %+v", o.Shipment)
	}
	h.mustShow("Tracking — SO00000003")
	h.press("esc")
	if h.orders().formOpen {
		t.Fatal("esc did not close the form")
	}
	if o := h.order(3); o.Status != domain.OrderAwaitingShipment {
		t.Fatal("closing the form shipped SO3")
	}
}

func TestTrackingFormOverrideAndNoTracking(t *testing.T) {
	h := shippingHarness(t)
	h.press("t")
	h.typeText("ems")
	h.press("tab")
	h.typeText(badS10)
	h.press("tab", "tab", "tab", "tab") // URL, shipped at, arrives, reason
	h.mustShow("override reason")
	h.typeText("post office label, number confirmed by phone")
	h.mustShow("(override)")
	h.press("ctrl+s")
	o := h.order(1)
	if o.Shipment.Number != badS10 || o.Shipment.Override != "post office label, number confirmed by phone" {
		t.Fatalf("override not saved: %+v", o.Shipment)
	}
	// SO2: no number, a reason instead.
	h.mustShow("Tracking — SO00000002")
	h.press("tab", "tab", "tab", "tab")
	h.mustShow("reason for shipping without a tracking number")
	h.typeText("courier collected without a label")
	h.mustShow("will ship without tracking")
	h.press("ctrl+s")
	if o := h.order(2); !o.Shipment.MissingTracking() || o.Shipment.NoTracking != "courier collected without a label" {
		t.Fatalf("no-tracking not saved: %+v", o.Shipment)
	}
	h.press("esc")
	h.typeText("/tracking:none")
	h.press("enter")
	h.mustShow("NO TRACKING")
	if got := strings.Join(h.orderNos(), " "); got != "SO00000002" {
		t.Fatalf("tracking:none shows %s", got)
	}
	h.press("ctrl+l")
	h.typeText("/carrier:ems")
	h.press("enter")
	h.mustShow("ems " + badS10)
	if got := strings.Join(h.orderNos(), " "); got != "SO00000001" {
		t.Fatalf("carrier:ems shows %s", got)
	}
	h.press("1")
	h.mustShow(dashRow("no tracking yet", 1))
}

func TestTrackingFormBadDateAndInternational(t *testing.T) {
	trades := manyTrades(1)
	trades[0].Consignee.Country = "DE"
	h := newHarness(t, trades, 120, 36, chinaWarehouse)
	if _, err := h.store.ConvertAllReady(testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("3", "t")
	h.typeText("other")
	h.press("tab")
	h.typeText("LOCAL-123")
	h.press("tab")
	h.typeText("https://courier.example/t/LOCAL123")
	h.mustShow("international parcel to DE needs an expected arrival", `fill in "arrives"`)
	h.mustNotShow("--eta") // a command-line flag means nothing in the form
	h.press("ctrl+s")
	h.mustShow(`✗ fill in "arrives"`) // the refusal on saving names the field too
	h.press("tab", "tab")             // arrives
	h.typeText("soon")
	h.press("ctrl+s")
	h.mustShow("arrives:", "is not a time")
	h.press("ctrl+u")
	h.typeText("2026-12-20")
	h.press("ctrl+s")
	o := h.order(1)
	if o.Shipment.ETA.IsZero() || o.Shipment.ETA.In(testLoc).Format("2006-01-02") != "2026-12-20" {
		t.Fatalf("eta %v", o.Shipment.ETA)
	}
}

func TestOrderDetailShowsShipmentAndHistory(t *testing.T) {
	h := shippingHarness(t)
	pol := domain.ShipPolicy{Country: "CN"}
	if _, _, err := h.store.Ship(orderRef("SO1"), domain.ShipInput{Carrier: "ems", Number: goodS10}, pol, testNow, storage.Actor{Operator: "ana", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.store.Ship(orderRef("SO1"), domain.ShipInput{Carrier: "ems", Number: goodS10b}, pol, testNow, storage.Actor{Operator: "bo", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.typeText("/state:shipped")
	h.press("enter", "enter")
	h.mustShow("Sales order SO00000001", "Shipment — number replaced 1 time", goodS10b, "replaced", goodS10+" → ems "+goodS10b, "bo")
	// t from the detail corrects the number and comes back to the detail.
	h.press("t")
	h.mustShow("Tracking — SO00000001", "a new number replaces it")
	h.press("ctrl+u")
	h.typeText(goodS10)
	h.mustShow("will replace " + goodS10b + " with " + goodS10)
	h.press("ctrl+s")
	h.mustShow("Sales order SO00000001", "number replaced 2 times")
	if o := h.order(1); o.Shipment.Replaced != 2 || len(o.Shipment.History) != 2 {
		t.Fatalf("history %+v", o.Shipment)
	}
}

func TestTrackingFormNeverShowsEscapes(t *testing.T) {
	trades := manyTrades(1)
	trades[0].Consignee.Name = "Evil\x1b[2J\x1b]0;pwned\x07Name"
	h := newHarness(t, trades, 120, 36, chinaWarehouse)
	if _, err := h.store.ConvertAllReady(testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("3", "t")
	h.typeText("other")
	h.press("tab")
	h.paste("AB\x1b[31mC")
	if v := h.view(); strings.Contains(v, "\x1b]0;") || strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x07") {
		t.Fatalf("raw escape reached the screen: %q", v)
	}
}

func TestOperatorShipsButNeedsASupervisorToOverrideOrRefund(t *testing.T) {
	h := newHarness(t, manyTrades(2), 120, 36, chinaWarehouse, asRole(domain.RoleOperator))
	if _, err := h.store.ConvertAllReady(testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("3", "t")
	h.typeText("ems")
	h.press("tab")
	h.typeText(badS10)
	h.press("tab", "tab", "tab", "tab")
	h.typeText("label printed by the post office")
	h.press("ctrl+s")
	h.mustShow("needs the supervisor role")
	if o := h.order(1); o.Status != domain.OrderAwaitingShipment {
		t.Fatal("an operator's override was saved")
	}
	h.press("shift+tab", "shift+tab", "shift+tab", "shift+tab", "ctrl+u")
	h.typeText(goodS10)
	h.press("ctrl+s")
	if o := h.order(1); o.Shipment.Number != goodS10 {
		t.Fatalf("an operator could not ship a valid number: %+v", o.Shipment)
	}
	// Viewers may not ship at all.
	v := newHarness(t, manyTrades(1), 120, 36, chinaWarehouse, asRole(domain.RoleViewer))
	if _, err := v.store.ConvertAllReady(testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	v.press("3", "t")
	v.typeText("ems")
	v.press("tab")
	v.typeText(goodS10)
	v.press("ctrl+s")
	v.mustShow("needs the operator role")
	if o := v.order(1); o.Status != domain.OrderAwaitingShipment {
		t.Fatal("a viewer shipped an order")
	}
}
