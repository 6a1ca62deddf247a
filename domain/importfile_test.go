package domain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sampleLine = `{"channel":"tb-main","platform":"taobao","trade_id":"T1001","buyer":"alice88","consignee":{"name":"Alice Wu","phone":"13800000000","address":"1 Road","country":"CN"},"trade_status":"paid","payment_ref":"TR1223370463258","paid_at":"2026-11-20T10:00:00Z","currency":"CNY","total":"144.97","items":[{"sku":"SKU-1","title":"Green tea","qty":1,"price":"144.97"}]}`

// otherLine is the sample line with another trade ID, so files can hold both.
var otherLine = strings.Replace(sampleLine, `"T1001"`, `"T1002"`, 1)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineErrors asserts err is ImportErrors for file and returns it.
func lineErrors(t *testing.T, err error, file string) ImportErrors {
	t.Helper()
	var ie ImportErrors
	if !errors.As(err, &ie) {
		t.Fatalf("error = %v (%T), want ImportErrors", err, err)
	}
	for _, le := range ie {
		if le.File != file {
			t.Errorf("line error %v names file %q, want %q", le, le.File, file)
		}
		if !strings.HasPrefix(le.Error(), fmt.Sprintf("%s:%d: ", file, le.Line)) {
			t.Errorf("line error prints as %q, want file:line: reason", le.Error())
		}
	}
	return ie
}

func wantLines(t *testing.T, ie ImportErrors, lines ...int) {
	t.Helper()
	var got []int
	for _, le := range ie {
		got = append(got, le.Line)
	}
	if fmt.Sprint(got) != fmt.Sprint(lines) {
		t.Errorf("bad lines = %v, want %v\n%v", got, lines, ie)
	}
}

func TestParseJSONLSample(t *testing.T) {
	f, err := ParseJSONL("orders.jsonl", strings.NewReader(sampleLine+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trades) != 1 {
		t.Fatalf("got %d trades, want 1", len(f.Trades))
	}
	if got, want := f.Trades[0], sampleTrade(); !got.Equal(want) {
		t.Errorf("trade = %+v\nwant    %+v", got, want)
	}
	if loc := f.Trades[0].PaidAt.Location(); loc != time.UTC {
		t.Errorf("PaidAt is in %v, want UTC", loc)
	}
}

func TestParseJSONLFixture(t *testing.T) {
	f, err := ParseJSONL("orders_ok.jsonl", strings.NewReader(readFixture(t, "orders_ok.jsonl")))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		key     string
		items   int
		status  TradeStatus
		total   string
		paidUTC string
	}{
		{"tb-main:T1001", 1, TradePaid, "144.97 CNY", "2026-11-20T10:00:00Z"},
		{"tmall-flagship:3900112233445566778", 0, TradePaid, "297.00 CNY", "2026-11-21T10:30:00Z"},
		{"insales-ru:1000245", 1, TradePaid, "3278.00 RUB", "2026-11-19T07:15:00Z"},
		{"manual:M-0001", 2, TradeUnpaid, "3000 JPY", ""},
	}
	if len(f.Trades) != len(want) {
		t.Fatalf("got %d trades, want %d", len(f.Trades), len(want))
	}
	for i, w := range want {
		tr := f.Trades[i]
		paid := ""
		if !tr.PaidAt.IsZero() {
			paid = tr.PaidAt.Format(time.RFC3339)
		}
		if tr.Key.String() != w.key || len(tr.Items) != w.items || tr.TradeStatus != w.status || tr.Total.String() != w.total || paid != w.paidUTC {
			t.Errorf("trade %d = %s items=%d %v %v paid=%q, want %s items=%d %v %s paid=%q",
				i, tr.Key, len(tr.Items), tr.TradeStatus, tr.Total, paid, w.key, w.items, w.status, w.total, w.paidUTC)
		}
	}
	if got := f.Trades[2].Consignee.Address; got != "125009, г. Москва, ул. Тверская, д. 12, кв. 34" {
		t.Errorf("Cyrillic address = %q", got)
	}
}

