package domain

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	json "github.com/goccy/go-json"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Platforms are the marketplaces a channel can belong to (SPEC §2).
var Platforms = []string{"taobao", "tmall", "jd", "pinduoduo", "douyin", "youzan", "weimob", "1688",
	"aliexpress", "suning", "insales", "gspay", "shopify", "manual", "paipai", "yihaodian"}

func knownPlatform(p string) bool {
	for _, q := range Platforms {
		if p == q {
			return true
		}
	}
	return false
}

// maxField bounds any one text field of an import; longer is a malformed record.
const maxField = 4096

// LineError names one bad record of an import file.
type LineError struct {
	File   string
	Line   int
	Reason string
}

func (e LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// ImportErrors is every bad line of a rejected import.
type ImportErrors []LineError

func (es ImportErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// maxReported caps how many bad lines one file reports, so a wrong file can't flood a terminal.
const maxReported = 50

// RawTrade is the wire form of one order (JSON Lines; CSV maps onto it).
type RawTrade struct {
	Channel     string       `json:"channel"`
	Platform    string       `json:"platform"`
	TradeID     string       `json:"trade_id"`
	Buyer       string       `json:"buyer"`
	Consignee   RawConsignee `json:"consignee"`
	TradeStatus string       `json:"trade_status"`
	PaymentRef  string       `json:"payment_ref"`
	PaidAt      string       `json:"paid_at"`
	Currency    string       `json:"currency"`
	Total       string       `json:"total"`
	Items       []RawItem    `json:"items"`
}

// RawConsignee is the wire form of a consignee.
type RawConsignee struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
	Country string `json:"country"`
	Email   string `json:"email,omitempty"`
}

// RawItem is the wire form of a line item.
type RawItem struct {
	SKU   string `json:"sku"`
	Title string `json:"title"`
	Qty   int    `json:"qty"`
	Price string `json:"price"`
	// Voucher carries the product's e-voucher terms; absent on goods.
	Voucher *RawVoucher `json:"voucher,omitempty"`
}

// Validate turns a wire record into a Trade, or says what is wrong with it.
func (r RawTrade) Validate() (Trade, error) {
	var t Trade
	if err := validIdent("channel", r.Channel); err != nil {
		return t, err
	}
	if err := validIdent("trade_id", r.TradeID); err != nil {
		return t, err
	}
	if !knownPlatform(r.Platform) {
		return t, fmt.Errorf("platform %q is not one of %s", r.Platform, strings.Join(Platforms, ", "))
	}
	for _, f := range []struct{ name, v string }{
		{"buyer", r.Buyer}, {"consignee.name", r.Consignee.Name}, {"consignee.phone", r.Consignee.Phone},
		{"consignee.address", r.Consignee.Address}, {"consignee.country", r.Consignee.Country},
		{"consignee.email", r.Consignee.Email},
		{"payment_ref", r.PaymentRef},
	} {
		if len(f.v) > maxField {
			return t, fmt.Errorf("%s is longer than %d bytes", f.name, maxField)
		}
		if !utf8.ValidString(f.v) {
			return t, fmt.Errorf("%s is not valid UTF-8 — save the file as UTF-8", f.name)
		}
	}
	st, err := ParseTradeStatus(r.TradeStatus)
	if err != nil {
		return t, err
	}
	var paid time.Time
	if r.PaidAt != "" {
		paid, err = time.Parse(time.RFC3339, r.PaidAt)
		if err != nil {
			return t, fmt.Errorf("paid_at %q is not an RFC 3339 time such as 2026-11-20T10:00:00Z", r.PaidAt)
		}
		paid = paid.UTC()
	} else if st == TradePaid {
		return t, errors.New("paid_at is required when trade_status is paid")
	}
	total, err := ParseMoney(r.Total, r.Currency)
	if err != nil {
		return t, fmt.Errorf("total: %v", err)
	}
	if total.Minor < 0 {
		return t, fmt.Errorf("total %q is negative", r.Total)
	}
	t = Trade{
		Key:      Key{Channel: r.Channel, TradeID: r.TradeID},
		Platform: r.Platform, Buyer: r.Buyer,
		Consignee:   Consignee(r.Consignee),
		TradeStatus: st, PaymentRef: r.PaymentRef, PaidAt: paid, Total: total,
	}
	if len(r.Items) > 0 {
		t.Items = make([]Item, 0, len(r.Items))
	}
	sum := int64(0) // of the line totals, each checked against maxAmount
	for i, it := range r.Items {
		n := i + 1
		if it.SKU == "" {
			return t, fmt.Errorf("item %d: sku is empty", n)
		}
		if len(it.SKU) > 128 || len(it.Title) > maxField {
			return t, fmt.Errorf("item %d: sku or title too long", n)
		}
		if !utf8.ValidString(it.SKU) || !utf8.ValidString(it.Title) {
			return t, fmt.Errorf("item %d: sku or title is not valid UTF-8 — save the file as UTF-8", n)
		}
		if it.Qty < 1 || it.Qty > 1_000_000 {
			return t, fmt.Errorf("item %d: qty %d must be between 1 and 1000000", n, it.Qty)
		}
		p, err := ParseMoney(it.Price, r.Currency)
		if err != nil {
			return t, fmt.Errorf("item %d: price: %v", n, err)
		}
		if p.Minor < 0 {
			return t, fmt.Errorf("item %d: price %q is negative", n, it.Price)
		}
		line, ok := p.TimesChecked(it.Qty)
		if !ok {
			return t, fmt.Errorf("item %d: price × qty (%s × %d) is too large", n, it.Price, it.Qty)
		}
		if sum > maxAmount-line.Minor {
			return t, fmt.Errorf("item %d: the line totals add up to an amount too large", n)
		}
		sum += line.Minor
		item := Item{SKU: it.SKU, Title: it.Title, Qty: it.Qty, Price: p}
		if it.Voucher != nil {
			if item.Voucher, err = it.Voucher.Validate(); err != nil {
				return t, fmt.Errorf("item %d: %v", n, err)
			}
		}
		t.Items = append(t.Items, item)
	}
	if err := checkVoucherTrade(&t); err != nil {
		return t, err
	}
	return t, nil
}

// ImportFile holds the trades of one valid file, in file order, one per key (a later
// record of the same key replaces the earlier one).
type ImportFile struct {
	Trades []Trade
}

type collector struct {
	name   string
	trades []Trade
	at     map[Key]int
	errs   ImportErrors
}

func newCollector(name string) *collector { return &collector{name: name, at: map[Key]int{}} }

func (c *collector) add(line int, r RawTrade) {
	t, err := r.Validate()
	if err != nil {
		c.fail(line, err.Error())
		return
	}
	c.keep(t)
}

// keep adds a valid trade; a later record of the same key replaces the earlier one.
func (c *collector) keep(t Trade) {
	if i, ok := c.at[t.Key]; ok {
		c.trades[i] = t
		return
	}
	c.at[t.Key] = len(c.trades)
	c.trades = append(c.trades, t)
}

func (c *collector) fail(line int, reason string) {
	if len(c.errs) < maxReported {
		c.errs = append(c.errs, LineError{File: c.name, Line: line, Reason: reason})
	} else if len(c.errs) == maxReported {
		c.errs = append(c.errs, LineError{File: c.name, Line: line, Reason: "more bad lines follow; fix the ones above first"})
	}
}

func (c *collector) result() (ImportFile, error) {
	if len(c.errs) > 0 {
		return ImportFile{}, c.errs
	}
	return ImportFile{Trades: c.trades}, nil
}

// ParseJSONL reads one order per line. Blank lines are ignored. Any bad line rejects the
// whole file; the error lists each bad line as name:line: reason.
func ParseJSONL(name string, r io.Reader) (ImportFile, error) {
	c := newCollector(name)
	err := ScanJSONL(name, r, func(trades []Trade) error {
		for _, t := range trades {
			c.keep(t)
		}
		return nil
	})
	if err != nil {
		return ImportFile{}, err
	}
	return c.result()
}

// ScanJSONL reads one order per line and hands the valid orders to emit in file order, a
// batch at a time, while later lines are still being read, so a caller can write while
// parsing goes on. Lines are decoded and validated by a worker per CPU. Once a bad line
// is seen emit is not called again; the error returned lists every bad line as
// name:line: reason, and the caller must then discard what it was given. emit must not
// keep the slice past its call. An error from
// emit stops the emitting and is returned.
func ScanJSONL(name string, r io.Reader, emit func([]Trade) error) error {
	return scanJSONL(name, r, emit, 1<<20)
}

// maxLine bounds one line of a JSON Lines file and one row of a CSV file; a longer one is
// reported as unreadable, and reading stops there.
const maxLine = MaxLine

// MaxLine is the longest line (a row of CSV, quoted line breaks and all) any import reads:
// the command line refuses standard input with a longer line while it is still reading it.
const MaxLine = 1 << 20

// scanJSONL is ScanJSONL reading chunk bytes at a time. The file is read straight into
// chunks, which the lines of a batch point into, and a chunk is reused once its batch is
// decoded (the decoded strings are copies): no line is copied and little memory is new.
func scanJSONL(name string, r io.Reader, emit func([]Trade) error, chunk int) error {
	r = SkipBOM(r)
	type parsed struct {
		line  int
		trade Trade
		err   string
	}
	type batch struct {
		first int      // line number of lines[0]
		buf   []byte   // the chunk the lines point into
		lines [][]byte // trimmed
		out   []parsed
		done  chan struct{}
	}
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *batch, 16)
	order := make(chan *batch, 64)
	free := make(chan []byte, 2*workers+2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var raw RawTrade
			for b := range work {
				b.out = make([]parsed, 0, len(b.lines))
				for i, l := range b.lines {
					p := parsed{line: b.first + i}
					if len(l) == 0 {
						continue
					}
					clear(raw.Items[:cap(raw.Items)]) // no voucher terms left from an earlier line
					raw = RawTrade{Items: raw.Items[:0]}
					if why := lineProblem(l); why != "" {
						p.err = why
					} else if err := json.Unmarshal(l, &raw); err != nil {
						p.err = "not a JSON order: " + jsonReason(err)
					} else if t, err := raw.Validate(); err != nil {
						p.err = err.Error()
					} else {
						p.trade = t
					}
					b.out = append(b.out, p)
				}
				select {
				case free <- b.buf[:0]:
				default:
				}
				b.buf, b.lines = nil, nil
				close(b.done)
			}
		}()
	}
	var readErr error
	lines := 0
	go func() {
		defer close(order)
		defer close(work)
		newChunk := func(n int) []byte {
			select {
			case c := <-free:
				if cap(c) >= n {
					return c
				}
			default:
			}
			return make([]byte, 0, n)
		}
		buf := newChunk(chunk)
		for {
			var err error
			for len(buf) < cap(buf) && err == nil {
				var n int
				n, err = r.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
			}
			eof := err == io.EOF
			if err != nil && !eof {
				readErr = err
			}
			last := eof || readErr != nil
			end := bytes.LastIndexByte(buf, '\n') + 1
			if last {
				end = len(buf)
			}
			if end == 0 && !last {
				// One line fills the chunk: read on into a bigger one, up to maxLine.
				if len(buf) > maxLine {
					readErr = errLineTooLong
					return
				}
				buf = append(newChunk(2*cap(buf)), buf...)
				continue
			}
			b := &batch{first: lines + 1, buf: buf, done: make(chan struct{})}
			for rest := buf[:end]; len(rest) > 0; {
				l := rest
				if i := bytes.IndexByte(rest, '\n'); i >= 0 {
					l, rest = rest[:i], rest[i+1:]
				} else {
					rest = nil
				}
				if len(l) > maxLine {
					readErr = errLineTooLong
					break
				}
				b.lines = append(b.lines, bytes.TrimSpace(l))
			}
			lines += len(b.lines)
			if last || readErr != nil {
				work <- b
				order <- b
				return
			}
			// The start of the next line moves to the next chunk before this one is reused.
			carry := buf[end:]
			next := append(newChunk(max(chunk, 2*len(carry))), carry...)
			work <- b
			order <- b
			buf = next
		}
	}()
	c := newCollector(name)
	var emitErr error
	valid := make([]Trade, 0, 4096)
	for b := range order {
		<-b.done
		valid = valid[:0]
		for _, p := range b.out {
			if p.err != "" {
				c.fail(p.line, p.err)
			} else {
				valid = append(valid, p.trade)
			}
		}
		if len(c.errs) == 0 && emitErr == nil && len(valid) > 0 {
			emitErr = emit(valid)
		}
	}
	wg.Wait()
	if readErr == errLineTooLong {
		c.fail(lines+1, fmt.Sprintf("line is longer than %s: a JSON Lines file holds one order per line", sizeWords(maxLine)))
	} else if readErr != nil {
		c.fail(lines+1, "cannot read: "+readErr.Error())
	}
	if len(c.errs) > 0 {
		return c.errs
	}
	return emitErr
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) && strings.Contains(se.Error(), "after top-level value") {
		return "extra text after the JSON order (one order per line)"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Sprintf("a line must be one JSON object, not %s", te.Value)
		}
		return fmt.Sprintf("field %s must be %s, not %s", te.Field, jsonTypeWords(te.Type), te.Value)
	}
	return err.Error()
}

