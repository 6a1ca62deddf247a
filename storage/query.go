package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// Pos is an opaque position in a list: the index key of a row, without its prefix.
type Pos []byte

// PoolSort orders a pool list.
type PoolSort uint8

const (
	SortPaidAt  PoolSort = iota // paid time (pool_by_state, merged over the states asked for)
	SortChannel                 // channel, then paid time (pool_by_channel)
)

// PoolQuery selects pool entries for a list.
type PoolQuery struct {
	States  []domain.PoolState // empty means the open states: awaiting detail and ready
	Channel string             // empty means every channel
	Words   []string           // lower-case words that must all match (domain.TradeMatches)
	Sort    PoolSort
	Desc    bool
}

func (q PoolQuery) states() []domain.PoolState {
	if len(q.States) == 0 {
		return []domain.PoolState{domain.PoolAwaitingDetail, domain.PoolReady}
	}
	return q.States
}

func (q PoolQuery) wants(st domain.PoolState) bool {
	for _, s := range q.states() {
		if s == st {
			return true
		}
	}
	return false
}

// PoolRow is one row of a pool window.
type PoolRow struct {
	Entry domain.PoolEntry
	Pos   Pos
}

// scanner walks several key ranges of one bucket (one per prefix) as one ordered
// sequence, comparing the key suffixes after each prefix: a k-way merge of cursors.
type scanner struct {
	prefixes [][]byte
	curs     []*cursor
	heads    [][]byte // current full key per prefix, nil when exhausted
	vals     [][]byte
	reverse  bool
	// stop, when set, ends the scan at the first suffix at or after it (before it, with
	// stopBelow): the scan of one part of a split range.
	stop      []byte
	stopBelow bool
}

func newScanner(ix index, prefixes [][]byte, from []byte, reverse bool) *scanner {
	sc := &scanner{prefixes: prefixes, reverse: reverse}
	for _, p := range prefixes {
		c := ix.cursor()
		seek := append(append([]byte{}, p...), from...)
		switch {
		case !reverse:
			if c.seek(seek, false); from != nil && bytes.Equal(c.k, seek) {
				c.next()
			}
		case from == nil && len(p) == 0:
			c.seek(nil, true)
		case from == nil:
			c.seek(successor(p), true)
		default:
			c.seek(seek, true)
		}
		k := c.k
		if k != nil && !bytes.HasPrefix(k, p) {
			k = nil
		}
		sc.curs = append(sc.curs, c)
		sc.heads = append(sc.heads, k)
		sc.vals = append(sc.vals, c.v)
	}
	return sc
}

// successor is the smallest key greater than every key with prefix p (p has a byte < 0xff).
func successor(p []byte) []byte {
	s := append([]byte{}, p...)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < 0xff {
			s[i]++
			return s[:i+1]
		}
	}
	return nil
}

