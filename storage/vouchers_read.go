package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// VoucherCounts is the vouchers' part of the quick status.
type VoucherCounts struct {
	Live            int `json:"live"`             // live codes
	UnitsUnredeemed int `json:"units_unredeemed"` // their units left
	Expiring7d      int `json:"expiring_7d"`      // live codes whose valid-until is within domain.ExpiringWithin
	RedeemedToday   int `json:"redeemed_today"`   // units redeemed since the warehouse's midnight
}

// voucherCounts reads the counters, the live codes expiring within 7 days from the
// valid-until index, and today's redemptions from the log by time: no scan of records.
func voucherCounts(tx *bolt.Tx, now time.Time, loc *time.Location) VoucherCounts {
	c := VoucherCounts{Live: int(counter(tx, cVoucherLive)), UnitsUnredeemed: int(counter(tx, cVoucherUnits))}
	from, to := timeKey(nil, now), timeKey(nil, now.Add(domain.ExpiringWithin))
	cur := tx.Bucket(bVoucherByUntil).Cursor()
	for k, _ := cur.Seek(from); len(k) >= 8 && bytes.Compare(k[:8], to) <= 0; k, _ = cur.Next() {
		c.Expiring7d++
	}
	l := now.In(loc)
	midnight := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	rc := tx.Bucket(bRedemptions).Cursor()
	for k, v := rc.Seek(timeKey(nil, midnight)); k != nil; k, v = rc.Next() {
		var r domain.Redemption
		if json.Unmarshal(v, &r) == nil {
			c.RedeemedToday += r.Units
		}
	}
	return c
}

// VoucherDetail is a voucher order with its redemption log.
type VoucherDetail struct {
	Order       domain.SalesOrder
	Voucher     domain.Voucher
	Redemptions []domain.Redemption
	Refunds     []domain.Refund
}

// VoucherDetail reads the voucher order ref names (as for ship), its redemptions and refunds.
func (s *Store) VoucherDetail(ref domain.OrderRef) (d VoucherDetail, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		o, v, err := voucherOf(tx, ref)
		if err != nil {
			return err
		}
		d.Order, d.Voucher = o, *v
		if d.Refunds, err = orderRefunds(tx, o.No); err != nil {
			return err
		}
		codes := map[string]bool{}
		for _, c := range v.Codes {
			codes[c.Code] = true
		}
		// The log is by time; a voucher's redemptions are read from its first issue on.
		first := v.Codes[0].IssuedAt
		return eachRedemption(tx, first, func(r domain.Redemption) error {
			if r.OrderNo == o.No && codes[r.Code] {
				d.Redemptions = append(d.Redemptions, r)
			}
			return nil
		})
	})
	return d, err
}

// EachVoucher streams every voucher order, by order number.
func (s *Store) EachVoucher(fn func(domain.Voucher) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bVouchers).ForEach(func(k, b []byte) error {
			v, err := decodeVoucher(b)
			if err != nil {
				return fmt.Errorf("%s: %w", domain.OrderNumber(binary.BigEndian.Uint64(k)), err)
			}
			return fn(v)
		})
	})
}

