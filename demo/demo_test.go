package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

var testNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// toRaw is the wire form of a trade, as an export would write it.
func toRaw(t domain.Trade) domain.RawTrade {
	r := domain.RawTrade{
		Channel: t.Channel, Platform: t.Platform, TradeID: t.TradeID, Buyer: t.Buyer,
		Consignee:   domain.RawConsignee(t.Consignee),
		TradeStatus: t.TradeStatus.String(), PaymentRef: t.PaymentRef,
		Currency: t.Total.Currency, Total: t.Total.Decimal(),
	}
	if !t.PaidAt.IsZero() {
		r.PaidAt = t.PaidAt.Format(time.RFC3339)
	}
	for _, it := range t.Items {
		r.Items = append(r.Items, domain.RawItem{SKU: it.SKU, Title: it.Title, Qty: it.Qty, Price: it.Price.Decimal()})
	}
	return r
}

var (
	gspayRefRE = regexp.MustCompile(`^TR\d{13}$`)
	skuRE      = regexp.MustCompile(`^SKU-[A-Z]{3}-\d{4}$`)
)

// checkTrade asserts everything an import would check, and what the demo promises beyond.
func checkTrade(t *testing.T, g *Generator, i int, tr domain.Trade) {
	t.Helper()
	k, err := domain.ParseKey(tr.Key.String())
	if err != nil || k != tr.Key {
		t.Fatalf("trade %d: key %q is not a valid key: %v", i, tr.Key.String(), err)
	}
	back, err := toRaw(tr).Validate()
	if err != nil {
		t.Fatalf("trade %d (%s) does not validate: %v", i, tr.Key, err)
	}
	if !back.Equal(tr) {
		t.Fatalf("trade %d (%s) changes through its wire form:\n%+v\n%+v", i, tr.Key, tr, back)
	}
	var ch Channel
	for _, c := range g.Channels() {
		if c.Name == tr.Channel {
			ch = c
		}
	}
	if ch.Platform != tr.Platform || ch.Currency != tr.Total.Currency {
		t.Fatalf("trade %d: %s on %s in %s, want the channel's %s in %s", i, tr.Channel, tr.Platform, tr.Total.Currency, ch.Platform, ch.Currency)
	}
	sum := int64(0)
	for _, it := range tr.Items {
		if it.Qty < 1 || it.Price.Currency != tr.Total.Currency || it.Price.Minor <= 0 || !skuRE.MatchString(it.SKU) || it.Title == "" {
			t.Fatalf("trade %d (%s): bad item %+v", i, tr.Key, it)
		}
		sum += it.Price.Minor * int64(it.Qty)
	}
	if len(tr.Items) > 0 && sum != tr.Total.Minor {
		t.Fatalf("trade %d (%s): total %v, items sum to %d", i, tr.Key, tr.Total, sum)
	}
	if len(tr.Items) > 3 || tr.Total.Minor <= 0 {
		t.Fatalf("trade %d (%s): %d lines, total %v", i, tr.Key, len(tr.Items), tr.Total)
	}
	if tr.Consignee.Name == "" || tr.Consignee.Address == "" || tr.Consignee.Phone == "" || len(tr.Consignee.Country) != 2 || tr.Buyer == "" {
		t.Fatalf("trade %d (%s): incomplete buyer or consignee %q %+v", i, tr.Key, tr.Buyer, tr.Consignee)
	}
	switch tr.TradeStatus {
	case domain.TradeUnpaid:
		if !tr.PaidAt.IsZero() || tr.PaymentRef != "" {
			t.Fatalf("trade %d (%s): unpaid with payment %q at %v", i, tr.Key, tr.PaymentRef, tr.PaidAt)
		}
	case domain.TradePaid, domain.TradeCancelled:
		if tr.PaidAt.After(testNow) || tr.PaidAt.Before(testNow.AddDate(-1, 0, -1)) {
			t.Fatalf("trade %d (%s): paid at %v, want within the year before %v", i, tr.Key, tr.PaidAt, testNow)
		}
		if tr.Platform == "gspay" && !gspayRefRE.MatchString(tr.PaymentRef) {
			t.Fatalf("trade %d (%s): GSPAY reference %q, want TR and 13 digits", i, tr.Key, tr.PaymentRef)
		}
		if tr.PaymentRef == "" && tr.Platform != "manual" {
			t.Fatalf("trade %d (%s): paid without a payment reference", i, tr.Key)
		}
	default:
		t.Fatalf("trade %d (%s): status %v", i, tr.Key, tr.TradeStatus)
	}
}