// next returns the prefix index, the key suffix and value of the next row, or ok=false.
func (sc *scanner) next() (int, []byte, []byte, bool) {
	best := -1
	if len(sc.heads) == 1 {
		if sc.heads[0] != nil {
			best = 0
		}
		return sc.advance(best)
	}
	for i, k := range sc.heads {
		if k == nil {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		c := bytes.Compare(k[len(sc.prefixes[i]):], sc.heads[best][len(sc.prefixes[best]):])
		if (c < 0) != sc.reverse && c != 0 {
			best = i
		}
	}
	return sc.advance(best)
}

// advance returns the head of cursor best (-1: none left) and moves that cursor on.
func (sc *scanner) advance(best int) (int, []byte, []byte, bool) {
	if best < 0 {
		return 0, nil, nil, false
	}
	p := sc.prefixes[best]
	suffix, val := sc.heads[best][len(p):], sc.vals[best]
	if sc.stop != nil && (bytes.Compare(suffix, sc.stop) < 0) == sc.stopBelow {
		return 0, nil, nil, false
	}
	c := sc.curs[best]
	c.next()
	k, v := c.k, c.v
	if k != nil && !hasPrefix(k, p) {
		k = nil
	}
	sc.heads[best], sc.vals[best] = k, v
	return best, suffix, val, true
}

// PoolWindow reads up to limit rows of q in display order, starting after from (or at the
// start when from is nil). With back it reads the rows before from (or the last rows),
// still returned in display order. more says whether rows remain beyond the window in the
// direction read. It stops early, returning ctx.Err(), when ctx is cancelled.
func (s *Store) PoolWindow(ctx context.Context, q PoolQuery, from Pos, back bool, limit int) (rows []PoolRow, more bool, err error) {
	words := byteWords(q.Words)
	reverse := back != q.Desc
	var (
		prefixes [][]byte
		split    []byte
		ok       bool
	)
	err = s.db.View(func(tx *bolt.Tx) error {
		if q.Channel != "" || q.Sort != SortPaidAt {
			var prefix []byte
			if q.Channel != "" {
				prefix = append([]byte(q.Channel), 0)
			}
			sc := newScanner(openIndex(tx, bPoolByChannel), [][]byte{prefix}, from, reverse)
			rows, more, err = scanPool(ctx, tx, sc, false, q, words, limit)
			return err
		}
		n := int64(0)
		for _, st := range q.states() {
			prefixes = append(prefixes, []byte{byte(st)})
			n += counter(tx, "pool/"+st.String())
		}
		if len(words) > 0 && n >= parallelScanFrom {
			if split, ok = splitTime(openIndex(tx, bPoolByState), prefixes, from, reverse); ok {
				return nil // scanned in two halves, each in a transaction of its own
			}
		}
		sc := newScanner(openIndex(tx, bPoolByState), prefixes, from, reverse)
		rows, more, err = scanPool(ctx, tx, sc, true, q, words, limit)
		return err
	})
	if err == nil && ok {
		rows, more, err = s.scanPoolSplit(ctx, prefixes, split, from, reverse, q, words, limit)
	}
	if back {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	return rows, more, err
}

// scanPool reads up to limit rows from sc (the state index when byState, else the channel
// index) in scan order. more says whether another row matched after them.
func scanPool(ctx context.Context, tx *bolt.Tx, sc *scanner, byState bool, q PoolQuery, words [][]byte, limit int) (rows []PoolRow, more bool, err error) {
	get := txGetter(tx)
	for n := 0; ; n++ {
		if n&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return rows, false, err
			}
		}
		_, suffix, val, ok := sc.next()
		if !ok {
			return rows, false, nil
		}
		var seq []byte
		if byState {
			if len(val) < 8 {
				return rows, false, fmt.Errorf("pool_by_state %q: no arrival number", suffix)
			}
			if seq = val[:8]; !textMatches(val[8:], words) {
				continue
			}
		} else if len(val) != 9 {
			return rows, false, fmt.Errorf("pool_by_channel %q: no arrival number", suffix)
		} else if seq = val[1:]; !q.wants(domain.PoolState(val[0])) {
			continue
		}
		v := get(bPoolEntries, seq)
		if v == nil {
			return rows, false, fmt.Errorf("index points at missing pool entry %x", seq)
		}
		e, err := decodeEntry(v)
		if err != nil {
			return rows, false, err
		}
		if !byState && len(words) > 0 && !domain.TradeMatches(&e.Trade, q.Words) {
			continue
		}
		if len(rows) == limit {
			return rows, true, nil
		}
		rows = append(rows, PoolRow{Entry: e, Pos: append(Pos{}, suffix...)})
	}
}

// PoolCount is the number of rows of q when it can be read from the counters (no words).
func (s *Store) PoolCount(q PoolQuery) (n int, exact bool, err error) {
	if len(q.Words) > 0 {
		return 0, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, st := range q.states() {
			name := "pool/" + st.String()
			if q.Channel != "" {
				name += "@" + q.Channel
			}
			n += int(counter(tx, name))
		}
		return nil
	})
	return n, true, err
}

func counter(tx *bolt.Tx, name string) int64 {
	v := tx.Bucket(bCounts).Get([]byte(name))
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// PoolEntry reads one entry.
func (s *Store) PoolEntry(k domain.Key) (e domain.PoolEntry, found bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v := entryRecord(txGetter(tx), poolKey(nil, k))
		if v == nil {
			return nil
		}
		found = true
		e, err = decodeEntry(v)
		return err
	})
	return e, found, err
}

// EachPool streams every pool entry in the order they arrived (for export).
func (s *Store) EachPool(fn func(domain.PoolEntry) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bPoolEntries).ForEach(func(_, v []byte) error {
			e, err := decodeEntry(v)
			if err != nil {
				return err
			}
			return fn(e)
		})
	})
}

