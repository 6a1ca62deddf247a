package domain

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an integer count of minor units in one ISO 4217 currency. Never a float.
type Money struct {
	Minor    int64
	Currency string
}

// zeroDecimal lists currencies whose minor unit is the major unit.
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true, "VND": true, "CLP": true, "ISK": true}

// threeDecimal lists currencies with three decimal places.
var threeDecimal = map[string]bool{"BHD": true, "KWD": true, "OMR": true, "JOD": true, "TND": true, "LYD": true, "IQD": true}

// Exponent is the number of decimal places of the currency.
func Exponent(currency string) int {
	switch {
	case zeroDecimal[currency]:
		return 0
	case threeDecimal[currency]:
		return 3
	}
	return 2
}

// ValidCurrency reports whether c looks like an ISO 4217 code (three upper-case letters).
func ValidCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// ParseMoney reads a decimal string such as "144.97" in the given currency.
// More decimal places than the currency has is an error, not a rounding.
func ParseMoney(s, currency string) (Money, error) {
	if !ValidCurrency(currency) {
		return Money{}, fmt.Errorf("currency %q is not an ISO 4217 code", currency)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Money{}, fmt.Errorf("amount is empty")
	}
	neg := false
	body := s
	if body[0] == '-' {
		neg, body = true, body[1:]
	}
	whole, frac, hasDot := strings.Cut(body, ".")
	exp := Exponent(currency)
	if whole == "" || (hasDot && frac == "") || !digits(whole) || !digits(frac) {
		return Money{}, fmt.Errorf("amount %q is not a decimal number", s)
	}
	if len(frac) > exp {
		return Money{}, fmt.Errorf("amount %q has more than %d decimal places for %s", s, exp, currency)
	}
	if len(strings.TrimLeft(whole, "0")) > 15 {
		return Money{}, fmt.Errorf("amount %q is too large", s)
	}
	// At most 15 digits before the point and 3 after it: no overflow of int64.
	var v int64
	for i := 0; i < len(whole); i++ {
		v = v*10 + int64(whole[i]-'0')
	}
	for i := 0; i < exp; i++ {
		v *= 10
		if i < len(frac) {
			v += int64(frac[i] - '0')
		}
	}
	if neg {
		v = -v
	}
	return Money{Minor: v, Currency: currency}, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Decimal prints the amount without the currency: "144.97".
func (m Money) Decimal() string {
	exp := Exponent(m.Currency)
	v := m.Minor
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if exp == 0 {
		return sign + strconv.FormatInt(v, 10)
	}
	s := strconv.FormatInt(v, 10)
	for len(s) <= exp {
		s = "0" + s
	}
	return sign + s[:len(s)-exp] + "." + s[len(s)-exp:]
}

// String prints "144.97 CNY".
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// maxAmount bounds an amount in minor units: what ParseMoney reads at most (15 digits
// before the point, 3 after). A line total or a sum of them past it is refused at import,
// so that a few of them still add up without wrapping.
const maxAmount = 1e18 - 1

// TimesChecked multiplies by a quantity, and says false when the product passes
// maxAmount (or the quantity is negative) instead of wrapping.
func (m Money) TimesChecked(n int) (Money, bool) {
	if n < 0 || m.Minor < -maxAmount || m.Minor > maxAmount {
		return Money{}, false
	}
	if n != 0 && (m.Minor > maxAmount/int64(n) || m.Minor < -maxAmount/int64(n)) {
		return Money{}, false
	}
	return Money{Minor: m.Minor * int64(n), Currency: m.Currency}, true
}

// Times multiplies by a quantity.
func (m Money) Times(n int) Money { return Money{Minor: m.Minor * int64(n), Currency: m.Currency} }
