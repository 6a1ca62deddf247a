package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Valid and invalid UPU S10 numbers (rule 8): EE040293660CN has check digit 0;
// EB084456702CN should have 7.
const (
	s10Good  = "EE040293660CN"
	s10Good2 = "EA123456785CN"
	s10Bad   = "EB084456702CN"
)

var cnPolicy = ShipPolicy{Country: "CN"}

func awaitingOrder(no uint64, country string) SalesOrder {
	tr := sampleTrade()
	tr.TradeID = "T" + OrderNumber(no)
	tr.Consignee.Country = country
	return SalesOrder{No: no, Trade: tr, Status: OrderAwaitingShipment, CreatedAt: t0, ShipBy: t0.Add(DefaultShipWithin)}
}

func TestShipNewDerivesURLAndArrival(t *testing.T) {
	o, out, err := Ship(awaitingOrder(1, "CN"), ShipInput{Carrier: "ems", Number: " ee 0402 9366 0cn ", Operator: "ana"}, tNow, cnPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if out != ShipNew || o.Status != OrderShipped {
		t.Fatalf("outcome %v status %v, want ship/shipped", out, o.Status)
	}
	s := o.Shipment
	ems, _ := CarrierByCode("ems")
	if s.Number != s10Good || s.Carrier != "ems" || s.URL == "" || s.URL != ems.URL(s10Good) {
		t.Fatalf("shipment %+v", s)
	}
	if !s.ShippedAt.Equal(tNow) {
		t.Fatalf("shipped-at %v, want now %v", s.ShippedAt, tNow)
	}
	c, _ := CarrierByCode("ems")
	d, ok := c.Transit("CN", "CN")
	if !ok || !s.ETA.Equal(tNow.Add(d)) {
		t.Fatalf("eta %v, want shipped-at + %v", s.ETA, d)
	}
}

func TestShipRefusesBadNumberUnlessOverridden(t *testing.T) {
	o := awaitingOrder(1, "CN")
	_, _, err := Ship(o, ShipInput{Carrier: "ems", Number: s10Bad}, tNow, cnPolicy)
	var te *TrackingError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "should be 7, got 2") {
		t.Fatalf("err = %v, want the S10 check-digit reason", err)
	}
	got, out, err := Ship(o, ShipInput{Carrier: "ems", Number: s10Bad, Override: "label printed by the post office"}, tNow, cnPolicy)
	if err != nil || out != ShipNew {
		t.Fatalf("override: %v %v", out, err)
	}
	if got.Shipment.Override != "label printed by the post office" {
		t.Fatalf("override reason not recorded: %+v", got.Shipment)
	}
	// Entering the accepted number again is a no-op, not a new refusal.
	if _, out, err := Ship(got, ShipInput{Carrier: "ems", Number: s10Bad}, tNow, cnPolicy); err != nil || out != ShipUnchanged {
		t.Fatalf("the overridden number again: %v %v", out, err)
	}
	// An override does not excuse an unknown carrier or an empty number.
	if _, _, err := Ship(o, ShipInput{Carrier: "pigeon", Number: s10Good, Override: "x"}, tNow, cnPolicy); err == nil {
		t.Fatal("unknown carrier accepted with an override")
	}
	if _, _, err := Ship(o, ShipInput{Carrier: "ems", Number: "  ", Override: "x"}, tNow, cnPolicy); err == nil {
		t.Fatal("empty number accepted with an override")
	}
	// A valid number records no override, even if one was given.
	got, _, _ = Ship(o, ShipInput{Carrier: "ems", Number: s10Good, Override: "habit"}, tNow, cnPolicy)
	if got.Shipment.Override != "" {
		t.Fatalf("valid number kept override %q", got.Shipment.Override)
	}
}