func TestTradesAreValid(t *testing.T) {
	g := New(1, testNow)
	for i := range 5000 {
		checkTrade(t, g, i, g.Next())
	}
	// Every nasty trade of the first 100k, too.
	for i := nastyAt; i < 100_000; i += nastyEvery {
		checkTrade(t, g, i, g.Trade(i))
	}
}

func TestNastyTrades(t *testing.T) {
	g := New(3, testNow)
	var sawEscape, sawOSC, sawLong, sawRTL, sawBidi bool
	for n := range 8 {
		tr := g.Trade(n*nastyEvery + nastyAt)
		all := tr.Buyer + tr.Consignee.Name + tr.Consignee.Address + tr.Consignee.Phone
		sawEscape = sawEscape || strings.Contains(all, "\x1b[31m")
		sawOSC = sawOSC || strings.Contains(all, "\x1b]0;")
		sawLong = sawLong || len([]rune(tr.Consignee.Address)) == 300
		sawRTL = sawRTL || strings.Contains(all, "الرياض")
		sawBidi = sawBidi || strings.Contains(all, "\u202e")
	}
	if !sawEscape || !sawOSC || !sawLong || !sawRTL || !sawBidi {
		t.Errorf("nasty trades: escape=%v osc=%v long=%v rtl=%v bidi=%v, want all", sawEscape, sawOSC, sawLong, sawRTL, sawBidi)
	}
	if strings.ContainsAny(g.Trade(nastyAt+1).Buyer, "\x1b\u202e") {
		t.Error("a normal trade carries hostile text")
	}
}