func TestParseJSONLBadLine(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"bad JSON", sampleLine, `{"channel":"tb-main",`, "not a JSON order"},
		{"not an object", sampleLine, `["tb-main","T1001"]`, "JSON object"},
		{"trailing brace", sampleLine, sampleLine + "}", "extra text"},
		{"two values", sampleLine, sampleLine + " " + otherLine, "extra text"},
		{"qty is a string", `"qty":1`, `"qty":"1"`, "qty"},
		{"qty is a fraction", `"qty":1`, `"qty":1.5`, "qty"},
		{"total is a number", `"total":"144.97"`, `"total":144.97`, "total"},
		{"unknown platform", `"platform":"taobao"`, `"platform":"ebay"`, "platform"},
		{"missing platform", `"platform":"taobao",`, ``, "platform"},
		{"bad trade_status", `"trade_status":"paid"`, `"trade_status":"shipped"`, "trade_status"},
		{"paid without paid_at", `"paid_at":"2026-11-20T10:00:00Z"`, `"paid_at":""`, "paid_at is required"},
		{"bad paid_at", `"paid_at":"2026-11-20T10:00:00Z"`, `"paid_at":"2026-11-20 10:00"`, "RFC 3339"},
		{"bad total", `"total":"144.97"`, `"total":"144.9.7"`, "total"},
		{"negative total", `"total":"144.97"`, `"total":"-144.97"`, "negative"},
		{"bad currency", `"currency":"CNY"`, `"currency":"cny"`, "ISO 4217"},
		{"item qty 0", `"qty":1`, `"qty":0`, "qty 0"},
		{"item qty negative", `"qty":1`, `"qty":-2`, "qty -2"},
		{"item price with 3 decimals", `"qty":1,"price":"144.97"`, `"qty":1,"price":"144.975"`, "decimal places"},
		{"negative item price", `"qty":1,"price":"144.97"`, `"qty":1,"price":"-1.00"`, "negative"},
		{"empty sku", `"sku":"SKU-1"`, `"sku":""`, "sku"},
		{"channel with space", `"channel":"tb-main"`, `"channel":"tb main"`, "spaces"},
		{"empty channel", `"channel":"tb-main"`, `"channel":""`, "channel is empty"},
		{"trade_id with colon", `"trade_id":"T1001"`, `"trade_id":"T:1001"`, "colons"},
		{"trade_id with escape", `"trade_id":"T1001"`, `"trade_id":"T1001\u001b[2J"`, "control"},
		{"buyer too long", `"buyer":"alice88"`, `"buyer":"` + strings.Repeat("a", 4097) + `"`, "longer than 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(sampleLine, tt.from, tt.to, 1)
			if bad == sampleLine {
				t.Fatalf("test case does not change the sample line")
			}
			in := strings.Join([]string{otherLine, bad, sampleLine}, "\n")
			f, err := ParseJSONL("orders.jsonl", strings.NewReader(in))
			if len(f.Trades) != 0 {
				t.Errorf("got %d trades from a file with a bad line, want none", len(f.Trades))
			}
			ie := lineErrors(t, err, "orders.jsonl")
			wantLines(t, ie, 2)
			if len(ie) == 1 && !strings.Contains(ie[0].Reason, tt.want) {
				t.Errorf("reason %q does not mention %q", ie[0].Reason, tt.want)
			}
		})
	}
}

func TestParseJSONLLineNumbers(t *testing.T) {
	in := strings.Join([]string{
		"",                // 1 blank
		sampleLine,        // 2
		"{",               // 3 bad
		"   \t",           // 4 blank
		otherLine,         // 5
		`{"channel":"x"}`, // 6 bad
	}, "\n")
	_, err := ParseJSONL("day1.jsonl", strings.NewReader(in))
	wantLines(t, lineErrors(t, err, "day1.jsonl"), 3, 6)
}

func TestParseJSONLCapsReportedLines(t *testing.T) {
	in := strings.Repeat("nonsense\n", maxReported+20)
	_, err := ParseJSONL("junk.jsonl", strings.NewReader(in))
	ie := lineErrors(t, err, "junk.jsonl")
	if len(ie) != maxReported+1 {
		t.Fatalf("reported %d lines, want %d", len(ie), maxReported+1)
	}
	if last := ie[len(ie)-1]; !strings.Contains(last.Reason, "more bad lines") {
		t.Errorf("last reported line = %v, want a note that more follow", last)
	}
}

func TestParseJSONLBlankAndDuplicates(t *testing.T) {
	later := strings.Replace(sampleLine, `"buyer":"alice88"`, `"buyer":"alice99"`, 1)
	in := "\n\n" + sampleLine + "\r\n\n" + otherLine + "\n  \n" + later + "\n\n"
	f, err := ParseJSONL("orders.jsonl", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trades) != 2 {
		t.Fatalf("got %d trades, want 2 (one per key)", len(f.Trades))
	}
	if f.Trades[0].TradeID != "T1001" || f.Trades[0].Buyer != "alice99" {
		t.Errorf("first trade = %s buyer %q, want T1001 from the last record (alice99) at the first position", f.Trades[0].Key, f.Trades[0].Buyer)
	}
	if f.Trades[1].TradeID != "T1002" {
		t.Errorf("second trade = %s, want T1002", f.Trades[1].Key)
	}
}

