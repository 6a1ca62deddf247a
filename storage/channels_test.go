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

var boss = Actor{Operator: "sam", Role: domain.RoleSupervisor}

// plainWeeks is a working-day calendar of Monday to Friday for 2026 and 2027.
type plainWeeks struct{}

func (plainWeeks) WorkDay(d time.Time) (bool, error) {
	if d.Year() > 2027 {
		return false, &domain.UnknownYearError{Year: d.Year(), Known: "2026–2027"}
	}
	return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday, nil
}

func strp(s string) *string { return &s }

func TestChannelsSetUpReauthorizedAndNotSetUp(t *testing.T) {
	s := shippingStore(t) // trades of tb and jd
	exp := t0.AddDate(0, 0, 3)
	fri, _ := domain.ParseSettlement("weekly:fri")
	c, err := s.SetChannel("tb", ChannelChange{Platform: strp("taobao"), Shop: strp("Main shop"), Language: strp("zh"), AuthExpires: &exp, Settlement: &fri}, t0, boss)
	if err != nil || c.Platform != "taobao" || c.Settlement.Kind != domain.SettleWeekly {
		t.Fatalf("set: %+v %v", c, err)
	}
	// A change of one field keeps the others.
	cut := 18 * time.Hour
	if c, err = s.SetChannel("tb", ChannelChange{CutOff: &cut}, t0, boss); err != nil || c.Shop != "Main shop" || c.Settlement.At != cut || c.Settlement.Kind != domain.SettleWeekly {
		t.Fatalf("cut-off: %+v %v", c, err)
	}
	if _, err := s.SetChannel("tb", ChannelChange{Platform: strp("ebay")}, t0, boss); err == nil {
		t.Fatal("an unknown platform was accepted")
	}
	rows, err := s.Channels()
	if err != nil || len(rows) != 2 || rows[0].Name != "jd" || rows[0].SetUp || rows[1].Name != "tb" || !rows[1].SetUp {
		t.Fatalf("channels: %+v %v", rows, err)
	}
	if st := rows[0].State(t0, domain.DefaultAuthWarning); st != domain.AuthNotSetUp {
		t.Errorf("jd: %s", st)
	}
	if st := rows[1].State(t0, domain.DefaultAuthWarning); st != domain.AuthExpiring {
		t.Errorf("tb three days before: %s", st)
	}
	if _, err := s.Reauthorize("jd", t0, t0, boss); !errors.Is(err, ErrNoChannel) {
		t.Errorf("reauth of a channel not set up: %v", err)
	}
	later := t0.AddDate(0, 0, 10)
	until := t0.AddDate(1, 0, 0)
	c, err = s.Reauthorize("tb", until, later, boss)
	if err != nil || !c.AuthExpires.Equal(until) || len(c.Reauths) != 1 || !c.Reauths[0].Old.Equal(exp) || c.Reauths[0].Operator != "sam" {
		t.Fatalf("reauth: %+v %v", c, err)
	}
	got, found, err := s.Channel("tb")
	if err != nil || !found || len(got.Reauths) != 1 || got.Shop != "Main shop" {
		t.Fatalf("Channel: %+v %v %v", got, found, err)
	}
	sum, err := s.ChannelSummary(later, domain.DefaultAuthWarning, time.UTC)
	if err != nil || len(sum.Expiring)+len(sum.Expired) != 0 || strings.Join(sum.NotSetUp, ",") != "jd" {
		t.Errorf("summary after reauth: %+v %v", sum, err)
	}
	if !sum.NextCutOff.Equal(time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)) || strings.Join(sum.CutOffChannels, ",") != "tb" {
		t.Errorf("next cut-off: %v %v", sum.NextCutOff, sum.CutOffChannels)
	}
}

