package storage

// The parcels list: windows of shipments by delivery status, loudest first, read from
// the phase index, and finding an order by tracking number.

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// ParcelPos is a parcels row's position in the window of its status: the place of its
// phase among the status's phases, then its parcels_by_phase key.
func parcelPos(phaseIdx int, key []byte) Pos { return append(Pos{byte(phaseIdx)}, key...) }

// ParcelListRow is a row of the parcels view: the parcel and its position.
type ParcelListRow struct {
	ParcelRow
	Pos Pos
}

// ParcelStatusQuery selects one delivery status's parcels for a window.
type ParcelStatusQuery struct {
	Status domain.DeliveryStatus
	Words  []string // lower-case words that must all appear in the order's search text
	Now    time.Time
}

// ParcelStatusWindow reads up to limit parcels of one delivery status after (before,
// with back) position from (nil: the start, or the end with back), oldest phase start
// first, in display order; more says whether rows remain that way.
func (s *Store) ParcelStatusWindow(ctx context.Context, q ParcelStatusQuery, from Pos, back bool, limit int) (rows []ParcelListRow, more bool, err error) {
	set := s.delivery
	phases := statusPhases(q.Status)
	err = s.db.View(func(tx *bolt.Tx) error {
		get := txGetter(tx)
		c := tx.Bucket(bParcelsByPhase).Cursor()
		order := make([]int, len(phases))
		for i := range order {
			order[i] = i
		}
		if back {
			slices.Reverse(order)
		}
		n := 0
		for _, i := range order {
			ph := phases[i]
			if len(from) == 18 && (!back && i < int(from[0]) || back && i > int(from[0])) {
				continue
			}
			lo, hi := statusRange(q.Status, ph, set, q.Now)
			start := []byte{byte(ph)}
			if !lo.IsZero() {
				start = timeKey(start, lo)
			}
			end := []byte{byte(ph) + 1}
			if !hi.IsZero() {
				end = timeKey([]byte{byte(ph)}, hi)
			}
			var k, v []byte
			switch {
			case len(from) == 18 && int(from[0]) == i && !back:
				if k, v = c.Seek(from[1:]); k != nil && bytes.Equal(k, from[1:]) {
					k, v = c.Next()
				}
			case len(from) == 18 && int(from[0]) == i:
				c.Seek(from[1:])
				k, v = c.Prev()
			case !back:
				k, v = c.Seek(start)
			default:
				if k, _ = c.Seek(end); k == nil {
					k, v = c.Last()
				} else {
					k, v = c.Prev()
				}
			}
			for ; k != nil; k, v = step(c, back) {
				if !back && bytes.Compare(k, end) >= 0 || back && bytes.Compare(k, start) < 0 {
					break
				}
				if n++; n&1023 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				if len(k) != 17 {
					continue
				}
				since := timeOfKey(k[1:9])
				if domain.StatusAt(ph, since, string(v), set, q.Now) != q.Status {
					continue
				}
				ov := tx.Bucket(bOrders).Get(k[9:])
				if ov == nil {
					continue
				}
				o, err := loadOrder(ov, get)
				if err != nil {
					return err
				}
				if len(q.Words) > 0 && !allWords(orderSearchText(&o), q.Words) {
					continue
				}
				if len(rows) == limit {
					more = true
					return nil
				}
				row := ParcelListRow{ParcelRow: ParcelRow{Order: o, Status: q.Status, Since: since}, Pos: parcelPos(i, k)}
				if pv := tx.Bucket(bParcels).Get(k[9:]); pv != nil {
					if row.Parcel, err = decodeParcel(pv); err != nil {
						return err
					}
				}
				rows = append(rows, row)
			}
		}
		return nil
	})
	if back {
		slices.Reverse(rows)
	}
	return rows, more, err
}

// ParcelStatusCount is the number of parcels of q's status when no words filter it.
func (s *Store) ParcelStatusCount(q ParcelStatusQuery) (n int, exact bool, err error) {
	if len(q.Words) > 0 {
		return 0, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		n = deliveryCounts(tx, s.delivery, q.Now)[q.Status]
		return nil
	})
	return n, err == nil, err
}

func allWords(hay string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// deliveryIn reports whether order o has shipped and its delivery status at now is one
// of sts, read as parcels_by_phase files it (its phase start to the second), so the
// orders list's delivery: filter lists exactly what the counts and the parcels view
// count.
func (s *Store) deliveryIn(tx *bolt.Tx, o *domain.SalesOrder, sts []domain.DeliveryStatus, now time.Time) bool {
	k, v, ph, ok, _ := parcelRow(o, txGetter(tx))
	if !ok {
		return false
	}
	return slices.Contains(sts, domain.StatusAt(ph, timeOfKey(k[1:9]), string(v), s.delivery, now))
}

// maxDeliveryCountWalk bounds the parcels read to count an orders query with a
// delivery: term and other terms; beyond it the count is left open ("40+").
const maxDeliveryCountWalk = 20_000

// orderDeliveryCount counts an orders query with a delivery: term: the delivery counts
// alone when nothing else narrows it (every shipped order's status is in the query's),
// else the parcels of those delivery statuses, each order asked the query's other terms
// as the orders_by_status index reads them, when there are not too many.
func (s *Store) orderDeliveryCount(q OrderQuery) (n int, exact bool, err error) {
	var sts []domain.DeliveryStatus
	for _, st := range domain.DeliveryStatuses {
		if slices.Contains(q.Delivery, st) {
			sts = append(sts, st)
		}
	}
	statuses := q.statuses()
	shippedAll := true
	for _, st := range domain.ShippedStatuses {
		shippedAll = shippedAll && slices.Contains(statuses, st)
	}
	narrowed := len(q.Words) > 0 || q.Channel != "" || q.Carrier != "" || q.NoTracking || !q.ShipByFrom.IsZero() || !q.ShipByBefore.IsZero()
	err = s.db.View(func(tx *bolt.Tx) error {
		counts := deliveryCounts(tx, s.delivery, q.DeliveryAt)
		total := 0
		for _, st := range sts {
			total += counts[st]
		}
		if shippedAll && !narrowed {
			n, exact = total, true
			return nil
		}
		if total > maxDeliveryCountWalk {
			return nil
		}
		words := append(byteWords(q.Words), q.marks()...)
		inShipBy := q.shipByBounds()
		get := txGetter(tx)
		var loadErr error
		eachParcel(tx, sts, s.delivery, q.DeliveryAt, func(no uint64, _ domain.DeliveryStatus, _ time.Time) bool {
			v := tx.Bucket(bOrders).Get(u64(no))
			if v == nil {
				return true
			}
			o, err := loadOrder(v, get)
			if err != nil {
				loadErr = err
				return false
			}
			sk, text := statusRow(&o)
			if slices.Contains(statuses, o.Status) && textMatches(text, words) && inShipBy(sk[1:]) && (q.Channel == "" || o.Channel == q.Channel) {
				n++
			}
			return true
		})
		exact = loadErr == nil
		return loadErr
	})
	return n, exact, err
}

// OrderByTracking is the number of the order whose shipment has tracking number n.
func (s *Store) OrderByTracking(n string) (no uint64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		var ok bool
		if no, ok = trackingOwner(tx)(domain.NormalizeTracking(n)); !ok {
			return fmt.Errorf("no order has tracking number %s", n)
		}
		return nil
	})
	return no, err
}