func TestShipSameNumberIsNoOpAndCorrectionKeepsHistory(t *testing.T) {
	o, _, err := Ship(awaitingOrder(1, "CN"), ShipInput{Carrier: "ems", Number: s10Good, Operator: "ana"}, t0, cnPolicy)
	if err != nil {
		t.Fatal(err)
	}
	same, out, err := Ship(o, ShipInput{Carrier: "ems", Number: strings.ToLower(s10Good), Operator: "bo"}, tNow, cnPolicy)
	if err != nil || out != ShipUnchanged || same.Shipment.Replaced != 0 || len(same.Shipment.History) != 0 {
		t.Fatalf("same number: %v %v %+v", out, err, same.Shipment)
	}
	fixed, out, err := Ship(o, ShipInput{Carrier: "ems", Number: s10Good2, Operator: "bo"}, tNow, cnPolicy)
	if err != nil || out != ShipCorrected {
		t.Fatalf("correction: %v %v", out, err)
	}
	s := fixed.Shipment
	if s.Number != s10Good2 || s.Replaced != 1 || len(s.History) != 1 {
		t.Fatalf("after correction %+v", s)
	}
	h := s.History[0]
	if h.OldNumber != s10Good || h.NewNumber != s10Good2 || h.Operator != "bo" || !h.At.Equal(tNow) {
		t.Fatalf("history %+v", h)
	}
	if !s.ShippedAt.Equal(t0) {
		t.Fatalf("a correction moved shipped-at to %v", s.ShippedAt)
	}
	again, _, _ := Ship(fixed, ShipInput{Carrier: "ems", Number: s10Good, Operator: "cy"}, tNow.Add(time.Hour), cnPolicy)
	if again.Shipment.Replaced != 2 || len(again.Shipment.History) != 2 || len(fixed.Shipment.History) != 1 {
		t.Fatalf("second correction %+v (first kept %d)", again.Shipment, len(fixed.Shipment.History))
	}
}

func TestShipWithoutTrackingNeedsReasonAndIsResolvedLater(t *testing.T) {
	o := awaitingOrder(1, "CN")
	if _, _, err := Ship(o, ShipInput{}, tNow, cnPolicy); err == nil {
		t.Fatal("no carrier and no reason accepted")
	}
	if _, _, err := Ship(o, ShipInput{Carrier: "ems", Number: s10Good, NoTracking: "courier app down"}, tNow, cnPolicy); err == nil {
		t.Fatal("number and no-tracking reason both accepted")
	}
	nt, out, err := Ship(o, ShipInput{NoTracking: "courier app down"}, tNow, cnPolicy)
	if err != nil || out != ShipNew || nt.Status != OrderShipped || !nt.Shipment.MissingTracking() {
		t.Fatalf("no tracking: %v %v %+v", out, err, nt.Shipment)
	}
	tracked, out, err := Ship(nt, ShipInput{Carrier: "ems", Number: s10Good}, tNow.Add(time.Hour), cnPolicy)
	if err != nil || out != ShipTracked {
		t.Fatalf("adding the number: %v %v", out, err)
	}
	if tracked.Shipment.MissingTracking() || tracked.Shipment.NoTracking != "" || tracked.Shipment.Replaced != 0 {
		t.Fatalf("after adding the number %+v", tracked.Shipment)
	}
	if !tracked.Shipment.ShippedAt.Equal(tNow) {
		t.Fatalf("adding the number moved shipped-at to %v", tracked.Shipment.ShippedAt)
	}
}

