package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"shipdesk/domain"
)

// Records are encoded by hand in a compact binary form: a version byte, then fields in a
// fixed order, strings as uvarint length + bytes, integers as varints. It is several
// times smaller and faster than JSON, and a million orders must stay small on disk.

const recordVersion = 1

// Pool entries are at version 2, which adds who last changed the state and when after
// the update time; version 1 entries (files written before it) still read, without them.
const (
	entryV1      = 1
	entryVersion = 2
)

var errCorrupt = errors.New("storage: corrupt record")

type enc struct{ b []byte }

func (e *enc) u(v uint64)   { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) i(v int64)    { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) s(v string)   { e.u(uint64(len(v))); e.b = append(e.b, v...) }
func (e *enc) byte(v uint8) { e.b = append(e.b, v) }
func (e *enc) bool(v bool) {
	if v {
		e.byte(1)
	} else {
		e.byte(0)
	}
}

// t stores a time as Unix nanoseconds; the zero time as 0.
func (e *enc) t(v time.Time) {
	if v.IsZero() {
		e.i(0)
		return
	}
	e.i(v.UnixNano())
}

type dec struct {
	b   []byte
	err error
}

func (d *dec) u() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) i() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

// s copies the string out: bbolt memory is only valid inside its transaction.
func (d *dec) s() string {
	n := d.u()
	if d.err != nil {
		return ""
	}
	if uint64(len(d.b)) < n {
		d.err = errCorrupt
		return ""
	}
	v := string(d.b[:n])
	d.b = d.b[n:]
	return v
}

