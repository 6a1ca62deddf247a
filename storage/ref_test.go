package storage

import (
	"strings"

	"shipdesk/domain"
)

// orderRef is s parsed as the command line parses it; a reference that does not parse
// is passed on bare, so storage's own refusal (an empty reference) can be tested.
func orderRef(s string) domain.OrderRef {
	r, err := domain.ParseOrderRef(s)
	if err != nil {
		return domain.OrderRef{Bare: strings.TrimSpace(s)}
	}
	return r
}

// amountOf is s parsed as an amount; one that does not parse is the zero amount.
func amountOf(s string) domain.Amount {
	a, _ := domain.ParseAmount(s)
	return a
}
