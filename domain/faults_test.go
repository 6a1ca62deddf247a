package domain

import (
	"io"
	"strings"
	"testing"
)

// csvOrder is an order CSV of one row per line item: buyer, trade and item columns given.
func csvOrder(rows ...[3]string) string {
	var b strings.Builder
	b.WriteString(strings.Join(CSVColumns, ",") + "\n")
	for _, r := range rows {
		// r: trade_id, buyer, price; qty 1
		b.WriteString(strings.Join([]string{"tb-main", "taobao", r[0], r[1], "Alice", "138", "1 Road", "CN", "paid", "TR1",
			"2026-11-20T10:00:00Z", "CNY", "1.00", "SKU-1", "tea", "1", r[2]}, ",") + "\n")
	}
	return b.String()
}

func jsonlWith(old, new string) string { return strings.Replace(sampleLine, old, new, 1) }

// Invalid UTF-8 is refused with its line in both formats, in a key and in free text
// alike, so two trade IDs never merge and a name is never stored one way from one format
// and another way from the other.
func TestInvalidUTF8IsRefusedInBothFormats(t *testing.T) {
	jsonl := jsonlWith(`"T1001"`, "\"T\xff\"") + "\n" + jsonlWith(`"T1001"`, "\"T\xfe\"") + "\n"
	_, err := ParseJSONL("o.jsonl", strings.NewReader(jsonl))
	if ie := lineErrors(t, err, "o.jsonl"); len(ie) != 2 || ie[0].Line != 1 || !strings.Contains(ie[0].Reason, "UTF-8") {
		t.Fatalf("invalid UTF-8 trade IDs: %v", err)
	}
	// A JSON escape that decodes to U+FFFD (a lone surrogate) cannot merge keys either.
	_, err = ParseJSONL("o.jsonl", strings.NewReader(jsonlWith(`"T1001"`, `"T\udcff"`)+"\n"))
	if ie := lineErrors(t, err, "o.jsonl"); len(ie) != 1 || !strings.Contains(ie[0].Reason, "trade_id") {
		t.Fatalf("a trade ID of a lone surrogate: %v", err)
	}
	_, err = ParseJSONL("o.jsonl", strings.NewReader(sampleLine+"\n"+jsonlWith(`"alice88"`, "\"al\xffice\"")+"\n"))
	if ie := lineErrors(t, err, "o.jsonl"); len(ie) != 1 || ie[0].Line != 2 || !strings.Contains(ie[0].Reason, "UTF-8") {
		t.Fatalf("a JSONL buyer of invalid UTF-8: %v", err)
	}
	_, err = ParseCSV("o.csv", strings.NewReader(csvOrder([3]string{"T1", "al\xffice", "1.00"})))
	if ie := lineErrors(t, err, "o.csv"); len(ie) != 1 || ie[0].Line != 2 || !strings.Contains(ie[0].Reason, "UTF-8") {
		t.Fatalf("a CSV buyer of invalid UTF-8: %v", err)
	}
	_, err = ParseCSV("o.csv", strings.NewReader(csvOrder([3]string{"T\xff", "alice", "1.00"})))
	if ie := lineErrors(t, err, "o.csv"); len(ie) != 1 || !strings.Contains(ie[0].Reason, "UTF-8") {
		t.Fatalf("a CSV trade ID of invalid UTF-8: %v", err)
	}
	// Refund reasons: the same rule from either format.
	refund := `{"channel":"tb","refund_id":"R1","trade_id":"T1","kind":"not_received","amount":"1.00","currency":"CNY","reason":"bad` + "\xff" + `","requested_at":"2026-11-21T08:00:00Z"}`
	_, err = ParseRefundJSONL("r.jsonl", strings.NewReader(refund+"\n"))
	if ie := lineErrors(t, err, "r.jsonl"); len(ie) != 1 || !strings.Contains(ie[0].Reason, "UTF-8") {
		t.Fatalf("a JSONL refund reason of invalid UTF-8: %v", err)
	}
	_, err = ParseRefundCSV("r.csv", strings.NewReader("channel,refund_id,trade_id,kind,amount,currency,reason,requested_at\ntb,R1,T1,not_received,1.00,CNY,bad\xff,2026-11-21T08:00:00Z\n"))
	if ie := lineErrors(t, err, "r.csv"); len(ie) != 1 || !strings.Contains(ie[0].Reason, "UTF-8") {
		t.Fatalf("a CSV refund reason of invalid UTF-8: %v", err)
	}
}

