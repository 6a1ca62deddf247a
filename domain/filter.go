package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SearchText is what an operator's filter words are matched against: trade ID, buyer,
// consignee name, payment reference, SKUs and item titles, lower-cased and joined with a
// separator no word can contain. Storage keeps it beside its indexes so a filter never
// has to decode whole records.
func SearchText(t *Trade) string { return string(AppendSearchText(nil, t)) }

// AppendSearchText appends SearchText(t) to dst, lower-casing as it copies (as
// strings.ToLower does, invalid UTF-8 becoming U+FFFD), so an import builds it once.
func AppendSearchText(dst []byte, t *Trade) []byte {
	for _, f := range [...]string{t.TradeID, t.Buyer, t.Consignee.Name, t.PaymentRef} {
		dst = append(appendLower(dst, f), 0)
	}
	for i := range t.Items {
		dst = append(appendLower(dst, t.Items[i].SKU), 0)
		dst = append(appendLower(dst, t.Items[i].Title), 0)
	}
	return dst
}

func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r)) // an invalid byte decodes as U+FFFD
		i += n
	}
	return dst
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