func TestShipInternationalNeedsArrival(t *testing.T) {
	o := awaitingOrder(1, "DE")
	other := ShipInput{Carrier: "other", Number: "X1", URL: "https://track.example/X1"} // no transit times
	_, _, err := Ship(o, other, tNow, cnPolicy)
	var na *NeedsArrivalError
	if !errors.As(err, &na) || na.Country != "DE" || na.Carrier != "other" ||
		!strings.Contains(err.Error(), "international parcel to DE needs an expected arrival") || strings.Contains(err.Error(), "--eta") {
		t.Fatalf("err = %v (each front end names its own way to give the date)", err)
	}
	// An upload's line says how a file gives the date.
	p := PlanTracking([]TrackingLine{{Line: 1, Ref: o.TradeID, Carrier: "other", Number: "X1", URL: "https://track.example/X1"}}, lookupOf(o), noOwner, tNow, cnPolicy, "ana")
	if v := p.Verdicts[0]; v.OK() || !strings.Contains(v.Err, "needs an expected arrival date") || !strings.Contains(v.Err, "CSV column eta") || !strings.Contains(v.Err, "ship the order alone") {
		t.Fatalf("upload line: %+v", v)
	}
	if got, _, err := Ship(o, ShipInput{Carrier: "ems", Number: s10Good}, tNow, cnPolicy); err != nil || got.Shipment.ETA.IsZero() {
		t.Fatalf("ems abroad should derive an arrival: %v %v", got.Shipment.ETA, err)
	}
	if _, _, err := Ship(o, ShipInput{NoTracking: "no label"}, tNow, cnPolicy); err == nil {
		t.Fatal("international no-tracking shipment without arrival accepted")
	}
	eta := tNow.Add(20 * 24 * time.Hour)
	other.ETA = eta
	got, _, err := Ship(o, other, tNow, cnPolicy)
	if err != nil || !got.Shipment.ETA.Equal(eta) {
		t.Fatalf("with eta: %v %v", got.Shipment.ETA, err)
	}
	if _, _, err := Ship(o, ShipInput{Carrier: "ems", Number: s10Good, ETA: tNow.Add(-time.Hour)}, tNow, cnPolicy); err == nil || !strings.Contains(err.Error(), "before shipped-at") {
		t.Fatal("arrival before shipping accepted")
	}
	// Domestic: no arrival needed even when the carrier has no transit time.
	if !International(o, cnPolicy) || International(awaitingOrder(2, "cn"), cnPolicy) {
		t.Fatal("International misjudged")
	}
}

func TestShipRefusesClosedOrdersAndOtherWithoutURL(t *testing.T) {
	o := awaitingOrder(1, "CN")
	o.Status = OrderCancelled
	if _, _, err := Ship(o, ShipInput{Carrier: "ems", Number: s10Good}, tNow, cnPolicy); err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("cancelled: %v", err)
	}
	o.Status = OrderAwaitingShipment
	if _, _, err := Ship(o, ShipInput{Carrier: "other", Number: "ABC123"}, tNow, cnPolicy); err == nil || !strings.Contains(err.Error(), "URL") {
		t.Fatalf("other without URL: %v", err)
	}
	got, _, err := Ship(o, ShipInput{Carrier: "other", Number: "abc-123", URL: "https://track.example/abc123"}, tNow, cnPolicy)
	if err != nil || got.Shipment.Number != "ABC123" || got.Shipment.URL != "https://track.example/abc123" {
		t.Fatalf("other with URL: %+v %v", got.Shipment, err)
	}
}

// lookupOf serves PlanTracking from a fixed set of orders.
func lookupOf(orders ...SalesOrder) OrderLookup {
	return func(r OrderRef) (SalesOrder, error) {
		ref := r.String()
		var found []SalesOrder
		for _, o := range orders {
			if ref == o.TradeID || ref == o.PaymentRef || ref == o.Key.String() {
				found = append(found, o)
			}
		}
		switch len(found) {
		case 0:
			return SalesOrder{}, errors.New("unknown order " + ref)
		case 1:
			return found[0], nil
		}
		return SalesOrder{}, errors.New("ambiguous reference " + ref)
	}
}

func noOwner(string) (uint64, bool) { return 0, false }

