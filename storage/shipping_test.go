package storage

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

var cn = domain.ShipPolicy{Country: "CN"}

const (
	numA = "EE040293660CN"
	numB = "EA123456785CN"
	numC = "EB000000014CN"
	numD = "EC000000028CN"
	bad  = "EB084456702CN" // check digit should be 7
)

// shippingStore has four sales orders: tb:T1 (SO1), tb:T2 (SO2), jd:T2 (SO3, same trade
// ID as SO2), tb:T3 (SO4), and tb:T9 ready in the pool, not converted.
func shippingStore(t *testing.T) *Store {
	t.Helper()
	s := openTemp(t)
	mustImport(t, s, trade("tb", "T1", t0, 1), trade("tb", "T2", t0, 1), trade("jd", "T2", t0, 1), trade("tb", "T3", t0, 1), trade("tb", "T9", t0, 1))
	keys := []domain.Key{{Channel: "tb", TradeID: "T1"}, {Channel: "tb", TradeID: "T2"}, {Channel: "jd", TradeID: "T2"}, {Channel: "tb", TradeID: "T3"}}
	if res, err := s.Convert(keys, t0, Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil || res.Done() != 4 {
		t.Fatalf("convert: %v %+v", err, res)
	}
	return s
}

func TestFindOrderByEveryReference(t *testing.T) {
	s := shippingStore(t)
	for ref, want := range map[string]uint64{"SO00000001": 1, "so4": 4, "tb:T2": 2, "jd:T2": 3, "T1": 1, "TRT3": 4, " T1 ": 1} {
		o, err := s.FindOrder(orderRef(ref))
		if err != nil || o.No != want {
			t.Errorf("FindOrder(%q) = %d, %v; want %d", ref, o.No, err, want)
		}
	}
	for ref, why := range map[string]string{
		"T2": "ambiguous reference", "TRT2": "ambiguous", "T404": "unknown order", "tb:T404": "unknown order",
		"T9": "not converted", "tb:T9": "ready in the pending pool", "SO00000099": "no sales order", "": "empty",
	} {
		if _, err := s.FindOrder(orderRef(ref)); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("FindOrder(%q) err = %v, want %q", ref, err, why)
		}
	}
}

