package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"shipdesk/domain"
)

// exportTrade is the JSON form of a trade, the same shape an import reads.
type exportTrade struct {
	Channel     string              `json:"channel"`
	Platform    string              `json:"platform"`
	TradeID     string              `json:"trade_id"`
	Buyer       string              `json:"buyer"`
	Consignee   domain.RawConsignee `json:"consignee"`
	TradeStatus string              `json:"trade_status"`
	PaymentRef  string              `json:"payment_ref"`
	PaidAt      string              `json:"paid_at"`
	Currency    string              `json:"currency"`
	Total       string              `json:"total"`
	Items       []domain.RawItem    `json:"items"`
}

func wireTrade(t domain.Trade) exportTrade {
	x := exportTrade{
		Channel: t.Channel, Platform: t.Platform, TradeID: t.TradeID, Buyer: t.Buyer,
		Consignee:   domain.RawConsignee(t.Consignee),
		TradeStatus: t.TradeStatus.String(), PaymentRef: t.PaymentRef, PaidAt: isoTime(t.PaidAt),
		Currency: t.Total.Currency, Total: t.Total.Decimal(), Items: []domain.RawItem{},
	}
	for _, it := range t.Items {
		x.Items = append(x.Items, domain.RawItem{SKU: it.SKU, Title: it.Title, Qty: it.Qty, Price: it.Price.Decimal()})
	}
	return x
}

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

type exportPool struct {
	Key     string `json:"key"`
	State   string `json:"state"`
	Changed bool   `json:"changed"`
	Reason  string `json:"reason,omitempty"`
	OrderNo string `json:"order_no,omitempty"`
	exportTrade
	ImportedAt string `json:"imported_at"`
	UpdatedAt  string `json:"updated_at"`
}

type exportOrder struct {
	OrderNo   string `json:"order_no"`
	Key       string `json:"key"`
	Status    string `json:"status"`
	ShipBy    string `json:"ship_by"`
	CreatedAt string `json:"created_at"`
	Attention string `json:"attention,omitempty"`
	// AwaitingReturn: a return_goods refund was converted; the goods are on their way back.
	AwaitingReturn bool `json:"awaiting_return,omitempty"`
	exportTrade
}

func orderNo(no uint64) string {
	if no == 0 {
		return ""
	}
	return domain.OrderNumber(no)
}

// cmdExport: shipdesk export pool|orders|audit [--format jsonl|csv] [--since T]
func cmdExport(e *env, args []string) error {
	fs := newFlagSet("export")
	e.flags(fs)
	format := fs.String("format", "", "jsonl or csv (tracking: also gspay)")
	since := fs.String("since", "", "audit and tracking: from this time on")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 1 && pos[0] == "tracking" {
		return exportTracking(e, *format, *since)
	}
	if len(pos) == 1 && (pos[0] == "refunds" || pos[0] == "outbox") {
		if *since != "" {
			return usagef("--since goes with export audit or export tracking")
		}
		return exportRefunds(e, pos[0], *format)
	}
	if *format == "" {
		*format = "jsonl"
	}
	if len(pos) != 1 || (pos[0] != "pool" && pos[0] != "orders" && pos[0] != "audit") {
		return usagef("usage: shipdesk export pool|orders|refunds|outbox [--format jsonl|csv], export audit [--since T] [--format jsonl|csv] or export tracking [--format gspay|csv|jsonl] [--since T]")
	}
	if *format != "jsonl" && *format != "csv" {
		return usagef("--format must be jsonl or csv, not %q", *format)
	}
	if pos[0] == "audit" {
		return exportAudit(e, *format, *since)
	}
	if *since != "" {
		return usagef("--since goes with export audit or export tracking")
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	out := bufio.NewWriterSize(e.stdout, 64*1024)
	defer out.Flush()
	if *format == "jsonl" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		if pos[0] == "pool" {
			return s.EachPool(func(p domain.PoolEntry) error {
				return enc.Encode(exportPool{Key: p.Key.String(), State: p.State.String(), Changed: p.Changed,
					Reason: p.Reason, OrderNo: orderNo(p.OrderNo), exportTrade: wireTrade(p.Trade),
					ImportedAt: isoTime(p.ImportedAt), UpdatedAt: isoTime(p.UpdatedAt)})
			})
		}
		return s.EachOrder(func(o domain.SalesOrder) error {
			return enc.Encode(exportOrder{OrderNo: domain.OrderNumber(o.No), Key: o.Key.String(), Status: o.Status.String(),
				ShipBy: isoTime(o.ShipBy), CreatedAt: isoTime(o.CreatedAt), Attention: o.Attention, AwaitingReturn: o.AwaitingReturn, exportTrade: wireTrade(o.Trade)})
		})
	}
	// CSV: the import columns, one row per line item, with the state columns in front.
	w := csv.NewWriter(out)
	defer w.Flush()
	if pos[0] == "pool" {
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
		head := []string{domain.OrderNumber(o.No), o.Key.String(), o.Status.String(), isoTime(o.ShipBy), isoTime(o.CreatedAt), o.Attention}
		return writeTradeRows(w, head, o.Trade)
	})
}

