package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// CodeState is where one voucher code stands.
type CodeState uint8

const (
	CodeLive     CodeState = iota + 1 // may be redeemed
	CodeUsed                          // every unit it covered was redeemed
	CodeVoid                          // partly redeemed: a new code covers the rest
	CodeExpired                       // valid-until passed with units left
	CodeRefunded                      // its units were refunded
)

// CodeStates lists every state in display order.
var CodeStates = []CodeState{CodeLive, CodeUsed, CodeVoid, CodeExpired, CodeRefunded}

var codeStateNames = map[CodeState]string{CodeLive: "live", CodeUsed: "used", CodeVoid: "void", CodeExpired: "expired", CodeRefunded: "refunded"}

func (s CodeState) String() string { return codeStateNames[s] }

// ParseCodeState reads a state name ("locked" too: a live code locked by failed tries);
// a unique prefix is enough.
func ParseCodeState(s string) (CodeState, bool, error) {
	if s != "" && strings.HasPrefix("locked", s) && !strings.HasPrefix("live", s) {
		return CodeLive, true, nil
	}
	st, err := parseName(s, CodeStates)
	if err != nil {
		return 0, false, fmt.Errorf("voucher state %q is not one of live, used, void, expired, refunded, locked", s)
	}
	return st, false, nil
}

// Lockout (rule 24): this many failed tries on one code within LockWindow lock it for
// LockFor.
const (
	MaxRedeemFailures = 5
	LockWindow        = time.Hour
	LockFor           = time.Hour
)

// VoucherCode is one code issued for an order line: it covers Units units of the line.
type VoucherCode struct {
	Code          string      `json:"code"`
	Line          int         `json:"line"` // the order line, from 1
	SKU           string      `json:"sku"`
	Title         string      `json:"title"`
	Price         Money       `json:"price"` // unit price
	RefundRatio   int         `json:"refund_ratio"`
	ExpiredRefund bool        `json:"expired_refund,omitempty"`
	AutoRefund    bool        `json:"auto_refund,omitempty"`
	Units         int         `json:"units"`    // units the code covers
	Redeemed      int         `json:"redeemed"` // units redeemed with it
	State         CodeState   `json:"state"`
	ValidUntil    time.Time   `json:"valid_until"`
	IssuedAt      time.Time   `json:"issued_at"`
	Replaces      string      `json:"replaces,omitempty"`
	ReplacedBy    string      `json:"replaced_by,omitempty"`
	Refunded      Money       `json:"refunded"` // what its refund gave back
	Failures      []time.Time `json:"failures,omitempty"`
	LockedUntil   time.Time   `json:"locked_until,omitempty"`
	ClosedAt      time.Time   `json:"closed_at,omitempty"`
}

// Locked reports whether failed tries have locked the code at now.
func (c *VoucherCode) Locked(now time.Time) bool { return now.Before(c.LockedUntil) }

// Left is the units the code may still redeem.
func (c *VoucherCode) Left() int {
	if c.State != CodeLive {
		return 0
	}
	return c.Units - c.Redeemed
}

// StateAt is the state as export and lists show it: live codes locked at now are "locked".
func (c *VoucherCode) StateAt(now time.Time) string {
	if c.State == CodeLive && c.Locked(now) {
		return "locked"
	}
	return c.State.String()
}

// ExpiringWithin is how far ahead a live code counts as expiring: in the status, on the
// dashboard and in the console's list of codes.
const ExpiringWithin = 7 * 24 * time.Hour

// Expiring reports whether c is live and its valid-until falls within ExpiringWithin of
// now (a code already past it is the expiry sweep's, not expiring).
func (c *VoucherCode) Expiring(now time.Time) bool {
	return c.State == CodeLive && !c.ValidUntil.Before(now) && !c.ValidUntil.After(now.Add(ExpiringWithin))
}

// Voucher is an e-voucher order (SPEC §2): the buyer's phone and every code issued for
// its lines, oldest first.
type Voucher struct {
	OrderNo  uint64        `json:"order_no"`
	Key      Key           `json:"key"`
	Phone    string        `json:"phone"`
	Codes    []VoucherCode `json:"codes"`
	ResentAt time.Time     `json:"resent_at,omitempty"`
}