func eachRedemption(tx *bolt.Tx, since time.Time, fn func(domain.Redemption) error) error {
	c := tx.Bucket(bRedemptions).Cursor()
	for k, b := c.Seek(timeKey(nil, since)); k != nil; k, b = c.Next() {
		var r domain.Redemption
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("redemption %x: %w", k, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// EachRedemption streams the redemption log from since (zero: the start), oldest first.
func (s *Store) EachRedemption(since time.Time, fn func(domain.Redemption) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return eachRedemption(tx, since, fn) })
}

// SKUReport is one product's units (rule 27).
type SKUReport struct {
	SKU      string `json:"sku"`
	Issued   int    `json:"issued"`
	Redeemed int    `json:"redeemed"`
	Live     int    `json:"unredeemed"`
	Expired  int    `json:"expired"`
	Refunded int    `json:"refunded"`
}

// OrderReport is one voucher order's units (rule 27): available, unavailable (refunded or
// expired) and used, with the word for the order.
type OrderReport struct {
	Order       string `json:"order"`
	Key         string `json:"key"`
	State       string `json:"state"`
	Available   int    `json:"available"`
	Unavailable int    `json:"unavailable"`
	Used        int    `json:"used"`
}

// VoucherReport is the report per product and per order.
type VoucherReport struct {
	SKUs   []SKUReport   `json:"skus"`
	Orders []OrderReport `json:"orders"`
}

// VoucherReport reads every voucher order once.
func (s *Store) VoucherReport() (VoucherReport, error) {
	rep := VoucherReport{SKUs: []SKUReport{}, Orders: []OrderReport{}}
	by := map[string]*SKUReport{}
	err := s.EachVoucher(func(v domain.Voucher) error {
		t := v.Tally()
		rep.Orders = append(rep.Orders, OrderReport{Order: domain.OrderNumber(v.OrderNo), Key: v.Key.String(), State: t.OrderState(),
			Available: t.Live, Unavailable: t.Expired + t.Refunded, Used: t.Redeemed})
		for i := range v.Codes {
			c := &v.Codes[i]
			r := by[c.SKU]
			if r == nil {
				r = &SKUReport{SKU: c.SKU}
				by[c.SKU] = r
			}
			if c.Replaces == "" {
				r.Issued += c.Units
			}
			r.Redeemed += c.Redeemed
			switch c.State {
			case domain.CodeLive:
				r.Live += c.Units - c.Redeemed
			case domain.CodeExpired:
				r.Expired += c.Units - c.Redeemed
			case domain.CodeRefunded:
				r.Refunded += c.Units - c.Redeemed
			}
		}
		return nil
	})
	for _, r := range by {
		rep.SKUs = append(rep.SKUs, *r)
	}
	sort.Slice(rep.SKUs, func(i, j int) bool { return rep.SKUs[i].SKU < rep.SKUs[j].SKU })
	return rep, err
}

// VoucherRow is one code in the vouchers list, and its place there.
type VoucherRow struct {
	OrderNo uint64
	Key     domain.Key
	Code    domain.VoucherCode
	Pos     Pos // the voucher's record key, then the code's index in it (2 bytes)
}

// VoucherQuery selects codes for the vouchers list.
type VoucherQuery struct {
	State  domain.CodeState // 0: every state
	Locked bool             // only live codes locked at Now
	SKU    string           // lower-case prefix of the SKU
	Words  []string         // lower-case words matched against order, key and SKU
	Now    time.Time
}

// VoucherWindow reads up to limit codes of q in the list's order — the newest voucher
// order first, each order's codes newest first — after from (a row's Pos; nil: from the
// start), or, back, the rows before it (nil: the last rows), still in the list's order.
// more says rows remain that way. Voucher orders are a small part of a file, so the list reads their records.
func (s *Store) VoucherWindow(ctx context.Context, q VoucherQuery, from Pos, back bool, limit int) (rows []VoucherRow, more bool, err error) {
	if from != nil && len(from) < 3 {
		return nil, false, fmt.Errorf("vouchers list: position %x does not read", []byte(from))
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bVouchers).Cursor()
		// The list's order walks the keys downwards and each record's codes from its last;
		// back walks both the other way.
		first, step, di := c.Last, c.Prev, -1
		if back {
			first, step, di = c.First, c.Next, 1
		}
		k, b := first()
		resume := -1 // the index of from's code, in from's record
		if from != nil {
			fk := from[:len(from)-2]
			switch k, b = c.Seek(fk); {
			case bytes.Equal(k, fk):
				resume = int(binary.BigEndian.Uint16(from[len(from)-2:]))
			case back: // the first record after from's: where the walk goes on
			case k == nil:
				k, b = c.Last()
			default:
				k, b = c.Prev()
			}
		}
		for n := 0; k != nil; k, b = step() {
			if n++; n&255 == 1 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			v, err := decodeVoucher(b)
			if err != nil {
				return err
			}
			i := len(v.Codes) - 1
			if back {
				i = 0
			}
			if resume >= 0 {
				i, resume = resume+di, -1
			}
			for ; i >= 0 && i < len(v.Codes); i += di {
				code := v.Codes[i]
				if !q.match(&v, &code) {
					continue
				}
				if len(rows) == limit {
					more = true
					return nil
				}
				pos := binary.BigEndian.AppendUint16(append(Pos{}, k...), uint16(i))
				rows = append(rows, VoucherRow{OrderNo: v.OrderNo, Key: v.Key, Code: code, Pos: pos})
			}
		}
		return nil
	})
	if back {
		slices.Reverse(rows) // read nearest first, given in the list's order
	}
	return rows, more, err
}

// VoucherCount is how many codes q lists, when the counters know it (the live codes,
// unfiltered); else exact is false.
func (s *Store) VoucherCount(q VoucherQuery) (n int, exact bool, err error) {
	if q.State != domain.CodeLive || q.Locked || q.SKU != "" || len(q.Words) > 0 {
		return 0, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		n = int(counter(tx, cVoucherLive))
		return nil
	})
	return n, err == nil, err
}

func (q VoucherQuery) match(v *domain.Voucher, c *domain.VoucherCode) bool {
	if q.State != 0 && c.State != q.State || q.Locked && !c.Locked(q.Now) {
		return false
	}
	if q.SKU != "" && !strings.HasPrefix(strings.ToLower(c.SKU), q.SKU) {
		return false
	}
	text := strings.ToLower(domain.OrderNumber(v.OrderNo) + " " + v.Key.String() + " " + c.SKU + " " + c.Title)
	for _, w := range q.Words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}
