package domain

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// refundLine is the sample line of the refund queue issue (no currency).
const refundLine = `{"channel":"tb-main","refund_id":"R9001","trade_id":"T1001","kind":"not_received","amount":"144.97","reason":"parcel lost","requested_at":"2026-11-21T08:00:00Z"}`

var otherRefundLine = strings.Replace(refundLine, `"R9001"`, `"R9002"`, 1)

func TestParseRefundJSONLSample(t *testing.T) {
	f, err := ParseRefundJSONL("refunds.jsonl", strings.NewReader(refundLine+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Claims) != 1 || !f.Claims[0].Equal(sampleClaim()) {
		t.Fatalf("claims = %+v, want the sample claim", f.Claims)
	}
	if f.Claims[0].Amount != (Money{Minor: 14497}) {
		t.Errorf("amount = %+v, want 14497 minor units, currency left to the order", f.Claims[0].Amount)
	}
}

// fixtureClaims is what both refunds_ok fixtures hold.
func fixtureClaims() []RefundClaim {
	cst := time.FixedZone("", 8*3600)
	return []RefundClaim{
		sampleClaim(),
		{RefundKey: RefundKey{"tb-main", "R9002"}, TradeID: "T1002", Kind: RefundReceivedNoReturn, Amount: Money{2000, "CNY"},
			Reason: "杯子有裂纹，协商补偿 20 元", RequestedAt: time.Date(2026, 11, 22, 9, 15, 0, 0, cst).UTC()},
		{RefundKey: RefundKey{"insales-ru", "RF-77"}, TradeID: "1000245", Kind: RefundReturnGoods, Amount: Money{327800, "RUB"},
			Reason: "Не подошёл размер", RequestedAt: time.Date(2026, 11, 19, 7, 15, 0, 0, time.UTC)},
		{RefundKey: RefundKey{"manual", "M-R1"}, TradeID: "M-0001", Kind: RefundAfterSale, Amount: Money{1500, "JPY"},
			Reason: "\x1b[31mred\x1b[0m\ttab\nnew line", RequestedAt: time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)},
	}
}

func TestParseRefundFixtures(t *testing.T) {
	for _, tt := range []struct {
		name  string
		parse func(string, string) (RefundFile, error)
	}{
		{"refunds_ok.jsonl", func(n, s string) (RefundFile, error) { return ParseRefundJSONL(n, strings.NewReader(s)) }},
		{"refunds_ok.csv", func(n, s string) (RefundFile, error) { return ParseRefundCSV(n, strings.NewReader(s)) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.parse(tt.name, readFixture(t, tt.name))
			if err != nil {
				t.Fatal(err)
			}
			want := fixtureClaims()
			if len(f.Claims) != len(want) {
				t.Fatalf("got %d claims, want %d", len(f.Claims), len(want))
			}
			for i := range want {
				if !f.Claims[i].Equal(want[i]) {
					t.Errorf("claim %d = %+v\nwant      %+v", i, f.Claims[i], want[i])
				}
				if f.Claims[i].RequestedAt.Location() != time.UTC {
					t.Errorf("claim %d requested_at is in %v, want UTC", i, f.Claims[i].RequestedAt.Location())
				}
			}
		})
	}
}

