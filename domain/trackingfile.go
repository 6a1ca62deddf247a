package domain

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bulk tracking upload (SPEC §3 rule 11): GSPAY lines or a CSV, detected per file or
// paste. This stage reads the text only; which order a line means, and the verdict on
// it, are decided against the stored orders later.

// The formats of a bulk tracking upload.
const (
	TrackingGSPAY = "gspay" // REF:: URL:: Tracking ID=NUMBER, one per line
	TrackingCSV   = "csv"   // order,carrier,tracking[,shipped_at,eta] with a header row
)

// GSPAYChunkLines is how many lines GSPAY takes in one upload (SPEC §3 rule 12).
const GSPAYChunkLines = 100

// maxTrackingLine bounds one line of an upload, maxTrackingUpload the whole.
const (
	maxTrackingLine   = 64 << 10
	maxTrackingUpload = 8 << 20 // about 100,000 lines; planning them takes about 250 MB
)

// TrackingLine is one line of a bulk tracking upload as written.
type TrackingLine struct {
	Line int    // 1-based line number in the file or paste
	Ref  string // the order: payment reference, trade ID or CHANNEL:TRADE_ID
	// Carrier is a registry code: as given, else named by the URL, else the first carrier
	// whose format fits the number; "" when none of these tells.
	Carrier   string
	Number    string    // normalised (NormalizeTracking)
	URL       string    // as given; "" when the line has none
	ShippedAt time.Time // UTC; zero when not given
	ETA       time.Time // UTC; zero when not given
}

// TrackingFile is a parsed upload: its format, its good lines, and every bad line with
// its reason, both in file order. Blank lines are neither.
type TrackingFile struct {
	Format string
	Lines  []TrackingLine
	Errors ImportErrors
}

// ErrNoCarrier says a line names no carrier and its number fits none.
var ErrNoCarrier = errors.New("no carrier: give one, or a tracking URL of a known carrier")

// ParseTracking reads a bulk tracking upload, GSPAY or CSV, told apart by its first
// non-blank line. A UTF-8 byte order mark, CRLF or CR line ends and blank lines are
// taken in stride. Dates without a time zone are read in loc (nil: UTC). The error is
// for an upload that can't be read at all: empty, of neither format, with a bad CSV
// header, or too big; a bad line is in the result's Errors instead.
func ParseTracking(name string, r io.Reader, loc *time.Location) (TrackingFile, error) {
	if loc == nil {
		loc = time.UTC
	}
	// Uploads are pastes and files of some thousand lines: read whole, every field is a
	// slice of one string.
	data, err := io.ReadAll(io.LimitReader(r, maxTrackingUpload+1))
	if err != nil {
		return TrackingFile{}, fmt.Errorf("%s: cannot read: %w", name, err)
	}
	if len(data) > maxTrackingUpload {
		return TrackingFile{}, fmt.Errorf("%s is larger than %d MiB; split it", name, maxTrackingUpload>>20)
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	var (
		f    TrackingFile
		csvp *trackingCSV
		urls = urlMemo{}
	)
	f.Lines = make([]TrackingLine, 0, strings.Count(text, "\n")+1)
	for n := 1; text != ""; n++ {
		var line string
		line, text = cutLine(text)
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(line) > maxTrackingLine {
			f.Errors = append(f.Errors, LineError{File: name, Line: n, Reason: fmt.Sprintf("line is longer than %d KiB", maxTrackingLine>>10)})
			continue
		}
		if f.Format == "" {
			if strings.Contains(line, "::") || strings.Contains(strings.ToLower(line), "tracking id") {
				f.Format = TrackingGSPAY
			} else {
				p, err := newTrackingCSV(line, loc, urls)
				if err != nil {
					return TrackingFile{}, ImportErrors{{File: name, Line: n, Reason: err.Error()}}
				}
				f.Format, csvp = TrackingCSV, p
				continue
			}
		}
		var (
			tl     TrackingLine
			reason string
		)
		if csvp != nil {
			tl, reason = csvp.row(line)
		} else {
			tl, reason = urls.parseGSPAYLine(line)
		}
		if reason != "" {
			f.Errors = append(f.Errors, LineError{File: name, Line: n, Reason: reason})
			continue
		}
		tl.Line = n
		f.Lines = append(f.Lines, tl)
	}
	if f.Format == "" && len(f.Errors) > 0 {
		// Only unreadable lines (too long): say so, not that the file is empty.
		return TrackingFile{}, ImportErrors(f.Errors)
	}
	if f.Format == "" {
		return TrackingFile{}, fmt.Errorf("%s is empty: give GSPAY lines (REF:: URL:: Tracking ID=NUMBER) or a CSV with the header order,carrier,tracking[,shipped_at,eta]", name)
	}
	return f, nil
}

// cutLine splits off the first line at LF, CRLF or a lone CR (old spreadsheet exports).
func cutLine(s string) (line, rest string) {
	i := strings.IndexAny(s, "\r\n")
	if i < 0 {
		return s, ""
	}
	if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
		return s[:i], s[i+2:]
	}
	return s[:i], s[i+1:]
}

