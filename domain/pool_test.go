package domain

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		in      string
		want    Key
		wantErr string
	}{
		{in: "tb-main:T1001", want: Key{"tb-main", "T1001"}},
		{in: "pdd-outlet:231120-000123", want: Key{"pdd-outlet", "231120-000123"}},
		{in: "店铺:订单1", want: Key{"店铺", "订单1"}},
		{in: "tb-main", wantErr: "not a key"},
		{in: "", wantErr: "not a key"},
		{in: ":T1001", wantErr: "not a key"},
		{in: "tb-main:", wantErr: "not a key"},
		{in: ":", wantErr: "not a key"},
		{in: "tb main:T1001", wantErr: "spaces"},
		{in: "tb-main:T 1001", wantErr: "spaces"},
		{in: " tb-main:T1001", wantErr: "spaces"},
		{in: "tb-main:T1001\t", wantErr: "spaces"},
		{in: "tb-main:T1:2", wantErr: "colons"},
		{in: "tb-main:T\x1b[31m", wantErr: "control"},
		{in: "tb-main:T\x7f", wantErr: "control"},
		{in: "tb-main:" + strings.Repeat("9", 65), wantErr: "longer than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseKey(%q) = %v, %v; want an error mentioning %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseKey(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("Key.String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestParseTradeStatus(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want TradeStatus
	}{
		{"unpaid", TradeUnpaid}, {"paid", TradePaid}, {"cancelled", TradeCancelled}, {"closed", TradeClosed},
	} {
		got, err := ParseTradeStatus(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTradeStatus(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tt.in)
		}
	}
	for _, bad := range []string{"", "PAID", "pai", "shipped", "canceled", " paid"} {
		if got, err := ParseTradeStatus(bad); err == nil || !strings.Contains(err.Error(), "trade_status") {
			t.Errorf("ParseTradeStatus(%q) = %v, %v; want a trade_status error", bad, got, err)
		}
	}
}

func TestParsePoolState(t *testing.T) {
	tests := []struct {
		in      string
		want    PoolState
		wantErr string
	}{
		{in: "awaiting_detail", want: PoolAwaitingDetail},
		{in: "ready", want: PoolReady},
		{in: "converted", want: PoolConverted},
		{in: "removed", want: PoolRemoved},
		{in: "processed", want: PoolProcessed},
		{in: "await", want: PoolAwaitingDetail},
		{in: "a", want: PoolAwaitingDetail},
		{in: "conv", want: PoolConverted},
		{in: "rea", want: PoolReady},
		{in: "rem", want: PoolRemoved},
		{in: "p", want: PoolProcessed},
		{in: "r", wantErr: "ambiguous"},
		{in: "re", wantErr: "ambiguous"},
		{in: "", wantErr: "not one of"},
		{in: "x", wantErr: "not one of"},
		{in: "ready2", wantErr: "not one of"},
		{in: "READY", wantErr: "not one of"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePoolState(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePoolState(%q) = %v, %v; want an error mentioning %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParsePoolState(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	for _, st := range PoolStates {
		if got, err := ParsePoolState(st.String()); err != nil || got != st {
			t.Errorf("ParsePoolState(%q) = %v, %v; want %v", st.String(), got, err, st)
		}
	}
}

var (
	t0   = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	tNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
)

// sampleTrade is the trade of the sample JSON line of the import tests.
func sampleTrade() Trade {
	return Trade{
		Key:      Key{Channel: "tb-main", TradeID: "T1001"},
		Platform: "taobao", Buyer: "alice88",
		Consignee:   Consignee{Name: "Alice Wu", Phone: "13800000000", Address: "1 Road", Country: "CN"},
		TradeStatus: TradePaid, PaymentRef: "TR1223370463258", PaidAt: t0,
		Total: Money{14497, "CNY"},
		Items: []Item{{SKU: "SKU-1", Title: "Green tea", Qty: 1, Price: Money{14497, "CNY"}}},
	}
}

func headerOnly(t Trade) Trade { t.Items = nil; return t }

func withStatus(t Trade, s TradeStatus) Trade { t.TradeStatus = s; return t }

func entry(t Trade, s PoolState) *PoolEntry {
	e := &PoolEntry{Trade: t, State: s, ImportedAt: t0, UpdatedAt: t0}
	if s == PoolConverted {
		e.OrderNo = 42
	}
	if s == PoolProcessed {
		e.Reason = "买家取消 buyer cancelled"
	}
	return e
}

func TestApplyImport(t *testing.T) {
	full := sampleTrade()
	edited := sampleTrade()
	edited.Consignee.Address = "2 Road, Flat 5"
	changed := entry(full, PoolReady)
	changed.Changed = true
	removed := entry(full, PoolRemoved)
	removed.Reason = "stale copy"
	removed.Changed = true

	tests := []struct {
		name          string
		existing      *PoolEntry
		in            Trade
		outcome       ImportOutcome
		state         PoolState
		changed       bool
		attention     bool
		keepsExisting bool // the returned entry must equal the existing one
	}{
		{name: "new with items is ready", in: full, outcome: ImportNew, state: PoolReady},
		{name: "new header-only awaits detail", in: headerOnly(full), outcome: ImportNew, state: PoolAwaitingDetail},
		{name: "identical re-import", existing: entry(full, PoolReady), in: full, outcome: ImportUnchanged, state: PoolReady, keepsExisting: true},
		{name: "identical re-import keeps the changed mark", existing: changed, in: full, outcome: ImportUnchanged, state: PoolReady, changed: true, keepsExisting: true},
		{name: "different re-import", existing: entry(full, PoolReady), in: edited, outcome: ImportUpdated, state: PoolReady, changed: true},
		{name: "header then detail", existing: entry(headerOnly(full), PoolAwaitingDetail), in: full, outcome: ImportUpdated, state: PoolReady, changed: true},
		{name: "identical header-only", existing: entry(headerOnly(full), PoolAwaitingDetail), in: headerOnly(full), outcome: ImportUnchanged, state: PoolAwaitingDetail, keepsExisting: true},
		{name: "removed comes back fresh", existing: removed, in: edited, outcome: ImportReadded, state: PoolReady},
		{name: "removed header-only comes back awaiting", existing: entry(full, PoolRemoved), in: headerOnly(full), outcome: ImportReadded, state: PoolAwaitingDetail},
		{name: "processed is suppressed", existing: entry(full, PoolProcessed), in: edited, outcome: ImportSuppressed, state: PoolProcessed, keepsExisting: true},
		{name: "converted is skipped", existing: entry(full, PoolConverted), in: edited, outcome: ImportSkipped, state: PoolConverted, keepsExisting: true},
		{name: "converted then cancelled", existing: entry(full, PoolConverted), in: withStatus(full, TradeCancelled), outcome: ImportSkipped, state: PoolConverted, attention: true, keepsExisting: true},
		{name: "converted then closed", existing: entry(full, PoolConverted), in: withStatus(full, TradeClosed), outcome: ImportSkipped, state: PoolConverted, attention: true, keepsExisting: true},
		{name: "converted still paid", existing: entry(full, PoolConverted), in: full, outcome: ImportSkipped, state: PoolConverted, keepsExisting: true},
		{name: "processed then cancelled", existing: entry(full, PoolProcessed), in: withStatus(full, TradeCancelled), outcome: ImportSuppressed, state: PoolProcessed, keepsExisting: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before PoolEntry
			if tt.existing != nil {
				before = *tt.existing
			}
			got, outcome, attention := ApplyImport(tt.existing, tt.in, tNow)
			if outcome != tt.outcome {
				t.Errorf("outcome = %v, want %v", outcome, tt.outcome)
			}
			if got.State != tt.state {
				t.Errorf("state = %v, want %v", got.State, tt.state)
			}
			if got.Changed != tt.changed {
				t.Errorf("changed = %v, want %v", got.Changed, tt.changed)
			}
			if attention != tt.attention {
				t.Errorf("attention = %v, want %v", attention, tt.attention)
			}
			if tt.existing != nil && !reflect.DeepEqual(*tt.existing, before) {
				t.Errorf("ApplyImport modified the existing entry: %+v", *tt.existing)
			}
			if tt.keepsExisting {
				if !reflect.DeepEqual(got, before) {
					t.Errorf("entry = %+v, want it unchanged %+v", got, before)
				}
				return
			}
			if !got.Trade.Equal(tt.in) {
				t.Errorf("entry trade = %+v, want the imported %+v", got.Trade, tt.in)
			}
			if !got.UpdatedAt.Equal(tNow) {
				t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, tNow)
			}
			switch tt.outcome {
			case ImportNew, ImportReadded:
				if !got.ImportedAt.Equal(tNow) || got.Reason != "" || got.OrderNo != 0 {
					t.Errorf("entry = %+v, want a fresh one imported at %v", got, tNow)
				}
			case ImportUpdated:
				if !got.ImportedAt.Equal(t0) {
					t.Errorf("ImportedAt = %v, want the first import %v", got.ImportedAt, t0)
				}
			}
		})
	}
}

func TestCheckConvertible(t *testing.T) {
	full := sampleTrade()
	tests := []struct {
		name string
		e    *PoolEntry
		want string // "" means convertible
	}{
		{"ready and paid", entry(full, PoolReady), ""},
		{"awaiting detail", entry(headerOnly(full), PoolAwaitingDetail), "not ready"},
		{"converted", entry(full, PoolConverted), "already converted to sales order SO00000042"},
		{"removed", entry(full, PoolRemoved), "removed"},
		{"processed", entry(full, PoolProcessed), "marked processed (买家取消 buyer cancelled)"},
		{"ready but unpaid", entry(withStatus(full, TradeUnpaid), PoolReady), "not paid (trade status unpaid)"},
		{"ready but cancelled", entry(withStatus(full, TradeCancelled), PoolReady), "not paid (trade status cancelled)"},
		{"ready but closed", entry(withStatus(full, TradeClosed), PoolReady), "not paid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckConvertible(*tt.e)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckConvertible = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckConvertible = %v, want an error mentioning %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "tb-main:T1001") {
				t.Errorf("error %q does not name the key", err)
			}
		})
	}
}

func TestCheckRemovable(t *testing.T) {
	for _, tt := range []struct {
		state PoolState
		ok    bool
	}{
		{PoolAwaitingDetail, true}, {PoolReady, true},
		{PoolConverted, false}, {PoolRemoved, false}, {PoolProcessed, false},
	} {
		err := CheckRemovable(*entry(sampleTrade(), tt.state))
		if tt.ok != (err == nil) {
			t.Errorf("CheckRemovable(%v) = %v, want ok=%v", tt.state, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), tt.state.String()) {
			t.Errorf("CheckRemovable(%v) = %q, want it to say the state", tt.state, err)
		}
	}
}

func TestCheckProcessable(t *testing.T) {
	tests := []struct {
		state  PoolState
		reason string
		want   string // "" means allowed
	}{
		{PoolReady, "duplicate order", ""},
		{PoolAwaitingDetail, "买家取消 buyer cancelled", ""},
		{PoolRemoved, "duplicate order", ""},
		{PoolReady, "", "needs a reason"},
		{PoolReady, "  \t ", "needs a reason"},
		{PoolConverted, "duplicate order", "it is converted"},
		{PoolProcessed, "again", "it is processed"},
	}
	for _, tt := range tests {
		err := CheckProcessable(*entry(sampleTrade(), tt.state), tt.reason)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckProcessable(%v, %q) = %v, want nil", tt.state, tt.reason, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckProcessable(%v, %q) = %v, want an error mentioning %q", tt.state, tt.reason, err, tt.want)
		}
	}
}

func TestTradeEqual(t *testing.T) {
	a, b := sampleTrade(), sampleTrade()
	b.PaidAt = b.PaidAt.In(time.FixedZone("CST", 8*3600))
	if !a.Equal(b) {
		t.Error("the same instant in another zone must compare equal")
	}
	b.Items[0].Qty = 2
	if a.Equal(b) {
		t.Error("a different item quantity must not compare equal")
	}
	if a.Equal(headerOnly(a)) {
		t.Error("a header-only trade must not equal the complete one")
	}
	if got := sampleTrade().ItemCount(); got != 1 {
		t.Errorf("ItemCount = %d, want 1", got)
	}
}