func TestParseRefundJSONLKeepsControlCharacters(t *testing.T) {
	line := strings.Replace(refundLine, `"parcel lost"`, `"\u001b[2J\u0007bell\r\n\u0000end\u009b"`, 1)
	f, err := ParseRefundJSONL("refunds.jsonl", strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Claims[0].Reason, "\x1b[2J\abell\r\n\x00end\u009b"; got != want {
		t.Errorf("reason = %q, want it kept as sent %q", got, want)
	}
}

func TestParseRefundJSONLBadLine(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"bad JSON", refundLine, `{"channel":"tb-main",`, "not a JSON refund request"},
		{"not an object", refundLine, `["tb-main","R9001"]`, "JSON object"},
		{"trailing text", refundLine, refundLine + "x", "extra text"},
		{"missing channel", `"channel":"tb-main",`, ``, "channel is empty"},
		{"missing refund_id", `"refund_id":"R9001",`, ``, "refund_id is empty"},
		{"missing trade_id", `"trade_id":"T1001",`, ``, "trade_id is empty"},
		{"refund_id with colon", `"R9001"`, `"R9:001"`, "colons"},
		{"trade_id with escape", `"T1001"`, `"T1001\u001b[2J"`, "control"},
		{"missing kind", `"kind":"not_received",`, ``, "kind is missing"},
		{"unknown kind", `"not_received"`, `"lost"`, `kind "lost" is not one of not_received, received_no_return, return_goods, after_sale`},
		{"kind prefix is not a kind in a file", `"not_received"`, `"not"`, `kind "not" is not one of`},
		{"missing amount", `"amount":"144.97",`, ``, "amount is missing"},
		{"blank amount", `"144.97"`, `" "`, "amount is missing"},
		{"amount is a number", `"amount":"144.97"`, `"amount":144.97`, "amount"},
		{"amount not decimal", `"144.97"`, `"144,97"`, "not a decimal number"},
		{"negative amount", `"144.97"`, `"-1.00"`, "negative"},
		{"three decimals without currency", `"144.97"`, `"144.975"`, "more than 2 decimal places; give its currency"},
		{"three decimals in CNY", `"amount":"144.97"`, `"amount":"144.975","currency":"CNY"`, "more than 2 decimal places for CNY"},
		{"lower-case currency", `"amount":"144.97"`, `"amount":"144.97","currency":"cny"`, "ISO 4217"},
		{"missing requested_at", `,"requested_at":"2026-11-21T08:00:00Z"`, ``, "requested_at is missing"},
		{"requested_at without zone", `"2026-11-21T08:00:00Z"`, `"2026-11-21 08:00"`, "RFC 3339"},
		{"requested_at in year 0", `"2026-11-21T08:00:00Z"`, `"0000-01-01T00:00:00+01:00"`, "not between 2000 and 2199"},
		{"requested_at too late", `"2026-11-21T08:00:00Z"`, `"2200-01-01T00:00:00Z"`, "not between 2000 and 2199"},
		{"reason too long", `"parcel lost"`, `"` + strings.Repeat("a", maxField+1) + `"`, "reason is longer than 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(refundLine, tt.from, tt.to, 1)
			if bad == refundLine {
				t.Fatal("test case does not change the sample line")
			}
			in := strings.Join([]string{otherRefundLine, bad, refundLine}, "\n")
			f, err := ParseRefundJSONL("refunds.jsonl", strings.NewReader(in))
			if len(f.Claims) != 0 {
				t.Errorf("got %d claims from a file with a bad line, want none", len(f.Claims))
			}
			ie := lineErrors(t, err, "refunds.jsonl")
			wantLines(t, ie, 2)
			if len(ie) == 1 && !strings.Contains(ie[0].Reason, tt.want) {
				t.Errorf("reason %q does not mention %q", ie[0].Reason, tt.want)
			}
		})
	}
}

func TestParseRefundJSONLLineNumbers(t *testing.T) {
	in := strings.Join([]string{
		"",              // 1 blank
		refundLine,      // 2
		"{",             // 3 bad
		" \t\r",         // 4 blank
		otherRefundLine, // 5
		strings.Replace(refundLine, "not_received", "lost", 1), // 6 bad
		strings.Replace(refundLine, "144.97", "", 1),           // 7 bad
	}, "\n")
	_, err := ParseRefundJSONL("day1.jsonl", strings.NewReader(in))
	wantLines(t, lineErrors(t, err, "day1.jsonl"), 3, 6, 7)
}

func TestParseRefundJSONLCapsReportedLines(t *testing.T) {
	_, err := ParseRefundJSONL("junk.jsonl", strings.NewReader(strings.Repeat("nonsense\n", maxReported+20)))
	ie := lineErrors(t, err, "junk.jsonl")
	if len(ie) != maxReported+1 || !strings.Contains(ie[len(ie)-1].Reason, "more bad lines") {
		t.Fatalf("reported %d lines ending %v, want %d ending with a note that more follow", len(ie), ie[len(ie)-1], maxReported+1)
	}
}

func TestParseRefundJSONLLongLine(t *testing.T) {
	long := strings.Replace(refundLine, `"parcel lost"`, `"`+strings.Repeat("a", maxLine)+`"`, 1)
	_, err := ParseRefundJSONL("big.jsonl", strings.NewReader(refundLine+"\n"+long+"\n"+otherRefundLine+"\n"))
	ie := lineErrors(t, err, "big.jsonl")
	wantLines(t, ie, 2)
	if len(ie) > 0 && !strings.Contains(ie[0].Reason, "longer than") {
		t.Errorf("reason = %q, want it to say the line is too long", ie[0].Reason)
	}
}

