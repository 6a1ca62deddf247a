package storage

import (
	"encoding/binary"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Tallies: the buckets of kind kindTally hold counts by key (a histogram). A write
// transaction adds to a key with tally, as it adds to a counter with add; the commit adds
// each key's sum to the stored count once, and deletes a key whose count reaches zero, so
// a tally bucket holds only the keys that count something.

// tallyKey is a key of a tally bucket.
type tallyKey struct{ bucket, key string }

// tally adds d to key k of tally bucket.
func (w *wtx) tally(bucket, k []byte, d int64) {
	if w.tallies == nil {
		w.tallies = map[tallyKey]int64{}
	}
	w.tallies[tallyKey{string(bucket), string(k)}] += d
}

// flushTallies writes the transaction's tally sums, in key order.
func (w *wtx) flushTallies() error {
	keys := make([]tallyKey, 0, len(w.tallies))
	for tk, d := range w.tallies {
		if d != 0 {
			keys = append(keys, tk)
		}
	}
	slices.SortFunc(keys, func(a, b tallyKey) int {
		if c := strings.Compare(a.bucket, b.bucket); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	var b *bolt.Bucket
	for i, tk := range keys {
		if i == 0 || tk.bucket != keys[i-1].bucket {
			b = w.tx.Bucket([]byte(tk.bucket))
			b.FillPercent = fillOf([]byte(tk.bucket))
		}
		k := []byte(tk.key)
		v := tallyOf(b.Get(k)) + w.tallies[tk]
		var err error
		if v == 0 {
			err = b.Delete(k)
		} else {
			err = b.Put(k, u64(uint64(v)))
		}
		if err != nil {
			return err
		}
	}
	w.tallies = nil
	return nil
}

// tallyOf reads a stored tally count (0 for none, or one that is not 8 bytes: doctor
// names those).
func tallyOf(v []byte) int64 {
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}