// The cut-off's lists: shipped orders without tracking and shipments not uploaded, per
// channel, from counters that every order write keeps and doctor checks.
func TestCutOffListsFollowShippingAndUploads(t *testing.T) {
	s := shippingStore(t)
	ship := func(ref string, in domain.ShipInput) {
		t.Helper()
		if _, _, err := s.Ship(orderRef(ref), in, cn, t0, boss); err != nil {
			t.Fatal(err)
		}
	}
	ship("SO1", domain.ShipInput{Carrier: "ems", Number: numA})
	ship("SO2", domain.ShipInput{NoTracking: "label printer down"})
	ship("SO3", domain.ShipInput{Carrier: "ems", Number: numB}) // jd
	ship("SO4", domain.ShipInput{Carrier: "ems", Number: numC})
	want := func(ch string, noTracking, notUploaded int) {
		t.Helper()
		rows, err := s.Channels()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Name == ch {
				if r.NoTracking != noTracking || r.NotUploaded != notUploaded {
					t.Errorf("%s: %d without tracking, %d not uploaded; want %d, %d", ch, r.NoTracking, r.NotUploaded, noTracking, notUploaded)
				}
				return
			}
		}
		t.Errorf("%s not listed", ch)
	}
	want("tb", 1, 2)
	want("jd", 0, 1)
	n, err := s.MarkUploaded([]uint64{1, 2, 3}, t0, boss) // SO2 has no number
	if err != nil || n != 2 {
		t.Fatalf("mark: %d %v", n, err)
	}
	want("tb", 1, 1)
	want("jd", 0, 0)
	if n, _ := s.MarkUploaded([]uint64{1}, t0, boss); n != 0 {
		t.Errorf("marked twice: %d", n)
	}
	// A corrected number is not uploaded until it is marked again; a number entered
	// for the order shipped without one moves it to the other list.
	ship("SO1", domain.ShipInput{Carrier: "ems", Number: numD, Override: ""})
	ship("SO2", domain.ShipInput{Carrier: "ems", Number: "EE040293661CN", Override: "label as printed"})
	want("tb", 0, 3)
	// Delivered orders leave the lists.
	if _, err := s.SetOrderStatus([]uint64{4}, domain.OrderDelivered, t0, boss); err != nil {
		t.Fatal(err)
	}
	want("tb", 0, 2)
	rep, err := s.Doctor(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("doctor: %v %v", rep.Problems, err)
	}
	// Damage to the counters is named and repaired.
	if err := s.db.Update(func(tx *bolt.Tx) error { return putCounter(tx, kSettleNotUploaded+"@tb", 5) }); err != nil {
		t.Fatal(err)
	}
	rep, _ = s.Doctor(context.Background())
	if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), `"settle/not_uploaded@tb" is 7, the records make it 2`) {
		t.Fatalf("doctor after damage: %v", rep.Problems)
	}
	if _, err := s.Repair(context.Background(), t0, boss); err != nil {
		t.Fatal(err)
	}
	want("tb", 0, 2)
}

func TestRebatesAddConfirmClaimPay(t *testing.T) {
	s := shippingStore(t)
	if _, err := s.AddRebate(RebateInput{Channel: "tb", Order: "S1", OrderedAt: t0, Amount: domain.Money{Minor: 3000, Currency: "CNY"}}, plainWeeks{}, time.UTC, t0, boss); !errors.Is(err, ErrNoChannel) {
		t.Fatalf("a channel not set up: %v", err)
	}
	s.SetChannel("tb", ChannelChange{Platform: strp("taobao")}, t0, boss)
	ordered := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) // a Friday
	r, err := s.AddRebate(RebateInput{Channel: "tb", Order: "S1", OrderedAt: ordered, Amount: domain.Money{Minor: 3000, Currency: "CNY"}}, plainWeeks{}, time.UTC, t0, boss)
	if err != nil || r.ID != 1 || r.ClaimableOn.Format(time.DateOnly) != "2026-11-27" {
		t.Fatalf("add: %+v %v", r, err)
	}
	if _, err := s.AddRebate(RebateInput{Channel: "tb", Order: "S1", OrderedAt: ordered, Amount: domain.Money{Minor: 1, Currency: "CNY"}}, plainWeeks{}, time.UTC, t0, boss); err == nil {
		t.Error("the same order twice")
	}
	if _, err := s.AddRebate(RebateInput{Channel: "tb", Order: "S2", OrderedAt: time.Date(2027, 12, 30, 0, 0, 0, 0, time.UTC), Amount: domain.Money{Minor: 1, Currency: "CNY"}}, plainWeeks{}, time.UTC, t0, boss); !errors.As(err, new(*domain.UnknownYearError)) {
		t.Errorf("beyond the calendar: %v", err)
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d.Add(10 * time.Hour) }
	if _, err := s.ClaimRebate(1, time.UTC, day("2027-06-01"), boss); err == nil {
		t.Fatal("an unconfirmed rebate was claimed months later")
	}
	sum, _ := s.ChannelSummary(day("2027-06-01"), domain.DefaultAuthWarning, time.UTC)
	if sum.Unconfirmed != 1 || sum.Claimable != 0 {
		t.Errorf("unconfirmed: %+v", sum)
	}
	if _, err := s.ConfirmRebate(1, ordered.Add(time.Hour), t0, boss); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimRebate(1, time.UTC, day("2026-11-26"), boss); err == nil {
		t.Error("claimed the day before")
	}
	if _, err := s.PayRebate(1, day("2026-11-26"), boss); err == nil {
		t.Error("paid before claimed")
	}
	sum, _ = s.ChannelSummary(day("2026-11-27"), domain.DefaultAuthWarning, time.UTC)
	if sum.Unconfirmed != 0 || sum.Claimable != 1 {
		t.Errorf("claimable: %+v", sum)
	}
	if r, err = s.ClaimRebate(1, time.UTC, day("2026-11-27"), boss); err != nil || r.State(day("2026-11-27")) != domain.RebateClaimed {
		t.Fatalf("claim: %v", err)
	}
	if r, err = s.PayRebate(1, day("2026-12-01"), boss); err != nil || r.State(day("2026-12-01")) != domain.RebatePaid {
		t.Fatalf("paid: %v", err)
	}
	if _, err := s.PayRebate(9, t0, boss); !errors.Is(err, ErrNoRebate) {
		t.Errorf("no such rebate: %v", err)
	}
	list, err := s.Rebates()
	if err != nil || len(list) != 1 || list[0].ID != 1 || list[0].PaidAt.IsZero() {
		t.Errorf("list: %+v %v", list, err)
	}
}