// errLineTooLong is a line past maxLine.
var errLineTooLong = errors.New("line too long")

// sizeWords says a size in MiB or KiB as a person would.
func sizeWords(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// jsonTypeWords names the JSON a Go type is read from, in an operator's words (not
// []domain.RawItem).
func jsonTypeWords(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Struct {
			return "a list of objects ([{…}, …])"
		}
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object ({…})"
	case reflect.String:
		return "text in quotes"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return "another type"
}

// lineProblem says what is wrong with a JSON line before it is decoded (the decoder
// would turn bytes that are not UTF-8 into U+FFFD, silently), or "".
func lineProblem(l []byte) string {
	if bytes.HasPrefix(l, []byte("\ufeff")) {
		return "the line starts with a byte order mark (U+FEFF): files joined together? remove it"
	}
	if !utf8.Valid(l) {
		return fmt.Sprintf("not valid UTF-8 (at byte %d of the line) — save the file as UTF-8", invalidAt(l)+1)
	}
	return ""
}

// invalidAt is the offset of the first byte of l that is not UTF-8.
func invalidAt(l []byte) int {
	for i := 0; i < len(l); {
		r, n := utf8.DecodeRune(l[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(l)
}

// CSVColumns is the header of an order CSV: one row per line item, the order's columns
// repeated on each row, rows of one order next to each other.
var CSVColumns = []string{"channel", "platform", "trade_id", "buyer", "consignee_name", "consignee_phone",
	"address", "country", "trade_status", "payment_ref", "paid_at", "currency", "total", "sku", "title", "qty", "price"}

// SkipBOM drops a UTF-8 byte order mark at the start of r, which spreadsheet programs
// on Windows write in front of CSV and text exports.
func SkipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br
}
