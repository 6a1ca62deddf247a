package domain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// OrderRef is how an operator, a file or a command names a sales order, parsed once where
// it comes in: an order number (SO00000042, so42), a pool key (CHANNEL:TRADE_ID), or a bare
// trade ID or payment reference, which storage looks up in every channel and may find on
// more than one order.
type OrderRef struct {
	No   uint64 // an order number; 0 when the reference is not one
	Key  Key    // a CHANNEL:TRADE_ID key; zero when the reference is not one
	Bare string // a trade ID or payment reference; "" when the reference is one of the above
}

// ParseOrderRef reads a reference: SO number, CHANNEL:TRADE_ID, trade ID or payment
// reference. Surrounding spaces are ignored.
func ParseOrderRef(s string) (OrderRef, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return OrderRef{}, errors.New("order reference is empty")
	}
	if len(s) >= 3 && strings.EqualFold(s[:2], "SO") {
		if no, err := strconv.ParseUint(s[2:], 10, 64); err == nil && no > 0 {
			return OrderRef{No: no}, nil
		}
	}
	if strings.Contains(s, ":") {
		k, err := ParseKey(s)
		if err != nil {
			return OrderRef{}, err
		}
		return OrderRef{Key: k}, nil
	}
	return OrderRef{Bare: s}, nil
}

// RefTo is the reference of order number no.
func RefTo(no uint64) OrderRef { return OrderRef{No: no} }

func (r OrderRef) String() string {
	switch {
	case r.No != 0:
		return OrderNumber(r.No)
	case r.Key != Key{}:
		return r.Key.String()
	}
	return r.Bare
}

// Amount is a decimal amount typed for an order whose currency is known only once the
// order is found (a partial refund): its form is checked where it comes in, and In makes
// it Money in the order's currency.
type Amount struct {
	text      string
	thousands int64 // the amount in thousandths
	places    int   // decimal places as typed
}

// ParseAmount reads a decimal such as "12.50": digits, at most three decimal places.
func ParseAmount(s string) (Amount, error) {
	s = strings.TrimSpace(s)
	m, err := ParseMoney(s, "KWD") // three decimal places, the most any currency has
	if err != nil {
		return Amount{}, errors.New(strings.Replace(err.Error(), " for KWD", "", 1))
	}
	_, frac, _ := strings.Cut(s, ".")
	return Amount{text: s, thousands: m.Minor, places: len(frac)}, nil
}

// In is the amount in currency, refused when it has more decimal places than the
// currency.
func (a Amount) In(currency string) (Money, error) {
	if !ValidCurrency(currency) {
		return Money{}, fmt.Errorf("currency %q is not an ISO 4217 code", currency)
	}
	exp := Exponent(currency)
	if a.places > exp {
		return Money{}, fmt.Errorf("amount %q has more than %d decimal places for %s", a.text, exp, currency)
	}
	minor := a.thousands
	for range 3 - exp {
		minor /= 10
	}
	return Money{Minor: minor, Currency: currency}, nil
}

func (a Amount) String() string { return a.text }
