package cli

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"shipdesk/domain"
	"shipdesk/textsafe"
)

type exportPool struct {
	Key     string `json:"key"`
	State   string `json:"state"`
	Changed bool   `json:"changed"`
	Reason  string `json:"reason,omitempty"`
	OrderNo string `json:"order_no,omitempty"`
	domain.WireTrade
	ImportedAt string `json:"imported_at"`
	UpdatedAt  string `json:"updated_at"`
}

func orderNo(no uint64) string {
	if no == 0 {
		return ""
	}
	return domain.OrderNumber(no)
}

// exportKind is one thing `export` writes: its formats (the first is the default) and
// whether it takes --since.
type exportKind struct {
	formats []string
	since   bool
}

// exportKinds is every export by name.
var exportKinds = map[string]exportKind{
	"pool":        {[]string{"jsonl", "csv"}, false},
	"orders":      {[]string{"jsonl", "csv"}, false},
	"refunds":     {[]string{"jsonl", "csv"}, false},
	"outbox":      {[]string{"jsonl", "csv"}, false},
	"audit":       {[]string{"jsonl", "csv"}, true},
	"tracking":    {[]string{"gspay", "csv", "jsonl"}, true},
	"vouchers":    {[]string{"jsonl", "csv"}, false},
	"redemptions": {[]string{"jsonl", "csv"}, true},
	"parcels":     {[]string{"jsonl", "csv"}, false},
	"events":      {[]string{"jsonl", "csv"}, true},
}

// cmdExport: shipdesk export pool|orders|refunds|outbox [--format jsonl|csv] |
// export audit [--since T] [--format jsonl|csv] | export tracking [--format gspay|csv|jsonl] [--since T]
// [--channel C] [--mark-uploaded]
func cmdExport(e *env, args []string) error {
	fs := newFlagSet("export")
	e.flags(fs)
	format := fs.String("format", "", "jsonl or csv (tracking: also gspay)")
	sinceText := fs.String("since", "", "audit and tracking: from this time on")
	var rf redemptionFilter
	fs.StringVar(&rf.by, "by", "", "redemptions: only this operator's")
	fs.StringVar(&rf.pos, "pos", "", "redemptions: only at this POS ID")
	fs.StringVar(&rf.day, "day", "", "redemptions: only on this day (warehouse zone)")
	markUploaded := fs.Bool("mark-uploaded", false, "tracking: record the exported numbers as uploaded to their channels")
	channel := fs.String("channel", "", "tracking: only this channel's shipments")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	var kind exportKind
	ok := len(pos) == 1
	if ok {
		kind, ok = exportKinds[pos[0]]
	}
	if !ok {
		return usagef("usage: shipdesk export pool|orders|refunds|outbox|vouchers|parcels [--format jsonl|csv], export audit|events [--since T] [--format jsonl|csv], export redemptions [--since T] [--by NAME] [--pos ID] [--day DATE] [--format jsonl|csv] or export tracking [--format gspay|csv|jsonl] [--since T] [--channel C] [--mark-uploaded]")
	}
	what := pos[0]
	if *format == "" {
		*format = kind.formats[0]
	}
	if !slices.Contains(kind.formats, *format) {
		return usagef("--format must be %s, not %q", orList(kind.formats), *format)
	}
	if *sinceText != "" && !kind.since {
		return usagef("--since goes with export audit, export redemptions or export tracking (or export events)")
	}
	if rf != (redemptionFilter{}) && what != "redemptions" {
		return usagef("--by, --pos and --day go with export redemptions")
	}
	if (*markUploaded || *channel != "") && what != "tracking" {
		return usagef("--mark-uploaded and --channel go with export tracking")
	}
	var from time.Time
	if *sinceText != "" {
		loc, err := e.location()
		if err != nil {
			return err
		}
		if from, err = parseSince(*sinceText, e.now(), loc); err != nil {
			return usagef("--since: %v", err)
		}
	}
	switch what {
	case "tracking":
		return exportTracking(e, *format, from, *channel, *markUploaded)
	case "audit":
		return exportAudit(e, *format, from)
	case "refunds", "outbox":
		return exportRefunds(e, what, *format)
	case "parcels", "events":
		return exportParcels(e, what, *format, from)
	case "vouchers", "redemptions":
		return exportVouchers(e, what, *format, from, rf)
	}
	return exportTrades(e, what, *format)
}