// OrderQuery selects sales orders for a list, ordered by ship-by time.
type OrderQuery struct {
	Statuses   []domain.OrderStatus // empty means awaiting shipment
	Channel    string
	Carrier    string // carrier code of the shipment
	NoTracking bool   // only orders shipped without a tracking number
	// ShipByFrom and ShipByBefore bound the ship-by time (zero = open), for due today
	// and overdue.
	ShipByFrom, ShipByBefore time.Time
	Words                    []string
	Desc                     bool
	// Delivery, when set, keeps the shipped orders whose delivery status (at DeliveryAt)
	// is one of these: each candidate's parcel is read and asked the clock.
	Delivery   []domain.DeliveryStatus
	DeliveryAt time.Time
}

// marks are the index-text markers a query needs, beside its words.
func (q OrderQuery) marks() [][]byte {
	var m [][]byte
	if q.Carrier != "" {
		m = append(m, []byte(carrierMark(q.Carrier)))
	}
	if q.NoTracking {
		m = append(m, []byte(markNoTracking))
	}
	return m
}

// shipByBounds gives a check of an orders_by_status key suffix against the ship-by bounds.
func (q OrderQuery) shipByBounds() func(suffix []byte) bool {
	if q.ShipByFrom.IsZero() && q.ShipByBefore.IsZero() {
		return func([]byte) bool { return true }
	}
	var from, before []byte
	if !q.ShipByFrom.IsZero() {
		from = timeKey(nil, q.ShipByFrom)
	}
	if !q.ShipByBefore.IsZero() {
		before = timeKey(nil, q.ShipByBefore)
	}
	return func(suffix []byte) bool {
		t := suffix[:8]
		return (from == nil || bytes.Compare(t, from) >= 0) && (before == nil || bytes.Compare(t, before) < 0)
	}
}

func (q OrderQuery) statuses() []domain.OrderStatus {
	if len(q.Statuses) == 0 {
		return []domain.OrderStatus{domain.OrderAwaitingShipment}
	}
	return q.Statuses
}

// OrderRow is one row of an orders window.
type OrderRow struct {
	Order domain.SalesOrder
	Pos   Pos
}

// OrderWindow reads a window of sales orders by ship-by; see PoolWindow for the arguments.
func (s *Store) OrderWindow(ctx context.Context, q OrderQuery, from Pos, back bool, limit int) (rows []OrderRow, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		orders := tx.Bucket(bOrders)
		get := txGetter(tx)
		words := append(byteWords(q.Words), q.marks()...)
		inShipBy := q.shipByBounds()
		var prefixes [][]byte
		for _, st := range q.statuses() {
			prefixes = append(prefixes, []byte{byte(st)})
		}
		sc := newScanner(openIndex(tx, bOrdersByStatus), prefixes, from, back != q.Desc)
		for n := 0; ; n++ {
			if n&1023 == 1023 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			_, suffix, text, ok := sc.next()
			if !ok {
				return nil
			}
			if !textMatches(text, words) || !inShipBy(suffix) {
				continue
			}
			if len(rows) == limit {
				more = true
				return nil
			}
			v := orders.Get(suffix[8:16])
			if v == nil {
				return fmt.Errorf("index points at missing order %x", suffix[8:16])
			}
			o, err := loadOrder(v, get)
			if err != nil {
				return err
			}
			if q.Channel != "" && o.Channel != q.Channel {
				continue
			}
			if len(q.Delivery) > 0 && !s.deliveryIn(tx, &o, q.Delivery, q.DeliveryAt) {
				continue
			}
			rows = append(rows, OrderRow{Order: o, Pos: append(Pos{}, suffix...)})
		}
	})
	if back {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	return rows, more, err
}

// textMatches checks lower-case words against an index value's search text.
func textMatches(text []byte, words [][]byte) bool {
	for _, w := range words {
		if !bytes.Contains(text, w) {
			return false
		}
	}
	return true
}

// OrderCount is the number of rows of q when it can be read from the counters.
func (s *Store) OrderCount(q OrderQuery) (n int, exact bool, err error) {
	if len(q.Delivery) > 0 {
		return s.orderDeliveryCount(q) // parcels_window.go
	}
	if len(q.Words) > 0 || q.Channel != "" || q.Carrier != "" || q.NoTracking || !q.ShipByFrom.IsZero() || !q.ShipByBefore.IsZero() {
		return 0, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, st := range q.statuses() {
			n += int(counter(tx, "order/"+st.String()))
		}
		return nil
	})
	return n, true, err
}