// TestImportRoundTrip feeds generated trades through the JSON Lines importer.
func TestImportRoundTrip(t *testing.T) {
	g := New(2, testNow)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	var want []domain.Trade
	for i := range 3000 {
		tr := g.Trade(i)
		want = append(want, tr)
		if err := enc.Encode(toRaw(tr)); err != nil {
			t.Fatal(err)
		}
	}
	f, err := domain.ParseJSONL("demo.jsonl", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trades) != len(want) {
		t.Fatalf("imported %d trades, want %d", len(f.Trades), len(want))
	}
	for i := range want {
		if !f.Trades[i].Equal(want[i]) {
			t.Fatalf("trade %d changes through JSON Lines:\n%+v\n%+v", i, want[i], f.Trades[i])
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := New(42, testNow), New(42, testNow.Add(30*time.Millisecond)) // same second
	other := New(43, testNow)
	differ := 0
	for i := range 2000 {
		ta, tb := a.Next(), b.Next()
		if !ta.Equal(tb) || !ta.Equal(a.Trade(i)) {
			t.Fatalf("trade %d differs between runs of the same seed:\n%+v\n%+v", i, ta, tb)
		}
		if pa, pb := a.Plan(i), b.Plan(i); pa != pb {
			t.Fatalf("plan %d differs between runs: %+v, %+v", i, pa, pb)
		}
		if !ta.Equal(other.Trade(i)) {
			differ++
		}
	}
	if differ < 1990 {
		t.Errorf("only %d of 2000 trades differ under another seed", differ)
	}
	// Random access agrees with streaming, in any order.
	for _, i := range []int{1999, 7, 0, 123456} {
		if !a.Trade(i).Equal(New(42, testNow).Trade(i)) {
			t.Errorf("Trade(%d) depends on what was generated before", i)
		}
	}
}

func TestUniqueKeys(t *testing.T) {
	g := New(7, testNow)
	keys := make(map[domain.Key]int, 100_000)
	refs := map[string]int{}
	for i := range 100_000 {
		tr := g.Next()
		if j, dup := keys[tr.Key]; dup {
			t.Fatalf("trades %d and %d share the key %s", j, i, tr.Key)
		}
		keys[tr.Key] = i
		if tr.Platform == "gspay" && tr.PaymentRef != "" {
			if j, dup := refs[tr.PaymentRef]; dup {
				t.Fatalf("trades %d and %d share the GSPAY reference %s", j, i, tr.PaymentRef)
			}
			refs[tr.PaymentRef] = i
		}
	}
}

func TestPermIsBijective(t *testing.T) {
	for digits := 1; digits <= 5; digits++ {
		p := newPerm(11, uint64(digits), digits)
		seen := make([]bool, p.mod)
		for i := range p.mod {
			v := p.at(i)
			if v >= p.mod || seen[v] {
				t.Fatalf("%d digits: %d maps to %d, out of range or taken", digits, i, v)
			}
			seen[v] = true
		}
	}
}

func within(t *testing.T, what string, n, total int, lo, hi float64) {
	t.Helper()
	share := 100 * float64(n) / float64(total)
	if share < lo || share > hi {
		t.Errorf("%s: %.2f%%, want %.1f–%.1f%%", what, share, lo, hi)
	}
}

func TestMix(t *testing.T) {
	const n = 100_000
	g := New(9, testNow)
	var unpaid, cancelled, header, recent, nastyN, lines, withItems int
	perChannel := map[string]int{}
	for i := range n {
		tr := g.Next()
		perChannel[tr.Channel]++
		switch tr.TradeStatus {
		case domain.TradeUnpaid:
			unpaid++
		case domain.TradeCancelled:
			cancelled++
		}
		if len(tr.Items) == 0 {
			header++
		} else {
			withItems++
			lines += len(tr.Items)
		}
		if !tr.PaidAt.IsZero() && testNow.Sub(tr.PaidAt) < 10*day {
			recent++
		}
		if i%nastyEvery == nastyAt {
			nastyN++
		}
	}
	within(t, "unpaid", unpaid, n, 0.8, 1.2)
	within(t, "cancelled", cancelled, n, 0.8, 1.2)
	within(t, "header-only", header, n, 2.6, 3.4)
	within(t, "paid in the last 10 days", recent, n, 1.7, 2.3)
	if nastyN != n/nastyEvery {
		t.Errorf("nasty trades = %d, want %d", nastyN, n/nastyEvery)
	}
	if avg := float64(lines) / float64(withItems); avg < 1.8 || avg > 2.0 {
		t.Errorf("average lines per order = %.2f, want about 1.9", avg)
	}
	if len(perChannel) != len(g.Channels()) {
		t.Errorf("trades came from %d channels, want %d", len(perChannel), len(g.Channels()))
	}
	for _, c := range channelSpecs {
		within(t, "channel "+c.name, perChannel[c.name], n, float64(c.weight)*0.9, float64(c.weight)*1.1)
	}
}

func TestPlan(t *testing.T) {
	const n = 100_000
	cst := time.FixedZone("CST", 8*3600)
	g := New(5, testNow)
	count := map[domain.PoolState]int{}
	var old, oldSettled, dueToday, overdue, awaiting int
	for i := range n {
		tr, f := g.Next(), g.Plan(i)
		count[f.Pool]++
		paidWithItems := tr.TradeStatus == domain.TradePaid && len(tr.Items) > 0
		switch f.Pool {
		case domain.PoolAwaitingDetail, domain.PoolReady:
			want := domain.PoolReady
			if len(tr.Items) == 0 {
				want = domain.PoolAwaitingDetail
			}
			if f.Pool != want || !f.At.IsZero() || f.Reason != "" || f.Order != 0 {
				t.Fatalf("trade %d (%d items): open fate %+v, want state %v and nothing else", i, len(tr.Items), f, want)
			}
		case domain.PoolConverted:
			if !paidWithItems {
				t.Fatalf("trade %d converted but it is %v with %d items", i, tr.TradeStatus, len(tr.Items))
			}
			if f.Order == 0 || f.Reason != "" {
				t.Fatalf("trade %d: converted fate %+v", i, f)
			}
			e := domain.PoolEntry{Trade: tr, State: domain.PoolReady}
			_, o, err := domain.Convert(e, uint64(i+1), f.At, 0)
			if err != nil {
				t.Fatalf("trade %d: %v", i, err)
			}
			o.Status = f.Order
			switch domain.UrgencyOf(o, testNow, cst) {
			case domain.UrgencyDueToday:
				dueToday++
			case domain.UrgencyOverdue:
				overdue++
			}
			if f.Order == domain.OrderAwaitingShipment {
				awaiting++
			}
			if testNow.Sub(tr.PaidAt) > 14*day {
				old++
				if f.Order == domain.OrderCompleted || f.Order == domain.OrderDelivered {
					oldSettled++
				}
			}
		case domain.PoolProcessed:
			if f.Reason == "" || f.Order != 0 {
				t.Fatalf("trade %d: processed fate %+v", i, f)
			}
			if tr.TradeStatus == domain.TradeCancelled && f.Reason != reasonCancelled {
				t.Errorf("trade %d: cancelled trade processed with %q", i, f.Reason)
			}
		case domain.PoolRemoved:
			if f.Reason != "" || f.Order != 0 {
				t.Fatalf("trade %d: removed fate %+v", i, f)
			}
		default:
			t.Fatalf("trade %d: fate %+v", i, f)
		}
		if !f.Pool.Open() {
			if f.At.After(testNow) || (!tr.PaidAt.IsZero() && f.At.Before(tr.PaidAt)) || f.At.IsZero() {
				t.Fatalf("trade %d paid %v: acted at %v, want between payment and now", i, tr.PaidAt, f.At)
			}
		}
	}
	within(t, "converted", count[domain.PoolConverted], n, 90, 95)
	within(t, "open", count[domain.PoolReady]+count[domain.PoolAwaitingDetail], n, 0.4, 1.5)
	within(t, "removed", count[domain.PoolRemoved], n, 3, 4)
	within(t, "processed", count[domain.PoolProcessed], n, 2.5, 3.5)
	within(t, "old orders completed or delivered", oldSettled, old, 85, 93)
	if dueToday == 0 || overdue == 0 || awaiting < 100 {
		t.Errorf("awaiting shipment %d, due today %d, overdue %d: want some of each", awaiting, dueToday, overdue)
	}
}

func TestChannels(t *testing.T) {
	g := New(1, testNow)
	chans := g.Channels()
	if len(chans) != 12 {
		t.Fatalf("%d channels, want 12", len(chans))
	}
	names := map[string]bool{}
	var lapsed, soon int
	for _, c := range chans {
		if names[c.Name] {
			t.Errorf("channel %s listed twice", c.Name)
		}
		names[c.Name] = true
		if _, err := domain.ParseKey(c.Name + ":x"); err != nil {
			t.Errorf("channel name %q: %v", c.Name, err)
		}
		if !domain.ValidCurrency(c.Currency) {
			t.Errorf("channel %s currency %q", c.Name, c.Currency)
		}
		switch d := c.AuthExpiry.Sub(testNow); {
		case d < 0:
			lapsed++
		case d < 7*day:
			soon++
		}
	}
	if lapsed == 0 || soon == 0 {
		t.Errorf("lapsed %d, expiring within a week %d: want one of each for the warning", lapsed, soon)
	}
}

func TestNextAllocations(t *testing.T) {
	g := New(1, testNow)
	allocs := testing.AllocsPerRun(10_000, func() { g.Next() })
	if allocs > 2.5 {
		t.Errorf("Next allocates %.1f times per trade, want at most the text and the items", allocs)
	}
}

func BenchmarkNext(b *testing.B) {
	g := New(1, testNow)
	b.ReportAllocs()
	for b.Loop() {
		g.Next()
	}
}

func BenchmarkPlan(b *testing.B) {
	g := New(1, testNow)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.Plan(i)
		i++
	}
}

// The demo's outbox holds messages in every state, and doctor finds it consistent.
func TestDemoOutboxEveryState(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s, err := storage.Open(filepath.Join(t.TempDir(), "d.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := Fill(s, 1, 3000, now); err != nil {
		t.Fatal(err)
	}
	seen := map[domain.OutboxState]int{}
	stages := map[string]int{}
	if err := s.ListOutbox(nil, func(m domain.OutboxMessage) error {
		seen[m.State]++
		if m.Kind == domain.KindPickupReminder {
			stages[m.Stage]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, st := range domain.OutboxStates {
		if seen[st] == 0 {
			t.Errorf("no %v message in the demo outbox: %v", st, seen)
		}
	}
	if stages["5"] == 0 || stages["15"] == 0 {
		t.Errorf("pickup reminders in the demo outbox by stage: %v", stages)
	}
	rep, err := s.Doctor(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("doctor: %v %v", err, rep.Problems)
	}
}