// orList is "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// exportTrades: export pool|orders, format jsonl or csv.
func exportTrades(e *env, what, format string) error {
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	out := bufio.NewWriterSize(e.stdout, 64*1024)
	defer out.Flush()
	if format == "jsonl" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		if what == "pool" {
			return s.EachPool(func(p domain.PoolEntry) error {
				return enc.Encode(exportPool{Key: p.Key.String(), State: p.State.String(), Changed: p.Changed,
					Reason: p.Reason, OrderNo: orderNo(p.OrderNo), WireTrade: domain.WireTradeOf(p.Trade),
					ImportedAt: domain.ISOTime(p.ImportedAt), UpdatedAt: domain.ISOTime(p.UpdatedAt)})
			})
		}
		return s.EachOrder(func(o domain.SalesOrder) error {
			return enc.Encode(domain.WireOrderOf(o))
		})
	}
	// CSV: the import columns, one row per line item, with the state columns in front.
	cw := csv.NewWriter(out)
	defer cw.Flush()
	w := csvRows{w: cw, safe: e.onScreen}
	if what == "pool" {
		if err := w.Write(append([]string{"key", "state", "changed", "reason", "order_no"}, domain.CSVColumns...)); err != nil {
			return err
		}
		return s.EachPool(func(p domain.PoolEntry) error {
			head := []string{p.Key.String(), p.State.String(), strconv.FormatBool(p.Changed), p.Reason, orderNo(p.OrderNo)}
			return writeTradeRows(w, head, p.Trade)
		})
	}
	if err := w.Write(append([]string{"order_no", "key", "status", "ship_by", "created_at", "attention"}, domain.CSVColumns...)); err != nil {
		return err
	}
	return s.EachOrder(func(o domain.SalesOrder) error {
		head := []string{domain.OrderNumber(o.No), o.Key.String(), o.Status.String(), domain.ISOTime(o.ShipBy), domain.ISOTime(o.CreatedAt), o.Attention}
		return writeTradeRows(w, head, o.Trade)
	})
}

func writeTradeRows(w csvRows, head []string, t domain.Trade) error {
	base := append(head, t.Channel, t.Platform, t.TradeID, t.Buyer, t.Consignee.Name, t.Consignee.Phone,
		t.Consignee.Address, t.Consignee.Country, t.TradeStatus.String(), t.PaymentRef, domain.ISOTime(t.PaidAt),
		t.Total.Currency, t.Total.Decimal())
	if len(t.Items) == 0 {
		return w.Write(append(base, "", "", "", ""))
	}
	for _, it := range t.Items {
		row := append(append([]string{}, base...), it.SKU, it.Title, strconv.Itoa(it.Qty), it.Price.Decimal())
		if err := w.Write(row); err != nil {
			return err
		}
	}
	return nil
}

// csvRows writes CSV records; on a screen (safe: env.onScreen) each field is made safe to
// draw first (textsafe.Safe), so an export read on the terminal cannot recolour or move
// it. Into a file or a pipe the fields are written as they are.
type csvRows struct {
	w    *csv.Writer
	safe bool
}

func (c csvRows) Write(row []string) error {
	if c.safe {
		for i := range row {
			row[i] = textsafe.Safe(row[i])
		}
	}
	return c.w.Write(row)
}

// rowWriter writes an export's records to w: each as the JSON object v (jsonl: control
// characters escaped) or as the CSV fields row under header (csv; safe, as csvRows). done
// writes out what is buffered and returns the first error: the export's own (err), or
// the writing's (a full disk, a closed pipe), so a cut-off export never reads as whole.
func rowWriter(w io.Writer, format string, header []string, safe bool) (write func(row []string, v any) error, done func(err error) error, err error) {
	out := bufio.NewWriterSize(w, 64*1024)
	if format == "jsonl" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return func(_ []string, v any) error { return enc.Encode(v) }, func(err error) error { return cmp.Or(err, out.Flush()) }, nil
	}
	cw := csv.NewWriter(out)
	done = func(err error) error {
		cw.Flush()
		return cmp.Or(err, cw.Error(), out.Flush())
	}
	if err := cw.Write(header); err != nil {
		return nil, done, err
	}
	rows := csvRows{w: cw, safe: safe}
	return func(row []string, _ any) error { return rows.Write(row) }, done, nil
}
