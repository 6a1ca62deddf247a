package domain

import (
	"strings"
	"testing"
	"time"
)

func TestDeliveryOfEveryStatus(t *testing.T) {
	shipped := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	sh := Shipment{Carrier: "yanwen", Number: "UG123456789CN", ShippedAt: shipped}
	noNum := Shipment{NoTracking: "hand delivery", ShippedAt: shipped}
	ev := func(st EventStatus, daysAfter float64) ParcelState {
		return ParcelState{Latest: TrackingEvent{Status: st, At: shipped.Add(time.Duration(daysAfter * float64(Day)))}}
	}
	set := DefaultDeliverySettings()
	day := func(d float64) time.Time { return shipped.Add(time.Duration(d * float64(Day))) }
	cases := []struct {
		name string
		sh   Shipment
		p    ParcelState
		now  time.Time
		want DeliveryStatus
	}{
		{"no number", noNum, ParcelState{}, day(1), DeliveryNoTracking},
		{"registered", sh, ParcelState{}, day(1), DeliveryRegistered},
		{"registered goes silent", sh, ParcelState{}, day(61), DeliveryNoInfo},
		{"info received", sh, ev(EventInfoReceived, 1), day(2), DeliveryInTransit},
		{"in transit", sh, ev(EventInTransit, 1), day(5), DeliveryInTransit},
		{"in transit stalls", sh, ev(EventInTransit, 1), day(6.01), DeliveryStuck},
		{"left sorting stalls", sh, ev(EventLeftSorting, 1), day(7), DeliveryStuck},
		{"out for delivery never stalls", sh, ev(EventOutForDelivery, 1), day(20), DeliveryInTransit},
		{"failed attempt", sh, ev(EventFailedAttempt, 1), day(2), DeliveryInTransit},
		{"pickup day 1", sh, ev(EventAtPickup, 2), day(3), DeliveryPickup1to5},
		{"pickup day 6", sh, ev(EventAtPickup, 2), day(8), DeliveryPickup5to15},
		{"pickup day 16", sh, ev(EventAtPickup, 2), day(18), DeliveryPickup15to30},
		{"pickup day 31", sh, ev(EventAtPickup, 2), day(33), DeliveryPickupOver30},
		{"delivered", sh, ev(EventDelivered, 3), day(300), DeliveryDelivered},
		{"returning", sh, ev(EventReturning, 3), day(4), DeliveryReturned},
		{"returned", sh, ev(EventReturned, 3), day(400), DeliveryReturned},
		{"exception", sh, ev(EventException, 3), day(4), DeliveryError},
		{"unknown number", sh, ev(EventUnknownNumber, 3), day(100), DeliveryError},
		{"silent 61 days", sh, ev(EventInTransit, 3), day(64.5), DeliveryNoInfo},
		{"stopped beats delivered", sh, ParcelState{Latest: ev(EventDelivered, 2).Latest, Stopped: true, StoppedAt: day(3)}, day(4), DeliveryStopped},
		{"stopped without event", sh, ParcelState{Stopped: true, StoppedAt: day(3)}, day(400), DeliveryStopped},
	}
	for _, c := range cases {
		if got := DeliveryOf(c.sh, c.p, set, c.now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestClockMovesAParcelWithoutAnEvent(t *testing.T) {
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	sh := Shipment{Carrier: "yanwen", Number: "UG123456789CN", ShippedAt: at.Add(-3 * Day)}
	p := ParcelState{Latest: TrackingEvent{Status: EventAtPickup, At: at}}
	set := DefaultDeliverySettings()
	steps := []struct {
		after time.Duration
		want  DeliveryStatus
	}{
		{time.Hour, DeliveryPickup1to5},
		{5*Day - time.Second, DeliveryPickup1to5},
		{5 * Day, DeliveryPickup5to15},
		{15 * Day, DeliveryPickup15to30},
		{30 * Day, DeliveryPickupOver30},
		{60 * Day, DeliveryPickupOver30},
		{60*Day + time.Second, DeliveryNoInfo},
	}
	for _, s := range steps {
		if got := DeliveryOf(sh, p, set, at.Add(s.after)); got != s.want {
			t.Errorf("%v after at_pickup: %s, want %s", s.after, got, s.want)
		}
	}
}

func TestStallIsPerCarrier(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	p := ParcelState{Latest: TrackingEvent{Status: EventInTransit, At: at}}
	set := DeliverySettings{Stall: map[string]time.Duration{"ems": 2 * Day}}
	if got := DeliveryOf(Shipment{Carrier: "ems", Number: "X", ShippedAt: at}, p, set, at.Add(3*Day)); got != DeliveryStuck {
		t.Errorf("ems after 3 days with a 2-day stall: %s", got)
	}
	if got := DeliveryOf(Shipment{Carrier: "yanwen", Number: "X", ShippedAt: at}, p, set, at.Add(3*Day)); got != DeliveryInTransit {
		t.Errorf("yanwen after 3 days with the default stall: %s", got)
	}
}

func TestLatestEventPrecedence(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	e := func(st EventStatus, d time.Duration) TrackingEvent { return TrackingEvent{Status: st, At: at.Add(d)} }
	// A later time wins whatever its status; at the same time rule 14's order decides.
	if !Later(e(EventInTransit, time.Hour), e(EventDelivered, 0)) {
		t.Error("a later in_transit must supersede an earlier delivered")
	}
	if Later(e(EventInTransit, 0), e(EventDelivered, time.Hour)) {
		t.Error("an earlier event (out of order) must not supersede a later one")
	}
	order := []EventStatus{EventDelivered, EventReturned, EventException, EventAtPickup, EventInTransit, EventInfoReceived}
	for i := 0; i+1 < len(order); i++ {
		if !Later(e(order[i], 0), e(order[i+1], 0)) || Later(e(order[i+1], 0), e(order[i], 0)) {
			t.Errorf("at the same time %s must win over %s", order[i], order[i+1])
		}
	}
}

func TestOrderFollowsDelivery(t *testing.T) {
	set := DefaultDeliverySettings()
	o := SalesOrder{No: 7, Status: OrderShipped, AwaitingReturn: true}
	if n, ok := FollowDelivery(o, PhaseDelivered, set); !ok || n.Status != OrderDelivered {
		t.Errorf("delivered: %v %v", n.Status, ok)
	}
	n, ok := FollowDelivery(o, PhaseReturned, set)
	if !ok || n.Status != OrderReturned || n.AwaitingReturn {
		t.Errorf("returned: %v %v awaiting=%v", n.Status, ok, n.AwaitingReturn)
	}
	if _, ok := FollowDelivery(o, PhaseTransit, set); ok {
		t.Error("in transit must not move the order")
	}
	if _, ok := FollowDelivery(SalesOrder{Status: OrderCompleted}, PhaseDelivered, set); ok {
		t.Error("a completed order must not go back to delivered")
	}
	off := set
	off.OrderFollows = false
	if _, ok := FollowDelivery(o, PhaseDelivered, off); ok {
		t.Error("with the setting off the order must not move")
	}
	d := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	del := SalesOrder{No: 8, Status: OrderDelivered}
	if _, ok := CompleteDelivered(del, d, false, set, d.Add(10*Day-time.Second)); ok {
		t.Error("completed before complete-after")
	}
	if n, ok := CompleteDelivered(del, d, false, set, d.Add(10*Day)); !ok || n.Status != OrderCompleted {
		t.Error("not completed at complete-after")
	}
	if _, ok := CompleteDelivered(del, d, true, set, d.Add(30*Day)); ok {
		t.Error("completed with a refund pending")
	}
}

func TestAfterSaleOnlyOnCompletedOrders(t *testing.T) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	o := SalesOrder{No: 9, Trade: Trade{Key: Key{Channel: "taobao", TradeID: "T1"}, Total: Money{Minor: 1000, Currency: "CNY"}}, Status: OrderDelivered}
	req := RefundRequest{RefundClaim: RefundClaim{RefundKey: RefundKey{Channel: "taobao", RefundID: "R1"}, TradeID: "T1", Kind: RefundAfterSale,
		Amount: Money{Minor: 500, Currency: "CNY"}}, State: RefundPending}
	_, err := ConvertRefund(req, &o, nil, now, "ana")
	if err == nil || !strings.Contains(err.Error(), "completed") {
		t.Fatalf("after_sale on a delivered order: %v", err)
	}
	o.Status = OrderCompleted
	if _, err := ConvertRefund(req, &o, nil, now, "ana"); err != nil {
		t.Fatalf("after_sale on a completed order: %v", err)
	}
}

func TestParseEvents(t *testing.T) {
	in := `{"tracking":"ee040293660cn","at":"2026-11-25T08:00:00+08:00","status":"in_transit","location":"Shanghai","text":"Departed"}

{"tracking":"EE040293660CN","at":"2026-11-26T08:00:00+08:00","status":"delivered"}
`
	f, err := ParseEventJSONL("ev.jsonl", strings.NewReader(in))
	if err != nil || len(f.Events) != 2 {
		t.Fatalf("%v %+v", err, f)
	}
	if f.Events[0].Tracking != "EE040293660CN" || f.Events[0].At.Hour() != 0 || f.Events[0].Status != EventInTransit {
		t.Errorf("%+v", f.Events[0])
	}
	_, err = ParseEventJSONL("ev.jsonl", strings.NewReader(in+`{"tracking":"X1","at":"yesterday","status":"in_transit"}`+"\n"+`{"tracking":"X1","at":"2026-11-26T08:00:00Z","status":"lost"}`))
	if err == nil || !strings.Contains(err.Error(), "ev.jsonl:4: at") || !strings.Contains(err.Error(), "ev.jsonl:5: status") {
		t.Errorf("bad lines: %v", err)
	}
	csvIn := "tracking,at,status,location,text\nEE040293660CN,2026-11-25T08:00:00Z,at_pickup,\"Moscow, 5\",ready\n"
	f, err = ParseEventCSV("ev.csv", strings.NewReader(csvIn))
	if err != nil || len(f.Events) != 1 || f.Events[0].Location != "Moscow, 5" || f.Events[0].Status != EventAtPickup {
		t.Fatalf("%v %+v", err, f)
	}
	if _, err := ParseEventCSV("ev.csv", strings.NewReader("tracking,status\nX,in_transit\n")); err == nil || !strings.Contains(err.Error(), "ev.csv:1: header lacks columns: at") {
		t.Errorf("header: %v", err)
	}
}

func TestParseAfterShip(t *testing.T) {
	body := `{"event":"tracking_update","event_id":"e-1","msg":{"tracking_number":"ee040293660cn","slug":"china-ems","tag":"Delivered",
	"return_to_sender":false,"checkpoints":[{"checkpoint_time":"2026-11-25T08:00:00+08:00","tag":"InTransit","message":"Departed","location":"Shanghai"},
	{"checkpoint_time":"2026-11-27T08:00:00+08:00","tag":"AvailableForPickup","message":"At the post office","city":"Moscow"},
	{"checkpoint_time":"2026-11-28T08:00:00+08:00","tag":"Delivered","message":"Handed over"},
	{"checkpoint_time":"2026-11-20T08:00:00+08:00","tag":"Pending","message":"nothing"}]},"ts":1764300000}`
	u, err := ParseAfterShip([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if u.EventID != "e-1" || u.Tracking != "EE040293660CN" || len(u.Events) != 3 {
		t.Fatalf("%+v", u)
	}
	want := []EventStatus{EventInTransit, EventAtPickup, EventDelivered}
	for i, w := range want {
		if u.Events[i].Status != w {
			t.Errorf("checkpoint %d: %s, want %s", i, u.Events[i].Status, w)
		}
	}
	back := strings.Replace(body, `"return_to_sender":false`, `"return_to_sender":true`, 1)
	u, err = ParseAfterShip([]byte(back))
	if err != nil || u.Events[0].Status != EventReturning || u.Events[2].Status != EventReturned {
		t.Errorf("return to sender: %v %+v", err, u.Events)
	}
	if _, err := ParseAfterShip([]byte(`{"event":"other"}`)); err == nil {
		t.Error("another event type must be refused")
	}
}

func FuzzParseEvents(f *testing.F) {
	f.Add(`{"tracking":"EE040293660CN","at":"2026-11-25T08:00:00+08:00","status":"in_transit","location":"\u001b[31m"}`)
	f.Add("tracking,at,status,location,text\nX,2026-11-25T08:00:00Z,delivered,a,b\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string, *strings.Reader) (EventFile, error){
			func(n string, r *strings.Reader) (EventFile, error) { return ParseEventJSONL(n, r) },
			func(n string, r *strings.Reader) (EventFile, error) { return ParseEventCSV(n, r) },
		} {
			ef, err := parse("f", strings.NewReader(s))
			if err != nil {
				continue
			}
			for _, ev := range ef.Events {
				if ev.Tracking == "" || ev.Status == 0 || ev.At.IsZero() && ev.At.Location() != time.UTC {
					t.Fatalf("accepted a bad event %+v", ev)
				}
			}
		}
	})
}

func FuzzParseAfterShip(f *testing.F) {
	f.Add(`{"event":"tracking_update","msg":{"tracking_number":"X1","tag":"Delivered","checkpoints":[{"checkpoint_time":"2026-11-25T08:00:00Z","tag":"InTransit"}]},"ts":5}`)
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseAfterShip([]byte(s))
		if err != nil {
			return
		}
		for _, ev := range u.Events {
			if ev.Tracking != u.Tracking || ev.Status == 0 || len(ev.Text) > maxEventText {
				t.Fatalf("bad event %+v", ev)
			}
		}
	})
}

func TestParseDeliveryStatuses(t *testing.T) {
	got, err := ParseDeliveryStatuses("stuck, pick,stuck")
	if err != nil || len(got) != 5 || got[0] != DeliveryStuck || got[1] != DeliveryPickup1to5 || got[4] != DeliveryPickupOver30 {
		t.Fatalf("stuck,pick: %v %v", got, err)
	}
	if all, err := ParseDeliveryStatuses("ALL"); err != nil || len(all) != len(DeliveryStatuses) {
		t.Fatalf("all: %v %v", all, err)
	}
	for _, bad := range []string{"bogus", "stuck,", ""} {
		if _, err := ParseDeliveryStatuses(bad); err == nil || !strings.Contains(err.Error(), "is not one of") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
