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
	// rowOf is, for a row of the index, the row its record would write (key and value)
	// and the record's name; why says instead why the row leads to no record.
	rowOf  func(k, v []byte) (wk, wv []byte, what, why string)
	fmtKey func(k []byte) string
}

// indexCheck is one index under check. While the records are read, each record's row is
// looked up in it (expect): found exactly, missing, or with another value. Every row
// leads to one record only (its key or value holds the record's key), so when the index
// has as many rows as were found exactly, it has no others; else checkIndex walks it to
// name them.
type indexCheck struct {
	rowSpec
	ix       index
	missing  bool // the file lacks the bucket
	want     int  // records that should have a row
	matched  int  // rows found exactly
	reported map[string]bool
}

// Indexes under check, by the records they come from.
const (
	ixState = iota
	ixChannel
	ixStatus
	ixTracking
	ixRefunds
	ixOutboxState
	ixOutboxEvent
	ixPhase
	ixCount
)

func (d *doctor) openIndexes() {
	for i, spec := range d.rowSpecs() {
		ic := &indexCheck{rowSpec: spec, reported: map[string]bool{}}
		if d.bucket(spec.name) == nil {
			ic.missing = true
		} else {
			ic.ix = openIndex(d.tx, spec.name)
		}
		d.ixs[i] = ic
	}
}

// expect checks that index i holds row wk → wv, as readers see it; what names the record
// for a problem.
func (d *doctor) expect(i int, wk, wv []byte, what func() string) {
	ic := d.ixs[i]
	ic.want++
	if ic.missing {
		return
	}
	v, where := effectiveRow(ic.ix, wk)
	switch {
	case v == nil:
		d.problem(string(ic.name), "%s has no row %s%s", what(), ic.fmtKey(wk), where)
	case !bytes.Equal(v, wv):
		ic.reported[string(wk)] = true
		d.problem(string(ic.name), "row %s%s has a value %s would not write", ic.fmtKey(wk), where, what())
	default:
		ic.matched++
	}
}

// checkIndexes counts each index's rows and, where there are more than were found
// exactly, names the others.
func (d *doctor) checkIndexes() error {
	for _, ic := range d.ixs {
		if err := d.checkIndex(ic); err != nil {
			return err
		}
	}
	return nil
}

func (d *doctor) rowSpecs() [ixCount]rowSpec {
	obState, obEvent := d.outboxRowSpecs()
	return [ixCount]rowSpec{
		ixOutboxState: obState,
		ixOutboxEvent: obEvent,
		ixState: {name: bPoolByState, fmtKey: fmtStateKey,
			rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
				if len(v) < 8 {
					return nil, nil, "", "the value is too short to name a pool entry"
				}
				r, what, why := d.entryRowsAt(v[:8])
				return r.stateKey, r.stateVal, what, why
			}},
		ixChannel: {name: bPoolByChannel, fmtKey: fmtChannelKey,
			rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
				if len(v) < 9 {
					return nil, nil, "", "the value is too short to name a pool entry"
				}
				r, what, why := d.entryRowsAt(v[1:9])
				return r.chanKey, r.chanVal, what, why
			}},
		ixStatus: {name: bOrdersByStatus, fmtKey: fmtStatusKey,
			rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
				if len(k) < 17 {
					return nil, nil, "", "the key is too short to name an order"
				}
				o, why := d.orderAt(k[9:17], true)
				if why != "" {
					return nil, nil, "", why
				}
				wk, wv := statusRow(&o)
				return wk, wv, domain.OrderNumber(o.No), ""
			}},
		ixTracking: {name: bOrdersByTrack, fmtKey: func(k []byte) string { return strconv.Quote(string(k)) },
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
			}},
		ixRefunds: {name: bRefundsByState, fmtKey: fmtRefundKey,
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
			}},
		ixPhase: {name: bParcelsByPhase, fmtKey: fmtPhaseKey,
			rowOf: func(k, v []byte) ([]byte, []byte, string, string) {
				if len(k) != 17 {
					return nil, nil, "", "the key is not phase, time and order number"
				}
				o, why := d.orderAt(k[9:17], false)
				if why != "" {
					return nil, nil, "", why
				}
				wk, wv, _, ok, why := parcelRow(&o, d.get)
				if why == "" && !ok {
					why = "names " + domain.OrderNumber(o.No) + ", which has not shipped"
				}
				if why != "" {
					return nil, nil, "", why
				}
				return wk, wv, domain.OrderNumber(o.No), ""
			}},
	}
}

// statusRow is the status-index row putOrder writes for o.
func statusRow(o *domain.SalesOrder) (k, v []byte) {
	return statusIndexKey(nil, o.Status, o.ShipBy, o.No), []byte(orderSearchText(o))
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

// checkIndex counts the rows of an index merged with its staged rows, as readers see
// it, and when there are more than its records' rows found exactly, walks it again to
// check each other row against the row its record would write.
func (d *doctor) checkIndex(ic *indexCheck) error {
	name := string(ic.name)
	if ic.missing {
		if ic.want > 0 {
			d.problem(name, "the bucket is missing: %d records have no row", ic.want)
		}
		return nil
	}
	if ic.ix.stage != nil {
		n := 0
		if err := d.each(stagedIndexes[name], func(_, _ []byte) error { n++; return nil }); err != nil {
			return err
		}
		d.staged += n
		d.checked(string(stagedIndexes[name]), n, "rows")
	}
	rows := 0
	c := ic.ix.cursor()
	for c.seek([]byte{}, false); c.k != nil; c.next() {
		if err := d.alive(); err != nil {
			return err
		}
		rows++
	}
	d.checked(name, rows, "rows")
	if rows == ic.matched+len(ic.reported) {
		return nil
	}
	for c.seek([]byte{}, false); c.k != nil; c.next() {
		if err := d.alive(); err != nil {
			return err
		}
		if ic.reported[string(c.k)] {
			continue
		}
		where := ""
		if c.from != 1 {
			where = " (staged)"
		}
		wk, wv, what, why := ic.rowOf(c.k, c.v)
		switch {
		case why != "":
			d.problem(name, "row %s%s %s", ic.fmtKey(c.k), where, why)
		case !bytes.Equal(c.k, wk):
			d.problem(name, "row %s%s is not a row %s would write: its row is %s", ic.fmtKey(c.k), where, what, ic.fmtKey(wk))
		case !bytes.Equal(c.v, wv):
			d.problem(name, "row %s%s has a value %s would not write", ic.fmtKey(c.k), where, what)
		}
	}
	return nil
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