// Code finds a code of the voucher; nil if it has none such.
func (v *Voucher) Code(code string) *VoucherCode {
	for i := range v.Codes {
		if v.Codes[i].Code == code {
			return &v.Codes[i]
		}
	}
	return nil
}

// Live is the codes that may still be redeemed.
func (v *Voucher) Live() []*VoucherCode {
	var out []*VoucherCode
	for i := range v.Codes {
		if v.Codes[i].State == CodeLive {
			out = append(out, &v.Codes[i])
		}
	}
	return out
}

// VoucherTally is a voucher order's units by where they stand (rule 27).
type VoucherTally struct {
	Issued, Redeemed, Live, Expired, Refunded int
}

// Tally counts the order's units: issued by the first code of each line; redeemed by
// every code; live, expired and refunded by the codes in those states.
func (v *Voucher) Tally() VoucherTally {
	var t VoucherTally
	for i := range v.Codes {
		c := &v.Codes[i]
		if c.Replaces == "" {
			t.Issued += c.Units
		}
		t.Redeemed += c.Redeemed
		switch c.State {
		case CodeLive:
			t.Live += c.Units - c.Redeemed
		case CodeExpired:
			t.Expired += c.Units - c.Redeemed
		case CodeRefunded:
			t.Refunded += c.Units - c.Redeemed
		}
	}
	return t
}

// OrderState is rule 27's word for the order: available (units left), used (all
// redeemed) or unavailable (refunded or expired).
func (t VoucherTally) OrderState() string {
	switch {
	case t.Live > 0:
		return "available"
	case t.Redeemed == t.Issued:
		return "used"
	}
	return "unavailable"
}

// IssueCodes makes the codes of a converted voucher order: one per line, covering all its
// units (rule 23). draw gives a fresh code each call (storage draws from crypto/rand and
// never hands out a code it has seen).
func IssueCodes(o SalesOrder, now time.Time, draw func() (string, error)) (Voucher, error) {
	if !IsVoucherTrade(&o.Trade) {
		return Voucher{}, fmt.Errorf("%s is not a voucher order", OrderNumber(o.No))
	}
	v := Voucher{OrderNo: o.No, Key: o.Key, Phone: o.Consignee.Phone}
	for i, it := range o.Items {
		code, err := draw()
		if err != nil {
			return Voucher{}, err
		}
		t := it.Voucher
		v.Codes = append(v.Codes, VoucherCode{Code: code, Line: i + 1, SKU: it.SKU, Title: it.Title, Price: it.Price,
			RefundRatio: t.RefundRatio, ExpiredRefund: t.ExpiredRefund, AutoRefund: t.AutoRefund,
			Units: it.Qty, State: CodeLive, ValidUntil: t.ValidUntil, IssuedAt: now})
	}
	return v, nil
}

// ErrRedeemRefused is the one refusal for an unknown code and for a wrong phone: the
// counter must not learn which codes exist.
var ErrRedeemRefused = errors.New("refused: this code and these phone digits do not match a live voucher")

// RedeemInput is what the counter enters.
type RedeemInput struct {
	Code   string
	Phone4 string
	Units  int // 0: every unit left
	POS    string
}

// CheckRedeemInput says what is wrong with the counter's entry before anything is looked up.
func CheckRedeemInput(in RedeemInput) error {
	switch {
	case !ValidCodeShape(in.Code):
		return fmt.Errorf("code %q is not %d–%d digits", in.Code, MinCodeDigits, MaxCodeDigits)
	case len(in.Phone4) != 4 || !digits(in.Phone4):
		return errors.New("the phone's last four digits are four digits")
	case in.Units < 0:
		return errors.New("units must be a positive number")
	case len(in.POS) > 64:
		return errors.New("the POS ID is longer than 64 bytes")
	}
	return nil
}