// Amounts and their products are checked at import: nothing wraps.
func TestAmountsThatWouldWrapAreRefused(t *testing.T) {
	big := jsonlWith(`"qty":1,"price":"144.97"`, `"qty":1000000,"price":"999999999999999.99"`)
	_, err := ParseJSONL("o.jsonl", strings.NewReader(sampleLine+"\n"+big+"\n"))
	if ie := lineErrors(t, err, "o.jsonl"); len(ie) != 1 || ie[0].Line != 2 || !strings.Contains(ie[0].Reason, "too large") {
		t.Fatalf("price × qty past int64: %v", err)
	}
	// Each line fits; their sum does not.
	item := `{"sku":"S","title":"t","qty":1000,"price":"999999999999999.99"}`
	many := jsonlWith(`[{"sku":"SKU-1","title":"Green tea","qty":1,"price":"144.97"}]`, "["+strings.Repeat(item+",", 99)+item+"]")
	_, err = ParseJSONL("o.jsonl", strings.NewReader(many+"\n"))
	if ie := lineErrors(t, err, "o.jsonl"); len(ie) != 1 || !strings.Contains(ie[0].Reason, "too large") {
		t.Fatalf("line totals adding past the limit: %v", err)
	}
	_, err = ParseCSV("o.csv", strings.NewReader(strings.Replace(csvOrder([3]string{"T1", "alice", "999999999999999.99"}), ",1,999", ",1000000,999", 1)))
	if ie := lineErrors(t, err, "o.csv"); len(ie) != 1 || !strings.Contains(ie[0].Reason, "too large") {
		t.Fatalf("CSV price × qty past int64: %v", err)
	}
	if _, err := ParseJSONL("o.jsonl", strings.NewReader(jsonlWith(`"qty":1,"price":"144.97"`, `"qty":1000,"price":"99999999999.99"`)+"\n")); err != nil {
		t.Fatalf("a large order that fits: %v", err)
	}
}

// Lines that cannot be read say, in an operator's words and with their line, what is
// wrong.
func TestUnreadableLinesSayWhatIsWrong(t *testing.T) {
	long := sampleLine + "\n" + `{"channel":"` + strings.Repeat("x", 3<<20) + `"}` + "\n"
	err := ScanJSONL("o.jsonl", strings.NewReader(long), func([]Trade) error { return nil })
	if ie := lineErrors(t, err, "o.jsonl"); len(ie) != 1 || ie[0].Line != 2 || !strings.Contains(ie[0].Reason, "longer than 1 MiB") || strings.Contains(ie[0].Reason, "bufio") {
		t.Fatalf("a 3 MB line: %v", err)
	}
	_, err = ParseJSONL("o.jsonl", strings.NewReader(sampleLine+"\n\ufeff"+otherLine+"\n"))
	if ie := lineErrors(t, err, "o.jsonl"); len(ie) != 1 || ie[0].Line != 2 || !strings.Contains(ie[0].Reason, "byte order mark") {
		t.Fatalf("a BOM in the middle: %v", err)
	}
	_, err = ParseJSONL("o.jsonl", strings.NewReader(jsonlWith(`"items":[`, `"items":"oops","x":[`)+"\n"))
	if ie := lineErrors(t, err, "o.jsonl"); len(ie) != 1 || !strings.Contains(ie[0].Reason, "items must be a list") || strings.Contains(ie[0].Reason, "domain.") {
		t.Fatalf("items of the wrong type: %v", err)
	}
	_, err = ParseJSONL("o.jsonl", strings.NewReader(jsonlWith(`"qty":1`, `"qty":"one"`)+"\n"))
	if ie := lineErrors(t, err, "o.jsonl"); len(ie) != 1 || !strings.Contains(ie[0].Reason, "must be a whole number") {
		t.Fatalf("qty of the wrong type: %v", err)
	}
	// A tracking upload whose first line is too long is not "empty".
	_, err = ParseTracking("t.txt", strings.NewReader(strings.Repeat("x", 70<<10)+"\n"), nil)
	if err == nil || strings.Contains(err.Error(), "empty") || !strings.Contains(err.Error(), "t.txt:1: line is longer than 64 KiB") {
		t.Fatalf("a GSPAY file with a long first line: %v", err)
	}
}

// A CSV row without end is refused at maxLine, not read into memory whole.
func TestCSVRowWithoutEndIsRefusedAtTheLimit(t *testing.T) {
	endless := func() *endlessReader { return &endlessReader{} }
	in := endless()
	_, err := ParseCSV("o.csv", io.MultiReader(strings.NewReader(csvOrder([3]string{"T1", "a", "1.00"})), in))
	if ie := lineErrors(t, err, "o.csv"); len(ie) != 1 || ie[0].Line != 3 || !strings.Contains(ie[0].Reason, "row is longer than 1 MiB") {
		t.Fatalf("an endless row: %v", err)
	}
	if in.n > 2*maxLine {
		t.Fatalf("read %d bytes of an endless row", in.n)
	}
	in = endless()
	_, err = ParseRefundCSV("r.csv", in)
	if ie := lineErrors(t, err, "r.csv"); len(ie) != 1 || ie[0].Line != 1 || !strings.Contains(ie[0].Reason, "row is longer than 1 MiB") {
		t.Fatalf("an endless header: %v", err)
	}
	if in.n > 2*maxLine {
		t.Fatalf("read %d bytes of an endless header", in.n)
	}
	// Carrier events read their CSV through the same bounded reader.
	in = endless()
	_, err = ParseEventCSV("e.csv", io.MultiReader(strings.NewReader("tracking,at,status\n"), in))
	if ie := lineErrors(t, err, "e.csv"); len(ie) != 1 || ie[0].Line != 2 || !strings.Contains(ie[0].Reason, "row is longer than 1 MiB") {
		t.Fatalf("an endless event row: %v", err)
	}
	if in.n > 2*maxLine {
		t.Fatalf("read %d bytes of an endless event row", in.n)
	}
}

// endlessReader is a field that never ends.
type endlessReader struct{ n int }

func (r *endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += len(p)
	if r.n > 64*maxLine {
		return 0, io.EOF // a safety net for a test that fails
	}
	return len(p), nil
}
