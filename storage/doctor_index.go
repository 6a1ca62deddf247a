package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"shipdesk/domain"
)

// rowSpec is one index as the doctor checks it.
type rowSpec struct {
	name []byte
	want int // the records that should have a row in it
	// rowOf is, for a row of the index, the row its record would write (key and value)
	// and the record's name; why says instead why the row leads to no record.
	rowOf func(k, v []byte) (wk, wv []byte, what, why string)
	// each calls fn with the row of every record that should have one.
	each   func(fn func(wk, wv []byte, what string)) error
	fmtKey func(k []byte) string
}

// checkIndexes checks every index row against its record and every record for its rows.
func (d *doctor) checkIndexes() error {
	for _, spec := range d.rowSpecs() {
		if err := d.checkIndex(spec); err != nil {
			return err
		}
	}
	return nil
}

func (d *doctor) rowSpecs() []rowSpec {
	entryEach := func(row func(r entryRows) (k, v []byte)) func(fn func(wk, wv []byte, what string)) error {
		return func(fn func(wk, wv []byte, what string)) error {
			return d.each(bPoolEntries, func(k, v []byte) error {
				if e, err := decodeEntry(v); err == nil && len(k) == 8 {
					wk, wv := row(d.entryRows(k, &e))
					fn(wk, wv, entryName(binary.BigEndian.Uint64(k), &e))
				}
				return nil
			})
		}
	}
	orderEach := func(fn func(o *domain.SalesOrder)) error {
		return d.each(bOrders, func(k, v []byte) error {
			if o, err := d.loadOrderAt(k, v); err == nil {
				fn(&o)
			}
			return nil
		})
	}
	return []rowSpec{{
		name: bPoolByState, want: d.entries, fmtKey: fmtStateKey,
		rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
			if len(v) < 8 {
				return nil, nil, "", "the value is too short to name a pool entry"
			}
			r, what, why := d.entryRowsAt(v[:8])
			return r.stateKey, r.stateVal, what, why
		},
		each: entryEach(func(r entryRows) ([]byte, []byte) { return r.stateKey, r.stateVal }),
	}, {
		name: bPoolByChannel, want: d.entries, fmtKey: fmtChannelKey,
		rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
			if len(v) < 9 {
				return nil, nil, "", "the value is too short to name a pool entry"
			}
			r, what, why := d.entryRowsAt(v[1:9])
			return r.chanKey, r.chanVal, what, why
		},
		each: entryEach(func(r entryRows) ([]byte, []byte) { return r.chanKey, r.chanVal }),
	}, {
		name: bOrdersByStatus, want: d.orders, fmtKey: fmtStatusKey,
		rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
			if len(k) < 17 {
				return nil, nil, "", "the key is too short to name an order"
			}
			o, why := d.orderAt(k[9:17], true)
			if why != "" {
				return nil, nil, "", why
			}
			return statusIndexKey(nil, o.Status, o.ShipBy, o.No), []byte(orderSearchText(&o)), domain.OrderNumber(o.No), ""
		},
		each: func(fn func(wk, wv []byte, what string)) error {
			return orderEach(func(o *domain.SalesOrder) {
				fn(statusIndexKey(nil, o.Status, o.ShipBy, o.No), []byte(orderSearchText(o)), domain.OrderNumber(o.No))
			})
		},
	}, {
		name: bOrdersByTrack, want: d.tracked, fmtKey: func(k []byte) string { return strconv.Quote(string(k)) },
		rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
			if len(v) != 8 {
				return nil, nil, "", "the value is not an order number"
			}
			o, why := d.orderAt(v, false)
			if why == "" && o.Shipment.Number == "" {
				why = "names " + domain.OrderNumber(o.No) + ", which has no tracking number"
			}
			if why != "" {
				return nil, nil, "", why
			}
			return []byte(o.Shipment.Number), u64(o.No), domain.OrderNumber(o.No), ""
		},
		each: func(fn func(wk, wv []byte, what string)) error {
			return orderEach(func(o *domain.SalesOrder) {
				if o.Shipment.Number != "" {
					fn([]byte(o.Shipment.Number), u64(o.No), domain.OrderNumber(o.No))
				}
			})
		},
	}, {
		name: bRefundsByState, want: d.refunds, fmtKey: fmtRefundKey,
		rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
			if len(k) < 9 {
				return nil, nil, "", "the key is too short to name a refund request"
			}
			rv := d.get(bRefunds, k[9:])
			if rv == nil {
				return nil, nil, "", fmt.Sprintf("names refund request %s, which is not there", fmtText(k[9:]))
			}
			r, err := decodeRefundRequest(rv)
			if err != nil {
				return nil, nil, "", fmt.Sprintf("names refund request %s, which does not read", fmtText(k[9:]))
			}
			wk, wv := refundRows(&r)
			return wk, wv, "refund request " + strconv.Quote(r.RefundKey.String()), ""
		},
		each: func(fn func(wk, wv []byte, what string)) error {
			return d.each(bRefunds, func(_, v []byte) error {
				if r, err := decodeRefundRequest(v); err == nil {
					wk, wv := refundRows(&r)
					fn(wk, wv, "refund request "+strconv.Quote(r.RefundKey.String()))
				}
				return nil
			})
		},
	}}
}

