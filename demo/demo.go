// Package demo generates realistic, deterministic fulfilment data for trying shipdesk out
// and for load tests: marketplace trades from a dozen channels on Chinese, Russian and
// Western platforms, with buyers, consignees, addresses, phone numbers, catalogue items
// and payment references that look like each platform's own, plus a plan of what has
// happened to each trade by now, so that a seeded database looks lived-in.
//
// Everything is a pure function of (seed, now, index): trade i is the same whichever order
// trades are asked for, so a million trades can be streamed without holding them (about a
// microsecond and two allocations per trade).
//
// The mix: trades are paid over the year before now, 2% of them in the last 10 days; 1%
// are unpaid (no PaidAt, no payment reference), 1% cancelled, 3% header-only (a total but
// no line items yet); orders have 1–3 lines, typically 2, with total = Σ qty × price in
// the channel's currency (CNY, RUB or USD). Every 500th trade carries hostile or awkward
// text (ANSI and OSC escapes, bidi overrides, C1 controls, line breaks, a 300-character
// address, right-to-left script) for the console to defuse. Every trade passes
// domain.RawTrade.Validate, and keys never repeat.
package demo

import (
	"time"
	"unicode/utf8"

	"shipdesk/domain"
)

// Generator streams demo trades. Trade, Plan and Channels are safe for concurrent use;
// Next is not (it advances the generator's position).
type Generator struct {
	seed     uint64
	now      time.Time // UTC, whole seconds
	next     int
	channels []chanState
	total    int // sum of channel weights
}

// chanState is a channel with the per-seed permutations that keep its numbers unique.
type chanState struct {
	*chanSpec
	tradeIDs perm
	payRefs  perm
}

// New returns a generator whose trades were placed during the year before now.
func New(seed int64, now time.Time) *Generator {
	g := &Generator{seed: uint64(seed), now: now.UTC().Truncate(time.Second)}
	for i := range channelSpecs {
		c := &channelSpecs[i]
		salt := uint64(i+1) * 0x51ed2701
		g.channels = append(g.channels, chanState{
			chanSpec: c,
			tradeIDs: newPerm(g.seed, salt, c.idDigits),
			payRefs:  newPerm(g.seed, salt^0xfeed, c.payDigits),
		})
		g.total += c.weight
	}
	return g
}

// Next returns the next trade: the first call gives Trade(0), then Trade(1), and so on.
func (g *Generator) Next() domain.Trade {
	t := g.Trade(g.next)
	g.next++
	return t
}

// Channel is one demo shop, for seeding the channel list.
type Channel struct {
	Name       string // "tb-main"
	Platform   string // "taobao"
	Currency   string // the currency of its trades
	AuthExpiry time.Time
}

// Channels lists the demo shops in a fixed order. Their API authorizations expire at
// different distances from now: most far ahead, one within a week and one already lapsed,
// so the expiry warning has something to show.
func (g *Generator) Channels() []Channel {
	out := make([]Channel, len(channelSpecs))
	for i, c := range channelSpecs {
		out[i] = Channel{Name: c.name, Platform: c.platform, Currency: c.currency,
			AuthExpiry: g.now.Add(time.Duration(c.authDays) * 24 * time.Hour)}
	}
	return out
}

