package domain

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustParseTracking(t testing.TB, text string) TrackingFile {
	t.Helper()
	f, err := ParseTracking("paste", strings.NewReader(text), time.UTC)
	if err != nil {
		t.Fatalf("ParseTracking: %v", err)
	}
	return f
}

// reasons maps line number → reason of every bad line.
func lineReasons(f TrackingFile) map[int]string {
	m := map[int]string{}
	for _, e := range f.Errors {
		m[e.Line] = e.Reason
	}
	return m
}

func TestParseGSPAYFixture(t *testing.T) {
	f, err := ParseTracking("tracking_gspay.txt", strings.NewReader(readFixture(t, "tracking_gspay.txt")), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != TrackingGSPAY {
		t.Fatalf("format %q", f.Format)
	}
	want := []TrackingLine{
		// The BOM is gone from the first reference; the carrier comes from the URL.
		{Line: 1, Ref: "TR1252212336388", Carrier: "ems", Number: "EB084456702CN", URL: "http://www.ems.com.cn/english-main.jsp"},
		// Spaces around :: and =.
		{Line: 3, Ref: "TR1252212336389", Carrier: "ems", Number: "EE040293660CN", URL: "http://www.ems.com.cn/english-main.jsp"},
		{Line: 4, Ref: "TR1252212336390", Carrier: "ups", Number: "1Z5R89390357567127", URL: "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z5R89390357567127"},
		// No URL: the carrier comes from the number.
		{Line: 7, Ref: "tb-main:T1001", Carrier: "russianpost", Number: "RA123456785RU"},
		{Line: 11, Ref: "TR1252212336394", Carrier: "russianpost", Number: "14102059104821", URL: "https://www.pochta.ru/tracking"},
	}
	if !reflect.DeepEqual(f.Lines, want) {
		t.Errorf("lines:\n got %+v\nwant %+v", f.Lines, want)
	}
	wantBad := map[int]string{
		6:  "want REF:: URL:: Tracking ID=NUMBER, found 2 parts separated by ::",
		8:  `tracking URL "ftp://example.org/x" is not an http:// or https:// address`,
		9:  `third part must be Tracking ID=NUMBER, got "Number=EE040293660CN"`,
		10: "order reference is empty",
	}
	if got := lineReasons(f); !reflect.DeepEqual(got, wantBad) {
		t.Errorf("bad lines:\n got %v\nwant %v", got, wantBad)
	}
	for _, e := range f.Errors {
		if e.File != "tracking_gspay.txt" || !strings.HasPrefix(e.Error(), fmt.Sprintf("tracking_gspay.txt:%d: ", e.Line)) {
			t.Errorf("error %q does not name file and line", e.Error())
		}
	}
}

func TestParseGSPAYLineEnds(t *testing.T) {
	line := "TR1:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EE040293660CN"
	for name, text := range map[string]string{
		"LF":              line + "\n\n" + line + "\n",
		"CRLF":            line + "\r\n\r\n" + line + "\r\n",
		"CR":              line + "\r\r" + line + "\r",
		"no final end":    line + "\n\n" + line,
		"BOM":             "\ufeff" + line + "\n\n" + line,
		"blank with tabs": line + "\n \t \n" + line,
	} {
		f := mustParseTracking(t, text)
		if len(f.Errors) != 0 || len(f.Lines) != 2 || f.Lines[0].Line != 1 || f.Lines[1].Line != 3 {
			t.Errorf("%s: lines %+v errors %v", name, f.Lines, f.Errors)
		}
		if f.Lines[0].Ref != "TR1" {
			t.Errorf("%s: ref %q", name, f.Lines[0].Ref)
		}
	}
}

// A CR at the end of the reader's buffer must still pair with the LF that follows.
func TestParseGSPAYCRLFAcrossReads(t *testing.T) {
	line := "TR1:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EE040293660CN\r\n"
	text := strings.Repeat(line, 3000)
	f, err := ParseTracking("big", &oneByteAtATime{s: text}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Lines) != 3000 || len(f.Errors) != 0 || f.Lines[2999].Line != 3000 {
		t.Fatalf("%d lines, %d errors", len(f.Lines), len(f.Errors))
	}
}

type oneByteAtATime struct{ s string }

func (r *oneByteAtATime) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 7)], r.s)
	r.s = r.s[n:]
	return n, nil
}

