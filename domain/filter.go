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
		if uncased(r) {
			dst = append(dst, s[i:i+n]...) // as stored: no need to look the rune up
		} else {
			dst = utf8.AppendRune(dst, unicode.ToLower(r)) // an invalid byte decodes as U+FFFD
		}
		i += n
	}
	return dst
}

// uncased says whether r lies in one of the two long stretches of Unicode where no
// character has a lower-case form: from the Coptic block's end to Cyrillic Extended-B
// (CJK, kana, Hangul jamo, Yi) and from Latin Extended-D's end to just before the
// full-width capitals (Hangul syllables, CJK compatibility, full-width punctuation). The
// Chinese and Korean names, addresses and titles of most orders fall in them, and looking
// each of their runes up in the case tables was the largest part of building the search
// text. TestUncasedRunesHaveNoLowerCase holds the ranges to the unicode tables.
func uncased(r rune) bool {
	return r >= 0x2cf3 && r <= 0xa63f || r >= 0xa7f6 && r <= 0xff20
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