// Redemption is one line of the redemption log (rule 24).
type Redemption struct {
	At       time.Time `json:"at"`
	OrderNo  uint64    `json:"order_no"`
	Code     string    `json:"code"`
	NewCode  string    `json:"new_code,omitempty"`
	SKU      string    `json:"sku"`
	Units    int       `json:"units"`
	Left     int       `json:"left"`
	POS      string    `json:"pos,omitempty"`
	Operator string    `json:"operator"`
}

// RecordFailure counts a failed try on code c at now: tries older than LockWindow are
// forgotten, and the fifth within it locks the code for LockFor.
func RecordFailure(c *VoucherCode, now time.Time) {
	kept := c.Failures[:0]
	for _, f := range c.Failures {
		if now.Sub(f) < LockWindow {
			kept = append(kept, f)
		}
	}
	c.Failures = append(kept, now)
	if len(c.Failures) >= MaxRedeemFailures {
		c.LockedUntil, c.Failures = now.Add(LockFor), nil
	}
}

// LockedError refuses a locked code to someone who gave its phone digits right.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("refused: locked after %d failed tries; try again after %s UTC", MaxRedeemFailures, e.Until.UTC().Format("2006-01-02 15:04"))
}

// Redeem redeems in.Units (0: all) of code c of voucher v at now (rule 24), once the
// phone digits have matched (storage checks them first and counts a failure otherwise).
// All used → the code is used. Some left → the code is void and newCode, drawn by the
// caller, covers the rest. It returns the redemption to log and the new code, if any.
func Redeem(v *Voucher, c *VoucherCode, in RedeemInput, now time.Time, operator string, draw func() (string, error)) (Redemption, *VoucherCode, error) {
	if c.Locked(now) {
		return Redemption{}, nil, &LockedError{Until: c.LockedUntil}
	}
	switch c.State {
	case CodeLive:
	case CodeVoid:
		return Redemption{}, nil, fmt.Errorf("refused: code is void — %d of its units were redeemed and a new code was issued for the rest", c.Redeemed)
	default:
		return Redemption{}, nil, fmt.Errorf("refused: code is %s", c.State)
	}
	if now.After(c.ValidUntil) {
		return Redemption{}, nil, fmt.Errorf("refused: code is expired (valid until %s UTC)", c.ValidUntil.UTC().Format("2006-01-02 15:04"))
	}
	left := c.Left()
	units := in.Units
	if units == 0 {
		units = left
	}
	if units > left {
		return Redemption{}, nil, fmt.Errorf("refused: %d units asked, the code has %d left", units, left)
	}
	r := Redemption{At: now, OrderNo: v.OrderNo, Code: c.Code, SKU: c.SKU, Units: units, Left: left - units, POS: in.POS, Operator: operator}
	c.Redeemed += units
	c.Failures, c.ClosedAt = nil, now
	if c.Redeemed == c.Units {
		c.State = CodeUsed
		return r, nil, nil
	}
	code, err := draw()
	if err != nil {
		return Redemption{}, nil, err
	}
	c.State, c.ReplacedBy = CodeVoid, code
	next := VoucherCode{Code: code, Line: c.Line, SKU: c.SKU, Title: c.Title, Price: c.Price, RefundRatio: c.RefundRatio,
		ExpiredRefund: c.ExpiredRefund, AutoRefund: c.AutoRefund, Units: c.Units - c.Redeemed, State: CodeLive,
		ValidUntil: c.ValidUntil, IssuedAt: now, Replaces: c.Code}
	r.NewCode = code
	return r, &next, nil
}

// Summary is the counter's result line: "✓ redeemed 2 of 3, new code … sent".
func (r Redemption) Summary(showCode func(string) string) string {
	s := fmt.Sprintf("✓ redeemed %d of %d", r.Units, r.Units+r.Left)
	if r.NewCode != "" {
		s += fmt.Sprintf(", new code %s sent for the %d left", showCode(r.NewCode), r.Left)
	}
	return s
}