func TestPlanTrackingVerdicts(t *testing.T) {
	a, b, c := awaitingOrder(1, "CN"), awaitingOrder(2, "CN"), awaitingOrder(3, "CN")
	b.PaymentRef, c.PaymentRef = "TR-B", "TR-SHARED"
	d := awaitingOrder(4, "CN")
	d.PaymentRef = "TR-SHARED"
	shipped, _, _ := Ship(awaitingOrder(5, "CN"), ShipInput{Carrier: "ems", Number: "EB000000014CN"}, t0, cnPolicy)
	if shipped.Shipment.Number == "" {
		t.Fatal("setup: order 5 did not ship")
	}
	cancelled := awaitingOrder(6, "CN")
	cancelled.Status = OrderCancelled
	lines := []TrackingLine{
		{Line: 1, Ref: a.TradeID, Carrier: "ems", Number: s10Good},                              // ship
		{Line: 2, Ref: "TR-B", URL: "http://www.ems.com.cn/english-main.jsp", Number: s10Good2}, // ship, carrier from URL
		{Line: 3, Ref: "nobody", Carrier: "ems", Number: "EC000000028CN"},                       // unknown
		{Line: 4, Ref: "TR-SHARED", Carrier: "ems", Number: "ED000000031CN"},                    // ambiguous
		{Line: 5, Ref: shipped.TradeID, Carrier: "ems", Number: "EE000000045CN"},                // correct
		{Line: 6, Ref: cancelled.TradeID, Carrier: "ems", Number: "EF000000059CN"},              // cancelled
		{Line: 7, Ref: a.TradeID, Carrier: "ems", Number: s10Good},                              // same again: unchanged
		{Line: 8, Ref: b.Key.String(), Carrier: "ems", Number: s10Bad},                          // bad check digit
	}
	p := PlanTracking(lines, lookupOf(a, b, c, d, shipped, cancelled), noOwner, tNow, cnPolicy, "ana")
	want := []string{"will ship with " + s10Good, "", "unknown order", "ambiguous", "will correct EB000000014CN → EE000000045CN",
		"cancelled", "unchanged", "should be 7, got 2"}
	for i, v := range p.Verdicts {
		if v.Line != lines[i].Line {
			t.Fatalf("verdict %d is for line %d", i, v.Line)
		}
		if want[i] != "" && !strings.Contains(v.String(), want[i]) {
			t.Errorf("line %d: %q, want %q", v.Line, v.String(), want[i])
		}
	}
	// Line 8's bad number is its own error: it does not make line 2 (same order) wrong.
	if !p.Verdicts[1].OK() || p.Verdicts[1].Carrier != "ems" {
		t.Errorf("line 2: %s (carrier %q)", p.Verdicts[1], p.Verdicts[1].Carrier)
	}
	ship, correct, unchanged, bad := p.Counts()
	if ship != 2 || correct != 1 || unchanged != 1 || bad != 4 {
		t.Fatalf("counts ship=%d correct=%d unchanged=%d bad=%d", ship, correct, unchanged, bad)
	}
	if len(p.Orders) != 3 || p.Orders[2].Shipment.Number != s10Good2 || p.Orders[1].Shipment.Number != s10Good || p.Orders[5].Shipment.Replaced != 1 {
		t.Fatalf("orders to write: %+v", p.Orders)
	}
	if p.Before[5].Shipment.Number != "EB000000014CN" {
		t.Fatalf("before-state of order 5: %+v", p.Before[5].Shipment)
	}
}

func TestPlanTrackingNumberConflicts(t *testing.T) {
	a, b := awaitingOrder(1, "CN"), awaitingOrder(2, "CN")
	owner := func(n string) (uint64, bool) { return 9, n == "EB000000014CN" }
	p := PlanTracking([]TrackingLine{
		{Line: 1, Ref: a.TradeID, Carrier: "ems", Number: s10Good},
		{Line: 2, Ref: b.TradeID, Carrier: "ems", Number: s10Good},         // same number, another order
		{Line: 4, Ref: a.TradeID, Carrier: "ems", Number: "EB000000014CN"}, // a's second number, owned by 9
	}, lookupOf(a, b), owner, tNow, cnPolicy, "ana")
	for _, v := range p.Verdicts {
		if v.OK() {
			t.Errorf("line %d accepted: %s", v.Line, v)
		}
	}
	if !strings.Contains(p.Verdicts[1].Err, "also on line 1") {
		t.Errorf("line 2: %s", p.Verdicts[1].Err)
	}
	if len(p.Orders) != 0 {
		t.Fatalf("a contradicted file still writes %d orders", len(p.Orders))
	}
	p = PlanTracking([]TrackingLine{{Line: 1, Ref: b.TradeID, Carrier: "ems", Number: "EB000000014CN"}}, lookupOf(a, b), owner, tNow, cnPolicy, "ana")
	if p.Verdicts[0].OK() || !strings.Contains(p.Verdicts[0].Err, "already used by SO00000009") {
		t.Fatalf("owned number: %s", p.Verdicts[0])
	}
}

