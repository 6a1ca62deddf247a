package domain

import "strings"

// TradeMatches reports whether every word (already lower-case) occurs in one of the
// fields an operator searches by: trade ID, buyer, consignee name, payment reference,
// SKU or item title.
func TradeMatches(t *Trade, words []string) bool {
	for _, w := range words {
		if !tradeHas(t, w) {
			return false
		}
	}
	return true
}

func tradeHas(t *Trade, w string) bool {
	if containsFold(t.TradeID, w) || containsFold(t.Buyer, w) || containsFold(t.Consignee.Name, w) ||
		containsFold(t.PaymentRef, w) {
		return true
	}
	for i := range t.Items {
		if containsFold(t.Items[i].SKU, w) || containsFold(t.Items[i].Title, w) {
			return true
		}
	}
	return false
}

// containsFold is a case-insensitive Contains for a lower-case needle; it avoids
// allocating for ASCII haystacks, which is most of them.
func containsFold(s, lowerNeedle string) bool {
	if len(lowerNeedle) > len(s) {
		return false
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		return strings.Contains(strings.ToLower(s), lowerNeedle)
	}
	n := len(lowerNeedle)
outer:
	for i := 0; i+n <= len(s); i++ {
		for j := 0; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lowerNeedle[j] {
				continue outer
			}
		}
		return true
	}
	return false
}
