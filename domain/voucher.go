package domain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// VoucherTerms are a product's e-voucher terms as an order line carries them (seed 003,
// rules 23–27). The zero value is a line of goods.
type VoucherTerms struct {
	// ValidUntil is the last instant a code may be redeemed. A line whose file gave a
	// date (Day) gets the end of that day in the warehouse's zone from ResolveVoucherDays.
	ValidUntil    time.Time
	Day           string // "2027-01-31" when the file gave a date rather than a time
	RefundRatio   int    // basis points of the unit price refunded for an unused unit: 9000 = 90%
	MinRatio      int    // the category minimum of RefundRatio, in basis points
	ExpiredRefund bool   // expired units are refunded by the formula
	AutoRefund    bool   // the platform refunds unexpired units on request, without the seller
}

// IsVoucher reports whether the line is an e-voucher rather than goods.
func (v VoucherTerms) IsVoucher() bool { return !v.ValidUntil.IsZero() || v.Day != "" }

// RawVoucher is the wire form of voucher terms on an order line.
type RawVoucher struct {
	ValidUntil    string `json:"valid_until"`
	RefundRatio   string `json:"refund_ratio"`
	MinRatio      string `json:"min_ratio"`
	ExpiredRefund bool   `json:"expired_refund"`
	AutoRefund    bool   `json:"auto_refund"`
}

// VoucherCSVColumns are the optional columns of an order CSV that carry voucher terms;
// empty on lines of goods.
var VoucherCSVColumns = []string{"voucher_valid_until", "voucher_refund_ratio", "voucher_min_ratio",
	"voucher_expired_refund", "voucher_auto_refund"}

// ParseRatio reads a ratio as "90%", "92.5%" or "0.9" into basis points.
func ParseRatio(s string) (int, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("ratio is empty")
	}
	pct := strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	whole, frac, _ := strings.Cut(t, ".")
	if whole == "" || !digits(whole) || !digits(frac) || len(whole) > 4 {
		return 0, fmt.Errorf("ratio %q is not a percentage such as 90%%", s)
	}
	// Basis points are 2 decimal places of a percentage, 4 of a fraction (0.9).
	if pct && len(frac) > 2 || !pct && len(frac) > 4 {
		return 0, fmt.Errorf("ratio %q has too many decimal places", s)
	}
	w, _ := strconv.Atoi(whole)
	var bp int
	if pct {
		bp = w * 100
		f := (frac + "00")[:2]
		n, _ := strconv.Atoi(f)
		bp += n
	} else {
		bp = w * 10000
		f := (frac + "0000")[:4]
		n, _ := strconv.Atoi(f)
		bp += n
	}
	return bp, nil
}

// RatioText prints basis points as a percentage: 9000 → "90%", 9250 → "92.5%".
func RatioText(bp int) string {
	s := strconv.Itoa(bp/100) + "." + fmt.Sprintf("%02d", bp%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// Validate turns wire terms into VoucherTerms, or says what is wrong (rule 26: a ratio
// over 100% or under the category minimum is refused).
func (r RawVoucher) Validate() (VoucherTerms, error) {
	var v VoucherTerms
	s := strings.TrimSpace(r.ValidUntil)
	switch {
	case s == "":
		return v, errors.New("voucher valid_until is missing")
	case len(s) == 10:
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return v, fmt.Errorf("voucher valid_until %q is not a date such as 2027-01-31", s)
		}
		v.Day = s
	default:
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return v, fmt.Errorf("voucher valid_until %q is not a date such as 2027-01-31 or an RFC 3339 time", s)
		}
		if t.Year() < 2000 || t.Year() > 2199 {
			return v, fmt.Errorf("voucher valid_until %q is out of range", s)
		}
		v.ValidUntil = t.UTC()
	}
	var err error
	if v.RefundRatio, err = ParseRatio(r.RefundRatio); err != nil {
		return v, fmt.Errorf("voucher refund_ratio: %v", err)
	}
	if strings.TrimSpace(r.MinRatio) != "" {
		if v.MinRatio, err = ParseRatio(r.MinRatio); err != nil {
			return v, fmt.Errorf("voucher min_ratio: %v", err)
		}
	}
	if v.RefundRatio > 10000 {
		return v, fmt.Errorf("voucher refund_ratio %s is over 100%%", RatioText(v.RefundRatio))
	}
	if v.MinRatio > 10000 {
		return v, fmt.Errorf("voucher min_ratio %s is over 100%%", RatioText(v.MinRatio))
	}
	if v.RefundRatio < v.MinRatio {
		return v, fmt.Errorf("voucher refund_ratio %s is under the category minimum %s", RatioText(v.RefundRatio), RatioText(v.MinRatio))
	}
	v.ExpiredRefund, v.AutoRefund = r.ExpiredRefund, r.AutoRefund
	return v, nil
}

// checkVoucherTrade refuses an order that mixes vouchers and goods (naming the first line
// that differs from the first) and a voucher order without the buyer's phone.
func checkVoucherTrade(t *Trade) error {
	if len(t.Items) == 0 {
		return nil
	}
	first := t.Items[0].Voucher.IsVoucher()
	for i := range t.Items {
		if t.Items[i].Voucher.IsVoucher() != first {
			what := "goods"
			if !first {
				what = "a voucher"
			}
			return fmt.Errorf("item %d (%s) is %s: an order is all vouchers or all goods", i+1, t.Items[i].SKU, what)
		}
	}
	if first && len(PhoneDigits(t.Consignee.Phone)) < 4 {
		return errors.New("a voucher order needs the buyer's phone (consignee.phone)")
	}
	return nil
}

