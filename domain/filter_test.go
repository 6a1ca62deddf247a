package domain

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The runes appendLower copies without a lookup must be exactly those whose lower case is
// themselves, and every rune must come out as strings.ToLower makes it.
func TestUncasedRunesHaveNoLowerCase(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if uncased(r) && unicode.ToLower(r) != r {
			t.Fatalf("%U is treated as uncased but lower-cases to %U", r, unicode.ToLower(r))
		}
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		if got, want := string(appendLower(nil, s)), strings.ToLower(s); got != want {
			t.Fatalf("appendLower(%U) = %q, want %q", r, got, want)
		}
	}
}

func TestSearchTextLowerCasesEveryScript(t *testing.T) {
	tr := Trade{Key: Key{Channel: "tb", TradeID: "TB-77"}, Buyer: "ÅSA Öberg", PaymentRef: "PAY\xffX",
		Consignee: Consignee{Name: "马勇 ИВАН"},
		Items:     []Item{{SKU: "SKU-ＡＢ", Title: "檀香线香 한국 ΣΟΦΊΑ"}}}
	want := strings.Join([]string{"tb-77", "åsa öberg", "马勇 иван", "pay\ufffdx", "sku-ａｂ", "檀香线香 한국 σοφία"}, "\x00") + "\x00"
	if got := SearchText(&tr); got != want {
		t.Fatalf("SearchText = %q, want %q", got, want)
	}
}

// BenchmarkAppendSearchText builds the search text of a typical Chinese marketplace order.
func BenchmarkAppendSearchText(b *testing.B) {
	tr := Trade{Key: Key{Channel: "tb-main", TradeID: "2558124027182897110"}, Buyer: "tb0976244335",
		PaymentRef: "2027062422001799287286862016", Consignee: Consignee{Name: "马勇"},
		Items: []Item{{SKU: "SKU-GFT-0086", Title: "檀香线香"}, {SKU: "SKU-TEA-0362", Title: "茶叶试饮装"}, {SKU: "SKU-TEA-0339", Title: "大麦茶"}}}
	var buf []byte
	for b.Loop() {
		buf = AppendSearchText(buf[:0], &tr)
	}
}