func TestParseGSPAYBadLines(t *testing.T) {
	tests := []struct{ line, want string }{
		{"TR1:: http://x.cn/:: Tracking ID=", "tracking number is empty"},
		{"TR1:: http://x.cn/:: Tracking ID=" + strings.Repeat("9", 65), "65 characters long"},
		{"TR 1:: http://x.cn/:: Tracking ID=EE040293660CN", `order reference "TR 1" contains spaces`},
		{"TR\x1b[31m1:: http://x.cn/:: Tracking ID=EE040293660CN", "control characters"},
		{"TR1:: http://x.cn/ y:: Tracking ID=EE040293660CN", "contains spaces"},
		{"TR1:: x.cn:: Tracking ID=EE040293660CN", "is not an http:// or https:// address"},
		{"TR1:: http://x.cn/:: EE040293660CN", "third part must be Tracking ID=NUMBER"},
		{"TR1:: http://x.cn/:: Tracking ID=EE0402::93660CN", "found 4 parts"},
		{"TR1 http://x.cn/ Tracking ID=EE040293660CN", "found 1 parts"},
	}
	for _, tt := range tests {
		// A good first line makes the paste GSPAY; the bad line is the second.
		f := mustParseTracking(t, "TR0:: http://www.ems.com.cn/:: Tracking ID=EE040293660CN\n"+tt.line+"\n")
		if len(f.Lines) != 1 || len(f.Errors) != 1 || f.Errors[0].Line != 2 || !strings.Contains(f.Errors[0].Reason, tt.want) {
			t.Errorf("%q: lines %+v errors %v; want line 2: %q", tt.line, f.Lines, f.Errors, tt.want)
		}
	}
}

func TestParseTrackingCSV(t *testing.T) {
	text := "order,carrier,tracking,shipped_at,eta\n" +
		"tb-main:T1001,ems,EE040293660CN,2026-11-20,2026-11-30T12:00:00+03:00\n" +
		"T1002,,1Z5R89390357567127,,\n" +
		"T1003,UPS,\"1Z 5R89 3903 5756 7127\"\n" + // short row: the optional columns are empty
		"T1004,nobody,1Z5R89390357567127,,\n"
	shanghai := time.FixedZone("CST", 8*3600)
	f, err := ParseTracking("t.csv", strings.NewReader(text), shanghai)
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != TrackingCSV {
		t.Fatalf("format %q", f.Format)
	}
	want := []TrackingLine{
		{Line: 2, Ref: "tb-main:T1001", Carrier: "ems", Number: "EE040293660CN",
			ShippedAt: time.Date(2026, 11, 19, 16, 0, 0, 0, time.UTC), // midnight in the warehouse's zone
			ETA:       time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)},
		{Line: 3, Ref: "T1002", Carrier: "ups", Number: "1Z5R89390357567127"},
		{Line: 4, Ref: "T1003", Carrier: "ups", Number: "1Z5R89390357567127"},
	}
	if !reflect.DeepEqual(f.Lines, want) {
		t.Errorf("lines:\n got %+v\nwant %+v", f.Lines, want)
	}
	if r := lineReasons(f)[5]; !strings.Contains(r, `carrier "nobody" is not known; use one of ems, chinapost`) {
		t.Errorf("line 5: %q", r)
	}
}