// Fate is what has happened to a generated trade by now. Plan(i) describes Trade(i), the
// trade the (i+1)-th call of Next returns.
//
//   - Pool is where its pool entry stands:
//     PoolAwaitingDetail or PoolReady (whichever the trade implies): still open, under 1% of
//     all trades: those paid in the last day, a quarter of those paid in the last 10 days,
//     and recent unpaid, cancelled and header-only ones nobody has dealt with yet.
//     PoolRemoved, about 3.5%: header-only entries older than 10 days (their detail never
//     came, so an operator dropped them) and 0.5% of the complete ones.
//     PoolProcessed, about 3%: cancelled trades ("买家取消 buyer cancelled"), unpaid ones
//     that timed out, and 1% of the complete ones for reasons such as "duplicate order".
//     PoolConverted, the rest (about 92%): always a paid trade with line items.
//   - Reason is set only for PoolProcessed.
//   - Order is the sales order's status, set only for PoolConverted: trades paid more than
//     14 days ago are mostly completed or delivered, some returned or cancelled; recent
//     ones are shipped or still awaiting shipment, some of those due today or overdue.
//   - At is when the operator acted (converted, removed, processed): not before the trade
//     was placed, not after now. Zero while the entry is open. Converting at At with
//     domain.Convert gives the order its ship-by time from the trade's PaidAt.
type Fate struct {
	Pool   domain.PoolState
	Reason string
	Order  domain.OrderStatus
	At     time.Time
}

// Processed reasons, Chinese with English as operators write them.
const (
	reasonCancelled = "买家取消 buyer cancelled"
	reasonUnpaid    = "超时未付款 unpaid, timed out"
)

var processedReasons = []string{reasonCancelled, "duplicate order", "重复订单 duplicate", "地址无法送达 address undeliverable",
	"线下已发货 shipped offline", "测试订单 test order"}

const day = 24 * time.Hour

// Plan says what has happened to Trade(i) by now. It is consistent with the trade:
// unpaid, cancelled and header-only trades are never converted.
func (g *Generator) Plan(i int) Fate {
	s := g.shape(i)
	r := rng{mix(g.seed ^ mix(uint64(i)^0x7a7e))}
	age := g.now.Sub(s.placed)
	open := Fate{Pool: domain.PoolReady}
	if s.headerOnly {
		open.Pool = domain.PoolAwaitingDetail
	}
	acted := func(within time.Duration) time.Time {
		if within > age {
			within = age
		}
		return s.placed.Add(time.Duration(r.intn(int(within/time.Second)+1)) * time.Second)
	}
	switch {
	case s.status == domain.TradeUnpaid:
		if age < 3*day {
			return open
		}
		return Fate{Pool: domain.PoolProcessed, Reason: reasonUnpaid, At: s.placed.Add(day).Add(time.Duration(r.intn(2*86400)) * time.Second)}
	case s.status == domain.TradeCancelled:
		if age < day {
			return open
		}
		return Fate{Pool: domain.PoolProcessed, Reason: reasonCancelled, At: acted(2 * day)}
	case s.headerOnly:
		if age < 10*day {
			return open
		}
		return Fate{Pool: domain.PoolRemoved, At: acted(10 * day)}
	}
	switch u := r.intn(1000); {
	case u < 5:
		return Fate{Pool: domain.PoolRemoved, At: acted(2 * day)}
	case u < 15:
		return Fate{Pool: domain.PoolProcessed, Reason: processedReasons[r.intn(len(processedReasons))], At: acted(2 * day)}
	}
	if age < day || (age < 10*day && r.intn(100) < 25) {
		return open
	}
	return Fate{Pool: domain.PoolConverted, Order: orderStatus(&r, age), At: acted(36 * time.Hour)}
}

// orderStatus picks a sales-order status that fits how long ago the trade was paid.
func orderStatus(r *rng, age time.Duration) domain.OrderStatus {
	type w struct {
		s domain.OrderStatus
		n int
	}
	var table []w
	switch {
	case age < 3*day:
		table = []w{{domain.OrderAwaitingShipment, 70}, {domain.OrderShipped, 30}}
	case age < 8*day:
		table = []w{{domain.OrderAwaitingShipment, 25}, {domain.OrderShipped, 65}, {domain.OrderDelivered, 10}}
	case age < 15*day:
		table = []w{{domain.OrderAwaitingShipment, 3}, {domain.OrderShipped, 35}, {domain.OrderDelivered, 55},
			{domain.OrderReturned, 3}, {domain.OrderCancelled, 4}}
	default:
		table = []w{{domain.OrderCompleted, 80}, {domain.OrderDelivered, 9}, {domain.OrderReturned, 6},
			{domain.OrderCancelled, 4}, {domain.OrderShipped, 1}}
	}
	u := r.intn(100)
	for _, e := range table {
		if u < e.n {
			return e.s
		}
		u -= e.n
	}
	return table[0].s
}

