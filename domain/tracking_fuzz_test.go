package domain

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzParseTracking(f *testing.F) {
	f.Add(readFixture(f, "tracking_gspay.txt"))
	f.Add(readFixture(f, "tracking_semicolon.csv"))
	f.Add("order,carrier,tracking,shipped_at,eta\nT1,ems,EE040293660CN,2026-11-20,2026-11-30\n")
	f.Add("TR1:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EE040293660CN\r\rTR2::::")
	f.Add("\ufefftracking\torder\n\"1Z\"\"\t\"x\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		pf, err := ParseTracking("fuzz", strings.NewReader(text), time.UTC)
		if err != nil {
			return
		}
		if pf.Format != TrackingGSPAY && pf.Format != TrackingCSV {
			t.Fatalf("format %q", pf.Format)
		}
		// Every line is reported once at most, good or bad, in order.
		last, seen := 0, map[int]bool{}
		for _, l := range pf.Lines {
			if l.Line <= last || seen[l.Line] {
				t.Fatalf("line numbers out of order: %d after %d", l.Line, last)
			}
			last, seen[l.Line] = l.Line, true
			if l.Ref == "" || l.Number == "" || NormalizeTracking(l.Number) != l.Number {
				t.Fatalf("line %d: %+v", l.Line, l)
			}
			if l.Carrier != "" {
				if _, ok := CarrierByCode(l.Carrier); !ok {
					t.Fatalf("line %d: unknown carrier %q", l.Line, l.Carrier)
				}
			}
			if _, _, err := l.Resolve(); err != nil && err.Error() == "" {
				t.Fatalf("line %d: empty reason", l.Line)
			}
		}
		last = 0
		for _, e := range pf.Errors {
			if e.Line <= last || seen[e.Line] || e.Reason == "" {
				t.Fatalf("bad line %d (after %d) reported twice, out of order or without reason", e.Line, last)
			}
			last = e.Line
		}
		// GSPAY lines with a URL write back and read back the same.
		if pf.Format != TrackingGSPAY {
			return
		}
		var rows []GSPAYRow
		for _, l := range pf.Lines {
			if l.URL != "" && utf8.ValidString(l.Ref+l.URL+l.Number) {
				rows = append(rows, GSPAYRow{Ref: l.Ref, URL: l.URL, Number: l.Number})
			}
		}
		var buf bytes.Buffer
		if err := WriteGSPAY(&buf, rows); err != nil {
			t.Fatalf("parsed rows don't write: %v", err)
		}
		if len(rows) == 0 {
			return
		}
		back, err := ParseTracking("back", &buf, time.UTC)
		if err != nil || len(back.Errors) != 0 || len(back.Lines) != len(rows) {
			t.Fatalf("rows %+v read back as %+v, %v, %v", rows, back.Lines, back.Errors, err)
		}
		for i, l := range back.Lines {
			if l.Ref != rows[i].Ref || l.URL != rows[i].URL || l.Number != rows[i].Number {
				t.Fatalf("row %+v read back as %+v", rows[i], l)
			}
		}
	})
}

func FuzzCarrierValidate(f *testing.F) {
	for _, c := range Carriers() {
		for _, fm := range c.Formats() {
			f.Add(fm.Example)
		}
	}
	f.Add("EB084456702CN")
	f.Add(" ｅｅ０４０２９３６６０ｃｎ ")
	f.Fuzz(func(t *testing.T, number string) {
		n := NormalizeTracking(number)
		if NormalizeTracking(n) != n {
			t.Fatalf("NormalizeTracking not idempotent on %q", number)
		}
		matched := map[string]bool{}
		for _, c := range MatchCarriers(number) {
			matched[c.Code] = true
		}
		for _, c := range Carriers() {
			got, err := c.Validate(number)
			if got != n && got != "" {
				t.Fatalf("%s.Validate(%q) returned %q, not the normal form %q", c.Code, number, got, n)
			}
			if err != nil && err.Error() == "" {
				t.Fatalf("%s: empty reason", c.Code)
			}
			if c.Checked() && (err == nil) != matched[c.Code] {
				t.Fatalf("%s: Validate(%q) = %v but MatchCarriers says %v", c.Code, number, err, matched[c.Code])
			}
		}
	})
}