func TestParseJSONLEmpty(t *testing.T) {
	f, err := ParseJSONL("empty.jsonl", strings.NewReader("\n \n"))
	if err != nil || len(f.Trades) != 0 {
		t.Errorf("empty file = %d trades, %v; want none and no error", len(f.Trades), err)
	}
}

func TestParseJSONLLongLine(t *testing.T) {
	long := strings.Replace(sampleLine, `"title":"Green tea"`, `"title":"`+strings.Repeat("茶", 400_000)+`"`, 1)
	_, err := ParseJSONL("big.jsonl", strings.NewReader(sampleLine+"\n"+long+"\n"))
	ie := lineErrors(t, err, "big.jsonl")
	if len(ie) == 0 {
		t.Fatal("a line over 1 MiB must be reported")
	}
}

// csvHeader is CSVColumns as a header row.
var csvHeader = strings.Join(CSVColumns, ",")

const (
	csvRow1 = "tb-main,taobao,T1001,alice88,Alice Wu,13800000000,1 Road,CN,paid,TR1223370463258,2026-11-20T10:00:00Z,CNY,144.97,SKU-1,Green tea,1,144.97"
	csvRow2 = "tb-main,taobao,T1002,bob,Bob Li,13900000000,2 Road,CN,paid,TR1223370463259,2026-11-20T11:00:00Z,CNY,10.00,SKU-2,Cup,1,10.00"
)

func TestParseCSVFixture(t *testing.T) {
	f, err := ParseCSV("orders_ok.csv", strings.NewReader(readFixture(t, "orders_ok.csv")))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trades) != 3 {
		t.Fatalf("got %d trades, want 3", len(f.Trades))
	}
	multi := sampleTrade()
	multi.Total = Money{20697, "CNY"}
	multi.Items = append(multi.Items, Item{SKU: "SKU-2", Title: "Cup, glass", Qty: 2, Price: Money{3100, "CNY"}})
	if !f.Trades[0].Equal(multi) {
		t.Errorf("multi-item trade = %+v\nwant %+v", f.Trades[0], multi)
	}
	head := f.Trades[1]
	if head.Key != (Key{"jd-store", "282345678901"}) || len(head.Items) != 0 || head.Total != (Money{5900, "CNY"}) {
		t.Errorf("header-only trade = %+v", head)
	}
	if head.Consignee.Address != "广东省深圳市南山区科技园路1号, 3栋" {
		t.Errorf("quoted address = %q", head.Consignee.Address)
	}
	if ru := f.Trades[2]; ru.Items[0].Title != "Чай улун Тегуаньинь" || ru.Total.String() != "1639.00 RUB" {
		t.Errorf("Cyrillic trade = %+v", ru)
	}
}

// reorder rewrites a CSV (header plus rows) with its columns in the given order.
func reorder(t *testing.T, header string, rows []string, order []int) string {
	t.Helper()
	var b strings.Builder
	for _, line := range append([]string{header}, rows...) {
		cells := strings.Split(line, ",")
		out := make([]string, len(order))
		for i, j := range order {
			out[i] = cells[j]
		}
		b.WriteString(strings.Join(out, ",") + "\n")
	}
	return b.String()
}

