package domain

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	json "github.com/goccy/go-json"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
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
		{"payment_ref", r.PaymentRef},
	} {
		if len(f.v) > maxField {
			return t, fmt.Errorf("%s is longer than %d bytes", f.name, maxField)
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
	for i, it := range r.Items {
		n := i + 1
		if it.SKU == "" {
			return t, fmt.Errorf("item %d: sku is empty", n)
		}
		if len(it.SKU) > 128 || len(it.Title) > maxField {
			return t, fmt.Errorf("item %d: sku or title too long", n)
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

// maxLine bounds one line of a JSON Lines file; a longer one is reported as unreadable.
const maxLine = 1 << 20

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
					if err := json.Unmarshal(l, &raw); err != nil {
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
					readErr = bufio.ErrTooLong
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
					readErr = bufio.ErrTooLong
					break
				}
				b.lines = append(b.lines, bytes.TrimSpace(l))
			}
			lines += len(b.lines)
			if last {
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
	if readErr != nil {
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
		return fmt.Sprintf("field %s must be %s, not %s", te.Field, te.Type, te.Value)
	}
	return err.Error()
}

// CSVColumns is the header of an order CSV: one row per line item, the order's columns
// repeated on each row, rows of one order next to each other.
var CSVColumns = []string{"channel", "platform", "trade_id", "buyer", "consignee_name", "consignee_phone",
	"address", "country", "trade_status", "payment_ref", "paid_at", "currency", "total", "sku", "title", "qty", "price"}

// ParseCSV reads an order CSV with a header row naming the columns of CSVColumns (any order).
// A row with an empty sku is a header-only order.
func ParseCSV(name string, r io.Reader) (ImportFile, error) {
	c := newCollector(name)
	cr := csv.NewReader(SkipBOM(r))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		c.fail(1, "no header row: "+err.Error())
		return c.result()
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	var missing []string
	for _, want := range CSVColumns {
		if _, ok := col[want]; !ok {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		c.fail(1, "header lacks columns: "+strings.Join(missing, ", "))
		return c.result()
	}
	var (
		cur      RawTrade
		curKey   Key
		curLine  int
		curBad   bool
		have     bool
		finished = map[Key]bool{}
	)
	flush := func() {
		if have {
			if !curBad {
				c.add(curLine, cur)
			}
			finished[curKey] = true
		}
		have = false
	}
	line := 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// FieldPos panics after a record that failed to parse, so the line comes from the error.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				c.fail(pe.Line, pe.Err.Error())
				if pe.Err == csv.ErrFieldCount {
					continue
				}
			} else {
				c.fail(line+1, err.Error())
			}
			break
		}
		line, _ = cr.FieldPos(0)
		if len(rec) != len(header) {
			c.fail(line, fmt.Sprintf("has %d fields, header has %d", len(rec), len(header)))
			continue
		}
		get := func(k string) string { return rec[col[k]] }
		row := RawTrade{
			Channel: get("channel"), Platform: get("platform"), TradeID: get("trade_id"), Buyer: get("buyer"),
			Consignee: RawConsignee{Name: get("consignee_name"), Phone: get("consignee_phone"),
				Address: get("address"), Country: get("country")},
			TradeStatus: get("trade_status"), PaymentRef: get("payment_ref"), PaidAt: get("paid_at"),
			Currency: get("currency"), Total: get("total"),
		}
		k := Key{Channel: row.Channel, TradeID: row.TradeID}
		if !have || k != curKey {
			flush()
			if finished[k] {
				c.fail(line, fmt.Sprintf("rows of order %s are not grouped together", k))
				curBad = true
			} else {
				curBad = false
			}
			cur, curKey, curLine, have = row, k, line, true
		} else if !sameHeader(cur, row) {
			c.fail(line, fmt.Sprintf("order columns differ from the first row of %s (line %d)", k, curLine))
			curBad = true
		}
		if sku := get("sku"); sku != "" || get("qty") != "" || get("price") != "" {
			q, err := strconv.Atoi(strings.TrimSpace(get("qty")))
			if err != nil {
				c.fail(line, fmt.Sprintf("qty %q is not a whole number", get("qty")))
				curBad = true
				continue
			}
			item := RawItem{SKU: sku, Title: get("title"), Qty: q, Price: get("price")}
			if v, bad := csvVoucher(rec, col); bad != "" {
				c.fail(line, bad)
				curBad = true
				continue
			} else {
				item.Voucher = v
			}
			cur.Items = append(cur.Items, item)
		}
	}
	flush()
	return c.result()
}

// csvVoucher reads a row's voucher columns, when the header has them: nil for goods (all
// empty), or the reason a value is unreadable.
func csvVoucher(rec []string, col map[string]int) (*RawVoucher, string) {
	get := func(k string) string {
		if i, ok := col[k]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	has := false
	for _, k := range VoucherCSVColumns {
		has = has || get(k) != ""
	}
	if !has {
		return nil, ""
	}
	flag := func(k string) (bool, string) {
		switch strings.ToLower(get(k)) {
		case "", "false", "0", "no":
			return false, ""
		case "true", "1", "yes":
			return true, ""
		}
		return false, fmt.Sprintf("%s %q is not true or false", k, get(k))
	}
	v := &RawVoucher{ValidUntil: get("voucher_valid_until"), RefundRatio: get("voucher_refund_ratio"), MinRatio: get("voucher_min_ratio")}
	var bad string
	if v.ExpiredRefund, bad = flag("voucher_expired_refund"); bad != "" {
		return nil, bad
	}
	if v.AutoRefund, bad = flag("voucher_auto_refund"); bad != "" {
		return nil, bad
	}
	return v, ""
}

func sameHeader(a, b RawTrade) bool {
	a.Items, b.Items = nil, nil
	return a.Channel == b.Channel && a.Platform == b.Platform && a.TradeID == b.TradeID && a.Buyer == b.Buyer &&
		a.Consignee == b.Consignee && a.TradeStatus == b.TradeStatus && a.PaymentRef == b.PaymentRef &&
		a.PaidAt == b.PaidAt && a.Currency == b.Currency && a.Total == b.Total
}

// SkipBOM drops a UTF-8 byte order mark at the start of r, which spreadsheet programs
// on Windows write in front of CSV and text exports.
func SkipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br
}
