package domain

import "strings"

// SearchText is what an operator's filter words are matched against: trade ID, buyer,
// consignee name, payment reference, SKUs and item titles, lower-cased and joined with a
// separator no word can contain. Storage keeps it beside its indexes so a filter never
// has to decode whole records.
func SearchText(t *Trade) string {
	var b strings.Builder
	b.Grow(len(t.TradeID) + len(t.Buyer) + len(t.Consignee.Name) + len(t.PaymentRef) + 24*len(t.Items) + 8)
	for _, f := range []string{t.TradeID, t.Buyer, t.Consignee.Name, t.PaymentRef} {
		b.WriteString(f)
		b.WriteByte(0)
	}
	for i := range t.Items {
		b.WriteString(t.Items[i].SKU)
		b.WriteByte(0)
		b.WriteString(t.Items[i].Title)
		b.WriteByte(0)
	}
	return strings.ToLower(b.String())
}

// TextMatches reports whether every word occurs in a SearchText.
func TextMatches(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// TradeMatches reports whether every lower-case word occurs in one of the trade's
// searchable fields.
func TradeMatches(t *Trade, words []string) bool {
	return TextMatches(SearchText(t), words)
}