func TestParseCSVColumnOrder(t *testing.T) {
	rows := []string{csvRow1, csvRow2}
	n := len(CSVColumns)
	identity, reversed, rotated := make([]int, n), make([]int, n), make([]int, n)
	for i := range n {
		identity[i], reversed[i], rotated[i] = i, n-1-i, (i+5)%n
	}
	want, err := ParseCSV("a.csv", strings.NewReader(reorder(t, csvHeader, rows, identity)))
	if err != nil {
		t.Fatal(err)
	}
	for name, order := range map[string][]int{"reversed": reversed, "rotated": rotated} {
		got, err := ParseCSV("b.csv", strings.NewReader(reorder(t, csvHeader, rows, order)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got.Trades) != len(want.Trades) {
			t.Fatalf("%s: %d trades, want %d", name, len(got.Trades), len(want.Trades))
		}
		for i := range want.Trades {
			if !got.Trades[i].Equal(want.Trades[i]) {
				t.Errorf("%s: trade %d = %+v, want %+v", name, i, got.Trades[i], want.Trades[i])
			}
		}
	}
	if !want.Trades[0].Equal(sampleTrade()) {
		t.Errorf("trade = %+v, want the sample trade", want.Trades[0])
	}
}

func TestParseCSVHeaderVariants(t *testing.T) {
	bom := "\ufeff" + strings.ReplaceAll(csvHeader, ",", " , ")
	f, err := ParseCSV("bom.csv", strings.NewReader(bom+"\n"+csvRow1+"\n"))
	if err != nil || len(f.Trades) != 1 {
		t.Fatalf("header with BOM and spaces: %d trades, %v", len(f.Trades), err)
	}
	extra := csvHeader + ",note"
	f, err = ParseCSV("extra.csv", strings.NewReader(extra+"\n"+csvRow1+",gift wrap\n"))
	if err != nil || len(f.Trades) != 1 {
		t.Fatalf("extra column: %d trades, %v", len(f.Trades), err)
	}
}

func TestParseCSVBad(t *testing.T) {
	other := strings.Replace(csvRow1, "alice88", "alice99", 1)
	tests := []struct {
		name  string
		in    string
		lines []int
		want  string
	}{
		{"empty file", "", []int{1}, "no header row"},
		{"missing columns", strings.Replace(csvHeader, ",qty,price", "", 1) + "\n" + csvRow2, []int{1}, "header lacks columns: qty, price"},
		{"ungrouped rows", strings.Join([]string{csvHeader, csvRow1, csvRow2, csvRow1}, "\n"), []int{4}, "not grouped"},
		{"rows of one order differ", strings.Join([]string{csvHeader, csvRow1, other}, "\n"), []int{3}, "order columns differ"},
		{"bad qty", strings.Join([]string{csvHeader, csvRow2, strings.Replace(csvRow1, ",1,144.97", ",two,144.97", 1)}, "\n"), []int{3}, "qty \"two\""},
		{"qty 0", strings.Join([]string{csvHeader, strings.Replace(csvRow1, ",1,144.97", ",0,144.97", 1)}, "\n"), []int{2}, "qty 0"},
		{"price without sku", strings.Join([]string{csvHeader, strings.Replace(csvRow1, "SKU-1", "", 1)}, "\n"), []int{2}, "sku is empty"},
		{"field count", strings.Join([]string{csvHeader, csvRow1 + ",x", csvRow2}, "\n"), []int{2}, "fields"},
		{"bad trade_status", strings.Join([]string{csvHeader, csvRow2, strings.Replace(csvRow1, ",paid,", ",done,", 1)}, "\n"), []int{3}, "trade_status"},
		{"bare quote in first field", csvHeader + "\nt\"b" + csvRow1[2:], []int{2}, "bare \""},
		{"unterminated quote", csvHeader + "\n" + csvRow1 + "\n\"tb-main,taobao", []int{3}, "quote"},
		{"empty key", csvHeader + "\n" + strings.Repeat(",", len(CSVColumns)-1), []int{2}, "channel is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseCSV("orders.csv", strings.NewReader(tt.in))
			if len(f.Trades) != 0 {
				t.Errorf("got %d trades from a bad file, want none", len(f.Trades))
			}
			ie := lineErrors(t, err, "orders.csv")
			wantLines(t, ie, tt.lines...)
			if len(ie) > 0 && !strings.Contains(ie[0].Reason, tt.want) {
				t.Errorf("reason %q does not mention %q", ie[0].Reason, tt.want)
			}
		})
	}
}

func TestParseCSVBadOrderReportedAtItsFirstRow(t *testing.T) {
	row := strings.Replace(csvRow2, ",paid,", ",shipped,", 1)
	in := strings.Join([]string{csvHeader, csvRow1, row, row, row}, "\n")
	_, err := ParseCSV("orders.csv", strings.NewReader(in))
	wantLines(t, lineErrors(t, err, "orders.csv"), 3)
}

// The reader hands out lines from fixed chunks of the file; a line cut by a chunk's end,
// blank lines, CRLF and a last line without a newline read the same at any chunk size.
func TestScanJSONLChunkBoundaries(t *testing.T) {
	later := strings.Replace(sampleLine, `"buyer":"alice88"`, `"buyer":"alice99"`, 1)
	inputs := []string{
		"",
		"\n\n" + sampleLine + "\r\n\n" + otherLine + "\n  \n" + later + "\n\n",
		sampleLine + "\n{\n   \t\n" + otherLine + "\n" + `{"channel":"x"}`,
		strings.Repeat(sampleLine+"\n"+otherLine+"\r\n", 40) + "nonsense",
	}
	scan := func(in string, chunk int) string {
		var got strings.Builder
		err := scanJSONL("f.jsonl", strings.NewReader(in), func(ts []Trade) error {
			for _, t := range ts {
				fmt.Fprintf(&got, "%s %s\n", t.Key, t.Buyer)
			}
			return nil
		}, chunk)
		if err != nil {
			return err.Error() // what was emitted before is discarded
		}
		return got.String()
	}
	for i, in := range inputs {
		want := scan(in, 1<<20)
		for _, chunk := range []int{1, 7, 64, 333, len(sampleLine), len(sampleLine) + 1} {
			if got := scan(in, chunk); got != want {
				t.Errorf("input %d, chunk %d:\n%s\nwant (one chunk):\n%s", i, chunk, got, want)
			}
		}
	}
}
