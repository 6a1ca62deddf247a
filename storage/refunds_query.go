package storage

// Reading the refund queue: windows by state and respond-by, counts, one request with its
// order, and the refunds given on an order.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// OrderRefunds reads the refunds given on an order, oldest first.
func (s *Store) OrderRefunds(no uint64) (rs []domain.Refund, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		rs, err = orderRefunds(tx, no)
		return err
	})
	return rs, err
}

// RefundQuery selects refund requests for the queue, ordered by respond-by.
type RefundQuery struct {
	States  []domain.RefundState // empty means pending
	Channel string
	Words   []string // lower-case words that must all match domain.RefundSearchText
	Desc    bool
}

func (q RefundQuery) states() []domain.RefundState {
	if len(q.States) == 0 {
		return []domain.RefundState{domain.RefundPending}
	}
	return q.States
}

// RefundRow is one row of the queue: the request and its original sales order's number
// (0 when shipdesk has no order for the trade).
type RefundRow struct {
	Request domain.RefundRequest
	OrderNo uint64
	Pos     Pos
}

// RefundWindow reads a window of the queue by respond-by; see PoolWindow for the
// arguments.
func (s *Store) RefundWindow(ctx context.Context, q RefundQuery, from Pos, back bool, limit int) (rows []RefundRow, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		refunds, get := tx.Bucket(bRefunds), txGetter(tx)
		words := byteWords(q.Words)
		var channel []byte
		if q.Channel != "" {
			channel = append([]byte(q.Channel), 0)
		}
		var prefixes [][]byte
		for _, st := range q.states() {
			prefixes = append(prefixes, []byte{byte(st)})
		}
		sc := newScanner(openIndex(tx, bRefundsByState), prefixes, from, back != q.Desc)
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
			if !textMatches(text, words) {
				continue
			}
			rk := suffix[8:]
			if channel != nil && !bytes.HasPrefix(rk, channel) {
				continue
			}
			if len(rows) == limit {
				more = true
				return nil
			}
			v := refunds.Get(rk)
			if v == nil {
				return fmt.Errorf("index points at missing refund request %q", rk)
			}
			r, err := decodeRefundRequest(v)
			if err != nil {
				return err
			}
			row := RefundRow{Request: r, Pos: append(Pos{}, suffix...)}
			if no := orderNoOf(get, poolKey(nil, r.OrderKey())); no != 0 {
				row.OrderNo = no
			}
			rows = append(rows, row)
		}
	})
	if back {
		slices.Reverse(rows)
	}
	return rows, more, err
}

// RefundCount is the number of rows of q when the counters know it (no words, no channel).
func (s *Store) RefundCount(q RefundQuery) (n int, exact bool, err error) {
	if len(q.Words) > 0 || q.Channel != "" {
		return 0, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, st := range q.states() {
			n += int(counter(tx, refundCounter[st]))
		}
		return nil
	})
	return n, true, err
}

// Refund reads one request.
func (s *Store) Refund(k domain.RefundKey) (r domain.RefundRequest, found bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bRefunds).Get(refundKey(k))
		if v == nil {
			return nil
		}
		found = true
		r, err = decodeRefundRequest(v)
		return err
	})
	return r, found, err
}

// RefundDetail is a request with its original order (nil when shipdesk has none) and
// the refunds given on that order so far.
type RefundDetail struct {
	Request domain.RefundRequest
	Order   *domain.SalesOrder
	Refunds []domain.Refund
	// Proposed is, for a voucher_unexpired request on a voucher order, the formula's
	// amount over the units still live: what converting it refunds (rule 26).
	Proposed *domain.Money
}

// ErrNoRefund means the request is not in the queue.
var ErrNoRefund = errors.New("no such refund request")

// EachRefund streams every request in key order (for export).
func (s *Store) EachRefund(fn func(domain.RefundRequest) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bRefunds).ForEach(func(_, v []byte) error {
			r, err := decodeRefundRequest(v)
			if err != nil {
				return err
			}
			return fn(r)
		})
	})
}

// RefundCounts is the refund queue's part of the quick status.
type RefundCounts struct {
	Pending   int
	Changed   int
	DueSoon   int // pending, respond-by within domain.RefundDueSoonWithin
	Overdue   int // pending, respond-by passed
	Converted int
	Rejected  int
	Processed int
	Refunded  []domain.Money // everything refunded, one sum per currency, by currency code
}

// refundCounts reads the counters and counts due-soon and overdue requests with a range
// read of the queue index: only pending requests due within a day are visited.
func refundCounts(tx *bolt.Tx, now time.Time) RefundCounts {
	c := RefundCounts{
		Pending: int(counter(tx, refundCounter[domain.RefundPending])), Changed: int(counter(tx, "refund/changed")),
		Converted: int(counter(tx, refundCounter[domain.RefundConverted])), Rejected: int(counter(tx, refundCounter[domain.RefundRejected])),
		Processed: int(counter(tx, refundCounter[domain.RefundProcessed])),
	}
	pending := byte(domain.RefundPending)
	overdue := timeKey([]byte{pending}, now)
	soon := timeKey([]byte{pending}, now.Add(domain.RefundDueSoonWithin))
	cur := tx.Bucket(bRefundsByState).Cursor()
	for k, _ := cur.Seek([]byte{pending}); len(k) >= 9 && bytes.Compare(k[:9], soon) <= 0; k, _ = cur.Next() {
		if bytes.Compare(k[:9], overdue) <= 0 {
			c.Overdue++
		} else {
			c.DueSoon++
		}
	}
	prefix := []byte("refunded@")
	cc := tx.Bucket(bCounts).Cursor()
	for k, v := cc.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cc.Next() {
		if len(v) == 8 {
			c.Refunded = append(c.Refunded, domain.Money{Currency: string(k[len(prefix):]), Minor: int64(binary.BigEndian.Uint64(v))})
		}
	}
	return c
}
