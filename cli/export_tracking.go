package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"shipdesk/domain"
	"shipdesk/textsafe"
)

// exportTracking: shipdesk export tracking [--format gspay|csv|jsonl] [--since T] [--channel C]
// [--mark-uploaded]. With --mark-uploaded the numbers written out are recorded as uploaded
// to their channels once the whole export is written (the settlement cut-off's "not
// uploaded" list, rule 7).
func exportTracking(e *env, format string, from time.Time, channel string, mark bool) error {
	if mark {
		if err := e.require(domain.ActionUploaded); err != nil {
			return err
		}
	}
	if err := requireDB(e); err != nil {
		return err
	}
	s, err := openStore(e, !mark)
	if err != nil {
		return err
	}
	defer s.Close()
	out := bufio.NewWriterSize(e.stdout, 64*1024)
	var written []uint64
	each := func(fn func(domain.SalesOrder) error) error {
		return s.EachShipment(from, func(o domain.SalesOrder) error {
			if channel != "" && o.Channel != channel {
				return nil
			}
			if o.Shipment.Number != "" {
				written = append(written, o.No)
			}
			return fn(o)
		})
	}
	if err := writeTracking(out, format, each, e.onScreen); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if !mark {
		return nil
	}
	n, err := s.MarkUploaded(written, e.now(), e.actor())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "marked %d shipments uploaded (%d already were)\n", n, len(written)-n)
	return nil
}

// writeTracking writes the shipments each gives in format; safe: made safe to draw (the
// output is a terminal), as csvRows.
func writeTracking(out io.Writer, format string, each func(func(domain.SalesOrder) error) error, safe bool) (err error) {
	switch format {
	case "gspay":
		var rows []domain.GSPAYRow
		err = each(func(o domain.SalesOrder) error {
			if o.Shipment.Number != "" {
				r := domain.GSPAYRow{Ref: firstNonEmpty(o.PaymentRef, o.TradeID), URL: o.Shipment.URL, Number: o.Shipment.Number}
				if safe {
					r.Ref, r.URL, r.Number = textsafe.Safe(r.Ref), textsafe.Safe(r.URL), textsafe.Safe(r.Number)
				}
				rows = append(rows, r)
			}
			return nil
		})
		if err == nil {
			err = domain.WriteGSPAY(out, rows)
		}
		return err
	case "csv":
		cw := csv.NewWriter(out)
		w := csvRows{w: cw, safe: safe}
		w.Write([]string{"order", "carrier", "tracking", "shipped_at", "eta", "url", "order_no", "replaced", "no_tracking"})
		err = each(func(o domain.SalesOrder) error {
			sh := o.Shipment
			return w.Write([]string{o.Key.String(), sh.Carrier, sh.Number, domain.ISOTime(sh.ShippedAt), domain.ISOTime(sh.ETA), sh.URL,
				domain.OrderNumber(o.No), fmt.Sprint(sh.Replaced), sh.NoTracking})
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		return err
	}
	enc := json.NewEncoder(out)
	return each(func(o domain.SalesOrder) error {
		return enc.Encode(wireShipment(o))
	})
}

type exportChange struct {
	At        string `json:"at"`
	Operator  string `json:"operator"`
	OldNumber string `json:"old"`
	NewNumber string `json:"new"`
	Carrier   string `json:"carrier"`
	Reason    string `json:"reason,omitempty"`
}

type exportShipment struct {
	OrderNo    string         `json:"order_no"`
	Key        string         `json:"key"`
	PaymentRef string         `json:"payment_ref,omitempty"`
	Status     string         `json:"status"`
	Carrier    string         `json:"carrier,omitempty"`
	Number     string         `json:"tracking,omitempty"`
	URL        string         `json:"url,omitempty"`
	ShippedAt  string         `json:"shipped_at"`
	ETA        string         `json:"eta,omitempty"`
	NoTracking string         `json:"no_tracking,omitempty"`
	Override   string         `json:"override,omitempty"`
	Replaced   int            `json:"replaced"`
	History    []exportChange `json:"history,omitempty"`
}

func wireShipment(o domain.SalesOrder) exportShipment {
	sh := o.Shipment
	x := exportShipment{OrderNo: domain.OrderNumber(o.No), Key: o.Key.String(), PaymentRef: o.PaymentRef, Status: o.Status.String(),
		Carrier: sh.Carrier, Number: sh.Number, URL: sh.URL, ShippedAt: domain.ISOTime(sh.ShippedAt), ETA: domain.ISOTime(sh.ETA),
		NoTracking: sh.NoTracking, Override: sh.Override, Replaced: sh.Replaced}
	for _, h := range sh.History {
		x.History = append(x.History, exportChange{At: domain.ISOTime(h.At), Operator: h.Operator, OldNumber: h.OldNumber, NewNumber: h.NewNumber, Carrier: h.NewCarrier, Reason: h.Reason})
	}
	return x
}