func TestShipCorrectAndTrackingCounters(t *testing.T) {
	s := shippingStore(t)
	o, out, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, Actor{Operator: "ana", Role: domain.RoleSupervisor})
	if err != nil || out != domain.ShipNew || o.Status != domain.OrderShipped {
		t.Fatalf("ship: %v %v %v", out, o.Status, err)
	}
	if _, _, err := s.Ship(orderRef("tb:T3"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, Actor{Operator: "ana", Role: domain.RoleSupervisor}); err == nil || !strings.Contains(err.Error(), "already used by SO00000001") {
		t.Fatalf("reused number: %v", err)
	}
	if _, out, err := s.Ship(orderRef("T1"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, Actor{Operator: "bo", Role: domain.RoleSupervisor}); err != nil || out != domain.ShipUnchanged {
		t.Fatalf("same number: %v %v", out, err)
	}
	if _, out, err := s.Ship(orderRef("SO1"), domain.ShipInput{Carrier: "ems", Number: numB}, cn, t0.Add(time.Hour), Actor{Operator: "bo", Role: domain.RoleSupervisor}); err != nil || out != domain.ShipCorrected {
		t.Fatalf("correct: %v %v", out, err)
	}
	got, _, _ := s.Order(1)
	if got.Shipment.Number != numB || got.Shipment.Replaced != 1 || len(got.Shipment.History) != 1 || got.Shipment.History[0].Operator != "bo" {
		t.Fatalf("stored shipment %+v", got.Shipment)
	}
	// The old number is free again; the new one is taken.
	if _, _, err := s.Ship(orderRef("tb:T3"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, Actor{Operator: "ana", Role: domain.RoleSupervisor}); err != nil {
		t.Fatalf("freed number: %v", err)
	}
	if _, _, err := s.Ship(orderRef("jd:T2"), domain.ShipInput{NoTracking: "label printer broken"}, cn, t0, Actor{Operator: "ana", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	c := counts(t, s)
	if c.Orders[domain.OrderShipped] != 3 || c.Orders[domain.OrderAwaitingShipment] != 1 || c.NoTracking != 1 || c.Replaced != 1 {
		t.Fatalf("counts %+v", c)
	}
	if _, out, err := s.Ship(orderRef("jd:T2"), domain.ShipInput{Carrier: "ems", Number: numC}, cn, t0, Actor{Operator: "ana", Role: domain.RoleSupervisor}); err != nil || out != domain.ShipTracked {
		t.Fatalf("adding tracking: %v %v", out, err)
	}
	if c := counts(t, s); c.NoTracking != 0 {
		t.Fatalf("no-tracking count %d after the number was entered", c.NoTracking)
	}
	// Filters: by carrier, by missing tracking, by tracking number as a word.
	shipped := []domain.OrderStatus{domain.OrderShipped}
	rows, _, err := s.OrderWindow(context.Background(), OrderQuery{Statuses: shipped, Carrier: "ems"}, nil, false, 10)
	if err != nil || len(rows) != 3 {
		t.Fatalf("carrier filter: %d rows %v", len(rows), err)
	}
	rows, _, _ = s.OrderWindow(context.Background(), OrderQuery{Statuses: shipped, Words: []string{strings.ToLower(numB)}}, nil, false, 10)
	if len(rows) != 1 || rows[0].Order.No != 1 {
		t.Fatalf("tracking-number word: %+v", rows)
	}
	rows, _, _ = s.OrderWindow(context.Background(), OrderQuery{Statuses: shipped, Carrier: "sf"}, nil, false, 10)
	if len(rows) != 0 {
		t.Fatalf("sf filter matched %d", len(rows))
	}
}

func TestShipByBoundsFilter(t *testing.T) {
	s := openTemp(t)
	mustImport(t, s, trade("tb", "A", t0, 1), trade("tb", "B", t0.Add(48*time.Hour), 1))
	if _, err := s.ConvertAllReady(t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	before := t0.Add(domain.DefaultShipWithin + time.Hour)
	rows, _, err := s.OrderWindow(context.Background(), OrderQuery{ShipByBefore: before}, nil, false, 10)
	if err != nil || len(rows) != 1 || rows[0].Order.TradeID != "A" {
		t.Fatalf("before: %+v %v", rows, err)
	}
	rows, _, _ = s.OrderWindow(context.Background(), OrderQuery{ShipByFrom: before}, nil, false, 10)
	if len(rows) != 1 || rows[0].Order.TradeID != "B" {
		t.Fatalf("from: %+v", rows)
	}
}

// snapshot is everything a rejected batch must leave as it was.
func snapshot(t *testing.T, s *Store) string {
	t.Helper()
	var b strings.Builder
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			return bk.ForEach(func(k, v []byte) error {
				b.WriteString(string(name) + "|" + string(k) + "|" + string(v) + "\n")
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestApplyTrackingIsAllOrNothing(t *testing.T) {
	s := shippingStore(t)
	if _, _, err := s.Ship(orderRef("tb:T3"), domain.ShipInput{Carrier: "ems", Number: numD}, cn, t0, Actor{Operator: "ana", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	lines := []domain.TrackingLine{
		{Line: 1, Ref: "T1", Carrier: "ems", Number: numA},
		{Line: 2, Ref: "TRT3", Carrier: "ems", Number: numC}, // correction of SO4
		{Line: 3, Ref: "T2", Carrier: "ems", Number: numB},   // ambiguous
		{Line: 4, Ref: "T9", Carrier: "ems", Number: numB},   // not converted
		{Line: 5, Ref: "jd:T2", Carrier: "ems", Number: bad}, // bad check digit
	}
	before := snapshot(t, s)
	p, err := s.ApplyTracking(lines, 0, cn, false, t0, Actor{Operator: "ana", Role: domain.RoleSupervisor})
	if !errors.Is(err, ErrBadLines) {
		t.Fatalf("err = %v, want ErrBadLines", err)
	}
	if after := snapshot(t, s); after != before {
		t.Fatal("a rejected upload changed the database")
	}
	want := []string{"will ship", "will correct " + numD + " → " + numC, "ambiguous", "not converted", "should be 7, got 2"}
	for i, v := range p.Verdicts {
		if !strings.Contains(v.String(), want[i]) {
			t.Errorf("line %d: %s; want %q", v.Line, v, want[i])
		}
	}
	preview, err := s.PlanTracking(lines, cn, t0, "ana")
	if err != nil || len(preview.Verdicts) != 5 || snapshot(t, s) != before {
		t.Fatalf("preview: %v, or it wrote", err)
	}
	p, err = s.ApplyTracking(lines, 0, cn, true, t0, Actor{Operator: "ana", Role: domain.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	if ship, correct, _, badN := p.Counts(); ship != 1 || correct != 1 || badN != 3 {
		t.Fatalf("counts %d %d %d", ship, correct, badN)
	}
	o1, _, _ := s.Order(1)
	o4, _, _ := s.Order(4)
	o3, _, _ := s.Order(3)
	if o1.Shipment.Number != numA || o4.Shipment.Number != numC || o4.Shipment.Replaced != 1 || o3.Status != domain.OrderAwaitingShipment {
		t.Fatalf("after apply: %+v / %+v / %v", o1.Shipment, o4.Shipment, o3.Status)
	}
	// Applying the same file again: every good line is unchanged and nothing is written.
	before = snapshot(t, s)
	p, err = s.ApplyTracking(lines[:2], 0, cn, false, t0, Actor{Operator: "ana", Role: domain.RoleSupervisor})
	if _, _, unchanged, _ := p.Counts(); err != nil || unchanged != 2 || snapshot(t, s) != before {
		t.Fatalf("re-apply: %v unchanged=%d", err, unchanged)
	}
	var n int
	if err := s.EachShipment(time.Time{}, func(o domain.SalesOrder) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("EachShipment %d %v", n, err)
	}
	n = 0
	s.EachShipment(t0.Add(time.Minute), func(domain.SalesOrder) error { n++; return nil })
	if n != 0 {
		t.Fatalf("since filter let %d through", n)
	}
	// A correction later puts the order back in the export from then on.
	if _, _, err := s.Ship(orderRef("SO1"), domain.ShipInput{Carrier: "ems", Number: numD}, cn, t0.Add(time.Hour), Actor{Operator: "ana", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	var got []uint64
	s.EachShipment(t0.Add(time.Minute), func(o domain.SalesOrder) error { got = append(got, o.No); return nil })
	if len(got) != 1 || got[0] != 1 {
		t.Fatalf("since after a correction: %v", got)
	}
}

func TestShippedOrderCodecRoundTrip(t *testing.T) {
	o := domain.SalesOrder{No: 7, Status: domain.OrderShipped, CreatedAt: t0, ShipBy: t0.Add(time.Hour),
		Shipment: domain.Shipment{Carrier: "ems", Number: numB, URL: "u", ShippedAt: t0, ETA: t0.Add(72 * time.Hour),
			Override: "o", Replaced: 1, History: []domain.TrackingChange{{At: t0, Operator: "ana", OldCarrier: "ems", OldNumber: numA, NewCarrier: "ems", NewNumber: numB}}}}
	o.Key = domain.Key{Channel: "tb", TradeID: "T1"}
	got, err := decodeOrder(encodeOrder(nil, &o))
	if err != nil {
		t.Fatal(err)
	}
	if got.Shipment.Number != numB || !got.Shipment.ETA.Equal(o.Shipment.ETA) || len(got.Shipment.History) != 1 ||
		got.Shipment.History[0] != o.Shipment.History[0] {
		t.Fatalf("round trip: %+v", got.Shipment)
	}
	// A URL the template gives is not stored, and reads back the same.
	derived := o
	derived.Shipment.URL = "http://www.ems.com.cn/english-main.jsp"
	derived.Shipment.Carrier, derived.Shipment.Number = "sf", "SF1234567890123"
	sf, _ := domain.CarrierByCode("sf")
	derived.Shipment.URL = sf.URL("SF1234567890123")
	short, long := encodeOrder(nil, &derived), encodeOrder(nil, &o)
	if back, err := decodeOrder(short); err != nil || back.Shipment.URL != derived.Shipment.URL {
		t.Fatalf("derived URL round trip: %q %v", back.Shipment.URL, err)
	}
	if len(short) >= len(long)+len(derived.Shipment.URL)-len(o.Shipment.URL) {
		t.Fatalf("a derived URL was stored: %d bytes", len(short))
	}
	plain := domain.SalesOrder{No: 8, Status: domain.OrderAwaitingShipment}
	if b := encodeOrder(nil, &plain); b[0] != recordVersion {
		t.Fatalf("an unshipped order is written as version %d", b[0])
	}
	if _, err := decodeOrder(encodeOrder(nil, &o)[:20]); err == nil {
		t.Fatal("truncated record decoded")
	}
}
