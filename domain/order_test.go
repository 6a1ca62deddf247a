package domain

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConvert(t *testing.T) {
	tests := []struct {
		name       string
		shipWithin time.Duration
		wantShipBy time.Time
	}{
		{"configured 48h", 48 * time.Hour, t0.Add(48 * time.Hour)},
		{"default when zero", 0, t0.Add(7 * 24 * time.Hour)},
		{"default when negative", -time.Hour, t0.Add(7 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := entry(sampleTrade(), PoolReady)
			e.Changed = true
			got, o, err := Convert(*e, 42, tNow, tt.shipWithin)
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			if o.No != 42 || o.Status != OrderAwaitingShipment || !o.CreatedAt.Equal(tNow) || o.Attention != "" {
				t.Errorf("order = %+v, want no 42, awaiting shipment, created %v", o, tNow)
			}
			if !o.Trade.Equal(sampleTrade()) {
				t.Errorf("order trade = %+v, want the entry's trade", o.Trade)
			}
			if !o.ShipBy.Equal(tt.wantShipBy) {
				t.Errorf("ShipBy = %v, want %v", o.ShipBy, tt.wantShipBy)
			}
			if got.State != PoolConverted || got.OrderNo != 42 || got.Changed || !got.UpdatedAt.Equal(tNow) {
				t.Errorf("entry = %+v, want converted to order 42, not changed, updated %v", got, tNow)
			}
			if !got.ImportedAt.Equal(t0) {
				t.Errorf("ImportedAt = %v, want it kept at %v", got.ImportedAt, t0)
			}
		})
	}
}

func TestConvertIneligible(t *testing.T) {
	for _, e := range []*PoolEntry{
		entry(headerOnly(sampleTrade()), PoolAwaitingDetail),
		entry(withStatus(sampleTrade(), TradeUnpaid), PoolReady),
		entry(sampleTrade(), PoolConverted),
		entry(sampleTrade(), PoolRemoved),
		entry(sampleTrade(), PoolProcessed),
	} {
		got, o, err := Convert(*e, 43, tNow, 0)
		if err == nil {
			t.Errorf("Convert(%v, %v) succeeded, want an error", e.State, e.TradeStatus)
			continue
		}
		if !reflect.DeepEqual(o, SalesOrder{}) {
			t.Errorf("Convert(%v) returned order %+v with its error", e.State, o)
		}
		if !reflect.DeepEqual(got, *e) {
			t.Errorf("Convert(%v) changed the entry to %+v", e.State, got)
		}
	}
}

func TestOrderNumber(t *testing.T) {
	for no, want := range map[uint64]string{0: "SO00000000", 1: "SO00000001", 42: "SO00000042", 99999999: "SO99999999", 123456789: "SO123456789"} {
		if got := OrderNumber(no); got != want {
			t.Errorf("OrderNumber(%d) = %q, want %q", no, got, want)
		}
	}
}

func TestUrgencyOf(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(day, hour, min int) time.Time { return time.Date(2026, 11, day, hour, min, 0, 0, cst) }
	now := at(23, 10, 0) // 02:00 UTC
	tests := []struct {
		name   string
		now    time.Time
		shipBy time.Time
		status OrderStatus
		want   Urgency
	}{
		{"overdue since yesterday", now, at(22, 18, 0), OrderAwaitingShipment, UrgencyOverdue},
		{"overdue since this morning", now, at(23, 9, 0), OrderAwaitingShipment, UrgencyOverdue},
		{"overdue by a second", now, now.Add(-time.Second), OrderAwaitingShipment, UrgencyOverdue},
		{"due right now", now, now, OrderAwaitingShipment, UrgencyDueToday},
		{"due later today", now, at(23, 17, 30), OrderAwaitingShipment, UrgencyDueToday},
		{"due at the last second of today", now, at(24, 0, 0).Add(-time.Second), OrderAwaitingShipment, UrgencyDueToday},
		{"due at midnight", now, at(24, 0, 0), OrderAwaitingShipment, UrgencyNone},
		{"due tomorrow", now, at(24, 10, 0), OrderAwaitingShipment, UrgencyNone},
		{"due next week", now, at(30, 10, 0), OrderAwaitingShipment, UrgencyNone},
		// 2026-11-23 23:30 UTC is already the 24th in the warehouse: 23:00 CST on the 24th is due today.
		{"the warehouse day, not the UTC day", time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC), at(24, 23, 0), OrderAwaitingShipment, UrgencyDueToday},
		{"shipped is never urgent", now, at(20, 0, 0), OrderShipped, UrgencyNone},
		{"delivered is never urgent", now, at(23, 12, 0), OrderDelivered, UrgencyNone},
		{"cancelled is never urgent", now, at(20, 0, 0), OrderCancelled, UrgencyNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := SalesOrder{No: 1, Status: tt.status, ShipBy: tt.shipBy.UTC()}
			if got := UrgencyOf(o, tt.now, cst); got != tt.want {
				t.Errorf("UrgencyOf(ship by %v, now %v) = %v, want %v", tt.shipBy, tt.now.In(cst), got, tt.want)
			}
		})
	}
}

func TestUrgencyAfterConvert(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	paid := time.Date(2026, 11, 16, 3, 0, 0, 0, time.UTC) // ship by 2026-11-23 11:00 CST
	e := entry(sampleTrade(), PoolReady)
	e.PaidAt = paid
	_, o, err := Convert(*e, 7, paid.Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		now  time.Time
		want Urgency
	}{
		{time.Date(2026, 11, 22, 20, 0, 0, 0, cst), UrgencyNone},
		{time.Date(2026, 11, 23, 8, 0, 0, 0, cst), UrgencyDueToday},
		{time.Date(2026, 11, 23, 11, 0, 1, 0, cst), UrgencyOverdue},
	} {
		if got := UrgencyOf(o, tt.now, cst); got != tt.want {
			t.Errorf("UrgencyOf at %v = %v, want %v", tt.now, got, tt.want)
		}
	}
}

func TestFlagCancelled(t *testing.T) {
	o := FlagCancelled(SalesOrder{No: 5, Status: OrderAwaitingShipment}, TradeCancelled)
	if !strings.Contains(o.Attention, "cancelled") || o.Status != OrderAwaitingShipment {
		t.Errorf("FlagCancelled = %+v, want an attention note naming the trade status and the status kept", o)
	}
}

func TestOrderStatusNames(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range OrderStatuses {
		name := s.String()
		if name == "" || seen[name] {
			t.Errorf("status %d has name %q (empty or duplicate)", s, name)
		}
		seen[name] = true
	}
}