func TestParseRefundJSONLDuplicatesAndEmpty(t *testing.T) {
	later := strings.Replace(refundLine, "parcel lost", "parcel lost twice", 1)
	f, err := ParseRefundJSONL("r.jsonl", strings.NewReader(refundLine+"\r\n"+otherRefundLine+"\n"+later+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Claims) != 2 || f.Claims[0].RefundID != "R9001" || f.Claims[0].Reason != "parcel lost twice" || f.Claims[1].RefundID != "R9002" {
		t.Errorf("claims = %+v, want R9001 from its last record at the first position, then R9002", f.Claims)
	}
	f, err = ParseRefundJSONL("empty.jsonl", strings.NewReader("\n \n"))
	if err != nil || len(f.Claims) != 0 {
		t.Errorf("empty file = %d claims, %v; want none and no error", len(f.Claims), err)
	}
}

var refundCSVHeader = strings.Join(RefundCSVColumns, ",")

const (
	refundRow1 = "tb-main,R9001,T1001,not_received,144.97,,parcel lost,2026-11-21T08:00:00Z"
	refundRow2 = "tb-main,R9002,T1001,after_sale,10.00,CNY,scratched lid,2026-11-22T08:00:00Z"
)

func TestParseRefundCSVColumnOrder(t *testing.T) {
	rows := []string{refundRow1, refundRow2}
	n := len(RefundCSVColumns)
	reversed, rotated := make([]int, n), make([]int, n)
	for i := range n {
		reversed[i], rotated[i] = n-1-i, (i+3)%n
	}
	want, err := ParseRefundCSV("a.csv", strings.NewReader(refundCSVHeader+"\n"+strings.Join(rows, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Claims) != 2 || !want.Claims[0].Equal(sampleClaim()) {
		t.Fatalf("claims = %+v, want the sample claim first", want.Claims)
	}
	for name, order := range map[string][]int{"reversed": reversed, "rotated": rotated} {
		got, err := ParseRefundCSV("b.csv", strings.NewReader(reorder(t, refundCSVHeader, rows, order)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
}

func TestParseRefundCSVHeaderVariants(t *testing.T) {
	tests := []struct {
		name, header, row string
	}{
		{"BOM and spaces", "\ufeff" + strings.ReplaceAll(refundCSVHeader, ",", " , "), refundRow1},
		{"extra column", refundCSVHeader + ",note", refundRow1 + ",call back"},
		{"no currency column", "channel,refund_id,trade_id,kind,amount,reason,requested_at",
			"tb-main,R9001,T1001,not_received,144.97,parcel lost,2026-11-21T08:00:00Z"},
	}
	for _, tt := range tests {
		f, err := ParseRefundCSV("h.csv", strings.NewReader(tt.header+"\n"+tt.row+"\n"))
		if err != nil || len(f.Claims) != 1 || !f.Claims[0].Equal(sampleClaim()) {
			t.Errorf("%s: %+v, %v; want the sample claim", tt.name, f.Claims, err)
		}
	}
}

func TestParseRefundCSVMultilineReason(t *testing.T) {
	in := refundCSVHeader + "\n" +
		"tb-main,R1,T1,after_sale,1.00,CNY,\"line one\nline two, \"\"quoted\"\"\",2026-11-21T08:00:00Z\n" + // lines 2–3
		strings.Replace(refundRow2, "after_sale", "bogus", 1) + "\n" // line 4
	_, err := ParseRefundCSV("m.csv", strings.NewReader(in))
	wantLines(t, lineErrors(t, err, "m.csv"), 4)

	f, err := ParseRefundCSV("m.csv", strings.NewReader(strings.Join(strings.Split(in, "\n")[:3], "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Claims[0].Reason; got != "line one\nline two, \"quoted\"" {
		t.Errorf("reason = %q", got)
	}
}

func TestParseRefundCSVBad(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		lines []int
		want  string
	}{
		{"empty file", "", []int{1}, "no header row"},
		{"missing columns", "channel,refund_id,trade_id,amount\n" + refundRow1, []int{1}, "header lacks columns: kind, reason, requested_at"},
		{"field count", strings.Join([]string{refundCSVHeader, refundRow1 + ",x", refundRow2}, "\n"), []int{2}, "has 9 fields, header has 8"},
		{"every bad row", strings.Join([]string{refundCSVHeader,
			strings.Replace(refundRow1, "not_received", "", 1),
			refundRow2,
			strings.Replace(refundRow2, "10.00", "ten", 1),
			strings.Replace(refundRow1, "2026-11-21T08:00:00Z", "yesterday", 1),
		}, "\n"), []int{2, 4, 5}, "kind is missing"},
		{"reason in GBK", refundCSVHeader + "\n" + strings.Replace(refundRow2, "scratched lid", "\xb1\xad\xd7\xd3", 1), []int{2}, "not valid UTF-8"},
		{"bad currency", refundCSVHeader + "\n" + strings.Replace(refundRow2, "CNY", "yuan", 1), []int{2}, "ISO 4217"},
		{"bare quote", refundCSVHeader + "\n" + refundRow1 + "\ntb\"main" + refundRow2[7:], []int{3}, "bare \""},
		{"unterminated quote", refundCSVHeader + "\n" + refundRow1 + "\n\"tb-main,R9", []int{3}, "quote"},
		{"empty row", refundCSVHeader + "\n" + strings.Repeat(",", len(RefundCSVColumns)-1), []int{2}, "channel is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseRefundCSV("refunds.csv", strings.NewReader(tt.in))
			if len(f.Claims) != 0 {
				t.Errorf("got %d claims from a bad file, want none", len(f.Claims))
			}
			ie := lineErrors(t, err, "refunds.csv")
			wantLines(t, ie, tt.lines...)
			if len(ie) > 0 && !strings.Contains(ie[0].Reason, tt.want) {
				t.Errorf("reason %q does not mention %q", ie[0].Reason, tt.want)
			}
		})
	}
}
