package cli

import (
	"regexp"
	"strconv"
	"time"

	"shipdesk/domain"
)

// codeDigits finds a voucher code in a message's text.
var codeDigits = regexp.MustCompile(`\b[0-9]{6,11}\b`)

// exportCode is one code as `export vouchers` writes it.
type exportCode struct {
	Code       string `json:"code"`
	Order      string `json:"order"`
	SKU        string `json:"sku"`
	State      string `json:"state"` // live, used, void, expired, refunded or locked
	Units      int    `json:"units"`
	Redeemed   int    `json:"redeemed"`
	ValidUntil string `json:"valid_until"`
	IssuedAt   string `json:"issued_at"`
	ReplacedBy string `json:"replaced_by"`
	Refunded   string `json:"refunded"`
}

var exportCodeColumns = []string{"code", "order", "sku", "state", "units", "redeemed", "valid_until", "issued_at", "replaced_by", "refunded"}

func (x exportCode) row() []string {
	return []string{x.Code, x.Order, x.SKU, x.State, strconv.Itoa(x.Units), strconv.Itoa(x.Redeemed), x.ValidUntil, x.IssuedAt, x.ReplacedBy, x.Refunded}
}

// exportRedemption is one line of the redemption log.
type exportRedemption struct {
	At       string `json:"at"`
	Order    string `json:"order"`
	Code     string `json:"code"`
	NewCode  string `json:"new_code"`
	SKU      string `json:"sku"`
	Units    int    `json:"units"`
	Left     int    `json:"left"`
	POS      string `json:"pos"`
	Operator string `json:"operator"`
}

var exportRedemptionColumns = []string{"at", "order", "code", "new_code", "sku", "units", "left", "pos", "operator"}

func (x exportRedemption) row() []string {
	return []string{x.At, x.Order, x.Code, x.NewCode, x.SKU, strconv.Itoa(x.Units), strconv.Itoa(x.Left), x.POS, x.Operator}
}

// redemptionFilter narrows export redemptions to one operator, POS ID or day (rule 27).
type redemptionFilter struct{ by, pos, day string }

// exportVouchers: shipdesk export vouchers [--format jsonl|csv] (one row per code) and
// export redemptions [--since T] [--by NAME] [--pos ID] [--day DATE] [--format jsonl|csv]
// (the log, oldest first).
func exportVouchers(e *env, what, format string, since time.Time, rf redemptionFilter) error {
	var dayFrom, dayTo time.Time
	if rf.day != "" {
		loc, err := e.location()
		if err != nil {
			return err
		}
		d, err := time.ParseInLocation("2006-01-02", rf.day, loc)
		if err != nil {
			return usagef("--day %q is not a date such as 2026-11-20", rf.day)
		}
		dayFrom, dayTo = d, d.AddDate(0, 0, 1)
		if since.Before(dayFrom) {
			since = dayFrom
		}
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	header := exportCodeColumns
	if what == "redemptions" {
		header = exportRedemptionColumns
	}
	write, done, err := rowWriter(e.stdout, format, header, e.onScreen)
	if err != nil {
		return err
	}
	if what == "redemptions" {
		return done(s.EachRedemption(since, func(r domain.Redemption) error {
			if rf.by != "" && r.Operator != rf.by || rf.pos != "" && r.POS != rf.pos || !dayTo.IsZero() && !r.At.Before(dayTo) {
				return nil
			}
			x := exportRedemption{At: domain.ISOTime(r.At), Order: domain.OrderNumber(r.OrderNo), Code: e.showCode(r.Code),
				SKU: r.SKU, Units: r.Units, Left: r.Left, POS: r.POS, Operator: r.Operator}
			if r.NewCode != "" {
				x.NewCode = e.showCode(r.NewCode)
			}
			return write(x.row(), x)
		}))
	}
	now := e.now()
	return done(s.EachVoucher(func(v domain.Voucher) error {
		for i := range v.Codes {
			c := &v.Codes[i]
			x := exportCode{Code: e.showCode(c.Code), Order: domain.OrderNumber(v.OrderNo), SKU: c.SKU, State: c.StateAt(now),
				Units: c.Units, Redeemed: c.Redeemed, ValidUntil: domain.ISOTime(c.ValidUntil), IssuedAt: domain.ISOTime(c.IssuedAt),
				Refunded: c.Refunded.Decimal()}
			if c.ReplacedBy != "" {
				x.ReplacedBy = e.showCode(c.ReplacedBy)
			}
			if c.Refunded.Currency == "" { // nothing refunded: zero in the line's currency
				x.Refunded = domain.Money{Currency: c.Price.Currency}.Decimal()
			}
			if err := write(x.row(), x); err != nil {
				return err
			}
		}
		return nil
	}))
}
