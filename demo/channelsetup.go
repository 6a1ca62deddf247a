package demo

import (
	"errors"
	"time"

	"shipdesk/calendar"
	"shipdesk/domain"
	"shipdesk/storage"
)

// The demo's channels in every state (rules 7, 28–29): most set up with their
// authorization far ahead, jd-store expiring within the week, pdd-outlet lapsed (and
// re-authorized once before), 1688-wholesale and manual seen in orders but not set up;
// settlement schedules among them, gspay-intl's cut-off a few hours from now so the
// dashboard is loud; paipai and yihaodian shops with subscription rebates only; and
// rebates in every state: unconfirmed, confirmed and waiting, claimable, claimed, paid,
// and one whose platform has no set waiting time.

// notSetUp are the demo channels left as imports found them.
var notSetUp = map[string]bool{"1688-wholesale": true, "manual": true}

var languages = map[string]string{"CNY": "zh", "RUB": "ru", "USD": "en"}

// settlements are the demo's schedules by channel; gspay-intl's is worked out from now.
var settlements = map[string]string{"tb-main": "monthly:1", "tmall-flagship": "monthly:15", "jd-store": "weekly:wed", "ali-global": "weekly:mon"}

// uploadedAfter: shipments older than this were exported with --mark-uploaded.
const uploadedAfter = 2 * day

// FillChannels sets up the demo's channels and rebates at now, for a warehouse in zone
// loc, and marks the older
// shipments' numbers uploaded, as an operator's daily export would have.
func FillChannels(s *storage.Store, g *Generator, now time.Time, loc *time.Location) error {
	by := storage.Actor{Operator: "demo", Role: domain.RoleSupervisor}
	str := func(v string) *string { return &v }
	for _, c := range g.Channels() {
		if notSetUp[c.Name] {
			continue
		}
		ch := storage.ChannelChange{Platform: str(c.Platform), Shop: str(shopName(c.Name)), Language: str(languages[c.Currency])}
		exp := c.AuthExpiry
		if c.Name == "pdd-outlet" {
			exp = c.AuthExpiry.AddDate(-1, 0, 0) // re-authorized below to the lapsed expiry
		}
		ch.AuthExpires = &exp
		spec, ok := settlements[c.Name]
		var st domain.Settlement
		if ok {
			st, _ = domain.ParseSettlement(spec)
		}
		if c.Name == "gspay-intl" { // seed 000: GSPAY freezes the payout at its cut-off
			soon := now.Add(6 * time.Hour).In(loc)
			st = domain.Settlement{Kind: domain.SettleWeekly, Weekday: soon.Weekday(), At: time.Duration(soon.Hour()) * time.Hour}
		}
		ch.Settlement = &st
		if _, err := s.SetChannel(c.Name, ch, now.Add(-300*day), by); err != nil {
			return err
		}
		if c.Name == "pdd-outlet" {
			if _, err := s.Reauthorize(c.Name, c.AuthExpiry, now.Add(-200*day), storage.Actor{Operator: "li.na", Role: domain.RoleSupervisor}); err != nil {
				return err
			}
		}
	}
	for _, c := range []struct{ name, platform, shop string }{{"pp-store", "paipai", "拍拍小店"}, {"yhd-store", "yihaodian", "1号店旗舰"}} {
		exp := now.Add(500 * day)
		if _, err := s.SetChannel(c.name, storage.ChannelChange{Platform: &c.platform, Shop: &c.shop, Language: str("zh"), AuthExpires: &exp}, now.Add(-450*day), by); err != nil {
			return err
		}
	}
	if err := fillRebates(s, now, loc, by); err != nil {
		return err
	}
	return markUploaded(s, now, by)
}

func shopName(channel string) string {
	return map[string]string{"tb-main": "茶叶旗舰店", "tmall-flagship": "天猫官方旗舰店", "jd-store": "京东自营店", "pdd-outlet": "拼多多工厂店",
		"douyin-live": "抖音直播间", "yz-shop": "有赞微商城", "ali-global": "Tea Global Store", "insales-ru": "Чайный магазин",
		"gspay-intl": "GSPAY International", "shopify-us": "Tea House US"}[channel]
}

// fillRebates records subscription orders in every state. A date beyond the working-day
// calendar's years leaves that rebate out rather than failing the demo.
func fillRebates(s *storage.Store, now time.Time, loc *time.Location, by storage.Actor) error {
	cal := calendar.New()
	cny := func(yuan int64) domain.Money { return domain.Money{Minor: yuan * 100, Currency: "CNY"} }
	type step uint8
	const (
		ordered step = iota
		confirmed
		claimed
		paid
	)
	for _, r := range []struct {
		channel, order string
		age            time.Duration
		amount         domain.Money
		to             step
		wait           domain.Wait
	}{
		{"tb-main", "TBSUB-20260001", 40 * day, cny(300), confirmed, domain.Wait{}},                        // claimable
		{"tmall-flagship", "TMSUB-88123", 2 * day, cny(600), confirmed, domain.Wait{}},                     // waiting its 5 working days
		{"jd-store", "JDSUB-55001", 60 * day, cny(1000), ordered, domain.Wait{}},                           // never confirmed: never claimable
		{"pp-store", "PP-2026-0042", 100 * day, cny(200), claimed, domain.Wait{}},                          // 2 months passed, claimed
		{"yhd-store", "YHD-7731", 400 * day, cny(500), paid, domain.Wait{}},                                // a year passed, paid
		{"yhd-store", "YHD-8120", 30 * day, cny(500), confirmed, domain.Wait{}},                            // eleven months to go
		{"douyin-live", "DY-SVC-310", 10 * day, cny(100), confirmed, domain.Wait{}},                        // no set wait: by hand
		{"yz-shop", "YZ-PLAN-12", 20 * day, cny(98), confirmed, domain.Wait{N: 15, Unit: domain.WaitDays}}, // a wait given by hand
	} {
		at := now.Add(-r.age)
		in := storage.RebateInput{Channel: r.channel, Order: r.order, OrderedAt: at, Amount: r.amount, Wait: r.wait}
		if r.to >= confirmed {
			in.ConfirmedAt = at.Add(20 * time.Hour)
		}
		reb, err := s.AddRebate(in, cal, loc, now, by)
		if errors.As(err, new(*domain.UnknownYearError)) {
			continue
		}
		if err != nil {
			return err
		}
		if r.to >= claimed {
			if _, err := s.ClaimRebate(reb.ID, loc, now, by); err != nil {
				return err
			}
		}
		if r.to >= paid {
			if _, err := s.PayRebate(reb.ID, now, by); err != nil {
				return err
			}
		}
	}
	return nil
}

// markUploaded records as uploaded the numbers of orders still in transit that shipped
// more than two days ago; the recent ones wait for the next export.
func markUploaded(s *storage.Store, now time.Time, by storage.Actor) error {
	var nos []uint64
	err := s.EachShipment(now.Add(-30*day), func(o domain.SalesOrder) error {
		if o.Status == domain.OrderShipped && o.Shipment.Number != "" && o.Shipment.ShippedAt.Before(now.Add(-uploadedAfter)) {
			nos = append(nos, o.No)
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.MarkUploaded(nos, now, by)
	return err
}