// Order reads one sales order by number.
func (s *Store) Order(no uint64) (o domain.SalesOrder, found bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bOrders).Get(u64(no))
		if v == nil {
			return nil
		}
		found = true
		o, err = loadOrder(v, txGetter(tx))
		return err
	})
	return o, found, err
}

// EachOrder streams every sales order by number (for export).
func (s *Store) EachOrder(fn func(domain.SalesOrder) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		get := txGetter(tx)
		return tx.Bucket(bOrders).ForEach(func(_, v []byte) error {
			o, err := loadOrder(v, get)
			if err != nil {
				return err
			}
			return fn(o)
		})
	})
}

// Counts is the quick status of the dashboard and `status`.
type Counts struct {
	Pool      map[domain.PoolState]int
	Changed   int
	Orders    map[domain.OrderStatus]int
	Attention int
	DueToday  int
	Overdue   int
	// NoTracking is shipped orders still without a tracking number (rule 7); Replaced is
	// how many tracking numbers were replaced in all (seed 001 charges for each).
	NoTracking int
	Replaced   int
	Refunds    RefundCounts
	Outbox     OutboxCounts
	// Delivery is shipments by delivery status at the time asked (rule 14).
	Delivery map[domain.DeliveryStatus]int
	Vouchers VoucherCounts
	// Staged is the index rows staged since the last fold (staged.go).
	Staged int
	// Backup is how the last scheduled backup of this process went (backup.go); nil when
	// none was taken.
	Backup *BackupStatus
}

// Counts reads the counters and counts due-today and overdue orders from the ship-by
// index: only awaiting orders due before the end of the warehouse's day are visited.
func (s *Store) Counts(now time.Time, loc *time.Location) (Counts, error) {
	c := Counts{Pool: map[domain.PoolState]int{}, Orders: map[domain.OrderStatus]int{}}
	if b, ok := s.LastBackup(); ok {
		c.Backup = &b
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, st := range domain.PoolStates {
			c.Pool[st] = int(counter(tx, "pool/"+st.String()))
		}
		c.Changed = int(counter(tx, "pool/changed"))
		for _, st := range domain.OrderStatuses {
			c.Orders[st] = int(counter(tx, "order/"+st.String()))
		}
		c.Attention = int(counter(tx, "order/attention"))
		c.NoTracking = int(counter(tx, "order/no_tracking"))
		c.Replaced = int(counter(tx, "tracking/replaced"))
		c.Staged = int(counter(tx, kStaged))
		overdueBefore, dueBefore := domain.DueWindow(now, loc)
		od := timeKey([]byte{byte(domain.OrderAwaitingShipment)}, overdueBefore)
		end := timeKey([]byte{byte(domain.OrderAwaitingShipment)}, dueBefore)
		cur := openIndex(tx, bOrdersByStatus).cursor()
		for cur.seek([]byte{byte(domain.OrderAwaitingShipment)}, false); cur.k != nil && bytes.Compare(cur.k[:9], end) < 0; cur.next() {
			k := cur.k
			if bytes.Compare(k[:9], od) < 0 {
				c.Overdue++
			} else {
				c.DueToday++
			}
		}
		c.Refunds = refundCounts(tx, now)
		c.Outbox = outboxCounts(tx, now)
		c.Delivery = deliveryCounts(tx, s.delivery, now)
		c.Vouchers = voucherCounts(tx, now, loc)
		return nil
	})
	return c, err
}

func byteWords(words []string) [][]byte {
	out := make([][]byte, len(words))
	for i, w := range words {
		out[i] = []byte(w)
	}
	return out
}

// txGetter reads straight from the buckets of a read transaction, opening each bucket
// once (a read transaction does not keep the buckets it opened).
func txGetter(tx *bolt.Tx) func(bucket, key []byte) []byte {
	var names [6][]byte
	var open [6]*bolt.Bucket
	return func(bucket, key []byte) []byte {
		for i, name := range names {
			if name == nil {
				names[i], open[i] = bucket, tx.Bucket(bucket)
				return open[i].Get(key)
			}
			if bytes.Equal(name, bucket) {
				return open[i].Get(key)
			}
		}
		return tx.Bucket(bucket).Get(key)
	}
}

// hasPrefix is bytes.HasPrefix with a fast path for the one-byte state prefixes.
func hasPrefix(k, p []byte) bool {
	if len(p) == 1 {
		return len(k) > 0 && k[0] == p[0]
	}
	return bytes.HasPrefix(k, p)
}