// shape is the part of a trade that Plan needs too: drawn first, from the trade's own stream.
type shape struct {
	ch         int
	status     domain.TradeStatus
	headerOnly bool
	placed     time.Time // paid at, or ordered at for an unpaid trade
	r          rng       // continues with the trade's details
}

// hourWeight shapes the local time of day at which buyers pay: quiet at night, busy in the
// late morning and the evening.
var hourWeight = [24]int{3, 2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 9, 8, 8, 8, 8, 8, 9, 10, 11, 12, 10, 6}

func (g *Generator) shape(i int) shape {
	r := rng{mix(g.seed ^ mix(uint64(i)))}
	s := shape{status: domain.TradePaid}
	x := r.intn(g.total)
	for s.ch = 0; x >= g.channels[s.ch].weight; s.ch++ {
		x -= g.channels[s.ch].weight
	}
	switch u := r.intn(10000); {
	case u < 100:
		s.status = domain.TradeUnpaid
	case u < 200:
		s.status = domain.TradeCancelled
	}
	s.headerOnly = r.intn(10000) < 300
	// 2% in the last 10 days, the rest over the 355 days before.
	lo, span := 0, 10*86400
	if r.intn(100) >= 2 {
		lo, span = 10*86400, 355*86400
	}
	tz := int64(g.channels[s.ch].tzHours) * 3600
	var age int
	for try := 0; try < 4; try++ {
		age = lo + r.intn(span)
		hour := ((g.now.Unix()-int64(age)+tz)/3600%24 + 24) % 24
		if r.intn(12) < hourWeight[hour] {
			break
		}
	}
	s.placed = g.now.Add(-time.Duration(age) * time.Second)
	s.r = r
	return s
}

// nastyEvery puts a trade with hostile or awkward text among the normal ones.
const nastyEvery, nastyAt = 500, 313

