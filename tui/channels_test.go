package tui

import (
	"strings"
	"testing"
	"time"

	"shipdesk/calendar"
	"shipdesk/domain"
	"shipdesk/storage"
)

// channelsFixture: at testNow (2024-05-10, a Friday), jd-shop expires in 3 days, pp-shop
// is fine with a weekly Friday cut-off at 23:00 (in 3 hours in the warehouse zone) and an
// order shipped without tracking, tb-main lapsed on 2024-05-01, shop9 is only seen in
// imports. Rebate 1 (tb-main) is unconfirmed; rebate 2 (jd-shop) confirmed and claimable.
func channelsFixture(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	h := newHarness(t, []domain.Trade{trade("shop9", "A", "alice", testNow.Add(-48*time.Hour), 1), trade("pp-shop", "B", "bob", testNow.Add(-48*time.Hour), 1)}, 150, 30, opts...)
	boss := storage.Actor{Operator: "test", Role: domain.RoleSupervisor}
	set := func(name, platform string, expires time.Time, settle string) {
		t.Helper()
		st, _ := domain.ParseSettlement(settle)
		if _, err := h.store.SetChannel(name, storage.ChannelChange{Platform: &platform, AuthExpires: &expires, Settlement: &st}, testNow, boss); err != nil {
			t.Fatal(err)
		}
	}
	set("jd-shop", "jd", testNow.Add(3*24*time.Hour), "none")
	set("pp-shop", "paipai", testNow.AddDate(1, 0, 0), "weekly:fri")
	set("tb-main", "taobao", time.Date(2024, 5, 1, 0, 0, 0, 0, testLoc), "none")
	cut := 23 * time.Hour
	h.store.SetChannel("pp-shop", storage.ChannelChange{CutOff: &cut}, testNow, boss)
	if _, err := h.store.Convert([]domain.Key{{Channel: "pp-shop", TradeID: "B"}}, testNow, boss); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.store.Ship(orderRef("pp-shop:B"), domain.ShipInput{NoTracking: "printer down"}, domain.ShipPolicy{Country: "CN"}, testNow, boss); err != nil {
		t.Fatal(err)
	}
	cal := calendar.New()
	cny := domain.Money{Minor: 30000, Currency: "CNY"}
	if _, err := h.store.AddRebate(storage.RebateInput{Channel: "tb-main", Order: "SUB-TB", OrderedAt: time.Date(2024, 4, 1, 9, 0, 0, 0, testLoc), Amount: cny}, cal, testLoc, testNow, boss); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.AddRebate(storage.RebateInput{Channel: "jd-shop", Order: "SUB-JD", OrderedAt: time.Date(2024, 3, 1, 9, 0, 0, 0, testLoc), Amount: cny,
		ConfirmedAt: time.Date(2024, 3, 2, 9, 0, 0, 0, testLoc)}, cal, testLoc, testNow, boss); err != nil {
		t.Fatal(err)
	}
	h.press("8")
	return h
}

func TestChannelsViewShowsEveryState(t *testing.T) {
	h := channelsFixture(t)
	h.mustShow("Channels — 4", "EXPIRED", "9 days ago", "NOT SET UP", "expiring", "3 days left", "ok", "365 days left",
		"Fri 05-10 23:00", "1 / 0 ◀ CUT-OFF WITHIN 24 H", "Subscription rebates — 2", "UNCONFIRMED", "never while unconfirmed", "claimable ◀ claim")
	// jd: 20 working days after Friday 2024-03-01 is 2024-03-29.
	if !strings.Contains(h.lineWith("SUB-JD"), "2024-03-29") {
		t.Errorf("jd rebate line: %q", h.lineWith("SUB-JD"))
	}
	h.press("1")
	h.mustShow("AUTHORIZATION EXPIRED: tb-main", "expiring within 7 days: jd-shop", "channels not set up: shop9",
		"1 subscription rebate waiting for confirmation", "1 rebate claimable now", "CUT-OFF WITHIN 24 H", "1 shipped without tracking")
}

func TestChannelsViewKeys(t *testing.T) {
	h := channelsFixture(t)
	// The cursor starts on jd-shop: r asks for the new expiry, suggesting a year ahead.
	h.press("r")
	h.mustShow("Re-authorize jd-shop", "until: 2025-05-10")
	h.press("enter")
	h.mustShow("re-authorized jd-shop until 2025-05-10")
	c, _, _ := h.store.Channel("jd-shop")
	if len(c.Reauths) != 1 || c.Reauths[0].Operator != "tester" || !c.AuthExpires.Equal(time.Date(2025, 5, 10, 0, 0, 0, 0, testLoc)) {
		t.Fatalf("after r: %+v", c)
	}
	// A rebate key on a channel row says where to go.
	h.press("l")
	h.mustShow("move the cursor to a rebate")
	// The last row is rebate 2: claim, then mark paid, each after a confirmation.
	h.press("G", "l")
	h.mustShow("Claim rebate 2 (jd-shop SUB-JD, 300.00 CNY)")
	h.press("y")
	h.mustShow("rebate 2 (jd-shop SUB-JD, 300.00 CNY) claimed")
	h.press("p", "n")
	h.mustNotShow("marked paid")
	h.press("p", "y")
	h.mustShow("marked paid")
	// Rebate 1 is unconfirmed: a claim is refused; c confirms it with a date.
	h.press("k", "l", "y")
	h.mustShow("not confirmed yet")
	h.press("c")
	h.mustShow("confirmed at: 2024-05-10")
	h.press("enter")
	h.mustShow("rebate 1 (tb-main SUB-TB, 300.00 CNY) confirmed")
	list, _ := h.store.Rebates()
	if list[0].ConfirmedAt.IsZero() || list[1].PaidAt.IsZero() {
		t.Fatalf("rebates after the keys: %+v", list)
	}
	// A line that is not a date keeps the prompt open and says why; esc changes nothing.
	h.press("g", "r", "ctrl+u")
	h.typeText("soon")
	h.press("enter")
	h.mustShow("Re-authorize jd-shop", `"soon" is not a time`)
	h.press("esc")
	// An esc in the prompt changes nothing.
	h.press("g", "r", "esc")
	if c, _, _ := h.store.Channel("jd-shop"); len(c.Reauths) != 1 {
		t.Errorf("esc re-authorized: %+v", c.Reauths)
	}
}

func TestChannelsViewNeedsASupervisor(t *testing.T) {
	h := channelsFixture(t, func(c *Config) { c.Role = domain.RoleOperator })
	h.press("r")
	h.mustShow("changing a channel needs the supervisor role")
	h.press("G", "p")
	h.mustShow("changing a rebate needs the supervisor role")
}