// parseGSPAYLine reads REF:: URL:: Tracking ID=NUMBER, with any spaces around the
// separators. The carrier comes from the URL, else from the number.
func (u urlMemo) parseGSPAYLine(line string) (TrackingLine, string) {
	if parts := strings.Count(line, "::") + 1; parts != 3 {
		return TrackingLine{}, fmt.Sprintf("want REF:: URL:: Tracking ID=NUMBER, found %d parts separated by ::", parts)
	}
	ref, rest, _ := strings.Cut(line, "::")
	addr, tail, _ := strings.Cut(rest, "::")
	ref, addr, tail = strings.TrimSpace(ref), strings.TrimSpace(addr), strings.TrimSpace(tail)
	if reason := checkTrackingRef(ref); reason != "" {
		return TrackingLine{}, reason
	}
	site, reason := u.look(addr)
	if reason != "" {
		return TrackingLine{}, reason
	}
	label, value, ok := strings.Cut(tail, "=")
	if !ok || aliasKey(label) != "trackingid" {
		return TrackingLine{}, fmt.Sprintf("third part must be Tracking ID=NUMBER, got %s", quoteTrackingField(tail))
	}
	number, reason := checkTrackingNumber(value)
	if reason != "" {
		return TrackingLine{}, reason
	}
	return TrackingLine{Ref: ref, Carrier: carrierOf(site, number), Number: number, URL: addr}, ""
}

// urlMemo remembers what checkURL and CarrierFromURL said of the URLs seen so far: an
// upload repeats a few URLs on every line.
type urlMemo map[string]urlSeen

type urlSeen struct{ reason, carrier string }

func (u urlMemo) look(addr string) (carrier, reason string) {
	if s, ok := u[addr]; ok {
		return s.carrier, s.reason
	}
	s := urlSeen{reason: checkTrackingURL(addr)}
	if s.reason == "" {
		if c, ok := CarrierFromURL(addr); ok {
			s.carrier = c.Code
		}
	}
	if len(u) < 1024 {
		u[addr] = s
	}
	return s.carrier, s.reason
}

// carrierOf is the carrier the URL named, else the first whose format fits the number.
func carrierOf(site, number string) string {
	if site != "" {
		return site
	}
	if c, ok := DetectCarrier(number); ok {
		return c.Code
	}
	return ""
}

// deriveCarrier names the carrier a URL points to, else the first whose format fits the number.
func deriveCarrier(u, number string) string {
	if c, ok := CarrierFromURL(u); ok {
		return c.Code
	}
	return carrierOf("", number)
}