// Extend moves the valid-until of every live code of v to until (rule 25): later only.
func Extend(v *Voucher, until time.Time) error {
	live := v.Live()
	if len(live) == 0 {
		return fmt.Errorf("%s has no live code to extend", OrderNumber(v.OrderNo))
	}
	for _, c := range live {
		if !until.After(c.ValidUntil) {
			return fmt.Errorf("refused: validity is never shortened — %s valid until %s, asked %s",
				c.SKU, c.ValidUntil.UTC().Format("2006-01-02 15:04 UTC"), until.UTC().Format("2006-01-02 15:04 UTC"))
		}
	}
	for _, c := range live {
		c.ValidUntil = until
	}
	return nil
}

// Expire ends every live code of v whose valid-until has passed at now (rule 26) and
// gives the refund each owes: the formula over its units when the product refunds
// expired units, else nothing. The codes it changed are returned with their refunds.
func Expire(v *Voucher, now time.Time) []ExpiredCode {
	var out []ExpiredCode
	for _, c := range v.Live() {
		if !now.After(c.ValidUntil) {
			continue
		}
		units := c.Left()
		e := ExpiredCode{Code: c.Code, SKU: c.SKU, Units: units, Refund: Money{Currency: c.Price.Currency}}
		if c.ExpiredRefund {
			e.Refund = VoucherRefundAmount(units, c.Price, c.RefundRatio)
		}
		c.State, c.ClosedAt, c.Refunded = CodeExpired, now, e.Refund
		out = append(out, e)
	}
	return out
}

// ExpiredCode is one code Expire ended.
type ExpiredCode struct {
	Code   string
	SKU    string
	Units  int
	Refund Money // zero when the product does not refund expired units, or the formula gave nothing
}

// UnexpiredRefund is the formula over the live codes of v (rule 26: unexpired auto
// refund), one fee per code; refund marks those codes refunded with their amounts.
func UnexpiredRefund(v *Voucher, currency string) Money {
	sum := Money{Currency: currency}
	for _, c := range v.Live() {
		sum.Minor += VoucherRefundAmount(c.Left(), c.Price, c.RefundRatio).Minor
	}
	return sum
}

// AutoRefunds reports whether every live code's product lets the platform refund it.
func AutoRefunds(v *Voucher) bool {
	live := v.Live()
	for _, c := range live {
		if !c.AutoRefund {
			return false
		}
	}
	return len(live) > 0
}

// RefundCodes marks every live code refunded at now: by formula (full is false), or
// with the whole line paid when the order is refunded in full (not_received).
func RefundCodes(v *Voucher, now time.Time, full bool) {
	for _, c := range v.Live() {
		amount := VoucherRefundAmount(c.Left(), c.Price, c.RefundRatio)
		if full {
			amount = c.Price.Times(c.Left())
		}
		c.State, c.ClosedAt, c.Refunded = CodeRefunded, now, amount
	}
}

// CheckResend allows one resend a warehouse day (rule 23; the message sent at issue does
// not count): a second the same day is refused, saying until when to wait.
func CheckResend(v *Voucher, now time.Time, loc *time.Location) error {
	if len(v.Live()) == 0 {
		return fmt.Errorf("%s has no live code to resend", OrderNumber(v.OrderNo))
	}
	if v.ResentAt.IsZero() {
		return nil
	}
	last, cur := v.ResentAt.In(loc), now.In(loc)
	if last.Year() == cur.Year() && last.YearDay() == cur.YearDay() {
		next := time.Date(cur.Year(), cur.Month(), cur.Day()+1, 0, 0, 0, 0, loc)
		return fmt.Errorf("refused: %s resent today at %s (once a day) — wait until %s",
			OrderNumber(v.OrderNo), last.Format("15:04"), next.Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// VoucherMessage is the text sent to the buyer's phone with a code.
func VoucherMessage(c *VoucherCode, loc *time.Location) string {
	return fmt.Sprintf("Your voucher code %s: %d × %s, valid until %s", c.Code, c.Left(), c.Title,
		c.ValidUntil.In(loc).Format("2006-01-02 15:04 MST"))
}

// OutboxVoucherCode is the outbox kind of a code sent to the buyer's phone.
const OutboxVoucherCode = "voucher.code"
