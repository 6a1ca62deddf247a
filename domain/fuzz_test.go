package domain

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// checkImport asserts what every parser result must satisfy: either an error listing
// bad lines and no trades, or trades that each pass validation, one per key.
func checkImport(t *testing.T, f ImportFile, err error) {
	t.Helper()
	if err != nil {
		var ie ImportErrors
		if !errors.As(err, &ie) || len(ie) == 0 {
			t.Fatalf("error %v (%T) is not a non-empty ImportErrors", err, err)
		}
		for _, le := range ie {
			if le.Line < 1 || le.Reason == "" {
				t.Fatalf("line error %+v lacks a line or a reason", le)
			}
		}
		if len(f.Trades) != 0 {
			t.Fatalf("%d trades returned with an error", len(f.Trades))
		}
		return
	}
	seen := map[Key]bool{}
	for _, tr := range f.Trades {
		if tr.Channel == "" || tr.TradeID == "" {
			t.Fatalf("trade with an empty key: %+v", tr.Key)
		}
		if k, err := ParseKey(tr.Key.String()); err != nil || k != tr.Key {
			t.Fatalf("key %q does not round-trip: %v, %v", tr.Key.String(), k, err)
		}
		if seen[tr.Key] {
			t.Fatalf("key %s returned twice", tr.Key)
		}
		seen[tr.Key] = true
		if tr.TradeStatus.String() == "" {
			t.Fatalf("trade %s has no valid status: %d", tr.Key, tr.TradeStatus)
		}
		if tr.TradeStatus == TradePaid && tr.PaidAt.IsZero() {
			t.Fatalf("paid trade %s without paid_at", tr.Key)
		}
		if !ValidCurrency(tr.Total.Currency) || tr.Total.Minor < 0 {
			t.Fatalf("trade %s has total %v", tr.Key, tr.Total)
		}
		for _, it := range tr.Items {
			if it.Qty < 1 || it.SKU == "" || it.Price.Minor < 0 || it.Price.Currency != tr.Total.Currency {
				t.Fatalf("trade %s has a bad item %+v", tr.Key, it)
			}
		}
	}
}

func FuzzParseJSONL(f *testing.F) {
	f.Add([]byte(readFixture(f, "orders_ok.jsonl")))
	f.Add([]byte(sampleLine))
	f.Add([]byte(sampleLine + "\n" + sampleLine + "}\n\n" + otherLine))
	f.Add([]byte(strings.Replace(sampleLine, `"qty":1`, `"qty":"1"`, 1)))
	f.Add([]byte(`{"items":[{}]}` + "\n[]\nnull\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseJSONL("fuzz.jsonl", bytes.NewReader(data))
		checkImport(t, file, err)
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(readFixture(f, "orders_ok.csv")))
	f.Add([]byte(csvHeader + "\n" + csvRow1 + "\n" + csvRow2 + "\n"))
	f.Add([]byte(csvHeader + "\n" + csvRow1 + "\n" + csvRow2 + "\n" + csvRow1 + "\n"))
	f.Add([]byte(csvHeader + "\nt\"b,\"x\n"))
	f.Add([]byte("channel\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseCSV("fuzz.csv", bytes.NewReader(data))
		checkImport(t, file, err)
	})
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"144.97", "0.5", "-3.10", "1000", "1.2.3", "", "-", "999999999999999.99", " 7 "} {
		f.Add(s, "CNY")
	}
	f.Add("1000", "JPY")
	f.Add("12", "cny")
	f.Fuzz(func(t *testing.T, s, currency string) {
		m, err := ParseMoney(s, currency)
		if err != nil {
			return
		}
		again, err := ParseMoney(m.Decimal(), m.Currency)
		if err != nil || again != m {
			t.Fatalf("ParseMoney(%q, %q) = %+v prints as %q, which parses as %+v, %v", s, currency, m, m.Decimal(), again, err)
		}
		if !strings.HasSuffix(m.String(), " "+currency) {
			t.Fatalf("String() = %q lacks the currency %s", m.String(), currency)
		}
	})
}

// AppendSearchText lower-cases as it copies; it must give exactly what lower-casing the
// joined fields gives (filters written before it match the same).
func FuzzSearchText(f *testing.F) {
	f.Add("T1001", "Alice88", "İstanbul ẞ ΣΑΣ", "TR12", "SKU-1", "Green TEA 绿茶")
	f.Add("\xff\xe4\xb8", "a\xc3", "\xef\xbf\xbd", "", "", "\x80Z")
	f.Fuzz(func(t *testing.T, id, buyer, name, ref, sku, title string) {
		tr := Trade{Key: Key{TradeID: id}, Buyer: buyer, Consignee: Consignee{Name: name}, PaymentRef: ref,
			Items: []Item{{SKU: sku, Title: title}, {SKU: title, Title: sku}}}
		want := strings.ToLower(strings.Join([]string{id, buyer, name, ref, sku, title, title, sku, ""}, "\x00"))
		if got := SearchText(&tr); got != want {
			t.Fatalf("SearchText = %q, want %q", got, want)
		}
	})
}
