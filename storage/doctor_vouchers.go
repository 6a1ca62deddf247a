package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
)

// The vouchers' derived structures: voucher_by_code (every code ever issued → its order),
// voucher_by_until (the live codes by valid-until) and the counters voucher/live and
// voucher/units, all from the voucher records; seq/redemption from the log's keys.

// voucherRows gives each index row the voucher records make, by bucket and key.
func (d *doctor) voucherRows() (map[string]map[string][]byte, error) {
	want := map[string]map[string][]byte{string(bVoucherByCode): {}, string(bVoucherByUntil): {}}
	n := 0
	err := d.each(bVouchers, func(k, b []byte) error {
		v, err := decodeVoucher(b)
		if err != nil || len(k) != 8 || binary.BigEndian.Uint64(k) != v.OrderNo {
			d.problem("vouchers", "%x: the record does not read or is not of its key (%v); its rows cannot be checked", k, err)
			return nil
		}
		n++
		countVoucher(d.w, &v, 1)
		for i := range v.Codes {
			want[string(bVoucherByCode)][v.Codes[i].Code] = u64(v.OrderNo)
		}
		for _, c := range v.Live() {
			want[string(bVoucherByUntil)][string(untilKey(c, v.OrderNo))] = nil
		}
		return nil
	})
	d.checked("vouchers", n, "records")
	return want, err
}

// scanVouchers checks both voucher indexes row for row against the records, and finds
// the last redemption number.
func (d *doctor) scanVouchers() error {
	want, err := d.voucherRows()
	if err != nil {
		return err
	}
	for _, name := range [][]byte{bVoucherByCode, bVoucherByUntil} {
		rows := want[string(name)]
		n := 0
		err := d.each(name, func(k, v []byte) error {
			n++
			w, ok := rows[string(k)]
			switch {
			case !ok:
				d.problem(string(name), "row %s names no code the records hold", strconv.Quote(string(k)))
			case !bytes.Equal(w, v) && !(len(w) == 0 && len(v) == 0):
				d.problem(string(name), "row %s is %x, the records make it %x", strconv.Quote(string(k)), v, w)
			}
			delete(rows, string(k))
			return nil
		})
		if err != nil {
			return err
		}
		for k := range rows {
			d.problem(string(name), "row %s is missing", strconv.Quote(string(k)))
		}
		d.checked(string(name), n, "rows")
	}
	return d.each(bRedemptions, func(k, _ []byte) error {
		if len(k) != 16 {
			d.problem("voucher_redemptions", "key %x is not a time and a number", k)
			return nil
		}
		d.maxRedemption = max(d.maxRedemption, binary.BigEndian.Uint64(k[8:]))
		return nil
	})
}

// rebuildVouchers files every voucher record's index rows and counters in w.
func (d *doctor) rebuildVouchers(w *wtx) error {
	return d.each(bVouchers, func(k, b []byte) error {
		v, err := decodeVoucher(b)
		if err != nil {
			return fmt.Errorf("voucher %x: %w", k, err)
		}
		for i := range v.Codes {
			w.put(bVoucherByCode, []byte(v.Codes[i].Code), u64(v.OrderNo))
		}
		for _, c := range v.Live() {
			w.put(bVoucherByUntil, untilKey(c, v.OrderNo), []byte{})
		}
		countVoucher(w, &v, 1)
		return nil
	})
}