// raw is a string field's bytes, not copied: valid only as long as the record.
func (d *dec) raw() []byte {
	n := d.u()
	if d.err != nil {
		return nil
	}
	if uint64(len(d.b)) < n {
		d.err = errCorrupt
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// skip passes over a string field.
func (d *dec) skip() { d.raw() }

func (d *dec) byte() uint8 {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *dec) bool() bool { return d.byte() == 1 }

func (d *dec) t() time.Time {
	v := d.i()
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

func (e *enc) trade(t *domain.Trade) {
	e.s(t.Channel)
	e.s(t.TradeID)
	e.s(t.Platform)
	e.s(t.Buyer)
	e.s(t.Consignee.Name)
	e.s(t.Consignee.Phone)
	e.s(t.Consignee.Address)
	e.s(t.Consignee.Country)
	e.byte(uint8(t.TradeStatus))
	e.s(t.PaymentRef)
	e.t(t.PaidAt)
	e.s(t.Total.Currency)
	e.i(t.Total.Minor)
	e.u(uint64(len(t.Items)))
	for _, it := range t.Items {
		e.s(it.SKU)
		e.s(it.Title)
		e.u(uint64(it.Qty))
		e.i(it.Price.Minor)
	}
	e.vouchers(t)
}

// A voucher order's terms follow its items, after a marker byte: the trade ends every
// record that holds one, so records of goods (and every record written before vouchers)
// end at the items and read as before.
const voucherMark = 'V'

func (e *enc) vouchers(t *domain.Trade) {
	if !domain.IsVoucherTrade(t) {
		return
	}
	e.byte(voucherMark)
	for i := range t.Items {
		v := &t.Items[i].Voucher
		e.t(v.ValidUntil)
		e.s(v.Day)
		e.u(uint64(v.RefundRatio))
		e.u(uint64(v.MinRatio))
		var flags uint8
		if v.ExpiredRefund {
			flags |= 1
		}
		if v.AutoRefund {
			flags |= 2
		}
		e.byte(flags)
	}
}

func (d *dec) vouchers(t *domain.Trade) {
	if d.err != nil || len(d.b) == 0 || d.b[0] != voucherMark {
		return
	}
	d.byte()
	for i := range t.Items {
		v := &t.Items[i].Voucher
		v.ValidUntil = d.t()
		v.Day = d.s()
		v.RefundRatio = int(d.u())
		v.MinRatio = int(d.u())
		flags := d.byte()
		v.ExpiredRefund, v.AutoRefund = flags&1 != 0, flags&2 != 0
	}
}

func (d *dec) trade(t *domain.Trade) {
	t.Channel = d.s()
	t.TradeID = d.s()
	t.Platform = d.s()
	t.Buyer = d.s()
	t.Consignee.Name = d.s()
	t.Consignee.Phone = d.s()
	t.Consignee.Address = d.s()
	t.Consignee.Country = d.s()
	t.TradeStatus = domain.TradeStatus(d.byte())
	t.PaymentRef = d.s()
	t.PaidAt = d.t()
	cur := d.s()
	t.Total = domain.Money{Currency: cur, Minor: d.i()}
	n := d.u()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errCorrupt
		return
	}
	t.Items = nil
	if n > 0 {
		t.Items = make([]domain.Item, n)
	}
	for i := range t.Items {
		it := &t.Items[i]
		it.SKU = d.s()
		it.Title = d.s()
		it.Qty = int(d.u())
		it.Price = domain.Money{Currency: cur, Minor: d.i()}
	}
	d.vouchers(t)
}

// tradeSize is a generous estimate of a trade's encoded size, so encoding allocates once.
func tradeSize(t *domain.Trade) int {
	n := 64 + len(t.Channel) + len(t.TradeID) + len(t.Platform) + len(t.Buyer) + len(t.Consignee.Name) +
		len(t.Consignee.Phone) + len(t.Consignee.Address) + len(t.Consignee.Country) + len(t.Consignee.Email) + len(t.PaymentRef)
	for i := range t.Items {
		n += 24 + len(t.Items[i].SKU) + len(t.Items[i].Title)
		if v := &t.Items[i].Voucher; v.IsVoucher() {
			n += 32 + len(v.Day)
		}
	}
	return n
}

func encodeEntry(dst []byte, e *domain.PoolEntry) []byte {
	if dst == nil {
		dst = make([]byte, 0, tradeSize(&e.Trade)+len(e.Reason)+len(e.StateBy)+48)
	}
	w := enc{b: dst[:0]}
	w.byte(entryVersion)
	w.byte(uint8(e.State))
	w.bool(e.Changed)
	w.s(e.Reason)
	w.u(e.OrderNo)
	w.t(e.ImportedAt)
	w.t(e.UpdatedAt)
	w.s(e.StateBy)
	w.t(e.StateAt)
	w.trade(&e.Trade)
	if e.Consignee.Email != "" {
		// An optional trailing field: records without it (and older ones) end at the trade.
		w.s(e.Consignee.Email)
	}
	return w.b
}

// entryHeadOf is what lookups need of a pool-entry record, read without copying: as far
// as the trade's channel and ID, which lead the trade.
type entryHeadOf struct {
	state            domain.PoolState
	orderNo          uint64
	channel, tradeID []byte // valid only as long as the record
}

// entryHead reads a record's head the way decodeEntry reads the whole; ok is false for a
// record it cannot read.
func entryHead(b []byte) (h entryHeadOf, ok bool) {
	d := dec{b: b}
	v := d.byte()
	h.state = domain.PoolState(d.byte())
	d.byte() // changed
	d.skip() // reason
	h.orderNo = d.u()
	d.i() // imported
	d.i() // updated
	if v >= entryVersion {
		d.skip() // state by
		d.i()    // state at
	}
	h.channel, h.tradeID = d.raw(), d.raw()
	return h, d.err == nil && (v == entryV1 || v == entryVersion)
}

func decodeEntry(b []byte) (domain.PoolEntry, error) {
	var e domain.PoolEntry
	d := dec{b: b}
	v := d.byte()
	if v != entryV1 && v != entryVersion {
		return e, errCorrupt
	}
	e.State = domain.PoolState(d.byte())
	e.Changed = d.bool()
	e.Reason = d.s()
	e.OrderNo = d.u()
	e.ImportedAt = d.t()
	e.UpdatedAt = d.t()
	if v >= entryVersion {
		e.StateBy = d.s()
		e.StateAt = d.t()
	}
	d.trade(&e.Trade)
	if d.err == nil && len(d.b) > 0 {
		e.Consignee.Email = d.s()
	}
	return e, d.err
}

// Orders store only their own fields and the key: the trade is read from the pool entry,
// which never changes once converted (imports skip converted keys). That halves the size
// of a year of orders.
func encodeOrder(dst []byte, o *domain.SalesOrder) []byte { return encodeOrderAt(dst, o, 0) }

// An order written since schema 3 names its pool entry by its arrival number (orderAtEntry
// set in the version byte) instead of by channel and trade ID: the trade is then one read
// away (no key index on the way) and the record is smaller. Orders written before keep
// their key and are read through the key index.
const orderAtEntry = 0x10

// encodeOrderAt writes o naming its pool entry by arrival number seq (by key if seq is 0).
func encodeOrderAt(dst []byte, o *domain.SalesOrder, seq uint64) []byte {
	w := enc{b: dst[:0]}
	w.byte(recordVersion)
	w.u(o.No)
	w.byte(uint8(o.Status))
	w.t(o.CreatedAt)
	w.t(o.ShipBy)
	w.s(o.Attention)
	if seq != 0 {
		w.u(seq)
	} else {
		w.s(o.Channel)
		w.s(o.TradeID)
	}
	switch {
	case len(o.Told) > 0:
		w.b[0] = orderToldVersion
		w.shipment(&o.Shipment)
		w.u(orderFlags(o))
		w.u(uint64(len(o.Told)))
		w.b = append(w.b, o.Told...)
	case o.AwaitingReturn:
		w.b[0] = orderFlagsVersion
		w.shipment(&o.Shipment)
		w.u(orderFlagAwaitingReturn)
	case o.Shipment.Shipped():
		w.b[0] = orderShippedVersion
		w.shipment(&o.Shipment)
	}
	if seq != 0 {
		w.b[0] |= orderAtEntry
	}
	return w.b
}

// decodeOrder reads an order's own fields; loadOrder adds the trade.
func decodeOrder(b []byte) (domain.SalesOrder, error) {
	o, _, err := decodeOrderAt(b)
	return o, err
}

// decodeOrderAt is decodeOrder that also gives the arrival number of the order's pool
// entry, or 0 for an order that names it by key (o.Key is then not set).
func decodeOrderAt(b []byte) (o domain.SalesOrder, seq uint64, err error) {
	d := dec{b: b}
	version := d.byte()
	at := version&orderAtEntry != 0
	version &^= orderAtEntry
	if version != recordVersion && version != orderShippedVersion && version != orderFlagsVersion && version != orderToldVersion {
		return o, 0, errCorrupt
	}
	o.No = d.u()
	o.Status = domain.OrderStatus(d.byte())
	o.CreatedAt = d.t()
	o.ShipBy = d.t()
	o.Attention = d.s()
	if at {
		seq = d.u()
	} else {
		o.Channel = d.s()
		o.TradeID = d.s()
	}
	if version != recordVersion {
		d.shipment(&o.Shipment)
	}
	if version == orderFlagsVersion || version == orderToldVersion {
		o.AwaitingReturn = d.u()&orderFlagAwaitingReturn != 0
	}
	if version == orderToldVersion {
		if n := d.u(); n > uint64(len(d.b)) {
			d.err = errCorrupt
		} else {
			o.Told = append(domain.ToldList(nil), d.b[:n]...)
			d.b = d.b[n:]
		}
	}
	if at && seq == 0 && d.err == nil {
		d.err = errCorrupt
	}
	return o, seq, d.err
}

// An order that has shipped carries its shipment after the fields every order has, so an
// order still awaiting shipment costs no bytes for it.
const orderShippedVersion = 2

// An order waiting for its goods to come back (a return_goods refund) also carries
// flags after the shipment; other orders are written as versions 1 and 2 still are.
const (
	orderFlagsVersion       = 3
	orderFlagAwaitingReturn = 1 << 0
)

// An order with messages queued about its numbers (domain.SalesOrder.Told) carries,
// after the shipment (empty if it has none) and the flags, the length and the bytes of
// its packed list (domain.ToldList).
const orderToldVersion = 4

func orderFlags(o *domain.SalesOrder) uint64 {
	if o.AwaitingReturn {
		return orderFlagAwaitingReturn
	}
	return 0
}

// orderMayBeShipped tells from an encoded order's version byte whether it may carry a
// shipment, so that a walk over every order decodes only those: an order of
// orderToldVersion may carry an empty one (its number undone), so the caller still asks
// the decoded order (Shipment.Shipped).
func orderMayBeShipped(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] &^ orderAtEntry {
	case orderShippedVersion, orderFlagsVersion, orderToldVersion:
		return true
	}
	return false
}

func (e *enc) shipment(s *domain.Shipment) {
	e.s(s.Carrier)
	e.s(s.Number)
	// A URL the carrier's template gives is not stored (most are: ~70 bytes an order); an
	// empty URL reads back as the template's.
	if s.URL == templateURL(s.Carrier, s.Number) {
		e.s("")
	} else {
		e.s(s.URL)
	}
	e.t(s.ShippedAt)
	e.t(s.ETA)
	e.s(s.NoTracking)
	e.s(s.Override)
	e.u(uint64(s.Replaced))
	e.u(uint64(len(s.History)))
	for i := range s.History {
		h := &s.History[i]
		e.t(h.At)
		e.s(h.Operator)
		e.s(h.OldCarrier)
		e.s(h.OldNumber)
		e.s(h.NewCarrier)
		e.s(h.NewNumber)
		e.s(h.Reason)
	}
}

func (d *dec) shipment(s *domain.Shipment) {
	s.Carrier = d.s()
	s.Number = d.s()
	if s.URL = d.s(); s.URL == "" {
		s.URL = templateURL(s.Carrier, s.Number)
	}
	s.ShippedAt = d.t()
	s.ETA = d.t()
	s.NoTracking = d.s()
	s.Override = d.s()
	s.Replaced = int(d.u())
	n := d.u()
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return
	}
	if n > 0 {
		s.History = make([]domain.TrackingChange, n)
	}
	for i := range s.History {
		h := &s.History[i]
		h.At = d.t()
		h.Operator = d.s()
		h.OldCarrier = d.s()
		h.OldNumber = d.s()
		h.NewCarrier = d.s()
		h.NewNumber = d.s()
		h.Reason = d.s()
	}
}

// loadOrder decodes an order and fills in its trade from the pool entry, read by get.
func loadOrder(v []byte, get func(bucket, key []byte) []byte) (domain.SalesOrder, error) {
	o, seq, err := decodeOrderAt(v)
	if err != nil {
		return o, err
	}
	var pv []byte
	if seq != 0 {
		if pv = get(bPoolEntries, u64(seq)); pv == nil {
			return o, fmt.Errorf("order %s: pool entry number %d is missing", domain.OrderNumber(o.No), seq)
		}
	} else if pv = entryRecord(get, poolKey(nil, o.Key)); pv == nil {
		return o, fmt.Errorf("order %s: pool entry %s is missing", domain.OrderNumber(o.No), o.Key)
	}
	e, err := decodeEntry(pv)
	if err != nil {
		return o, err
	}
	o.Trade = e.Trade
	return o, nil
}

// templateURL is the tracking page the carrier's template gives for number, or "".
func templateURL(carrier, number string) string {
	if number == "" {
		return ""
	}
	c, ok := domain.CarrierByCode(carrier)
	if !ok {
		return ""
	}
	return c.URL(number)
}