// refundRows is the queue-index row putRefund writes for r.
func refundRows(r *domain.RefundRequest) (k, v []byte) {
	return refundStateKey(r.State, r.RespondBy, refundKey(r.RefundKey)), []byte(domain.RefundSearchText(r))
}

// entryRows is the index rows entry e, under arrival number seq, has.
func (d *doctor) entryRows(seq []byte, e *domain.PoolEntry) entryRows {
	pk := d.a.keep(poolKey(d.a.room(len(e.Channel)+1+len(e.TradeID)), e.Key))
	r := entryRowsOf(&d.a, pk, e)
	copy(r.stateVal, seq) // as putRows files them
	copy(r.chanVal[1:], seq)
	return r
}

// entryRowsAt is the rows of the pool entry with arrival number seq, or why there is none.
func (d *doctor) entryRowsAt(seq []byte) (r entryRows, what, why string) {
	n := binary.BigEndian.Uint64(seq)
	v := d.get(bPoolEntries, seq)
	if v == nil {
		return r, "", fmt.Sprintf("names pool entry #%d, which is not there", n)
	}
	e, err := decodeEntry(v)
	if err != nil {
		return r, "", fmt.Sprintf("names pool entry #%d, which does not read", n)
	}
	return d.entryRows(seq, &e), entryName(n, &e), ""
}

// orderAt is the order with number no (8 bytes), with its trade if withTrade, or why
// there is none.
func (d *doctor) orderAt(no []byte, withTrade bool) (domain.SalesOrder, string) {
	name := domain.OrderNumber(binary.BigEndian.Uint64(no))
	v := d.get(bOrders, no)
	if v == nil {
		return domain.SalesOrder{}, "names " + name + ", which is not there"
	}
	var o domain.SalesOrder
	var err error
	if withTrade {
		o, err = d.loadOrderAt(no, v)
	} else if o, err = decodeOrder(v); err == nil && o.No != binary.BigEndian.Uint64(no) {
		err = errCorrupt
	}
	if err != nil {
		return o, "names " + name + ", which does not read"
	}
	return o, ""
}

