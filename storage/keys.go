package storage

// The keys of the pool's and the orders' indexes, and the orders' search text: the row
// shapes the write path files and the doctor checks.

import (
	"encoding/binary"
	"strings"
	"time"

	"shipdesk/domain"
)

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

// searchSize is about the size of a trade's search text (lower-casing may change it a little).
func searchSize(t *domain.Trade) int {
	n := len(t.TradeID) + len(t.Buyer) + len(t.Consignee.Name) + len(t.PaymentRef) + 4
	for i := range t.Items {
		n += len(t.Items[i].SKU) + len(t.Items[i].Title) + 2
	}
	return n + n/8
}

func statusIndexKey(dst []byte, st domain.OrderStatus, shipBy time.Time, no uint64) []byte {
	dst = append(dst[:0], byte(st))
	dst = timeKey(dst, shipBy)
	return binary.BigEndian.AppendUint64(dst, no)
}

// orderSearchText also lets an order be found by its number (so00000042) and, once
// shipped, by its tracking number; carrier and missing tracking are marked between 0x01
// bytes, which no typed word holds, for the carrier: and tracking: filter terms.
func orderSearchText(o *domain.SalesOrder) string {
	text := strings.ToLower(domain.OrderNumber(o.No)) + "\x00" + domain.SearchText(&o.Trade)
	if sh := &o.Shipment; sh.Shipped() {
		text += strings.ToLower(sh.Number) + "\x00" + carrierMark(sh.Carrier)
		if sh.MissingTracking() {
			text += markNoTracking
		}
	}
	return text
}

const markNoTracking = "\x01nt\x01"

func carrierMark(code string) string { return "\x01c=" + strings.ToLower(code) + "\x01" }
