package storage

import (
	"bytes"
	"testing"

	"shipdesk/domain"
)

// Pending rows written by addPending read back in key order, whatever order they were
// added in and however they were split between the record and the addition; any bytes
// at all read without a panic, as rows or as an error.
func FuzzPendingRows(f *testing.F) {
	f.Add([]byte{}, uint8(3))
	f.Add(addPending(nil, nil, []pendingRow{{suffix: make([]byte, eventSuffix), val: []byte("x")}}), uint8(1))
	f.Fuzz(func(t *testing.T, raw []byte, n uint8) {
		if _, _, _, err := checkPending(raw); err == nil {
			count := 0
			if err := eachPending(7, raw, func(k, v []byte) error { count++; return nil }); err != nil {
				t.Fatalf("checked rows do not walk: %v", err)
			}
		}
		// n rows with keys from raw's bytes, added in two parts.
		var add []pendingRow
		seen := map[string]bool{}
		for i := 0; i < int(n%8); i++ {
			suffix := make([]byte, eventSuffix)
			if i < len(raw) {
				suffix[8] = raw[i]
			}
			suffix[0] = byte(i)
			if seen[string(suffix)] {
				continue
			}
			seen[string(suffix)] = true
			add = append(add, pendingRow{suffix: suffix, val: bytes.Repeat([]byte{byte(i)}, i)})
		}
		half := len(add) / 2
		rows := addPending(nil, addPending(nil, nil, append([]pendingRow(nil), add[:half]...)), append([]pendingRow(nil), add[half:]...))
		got, sorted, _, err := checkPending(rows)
		if err != nil || !sorted || got != len(add) {
			t.Fatalf("%d rows added: read %d, sorted %v, %v", len(add), got, sorted, err)
		}
		for _, r := range add {
			if !pendingHas(rows, r.suffix) {
				t.Fatalf("row %x not found", r.suffix)
			}
		}
		rec := withPending(encodeParcel(&domain.ParcelState{StopReason: "x"}), rows)
		p, back, err := splitParcel(rec)
		if err != nil || p.StopReason != "x" || !bytes.Equal(back, rows) {
			t.Fatalf("record: %+v %x %v", p, back, err)
		}
	})
}