func writeTradeRows(w *csv.Writer, head []string, t domain.Trade) error {
	base := append(head, t.Channel, t.Platform, t.TradeID, t.Buyer, t.Consignee.Name, t.Consignee.Phone,
		t.Consignee.Address, t.Consignee.Country, t.TradeStatus.String(), t.PaymentRef, isoTime(t.PaidAt),
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

// statusJSON is the contract of `status --json`.
type statusJSON struct {
	Pool struct {
		AwaitingDetail int `json:"awaiting_detail"`
		Ready          int `json:"ready"`
		Changed        int `json:"changed"`
		Processed      int `json:"processed"`
		Converted      int `json:"converted"`
		Removed        int `json:"removed"`
	} `json:"pool"`
	Orders struct {
		AwaitingShipment int `json:"awaiting_shipment"`
		DueToday         int `json:"due_today"`
		Overdue          int `json:"overdue"`
		Attention        int `json:"attention"`
		Shipped          int `json:"shipped"`
		Delivered        int `json:"delivered"`
		Returned         int `json:"returned"`
		Cancelled        int `json:"cancelled"`
		Completed        int `json:"completed"`
		NoTracking       int `json:"shipped_no_tracking"`
	} `json:"orders"`
	Tracking struct {
		Replaced int `json:"replaced"`
	} `json:"tracking"`
	Refunds refundsStatus `json:"refunds"`
	Index   struct {
		Staged int `json:"staged"`
	} `json:"index"`
}

// cmdStatus: shipdesk status [--json]
func cmdStatus(e *env, args []string) error {
	fs := newFlagSet("status")
	e.flags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("status takes no arguments")
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	c, err := s.Counts(e.now(), loc)
	if err != nil {
		return err
	}
	var j statusJSON
	j.Pool.AwaitingDetail, j.Pool.Ready, j.Pool.Changed = c.Pool[domain.PoolAwaitingDetail], c.Pool[domain.PoolReady], c.Changed
	j.Pool.Processed, j.Pool.Converted, j.Pool.Removed = c.Pool[domain.PoolProcessed], c.Pool[domain.PoolConverted], c.Pool[domain.PoolRemoved]
	j.Orders.AwaitingShipment, j.Orders.DueToday, j.Orders.Overdue = c.Orders[domain.OrderAwaitingShipment], c.DueToday, c.Overdue
	j.Orders.Attention, j.Orders.Shipped, j.Orders.Delivered = c.Attention, c.Orders[domain.OrderShipped], c.Orders[domain.OrderDelivered]
	j.Orders.Returned, j.Orders.Cancelled, j.Orders.Completed = c.Orders[domain.OrderReturned], c.Orders[domain.OrderCancelled], c.Orders[domain.OrderCompleted]
	j.Orders.NoTracking, j.Tracking.Replaced = c.NoTracking, c.Replaced
	j.Refunds = refundStatus(c.Refunds)
	j.Index.Staged = c.Staged
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(j)
	}
	fmt.Fprintf(e.stdout, "database  %s\n", s.Path())
	fmt.Fprintf(e.stdout, "pool      %d awaiting detail, %d ready (%d changed), %d processed, %d converted, %d removed\n",
		j.Pool.AwaitingDetail, j.Pool.Ready, j.Pool.Changed, j.Pool.Processed, j.Pool.Converted, j.Pool.Removed)
	fmt.Fprintf(e.stdout, "orders    %d awaiting shipment: %d due today, %d overdue; %d need attention\n",
		j.Orders.AwaitingShipment, j.Orders.DueToday, j.Orders.Overdue, j.Orders.Attention)
	fmt.Fprintf(e.stdout, "          %d shipped, %d delivered, %d completed, %d returned, %d cancelled\n",
		j.Orders.Shipped, j.Orders.Delivered, j.Orders.Completed, j.Orders.Returned, j.Orders.Cancelled)
	fmt.Fprintf(e.stdout, "tracking  %d shipped without a tracking number; %d numbers replaced\n", j.Orders.NoTracking, j.Tracking.Replaced)
	printRefundStatus(e.stdout, c.Refunds)
	if c.Staged > 0 {
		fmt.Fprintf(e.stdout, "index     %d rows staged, folded in when the console or server is quiet or by `shipdesk fold`\n", c.Staged)
	}
	return nil
}