func TestParseTrackingCSVFixture(t *testing.T) {
	f, err := ParseTracking("tracking_semicolon.csv", strings.NewReader(readFixture(t, "tracking_semicolon.csv")), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range f.Lines {
		got = append(got, fmt.Sprintf("%d %s %s %s", l.Line, l.Ref, l.Carrier, l.Number))
	}
	wantLines := []string{
		"2 tb-main:T1001 ems EE040293660CN",
		"3 TR1252212336388 ups 1Z5R89390357567127",
		"4 T1002 sf SF1234567890123",
	}
	if !reflect.DeepEqual(got, wantLines) {
		t.Errorf("lines:\n got %q\nwant %q", got, wantLines)
	}
	wantBad := map[int]string{
		5:  "carrier \"dhlx\" is not known",
		6:  "tracking number is empty",
		7:  "shipped_at \"20.11.2026\" is not a date",
		8:  "eta 2026-11-21 is before shipped_at 2026-11-22",
		9:  "a quoted field is not closed on its line",
		10: "6 fields, but the header names 5 columns",
	}
	bad := lineReasons(f)
	if len(bad) != len(wantBad) {
		t.Errorf("bad lines %v", bad)
	}
	for line, want := range wantBad {
		if !strings.Contains(bad[line], want) {
			t.Errorf("line %d: %q, want %q", line, bad[line], want)
		}
	}
}

func TestParseTrackingCSVHeaders(t *testing.T) {
	row := "T1,ems,EE040293660CN\n"
	for _, header := range []string{
		"order,carrier,tracking",
		"\ufeffOrder, Carrier , Tracking",
		"ORDER,CARRIER,TRACKING_NUMBER",
		"reference,courier,tracking no",
		`"order","carrier","tracking"`,
		TrackingCSVHeader, // what an export writes reads back
	} {
		f := mustParseTracking(t, header+"\n"+row)
		if len(f.Lines) != 1 || f.Lines[0].Number != "EE040293660CN" || f.Lines[0].Carrier != "ems" {
			t.Errorf("header %q: %+v %v", header, f.Lines, f.Errors)
		}
	}
	// Columns in another order, tab separated, with a URL column.
	f := mustParseTracking(t, "tracking\teta\torder\turl\n1Z5R89390357567127\t2026-12-01\tT9\thttps://www.ups.com/track?tracknum=1Z5R89390357567127\n")
	if len(f.Lines) != 1 || f.Lines[0].Ref != "T9" || f.Lines[0].Carrier != "ups" || f.Lines[0].URL == "" || f.Lines[0].ETA.IsZero() {
		t.Errorf("reordered: %+v %v", f.Lines, f.Errors)
	}
	for header, want := range map[string]string{
		"order,carrier,tracking,colour": `unknown columns "colour"`,
		"order,order,tracking":          "names column order twice",
		"order,carrier":                 "nor a CSV header",
		"hello world":                   "nor a CSV header",
	} {
		_, err := ParseTracking("h.csv", strings.NewReader(header+"\n"+row), nil)
		var ie ImportErrors
		if !errors.As(err, &ie) || len(ie) != 1 || ie[0].Line != 1 || !strings.Contains(ie[0].Reason, want) {
			t.Errorf("header %q: %v, want line 1: %q", header, err, want)
		}
	}
}

func TestParseTrackingEmptyAndLong(t *testing.T) {
	for _, text := range []string{"", "\ufeff", "\n\r\n  \n"} {
		if _, err := ParseTracking("empty", strings.NewReader(text), nil); err == nil || !strings.Contains(err.Error(), "is empty") {
			t.Errorf("%q: %v", text, err)
		}
	}
	long := "TR1:: http://x.cn/:: Tracking ID=EE040293660CN\n" + strings.Repeat("x", maxTrackingLine+10) + "\nTR2:: http://x.cn/:: Tracking ID=EE040293660CN\n"
	f := mustParseTracking(t, long)
	if len(f.Lines) != 2 || len(f.Errors) != 1 || f.Errors[0].Line != 2 || !strings.Contains(f.Errors[0].Reason, "longer than 64 KiB") {
		t.Errorf("long line: %+v %v", f.Lines, f.Errors)
	}
	_, err := ParseTracking("huge", io.LimitReader(zeroReader{}, maxTrackingUpload+1), nil)
	if err == nil || !strings.Contains(err.Error(), "larger than 8 MiB") {
		t.Errorf("huge upload: %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

func TestTrackingLineResolve(t *testing.T) {
	tests := []struct {
		in                       TrackingLine
		mustCarrier, number, url string
		err                      string
		errIs                    error
	}{
		// The seed's line: the URL says EMS, the check digit is wrong.
		{in: TrackingLine{Ref: "TR1", Carrier: "ems", Number: "EB084456702CN", URL: "http://www.ems.com.cn/english-main.jsp"},
			mustCarrier: "ems", number: "EB084456702CN", url: "http://www.ems.com.cn/english-main.jsp", err: "S10 check digit should be 7, got 2"},
		{in: TrackingLine{Ref: "TR1", Number: "1Z5R89390357567127"},
			mustCarrier: "ups", number: "1Z5R89390357567127", url: "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z5R89390357567127"},
		{in: TrackingLine{Ref: "TR1", Carrier: "Shunfeng", Number: "sf1234567890123"},
			mustCarrier: "sf", number: "SF1234567890123", url: "https://www.sf-express.com/we/ow/chn/sc/waybill/waybill-detail/SF1234567890123"},
		{in: TrackingLine{Ref: "TR1", Number: "EB084456702CN"}, errIs: ErrNoCarrier},
		{in: TrackingLine{Ref: "TR1", Carrier: "other", Number: "XYZ", URL: "https://tracking.example/XYZ"},
			mustCarrier: "other", number: "XYZ", url: "https://tracking.example/XYZ"},
		{in: TrackingLine{Ref: "TR1", Carrier: "ups", Number: "RB123456785GB"},
			mustCarrier: "ups", number: "RB123456785GB", err: "UPS numbers start with 1Z",
			url: "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=RB123456785GB"}, // kept for an override
	}
	for _, tt := range tests {
		l, c, err := tt.in.Resolve()
		if tt.errIs != nil {
			if !errors.Is(err, tt.errIs) {
				t.Errorf("%+v: %v, want %v", tt.in, err, tt.errIs)
			}
			continue
		}
		if (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%+v: error %v, want %q", tt.in, err, tt.err)
		}
		if c.Code != tt.mustCarrier || l.Carrier != tt.mustCarrier || l.Number != tt.number || l.URL != tt.url {
			t.Errorf("%+v: got %s %+v", tt.in, c.Code, l)
		}
	}
}

func gspayRows(n int) []GSPAYRow {
	rows := make([]GSPAYRow, n)
	for i := range rows {
		serial := fmt.Sprintf("%08d", i)
		rows[i] = GSPAYRow{Ref: fmt.Sprintf("TR%013d", 1252212336388+i), URL: "http://www.ems.com.cn/english-main.jsp",
			Number: "EE" + serial + string(s10Check(serial)) + "CN"}
	}
	return rows
}

func TestWriteGSPAYChunks(t *testing.T) {
	for _, n := range []int{0, 1, 99, 100, 101, 250, 300} {
		rows := gspayRows(n)
		var buf bytes.Buffer
		if err := WriteGSPAY(&buf, rows); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if n == 0 {
			if out != "" {
				t.Errorf("no rows wrote %q", out)
			}
			continue
		}
		chunks := strings.Split(strings.TrimSuffix(out, "\n"), "\n\n")
		if want := (n + GSPAYChunkLines - 1) / GSPAYChunkLines; len(chunks) != want {
			t.Errorf("%d rows: %d chunks, want %d", n, len(chunks), want)
		}
		total := 0
		for i, c := range chunks {
			lines := strings.Split(c, "\n")
			if len(lines) > GSPAYChunkLines || (i < len(chunks)-1 && len(lines) != GSPAYChunkLines) {
				t.Errorf("%d rows: chunk %d has %d lines", n, i, len(lines))
			}
			for _, l := range lines {
				if l == "" {
					t.Errorf("%d rows: a blank line inside chunk %d", n, i)
				}
			}
			total += len(lines)
		}
		if total != n || strings.Contains(out, "\n\n\n") || strings.HasSuffix(out, "\n\n") {
			t.Errorf("%d rows: %d lines written, or a doubled blank line", n, total)
		}
		if n == 1 && out != "TR1252212336388:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EE000000005CN\n" {
			t.Errorf("one row: %q", out)
		}
		// It reads back: every row, in order, valid for its carrier.
		f := mustParseTracking(t, out)
		if len(f.Errors) != 0 || len(f.Lines) != n {
			t.Fatalf("%d rows read back as %d lines, errors %v", n, len(f.Lines), f.Errors)
		}
		for i, l := range f.Lines {
			if l.Ref != rows[i].Ref || l.URL != rows[i].URL || l.Number != rows[i].Number || l.Carrier != "ems" {
				t.Fatalf("row %d read back as %+v", i, l)
			}
			if _, _, err := l.Resolve(); err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
		}
		if got := GSPAYChunks(rows); len(got) != len(chunks) || len(got[0]) != min(n, GSPAYChunkLines) {
			t.Errorf("GSPAYChunks(%d) = %d chunks", n, len(got))
		}
	}
}

func TestWriteGSPAYRefusesRowsThatWouldNotReadBack(t *testing.T) {
	good := GSPAYRow{Ref: "TR1", URL: "http://www.ems.com.cn/english-main.jsp", Number: "EE040293660CN"}
	for _, tt := range []struct {
		mod  func(*GSPAYRow)
		want string
	}{
		{func(r *GSPAYRow) { r.Ref = "" }, "order reference is empty"},
		{func(r *GSPAYRow) { r.Ref = "TR::1" }, "contains ::"},
		{func(r *GSPAYRow) { r.Ref = "T\n1" }, "spaces or control characters"},
		{func(r *GSPAYRow) { r.URL = "" }, "has no tracking URL"},
		{func(r *GSPAYRow) { r.URL = "http://x.cn/a::b" }, "contains spaces, control characters or ::"},
		{func(r *GSPAYRow) { r.Number = "ee 040293660cn" }, "not in its normal form EE040293660CN"},
	} {
		bad := good
		tt.mod(&bad)
		var buf bytes.Buffer
		err := WriteGSPAY(&buf, []GSPAYRow{good, bad})
		if err == nil || !strings.Contains(err.Error(), "GSPAY row 2") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want row 2: %q", bad, err, tt.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%+v: wrote %q before refusing", bad, buf.String())
		}
	}
}

// BenchmarkParseValidateGSPAY parses a 10,000-line GSPAY upload and validates every
// number against its carrier, as the bulk preview does before looking at orders.
func BenchmarkParseValidateGSPAY(b *testing.B) {
	rows := gspayRows(10_000)
	var buf bytes.Buffer
	if err := WriteGSPAY(&buf, rows); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := ParseTracking("bench", bytes.NewReader(data), nil)
		if err != nil || len(f.Lines) != len(rows) {
			b.Fatalf("%d lines, %v", len(f.Lines), err)
		}
		for _, l := range f.Lines {
			if _, _, err := l.Resolve(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
