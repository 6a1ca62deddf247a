package domain

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// tAsked is when the sample refund request was raised.
var tAsked = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

// sampleClaim is the refund request of the sample line, for the sample trade.
func sampleClaim() RefundClaim {
	return RefundClaim{
		RefundKey: RefundKey{Channel: "tb-main", RefundID: "R9001"}, TradeID: "T1001",
		Kind: RefundNotReceived, Amount: Money{Minor: 14497}, Reason: "parcel lost", RequestedAt: tAsked,
	}
}

func request(c RefundClaim, s RefundState) *RefundRequest {
	r := &RefundRequest{RefundClaim: c, State: s, RespondBy: c.RequestedAt.Add(DefaultRespondWithin), ImportedAt: t0, UpdatedAt: t0}
	switch s {
	case RefundConverted:
		r.OrderNo, r.Refunded, r.Operator = 42, Money{14497, "CNY"}, "ana"
	case RefundRejected:
		r.Decision, r.Operator = "goods already signed for", "ana"
	case RefundProcessed:
		r.Decision, r.Operator = "买家撤销 buyer withdrew", "ana"
	}
	return r
}

func TestParseRefundKey(t *testing.T) {
	tests := []struct {
		in      string
		want    RefundKey
		wantErr string
	}{
		{in: "tb-main:R9001", want: RefundKey{"tb-main", "R9001"}},
		{in: "店铺:退单-1", want: RefundKey{"店铺", "退单-1"}},
		{in: "tb-main", wantErr: "not a refund key"},
		{in: ":R9001", wantErr: "not a refund key"},
		{in: "tb-main:", wantErr: "not a refund key"},
		{in: "tb-main:R 9001", wantErr: "spaces"},
		{in: "tb-main:R9:001", wantErr: "colons"},
		{in: "tb-main:R\x1b[2J", wantErr: "control"},
		{in: "tb-main:" + strings.Repeat("9", 65), wantErr: "longer than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRefundKey(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRefundKey(%q) = %v, %v; want an error mentioning %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || got.String() != tt.in {
				t.Fatalf("ParseRefundKey(%q) = %v, %v; want %v printing as the input", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseRefundKind(t *testing.T) {
	tests := []struct {
		in      string
		want    RefundKind
		wantErr bool
	}{
		{in: "not_received", want: RefundNotReceived},
		{in: "received_no_return", want: RefundReceivedNoReturn},
		{in: "return_goods", want: RefundReturnGoods},
		{in: "after_sale", want: RefundAfterSale},
		{in: "not", want: RefundNotReceived},
		{in: "rec", want: RefundReceivedNoReturn},
		{in: "ret", want: RefundReturnGoods},
		{in: "a", want: RefundAfterSale},
		{in: "re", wantErr: true}, // received_no_return or return_goods
		{in: "", wantErr: true},
		{in: "refund", wantErr: true},
		{in: "Not_Received", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseRefundKind(tt.in)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "not_received, received_no_return, return_goods, after_sale") {
				t.Errorf("ParseRefundKind(%q) = %v, %v; want an error listing the kinds", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRefundKind(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, k := range RefundKinds {
		if got, err := ParseRefundKind(k.String()); err != nil || got != k {
			t.Errorf("kind %v does not round-trip: %v, %v", k, got, err)
		}
	}
}

func TestParseRefundState(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want RefundState
	}{{"pending", RefundPending}, {"pend", RefundPending}, {"c", RefundConverted}, {"rej", RefundRejected}, {"processed", RefundProcessed}} {
		if got, err := ParseRefundState(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseRefundState(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "p", "open", "Pending"} {
		if got, err := ParseRefundState(bad); err == nil || !strings.Contains(err.Error(), "pending, converted, rejected, processed") {
			t.Errorf("ParseRefundState(%q) = %v, %v; want an error listing the states", bad, got, err)
		}
	}
	for _, s := range RefundStates {
		if s.Open() != (s == RefundPending) {
			t.Errorf("%v.Open() = %v", s, s.Open())
		}
	}
}

func TestApplyRefundImport(t *testing.T) {
	claim := sampleClaim()
	edited := sampleClaim()
	edited.Reason = "parcel lost, courier confirmed"
	raised := sampleClaim()
	raised.RequestedAt = tAsked.Add(30 * time.Hour)
	changed := request(claim, RefundPending)
	changed.Changed = true

	tests := []struct {
		name          string
		existing      *RefundRequest
		in            RefundClaim
		outcome       ImportOutcome
		state         RefundState
		changed       bool
		keepsExisting bool // the returned request must equal the existing one
	}{
		{name: "new enters pending", in: claim, outcome: ImportNew, state: RefundPending},
		{name: "identical re-import", existing: request(claim, RefundPending), in: claim, outcome: ImportUnchanged, state: RefundPending, keepsExisting: true},
		{name: "identical re-import keeps the changed mark", existing: changed, in: claim, outcome: ImportUnchanged, state: RefundPending, changed: true, keepsExisting: true},
		{name: "different reason updates in place", existing: request(claim, RefundPending), in: edited, outcome: ImportUpdated, state: RefundPending, changed: true},
		{name: "new requested_at moves respond-by", existing: request(claim, RefundPending), in: raised, outcome: ImportUpdated, state: RefundPending, changed: true},
		{name: "converted is skipped", existing: request(claim, RefundConverted), in: edited, outcome: ImportSkipped, state: RefundConverted, keepsExisting: true},
		{name: "rejected is skipped", existing: request(claim, RefundRejected), in: edited, outcome: ImportSkipped, state: RefundRejected, keepsExisting: true},
		{name: "processed is suppressed", existing: request(claim, RefundProcessed), in: edited, outcome: ImportSuppressed, state: RefundProcessed, keepsExisting: true},
		{name: "processed identical is suppressed", existing: request(claim, RefundProcessed), in: claim, outcome: ImportSuppressed, state: RefundProcessed, keepsExisting: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before RefundRequest
			if tt.existing != nil {
				before = *tt.existing
			}
			got, outcome := ApplyRefundImport(tt.existing, tt.in, tNow)
			if outcome != tt.outcome || got.State != tt.state || got.Changed != tt.changed {
				t.Errorf("outcome, state, changed = %v, %v, %v; want %v, %v, %v", outcome, got.State, got.Changed, tt.outcome, tt.state, tt.changed)
			}
			if tt.existing != nil && !reflect.DeepEqual(*tt.existing, before) {
				t.Errorf("ApplyRefundImport modified the existing request: %+v", *tt.existing)
			}
			if tt.keepsExisting {
				if !reflect.DeepEqual(got, before) {
					t.Errorf("request = %+v, want it unchanged %+v", got, before)
				}
				return
			}
			if !got.RefundClaim.Equal(tt.in) {
				t.Errorf("claim = %+v, want the imported %+v", got.RefundClaim, tt.in)
			}
			if want := tt.in.RequestedAt.Add(5 * 24 * time.Hour); !got.RespondBy.Equal(want) {
				t.Errorf("RespondBy = %v, want requested-at + 5 days = %v", got.RespondBy, want)
			}
			if !got.UpdatedAt.Equal(tNow) {
				t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, tNow)
			}
			wantImported := tNow
			if tt.outcome == ImportUpdated {
				wantImported = t0
			}
			if !got.ImportedAt.Equal(wantImported) {
				t.Errorf("ImportedAt = %v, want %v", got.ImportedAt, wantImported)
			}
			if got.Decision != "" || got.Operator != "" || got.OrderNo != 0 || got.Refunded != (Money{}) {
				t.Errorf("request = %+v, want no decision yet", got)
			}
		})
	}
}

func TestRefundClaimEqual(t *testing.T) {
	base := sampleClaim()
	same := sampleClaim()
	same.RequestedAt = tAsked.In(time.FixedZone("CST", 8*3600))
	if !base.Equal(same) {
		t.Error("the same instant in another zone must be equal")
	}
	for name, edit := range map[string]func(*RefundClaim){
		"channel":      func(c *RefundClaim) { c.Channel = "tb-2" },
		"refund ID":    func(c *RefundClaim) { c.RefundID = "R9002" },
		"trade ID":     func(c *RefundClaim) { c.TradeID = "T1002" },
		"kind":         func(c *RefundClaim) { c.Kind = RefundAfterSale },
		"amount":       func(c *RefundClaim) { c.Amount.Minor++ },
		"currency":     func(c *RefundClaim) { c.Amount.Currency = "CNY" },
		"reason":       func(c *RefundClaim) { c.Reason += "\x1b" },
		"requested at": func(c *RefundClaim) { c.RequestedAt = c.RequestedAt.Add(time.Second) },
	} {
		other := sampleClaim()
		edit(&other)
		if base.Equal(other) || other.Equal(base) {
			t.Errorf("claims differing in %s compare equal", name)
		}
	}
}

func TestResolveAmount(t *testing.T) {
	tests := []struct {
		name     string
		amount   Money
		currency string
		want     Money
		wantErr  string
	}{
		{"named and matching", Money{14497, "CNY"}, "CNY", Money{14497, "CNY"}, ""},
		{"unnamed takes the order's", Money{14497, ""}, "CNY", Money{14497, "CNY"}, ""},
		{"unnamed into three decimals", Money{1250, ""}, "KWD", Money{12500, "KWD"}, ""},
		{"unnamed whole into no decimals", Money{300000, ""}, "JPY", Money{3000, "JPY"}, ""},
		{"unnamed cents into no decimals", Money{1050, ""}, "JPY", Money{}, "more decimal places than JPY"},
		{"named but another currency", Money{14497, "USD"}, "CNY", Money{}, "asks for 144.97 USD but the original order tb-main:T1001 was paid in CNY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sampleClaim()
			c.Amount = tt.amount
			got, err := c.ResolveAmount(tt.currency)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ResolveAmount = %v, %v; want an error mentioning %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ResolveAmount = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestAmountText(t *testing.T) {
	c := sampleClaim()
	if got := c.AmountText(); got != "144.97" {
		t.Errorf("AmountText without currency = %q, want 144.97", got)
	}
	c.Amount.Currency = "CNY"
	if got := c.AmountText(); got != "144.97 CNY" {
		t.Errorf("AmountText = %q, want 144.97 CNY", got)
	}
}

func TestRefundUrgencyOf(t *testing.T) {
	respondBy := tAsked.Add(DefaultRespondWithin)
	tests := []struct {
		name  string
		state RefundState
		now   time.Time
		want  RefundUrgency
		left  time.Duration
	}{
		{"just raised", RefundPending, tAsked, RefundNotDue, 120 * time.Hour},
		{"a minute more than a day left", RefundPending, respondBy.Add(-24*time.Hour - time.Minute), RefundNotDue, 24*time.Hour + time.Minute},
		{"exactly a day left", RefundPending, respondBy.Add(-24 * time.Hour), RefundDueSoon, 24 * time.Hour},
		{"an hour left", RefundPending, respondBy.Add(-time.Hour), RefundDueSoon, time.Hour},
		{"at respond-by", RefundPending, respondBy, RefundOverdue, 0},
		{"a day late", RefundPending, respondBy.Add(24 * time.Hour), RefundOverdue, -24 * time.Hour},
		{"converted late is not urgent", RefundConverted, respondBy.Add(time.Hour), RefundNotDue, -time.Hour},
		{"rejected late is not urgent", RefundRejected, respondBy.Add(time.Hour), RefundNotDue, -time.Hour},
		{"processed close is not urgent", RefundProcessed, respondBy.Add(-time.Hour), RefundNotDue, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := *request(sampleClaim(), tt.state)
			if got := RefundUrgencyOf(r, tt.now); got != tt.want {
				t.Errorf("RefundUrgencyOf = %q, want %q", got, tt.want)
			}
			if got := r.TimeLeft(tt.now); got != tt.left {
				t.Errorf("TimeLeft = %v, want %v", got, tt.left)
			}
		})
	}
}

func TestRefundUrgencyAfterImport(t *testing.T) {
	r, _ := ApplyRefundImport(nil, sampleClaim(), tNow)
	if got := RefundUrgencyOf(r, tAsked.Add(4*24*time.Hour+time.Hour)); got != RefundDueSoon {
		t.Errorf("4 days 1 hour after the request: %q, want due within 24h", got)
	}
	if got := RefundUrgencyOf(r, tAsked.Add(5*24*time.Hour+time.Second)); got != RefundOverdue {
		t.Errorf("5 days after the request: %q, want overdue", got)
	}
}

func TestRefundSearchText(t *testing.T) {
	r := request(sampleClaim(), RefundPending)
	r.Reason = "Parcel LOST 快递丢件"
	text := RefundSearchText(r)
	for _, words := range [][]string{{"r9001"}, {"t1001"}, {"tb-main"}, {"not_received"}, {"lost", "快递"}} {
		if !TextMatches(text, words) {
			t.Errorf("%q does not match %q", text, words)
		}
	}
	if TextMatches(text, []string{"lostnot"}) || TextMatches(text, []string{"r9001t1001"}) {
		t.Error("a word must not match across fields")
	}
}