// Trade returns the i-th trade (i ≥ 0). Trade keys are unique for i below one billion.
func (g *Generator) Trade(i int) domain.Trade {
	s := g.shape(i)
	r := &s.r
	c := &g.channels[s.ch]
	local := s.placed.In(c.loc)

	// All composed text goes into one buffer and becomes one string, sliced per field.
	var arena [640]byte
	b := arena[:0]
	var ends [nFields]int

	b = c.appendTradeID(b, c.tradeIDs.at(uint64(i)), local)
	ends[fTradeID] = len(b)
	b = c.appendBuyer(b, r)
	ends[fBuyer] = len(b)
	var country string
	switch c.locale {
	case zh:
		b = appendZhName(b, r)
		ends[fName] = len(b)
		b = appendCNPhone(b, r)
		ends[fPhone] = len(b)
		b = appendCNAddress(b, r)
		country = "CN"
	case ru:
		b = appendRuName(b, r)
		ends[fName] = len(b)
		b = appendRUPhone(b, r)
		ends[fPhone] = len(b)
		b = appendRUAddress(b, r)
		country = "RU"
	default:
		ci := c.countries[r.intn(len(c.countries))]
		b = appendEnName(b, r)
		ends[fName] = len(b)
		b = appendEnPhone(b, r, ci)
		ends[fPhone] = len(b)
		b = appendEnAddress(b, r, ci)
		country = enCountries[ci].code
	}
	ends[fAddress] = len(b)
	if s.status != domain.TradeUnpaid {
		b = c.appendPayRef(b, r, c.payRefs.at(uint64(i)), local)
	}
	ends[fPayRef] = len(b)

	text := string(b)
	field := func(f int) string {
		start := 0
		if f > 0 {
			start = ends[f-1]
		}
		return text[start:ends[f]]
	}
	t := domain.Trade{
		Key:      domain.Key{Channel: c.name, TradeID: field(fTradeID)},
		Platform: c.platform,
		Buyer:    field(fBuyer),
		Consignee: domain.Consignee{Name: field(fName), Phone: field(fPhone), Address: field(fAddress),
			Country: country},
		TradeStatus: s.status,
		PaymentRef:  field(fPayRef),
		Total:       domain.Money{Currency: c.currency},
	}
	if s.status != domain.TradeUnpaid {
		t.PaidAt = s.placed
	}

	items := make([]domain.Item, itemLines(r))
	var picked [3]int
	for k := range items {
		p := r.intn(len(catalogue))
		for again := true; again; {
			again = false
			for _, q := range picked[:k] {
				if q == p {
					p, again = (p+1)%len(catalogue), true
				}
			}
		}
		picked[k] = p
		prod := &catalogue[p]
		it := domain.Item{SKU: prod.sku, Title: prod.title[c.locale], Qty: retailQty(r),
			Price: domain.Money{Minor: prod.price[c.currencyIx], Currency: c.currency}}
		if c.wholesale {
			it.Qty = 10 * (1 + r.intn(20))
			it.Price.Minor = prod.wholesale
		}
		t.Total.Minor += it.Price.Minor * int64(it.Qty)
		items[k] = it
	}
	if !s.headerOnly {
		t.Items = items
	}
	if i%nastyEvery == nastyAt {
		nasty(&t, i/nastyEvery)
	}
	return t
}

const (
	fTradeID = iota
	fBuyer
	fName
	fPhone
	fAddress
	fPayRef
	nFields
)

func itemLines(r *rng) int {
	switch u := r.intn(10); {
	case u < 3:
		return 1
	case u < 8:
		return 2
	}
	return 3
}

func retailQty(r *rng) int {
	switch u := r.intn(100); {
	case u < 78:
		return 1
	case u < 93:
		return 2
	case u < 98:
		return 3
	}
	return 4 + r.intn(7)
}

// longAddress is 300 characters of directions, as buyers sometimes paste.
var longAddress = func() string {
	s := ""
	for utf8.RuneCountInString(s) < 300 {
		s += "转角第三个路口左转再右转，"
	}
	r := []rune(s)
	return string(r[:300])
}()

// nasty gives the trade text that a careless terminal would mangle: escape sequences,
// bidi overrides, line breaks, C1 controls, zero-width characters, a very long address.
// Keys stay clean and every field stays within the import limits.
func nasty(t *domain.Trade, n int) {
	switch n % 8 {
	case 0:
		t.Buyer = "evil\x1b[31mred\x1b[0m"
	case 1:
		t.Buyer = "\x1b]0;pwned\x07" + t.Buyer
	case 2:
		t.Consignee.Address = longAddress
	case 3:
		t.Consignee.Name = "ليلى Chen 陈"
		t.Consignee.Address = "شارع الملك فهد 12، الرياض / 12 King Fahd Rd, Riyadh 12211"
	case 4:
		t.Buyer = "admin\u202etxt.exe"
	case 5:
		t.Buyer = "new\nline\tbuyer\r"
		if len(t.Items) > 0 {
			t.Items[0].Title += "\r\n[SYSTEM] order approved"
		}
	case 6:
		t.Buyer = "zero\u200bwidth\u200d\u009b31mC1"
	case 7:
		t.Consignee.Phone = "\x1b[2J" + t.Consignee.Phone
		t.Consignee.Address = "\x1b]8;;http://evil.example/\x07click here\x1b]8;;\x07 " + t.Consignee.Address
	}
}

// rng is splitmix64: tiny, fast, and good enough for plausible data.
