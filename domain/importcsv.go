package domain

// The CSV form of an orders file: one row per line item, a trade's header repeated on
// each of its rows (ParseCSV).

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvRows is the reader under a csv.Reader: it fails with errLineTooLong once the record
// being read runs past maxLine (encoding/csv holds a whole record, so a file of one field
// without end would otherwise be read into memory whole). The parser marks the end of
// each record it reads.
type csvRows struct {
	r          io.Reader
	read, mark int64
}

func (c *csvRows) Read(p []byte) (int, error) {
	// The csv.Reader reads ahead a buffer's worth: the slack covers it.
	if c.read-c.mark > maxLine+64<<10 {
		return 0, errLineTooLong
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

// next marks the end of a record read.
func (c *csvRows) next() { c.mark = c.read }

// csvTooLong is the operator's words for a row past maxLine.
func csvTooLong() string {
	return fmt.Sprintf("row is longer than %s (is this a CSV file? a quote left open?)", sizeWords(maxLine))
}

// ParseCSV reads an order CSV with a header row naming the columns of CSVColumns (any order).
// A row with an empty sku is a header-only order.
func ParseCSV(name string, r io.Reader) (ImportFile, error) {
	c := newCollector(name)
	t, why := openCSV(r, CSVColumns)
	if why != "" {
		c.fail(1, why)
		return c.result()
	}
	col := t.col
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
		rec, at, why, done := t.row(line)
		if why != "" {
			c.fail(at, why)
		}
		if done {
			break
		}
		if line = at; rec == nil {
			continue
		}
		get := func(k string) string { return rec[col[k]] }
		getOpt := func(k string) string { // an optional column
			if i, ok := col[k]; ok {
				return rec[i]
			}
			return ""
		}
		row := RawTrade{
			Channel: get("channel"), Platform: get("platform"), TradeID: get("trade_id"), Buyer: get("buyer"),
			Consignee: RawConsignee{Name: get("consignee_name"), Phone: get("consignee_phone"),
				Address: get("address"), Country: get("country"), Email: getOpt("consignee_email")},
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

// csvTable is a CSV file with a header row, read row by row with every row bounded by
// maxLine (csvRows) and a leading byte order mark dropped. The order, refund and event
// parsers all read their CSV through it.
type csvTable struct {
	r      *csv.Reader
	rows   *csvRows
	header []string
	col    map[string]int // the header's columns by name
}

// openCSV reads the header row and checks that it names every column of need. A header
// that cannot be read or lacks a column gives the reason, for line 1.
func openCSV(r io.Reader, need []string) (*csvTable, string) {
	rows := &csvRows{r: r}
	cr := csv.NewReader(SkipBOM(rows))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	rows.next()
	if errors.Is(err, errLineTooLong) {
		return nil, csvTooLong()
	}
	if err != nil {
		return nil, "no header row: " + err.Error()
	}
	t := &csvTable{r: cr, rows: rows, header: header, col: map[string]int{}}
	for i, h := range header {
		t.col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	var missing []string
	for _, want := range need {
		if _, ok := t.col[want]; !ok {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return nil, "header lacks columns: " + strings.Join(missing, ", ")
	}
	return t, ""
}

// row reads the record after the one that started on line last. With done the file ends
// there: at its end (why empty) or at a record that cannot be read, named by why at line
// (the rest of the file cannot be read reliably after a quoting error). Without done, a
// nil rec has the wrong number of fields (why says so) and is skipped.
func (t *csvTable) row(last int) (rec []string, line int, why string, done bool) {
	rec, err := t.r.Read()
	t.rows.next()
	switch {
	case err == io.EOF:
		return nil, last, "", true
	case errors.Is(err, errLineTooLong):
		return nil, last + 1, csvTooLong(), true
	case err != nil:
		// FieldPos panics after a record that failed to parse, so the line comes from the error.
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.Line, pe.Err.Error(), true
		}
		return nil, last + 1, "cannot read: " + err.Error(), true
	}
	line, _ = t.r.FieldPos(0)
	if len(rec) != len(t.header) {
		return nil, line, fmt.Sprintf("has %d fields, header has %d", len(rec), len(t.header)), false
	}
	return rec, line, "", false
}