func checkTrackingRef(ref string) string {
	switch {
	case ref == "":
		return "order reference is empty"
	case len(ref) > 130:
		return fmt.Sprintf("order reference %s is longer than 130 bytes", quoteTrackingField(ref))
	case strings.IndexFunc(ref, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return fmt.Sprintf("order reference %s contains spaces or control characters", quoteTrackingField(ref))
	case !utf8.ValidString(ref):
		return "order reference is not valid UTF-8"
	case strings.Contains(ref, "::") || strings.HasSuffix(ref, ":"):
		return fmt.Sprintf("order reference %s contains :: or ends with :", quoteTrackingField(ref))
	}
	return ""
}

// checkURL accepts "" (the URL is then derived) or an http(s) address.
func checkTrackingURL(u string) string {
	if u == "" {
		return ""
	}
	if len(u) > 2048 {
		return "tracking URL is longer than 2048 bytes"
	}
	if strings.IndexFunc(u, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 ||
		strings.Contains(u, "::") || strings.HasSuffix(u, ":") {
		return fmt.Sprintf("tracking URL %s contains spaces, control characters or :: or ends with :", quoteTrackingField(u))
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Sprintf("tracking URL %s is not an http:// or https:// address", quoteTrackingField(u))
	}
	return ""
}

func checkTrackingNumber(s string) (string, string) {
	n := NormalizeTracking(s)
	switch {
	case n == "":
		return "", "tracking number is empty"
	case len(n) > maxTrackingLen:
		return "", fmt.Sprintf("tracking number is %d characters long; no carrier's is longer than %d", len(n), maxTrackingLen)
	case strings.IndexFunc(n, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 || !utf8.ValidString(n):
		return "", "tracking number contains control characters"
	case strings.Contains(n, "::"):
		return "", "tracking number contains ::"
	}
	return n, ""
}

// quoteField quotes untrusted text for a reason, cut short if long.
func quoteTrackingField(s string) string {
	if len(s) > 60 {
		s = s[:60]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return fmt.Sprintf("%q…", s)
	}
	return fmt.Sprintf("%q", s)
}

// The CSV columns and the names a header may give them (compared ignoring case,
// spaces, dashes and underscores).
var trackingColumns = []struct {
	name    string
	aliases []string
}{
	{"order", []string{"order", "ref", "reference", "orderref", "orderid", "tradeid", "paymentref"}},
	{"carrier", []string{"carrier", "courier"}},
	{"tracking", []string{"tracking", "trackingnumber", "trackingno", "trackingid", "number"}},
	{"shipped_at", []string{"shippedat", "shipped", "shipdate", "shippeddate"}},
	{"eta", []string{"eta", "expectedarrival", "arrival"}},
	{"url", []string{"url", "trackingurl"}},
}

// TrackingCSVHeader is the header an exported tracking CSV carries.
const TrackingCSVHeader = "order,carrier,tracking,shipped_at,eta,url"

type trackingCSV struct {
	urls  urlMemo
	delim byte
	col   map[string]int // column name → field index
	width int
	loc   *time.Location
}

// newTrackingCSV reads the header: its delimiter (comma, semicolon or tab), and which
// column is which. order and tracking are required.
func newTrackingCSV(header string, loc *time.Location, urls urlMemo) (*trackingCSV, error) {
	p := &trackingCSV{urls: urls, delim: ',', col: map[string]int{}, loc: loc}
	if !strings.Contains(header, ",") {
		if strings.Contains(header, ";") {
			p.delim = ';'
		} else if strings.Contains(header, "\t") {
			p.delim = '\t'
		}
	}
	fields, err := splitCSVLine(header, p.delim)
	if err != nil {
		return nil, fmt.Errorf("not a GSPAY line (REF:: URL:: Tracking ID=NUMBER) nor a CSV header: %v", err)
	}
	var unknown []string
	for i, h := range fields {
		key := aliasKey(strings.TrimSpace(h))
		found := false
		for _, c := range trackingColumns {
			for _, a := range c.aliases {
				if key != a {
					continue
				}
				if _, dup := p.col[c.name]; dup {
					return nil, fmt.Errorf("CSV header names column %s twice", c.name)
				}
				p.col[c.name], found = i, true
			}
		}
		if !found {
			unknown = append(unknown, quoteTrackingField(strings.TrimSpace(h)))
		}
	}
	_, hasOrder := p.col["order"]
	_, hasTracking := p.col["tracking"]
	if !hasOrder || !hasTracking {
		return nil, errors.New("not a GSPAY line (REF:: URL:: Tracking ID=NUMBER) nor a CSV header (order,carrier,tracking[,shipped_at,eta])")
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("CSV header has unknown columns %s; the columns are order, carrier, tracking, shipped_at, eta, url", strings.Join(unknown, ", "))
	}
	p.width = len(fields)
	return p, nil
}

func (p *trackingCSV) row(line string) (TrackingLine, string) {
	fields, err := splitCSVLine(line, p.delim)
	if err != nil {
		return TrackingLine{}, err.Error()
	}
	if len(fields) > p.width {
		return TrackingLine{}, fmt.Sprintf("%d fields, but the header names %d columns", len(fields), p.width)
	}
	get := func(name string) string {
		i, ok := p.col[name]
		if !ok || i >= len(fields) {
			return ""
		}
		return strings.TrimSpace(fields[i])
	}
	var tl TrackingLine
	tl.Ref = get("order")
	if reason := checkTrackingRef(tl.Ref); reason != "" {
		return TrackingLine{}, reason
	}
	number, reason := checkTrackingNumber(get("tracking"))
	if reason != "" {
		return TrackingLine{}, reason
	}
	tl.Number = number
	tl.URL = get("url")
	site, reason := p.urls.look(tl.URL)
	if reason != "" {
		return TrackingLine{}, reason
	}
	if code := get("carrier"); code != "" {
		c, ok := CarrierByCode(code)
		if !ok {
			return TrackingLine{}, fmt.Sprintf("carrier %s is not known; use one of %s", quoteTrackingField(code), strings.Join(CarrierCodes(), ", "))
		}
		tl.Carrier = c.Code
	} else {
		tl.Carrier = carrierOf(site, tl.Number)
	}
	if tl.ShippedAt, reason = parseTrackingDate("shipped_at", get("shipped_at"), p.loc); reason != "" {
		return TrackingLine{}, reason
	}
	if tl.ETA, reason = parseTrackingDate("eta", get("eta"), p.loc); reason != "" {
		return TrackingLine{}, reason
	}
	if !tl.ShippedAt.IsZero() && !tl.ETA.IsZero() && tl.ETA.Before(tl.ShippedAt) {
		return TrackingLine{}, fmt.Sprintf("eta %s is before shipped_at %s", get("eta"), get("shipped_at"))
	}
	return tl, ""
}

// trackingDateLayouts are the date forms a tracking CSV may use; those without a zone
// are read in the warehouse's.
var trackingDateLayouts = []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"}

func parseTrackingDate(what, s string, loc *time.Location) (time.Time, string) {
	if s == "" {
		return time.Time{}, ""
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), ""
	}
	for _, layout := range trackingDateLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), ""
		}
	}
	return time.Time{}, fmt.Sprintf("%s %s is not a date such as 2026-11-20 or 2026-11-20T10:00:00+08:00", what, quoteTrackingField(s))
}