// IsVoucherTrade reports whether a trade's lines are e-vouchers.
func IsVoucherTrade(t *Trade) bool { return len(t.Items) > 0 && t.Items[0].Voucher.IsVoucher() }

// PhoneDigits keeps the digits of a phone number.
func PhoneDigits(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] >= '0' && p[i] <= '9' {
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

// EndOfDay is the last instant of the date day (2006-01-02) in loc.
func EndOfDay(day string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", day, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date such as 2027-01-31", day)
	}
	return d.AddDate(0, 0, 1).Add(-time.Second).UTC(), nil
}

// ParseValidUntil reads a voucher's new valid-until (an extension): a date alone means
// the end of that day in loc, as a file's voucher dates do; a date and time is taken as
// given.
func ParseValidUntil(text string, loc *time.Location) (time.Time, error) {
	text = strings.TrimSpace(text)
	if len(text) == len("2006-01-02") {
		return EndOfDay(text, loc)
	}
	t, err := ParseWhen(text, loc)
	if err == nil && t.IsZero() {
		err = fmt.Errorf("give a date such as 2027-03-31")
	}
	return t, err
}

// ResolveVoucherDays gives each voucher line whose file named a date the end of that day
// in the warehouse's zone loc. Import calls it on every trade before writing.
func ResolveVoucherDays(t *Trade, loc *time.Location) {
	for i := range t.Items {
		v := &t.Items[i].Voucher
		if v.Day != "" && v.ValidUntil.IsZero() {
			if end, err := EndOfDay(v.Day, loc); err == nil {
				v.ValidUntil = end
			}
		}
	}
}

// Code length bounds and default (rule 23).
const (
	MinCodeDigits     = 6
	MaxCodeDigits     = 11
	DefaultCodeDigits = 10
)

// CheckCodeDigits says why n is not an allowed code length.
func CheckCodeDigits(n int) error {
	if n < MinCodeDigits || n > MaxCodeDigits {
		return fmt.Errorf("voucher code length %d is not between %d and %d digits", n, MinCodeDigits, MaxCodeDigits)
	}
	return nil
}

// NewVoucherCode draws a code of n digits (the first not zero, so a code never loses a
// digit in a spreadsheet) uniformly from r, which is crypto/rand in production and a
// fixed stream in tests. Uniqueness is storage's: it draws again on a code seen before.
func NewVoucherCode(r io.Reader, n int) (string, error) {
	if err := CheckCodeDigits(n); err != nil {
		return "", err
	}
	lo := uint64(1)
	for i := 1; i < n; i++ {
		lo *= 10
	}
	span := lo*10 - lo
	limit := (^uint64(0) / span) * span // rejection keeps every code equally likely
	var b [8]byte
	for tries := 0; tries < 64; tries++ {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("drawing a voucher code: %w", err)
		}
		if v := binary.BigEndian.Uint64(b[:]); v < limit {
			return strconv.FormatUint(lo+v%span, 10), nil
		}
	}
	return "", errors.New("drawing a voucher code: the random source is not random")
}

// ValidCodeShape reports whether s looks like a voucher code (6–11 digits).
func ValidCodeShape(s string) bool {
	return len(s) >= MinCodeDigits && len(s) <= MaxCodeDigits && digits(s)
}

// MaskCode hides all but the last four digits of a code, for anyone who may not see
// codes in full.
func MaskCode(code string) string {
	if len(code) <= 4 {
		return code
	}
	return strings.Repeat("•", len(code)-4) + code[len(code)-4:]
}

// ShownCode is code as the one asking may see it: in full on the warehouse's own machine
// and to supervisors; over SSH (remote) anyone else sees only its last four digits.
func ShownCode(code string, role Role, remote bool) string {
	if remote && role < RoleSupervisor {
		return MaskCode(code)
	}
	return code
}

// CodeFee is the fee kept per code on a voucher refund: 1.00 in the currency's major unit.
func CodeFee(currency string) Money {
	v := int64(1)
	for i := 0; i < Exponent(currency); i++ {
		v *= 10
	}
	return Money{Minor: v, Currency: currency}
}

// VoucherRefundAmount is rule 26's formula: units × unit price × ratio, rounded half up to
// the currency's minor unit, minus the code fee, never below zero.
func VoucherRefundAmount(units int, price Money, ratioBP int) Money {
	if units <= 0 || price.Minor <= 0 || ratioBP <= 0 {
		return Money{Currency: price.Currency}
	}
	n := new(big.Int).Mul(big.NewInt(int64(units)), big.NewInt(price.Minor))
	n.Mul(n, big.NewInt(int64(ratioBP)))
	n.Add(n, big.NewInt(5000))
	n.Quo(n, big.NewInt(10000))
	n.Sub(n, big.NewInt(CodeFee(price.Currency).Minor))
	if n.Sign() <= 0 {
		return Money{Currency: price.Currency}
	}
	if !n.IsInt64() {
		return Money{Minor: 1<<63 - 1, Currency: price.Currency}
	}
	return Money{Minor: n.Int64(), Currency: price.Currency}
}
