package storage

import (
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// wtx is one write transaction with the counter deltas it has accumulated; the deltas are
// written once at the end, so a batch of 10,000 rows touches each counter once.
type wtx struct {
	tx     *bolt.Tx
	pool   *bolt.Bucket
	counts map[string]int64
	key    []byte // scratch for lookups and deletes only
	ikey   []byte // scratch for lookups and deletes only
}

func newWtx(tx *bolt.Tx) *wtx {
	return &wtx{tx: tx, pool: tx.Bucket(bPool), counts: map[string]int64{}}
}

func (w *wtx) add(name string, d int64) { w.counts[name] += d }

func (w *wtx) flushCounts() error {
	b := w.tx.Bucket(bCounts)
	for name, d := range w.counts {
		if d == 0 {
			continue
		}
		k := []byte(name)
		var v int64
		if old := b.Get(k); len(old) == 8 {
			v = int64(binary.BigEndian.Uint64(old))
		}
		v += d
		if v == 0 {
			if err := b.Delete(k); err != nil {
				return err
			}
			continue
		}
		if err := b.Put(k, u64(uint64(v))); err != nil {
			return err
		}
	}
	return nil
}

func poolKey(dst []byte, k domain.Key) []byte {
	dst = append(dst[:0], k.Channel...)
	dst = append(dst, 0)
	return append(dst, k.TradeID...)
}

func splitPoolKey(b []byte) domain.Key {
	for i, c := range b {
		if c == 0 {
			return domain.Key{Channel: string(b[:i]), TradeID: string(b[i+1:])}
		}
	}
	return domain.Key{TradeID: string(b)}
}

func stateIndexKey(dst []byte, st domain.PoolState, paid time.Time, pk []byte) []byte {
	dst = append(dst[:0], byte(st))
	dst = timeKey(dst, paid)
	return append(dst, pk...)
}

func channelIndexKey(dst []byte, k domain.Key, paid time.Time) []byte {
	dst = append(dst[:0], k.Channel...)
	dst = append(dst, 0)
	dst = timeKey(dst, paid)
	return append(dst, k.TradeID...)
}

func (w *wtx) getEntry(k domain.Key) (*domain.PoolEntry, error) {
	w.key = poolKey(w.key, k)
	v := w.pool.Get(w.key)
	if v == nil {
		return nil, nil
	}
	e, err := decodeEntry(v)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func countEntry(w *wtx, e *domain.PoolEntry, sign int64) {
	st := e.State.String()
	w.add("pool/"+st, sign)
	w.add("pool/"+st+"@"+e.Channel, sign)
	if e.Changed && e.State.Open() {
		w.add("pool/changed", sign)
	}
}

// putEntry writes next over old (nil if new), keeping indexes and counters in step.
// Keys and values handed to Put are fresh slices: bbolt keeps them until the commit.
func (w *wtx) putEntry(old *domain.PoolEntry, next *domain.PoolEntry) error {
	pk := poolKey(nil, next.Key)
	if old != nil {
		countEntry(w, old, -1)
		if old.State != next.State || !old.PaidAt.Equal(next.PaidAt) {
			w.ikey = stateIndexKey(w.ikey, old.State, old.PaidAt, pk)
			if err := w.tx.Bucket(bPoolByState).Delete(w.ikey); err != nil {
				return err
			}
		}
		if !old.PaidAt.Equal(next.PaidAt) {
			w.ikey = channelIndexKey(w.ikey, old.Key, old.PaidAt)
			if err := w.tx.Bucket(bPoolByChannel).Delete(w.ikey); err != nil {
				return err
			}
		}
	}
	countEntry(w, next, 1)
	if err := w.pool.Put(pk, encodeEntry(nil, next)); err != nil {
		return err
	}
	if old == nil || old.State != next.State || !old.PaidAt.Equal(next.PaidAt) {
		if err := w.tx.Bucket(bPoolByState).Put(stateIndexKey(nil, next.State, next.PaidAt, pk), nil); err != nil {
			return err
		}
	}
	return w.tx.Bucket(bPoolByChannel).Put(channelIndexKey(nil, next.Key, next.PaidAt), []byte{byte(next.State)})
}

func countOrder(w *wtx, o *domain.SalesOrder, sign int64) {
	w.add("order/"+o.Status.String(), sign)
	if o.Attention != "" {
		w.add("order/attention", sign)
	}
}

func statusIndexKey(dst []byte, st domain.OrderStatus, shipBy time.Time, no uint64) []byte {
	dst = append(dst[:0], byte(st))
	dst = timeKey(dst, shipBy)
	return binary.BigEndian.AppendUint64(dst, no)
}

// putOrder writes next over old (nil if new).
func (w *wtx) putOrder(old, next *domain.SalesOrder) error {
	if old != nil {
		countOrder(w, old, -1)
		w.ikey = statusIndexKey(w.ikey, old.Status, old.ShipBy, old.No)
		if err := w.tx.Bucket(bOrdersByStatus).Delete(w.ikey); err != nil {
			return err
		}
	} else {
		if err := w.tx.Bucket(bOrdersByKey).Put(poolKey(nil, next.Key), u64(next.No)); err != nil {
			return err
		}
	}
	countOrder(w, next, 1)
	if err := w.tx.Bucket(bOrders).Put(u64(next.No), encodeOrder(nil, next)); err != nil {
		return err
	}
	return w.tx.Bucket(bOrdersByStatus).Put(statusIndexKey(nil, next.Status, next.ShipBy, next.No), nil)
}

func (w *wtx) getOrderByKey(k domain.Key) (*domain.SalesOrder, error) {
	w.key = poolKey(w.key, k)
	v := w.tx.Bucket(bOrdersByKey).Get(w.key)
	if len(v) != 8 {
		return nil, nil
	}
	return w.getOrder(binary.BigEndian.Uint64(v))
}

func (w *wtx) getOrder(no uint64) (*domain.SalesOrder, error) {
	v := w.tx.Bucket(bOrders).Get(u64(no))
	if v == nil {
		return nil, nil
	}
	o, err := decodeOrder(v)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// AuditEvent records who did what to which objects (SPEC §2).
type AuditEvent struct {
	Seq      uint64            `json:"seq"`
	At       time.Time         `json:"at"`
	Operator string            `json:"operator"`
	Action   string            `json:"action"`
	Objects  []string          `json:"objects,omitempty"`
	Detail   map[string]string `json:"detail,omitempty"`
}

func (w *wtx) audit(ev AuditEvent) error {
	seq, err := nextSeq(w.tx, kAuditSeq)
	if err != nil {
		return err
	}
	ev.Seq = seq
	ev.At = ev.At.UTC()
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return w.tx.Bucket(bAudit).Put(u64(seq), b)
}