// splitCSVLine splits one CSV record (RFC 4180 quoting, no line breaks inside quotes).
func splitCSVLine(line string, delim byte) ([]string, error) {
	var fields []string
	for i := 0; ; {
		if i < len(line) && line[i] == '"' {
			var b strings.Builder
			j := i + 1
			for {
				k := strings.IndexByte(line[j:], '"')
				if k < 0 {
					return nil, errors.New("a quoted field is not closed on its line")
				}
				b.WriteString(line[j : j+k])
				j += k + 1
				if j < len(line) && line[j] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			fields = append(fields, b.String())
			if j == len(line) {
				return fields, nil
			}
			if line[j] != delim {
				return nil, errors.New("text after a quoted field; quote the whole field")
			}
			i = j + 1
			continue
		}
		k := strings.IndexByte(line[i:], delim)
		if k < 0 {
			return append(fields, line[i:]), nil
		}
		fields = append(fields, line[i:i+k])
		i += k + 1
	}
}

// Resolve settles a line's carrier (as given, else from its URL, else from its number),
// checks the number against it and, when the line has no URL, derives it from the
// carrier's template. The error is ErrNoCarrier, or the reason the carrier refuses the
// number ("S10 check digit should be 7, got 2"); the line and carrier come back with it.
func (l TrackingLine) Resolve() (TrackingLine, Carrier, error) {
	if l.Carrier == "" {
		l.Carrier = deriveCarrier(l.URL, l.Number)
	}
	c, ok := CarrierByCode(l.Carrier)
	if !ok {
		return l, Carrier{}, ErrNoCarrier
	}
	l.Carrier = c.Code
	n, err := c.Validate(l.Number)
	l.Number = n
	if l.URL == "" {
		l.URL = c.URL(n)
	}
	return l, c, err
}

// GSPAYRow is one line of a GSPAY tracking export.
type GSPAYRow struct {
	Ref    string // the payment reference GSPAY knows the order by
	URL    string
	Number string
}

// WriteGSPAY writes REF:: URL:: Tracking ID=NUMBER lines in chunks of at most
// GSPAYChunkLines, separated by one blank line, each chunk one GSPAY upload. Every row
// is checked first; a row that would not read back writes nothing and is named.
func WriteGSPAY(w io.Writer, rows []GSPAYRow) error {
	for i, r := range rows {
		if reason := r.check(); reason != "" {
			return fmt.Errorf("GSPAY row %d (%s): %s", i+1, quoteTrackingField(r.Ref), reason)
		}
	}
	bw := bufio.NewWriter(w)
	for i, r := range rows {
		if i > 0 && i%GSPAYChunkLines == 0 {
			bw.WriteByte('\n')
		}
		bw.WriteString(r.Ref)
		bw.WriteString(":: ")
		bw.WriteString(r.URL)
		bw.WriteString(":: Tracking ID=")
		bw.WriteString(r.Number)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// GSPAYChunks splits rows into GSPAY uploads of at most GSPAYChunkLines each.
func GSPAYChunks(rows []GSPAYRow) [][]GSPAYRow {
	var out [][]GSPAYRow
	for len(rows) > 0 {
		n := min(len(rows), GSPAYChunkLines)
		out = append(out, rows[:n:n])
		rows = rows[n:]
	}
	return out
}

func (r GSPAYRow) check() string {
	if reason := checkTrackingRef(r.Ref); reason != "" {
		return reason
	}
	if r.URL == "" {
		return "has no tracking URL"
	}
	if reason := checkTrackingURL(r.URL); reason != "" {
		return reason
	}
	n, reason := checkTrackingNumber(r.Number)
	if reason != "" {
		return reason
	}
	if n != r.Number {
		return fmt.Sprintf("tracking number %s is not in its normal form %s", quoteTrackingField(r.Number), n)
	}
	return ""
}