// checkIndex walks the index merged with its staged rows, as readers see it, checking
// each row against the row its record would write; when fewer rows matched than there
// are records, it looks every record's row up to name the missing ones.
func (d *doctor) checkIndex(spec rowSpec) error {
	name := string(spec.name)
	if d.bucket(spec.name) == nil {
		if spec.want > 0 {
			d.problem(name, "the bucket is missing: %d records have no row", spec.want)
		}
		return nil
	}
	ix := openIndex(d.tx, spec.name)
	if ix.stage != nil {
		n := 0
		if err := d.each(stagedIndexes[name], func(_, _ []byte) error { n++; return nil }); err != nil {
			return err
		}
		d.staged += n
		d.checked(string(stagedIndexes[name]), n, "rows")
	}
	rows, matched := 0, 0
	reported := map[string]bool{}
	c := ix.cursor()
	for c.seek([]byte{}, false); c.k != nil; c.next() {
		if err := d.alive(); err != nil {
			return err
		}
		rows++
		where := ""
		if c.from != 1 {
			where = " (staged)"
		}
		wk, wv, what, why := spec.rowOf(c.k, c.v)
		switch {
		case why != "":
			d.problem(name, "row %s%s %s", spec.fmtKey(c.k), where, why)
		case !bytes.Equal(c.k, wk):
			d.problem(name, "row %s%s is not a row %s would write: its row is %s", spec.fmtKey(c.k), where, what, spec.fmtKey(wk))
		case !bytes.Equal(c.v, wv):
			d.problem(name, "row %s%s has a value %s would not write", spec.fmtKey(c.k), where, what)
		default:
			matched++
			continue
		}
		reported[string(c.k)] = true
	}
	d.checked(name, rows, "rows")
	if matched >= spec.want {
		return nil
	}
	return spec.each(func(wk, wv []byte, what string) {
		v, where := effectiveRow(ix, wk)
		switch {
		case v == nil:
			d.problem(name, "%s has no row %s%s", what, spec.fmtKey(wk), where)
		case !bytes.Equal(v, wv) && !reported[string(wk)]:
			reported[string(wk)] = true
			d.problem(name, "row %s%s has a value %s would not write", spec.fmtKey(wk), where, what)
		}
	})
}

// effectiveRow is the value of key k in index ix as readers see it (nil: no row), and
// " (staged)" when a staged row decides it.
func effectiveRow(ix index, k []byte) ([]byte, string) {
	if ix.stage != nil {
		if sk, sv := ix.stage.Cursor().Seek(k); sk != nil && bytes.Equal(sk, k) {
			if len(sv) == 0 {
				return nil, " (deleted by a staged row)"
			}
			return sv, " (staged)"
		}
	}
	return ix.main.Get(k), ""
}

// The keys of the time-ordered indexes, for reading: [state time rest].

func fmtTimeKey(b []byte) string {
	raw := binary.BigEndian.Uint64(b)
	if raw == 0 {
		return "no-time"
	}
	return time.Unix(int64(raw^(1<<63)), 0).UTC().Format(time.RFC3339)
}

// fmtText shows key text with its 0x00 separators as ':'.
func fmtText(b []byte) string {
	return strconv.Quote(string(bytes.ReplaceAll(b, []byte{0}, []byte(":"))))
}

func stateWord(name string, b byte) string {
	if name == "" {
		return "state " + strconv.Itoa(int(b))
	}
	return name
}

func fmtStateKey(k []byte) string {
	if len(k) < 9 {
		return fmt.Sprintf("%x", k)
	}
	return fmt.Sprintf("[%s %s %s]", stateWord(domain.PoolState(k[0]).String(), k[0]), fmtTimeKey(k[1:9]), fmtText(k[9:]))
}

func fmtChannelKey(k []byte) string {
	i := bytes.IndexByte(k, 0)
	if i < 0 || len(k) < i+9 {
		return fmt.Sprintf("%x", k)
	}
	return fmt.Sprintf("[%s %s %s]", strconv.Quote(string(k[:i])), fmtTimeKey(k[i+1:i+9]), strconv.Quote(string(k[i+9:])))
}

func fmtStatusKey(k []byte) string {
	if len(k) < 17 {
		return fmt.Sprintf("%x", k)
	}
	s := fmt.Sprintf("[%s %s %s", stateWord(domain.OrderStatus(k[0]).String(), k[0]), fmtTimeKey(k[1:9]), domain.OrderNumber(binary.BigEndian.Uint64(k[9:17])))
	if len(k) > 17 {
		s += fmt.Sprintf(" +%x", k[17:])
	}
	return s + "]"
}

func fmtRefundKey(k []byte) string {
	if len(k) < 9 {
		return fmt.Sprintf("%x", k)
	}
	return fmt.Sprintf("[%s %s %s]", stateWord(domain.RefundState(k[0]).String(), k[0]), fmtTimeKey(k[1:9]), fmtText(k[9:]))
}