func TestS10Number(t *testing.T) {
	ems, _ := CarrierByCode("ems")
	for _, n := range []int{0, 1, 42, 4029366, 99_999_999, 123_456_789} {
		num := S10Number("EA", n, "CN")
		if _, err := ems.Validate(num); err != nil || len(num) != 13 {
			t.Errorf("S10Number(%d) = %s: %v", n, num, err)
		}
	}
	if got := S10Number("EE", 4029366, "CN"); got != "EE040293660CN" {
		t.Fatalf("S10Number = %s, want EE040293660CN", got)
	}
}

func TestPlanTrackingContestedNumberLeavesNoLineApplied(t *testing.T) {
	a, b := awaitingOrder(1, "CN"), awaitingOrder(2, "CN")
	p := PlanTracking([]TrackingLine{
		{Line: 1, Ref: a.TradeID, Carrier: "ems", Number: s10Good},
		{Line: 2, Ref: a.TradeID, Carrier: "ems", Number: s10Good}, // same again: would be unchanged
		{Line: 3, Ref: b.TradeID, Carrier: "ems", Number: s10Good}, // the same number for another order
	}, lookupOf(a, b), noOwner, tNow, cnPolicy, "ana")
	for _, v := range p.Verdicts {
		if v.OK() {
			t.Errorf("line %d: %s — a contested number must not pass on any line", v.Line, v)
		}
	}
	if len(p.Orders) != 0 {
		t.Fatalf("%d orders would be written", len(p.Orders))
	}
}

func TestShipRefusesOrdersNeedingAttentionAndBadURLs(t *testing.T) {
	o := FlagCancelled(awaitingOrder(1, "CN"), TradeCancelled)
	if _, _, err := Ship(o, ShipInput{Carrier: "ems", Number: s10Good}, tNow, cnPolicy); err == nil || !strings.Contains(err.Error(), "needs attention") {
		t.Fatalf("an order whose trade was cancelled shipped: %v", err)
	}
	p := PlanTracking([]TrackingLine{{Line: 1, Ref: o.TradeID, Carrier: "ems", Number: s10Good}}, lookupOf(o), noOwner, tNow, cnPolicy, "ana")
	if p.Verdicts[0].OK() || !strings.Contains(p.Verdicts[0].Err, "cancelled") {
		t.Fatalf("bulk verdict for a cancelled trade: %s", p.Verdicts[0])
	}
	for _, u := range []string{"not a url :: x", "https://x.example/a\nb", "ftp://x.example/a"} {
		if _, _, err := Ship(awaitingOrder(2, "CN"), ShipInput{Carrier: "other", Number: "X1", URL: u}, tNow, cnPolicy); err == nil {
			t.Errorf("URL %q accepted", u)
		}
	}
}

func TestShipSameNumberPutsDatesAndURLRight(t *testing.T) {
	o, _, err := Ship(awaitingOrder(1, "CN"), ShipInput{Carrier: "ems", Number: s10Good}, t0, cnPolicy)
	if err != nil {
		t.Fatal(err)
	}
	eta := t0.Add(10 * 24 * time.Hour)
	got, out, err := Ship(o, ShipInput{Carrier: "ems", Number: s10Good, ETA: eta, URL: "https://track.example/EE"}, tNow, cnPolicy)
	if err != nil || out != ShipUpdated {
		t.Fatalf("same number, new arrival: %v %v", out, err)
	}
	sh := got.Shipment
	if !sh.ETA.Equal(eta) || sh.URL != "https://track.example/EE" || sh.Replaced != 0 || len(sh.History) != 0 || !sh.ShippedAt.Equal(t0) {
		t.Fatalf("after the update: %+v", sh)
	}
	if _, out, _ := Ship(got, ShipInput{Carrier: "ems", Number: s10Good, ETA: eta}, tNow, cnPolicy); out != ShipUnchanged {
		t.Fatalf("the same values again: %v, want unchanged", out)
	}
	if _, _, err := Ship(got, ShipInput{Carrier: "ems", Number: s10Good, ETA: t0.Add(-time.Hour)}, tNow, cnPolicy); err == nil {
		t.Fatal("an arrival before shipping accepted as an update")
	}
}
