package storage

import (
	"bytes"
	"context"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// A word filter over a large pool scans the state index in two halves at once, one per
// core (PoolWindow decides, scanPoolSplit scans).

// parallelScanFrom is the number of index entries from which a word filter scans the state
// index in two halves, one per core: below it a scan takes a few milliseconds anyway.
var parallelScanFrom int64 = 100_000 // a variable for tests

// splitTime is the paid time halfway through the state-index range a scan from from (in
// its direction) covers, as an 8-byte key suffix; ok is false when the range is empty.
// Entries are paid about evenly over a year, so halfway in time is about halfway in
// entries.
func splitTime(ix index, prefixes [][]byte, from Pos, reverse bool) ([]byte, bool) {
	var lo, hi uint64
	found := false
	for _, p := range prefixes {
		c := ix.cursor()
		// Entries without a paid time (time 0) sort first and would skew the halfway
		// point far from the middle of the entries: the range starts at the first paid.
		c.seek(binary.BigEndian.AppendUint64(append([]byte{}, p...), 1), false)
		first := c.k
		if first == nil || !bytes.HasPrefix(first, p) || len(first) < len(p)+8 {
			continue
		}
		c.seek(successor(p), true)
		last := c.k
		f, l := binary.BigEndian.Uint64(first[len(p):]), binary.BigEndian.Uint64(last[len(p):])
		if !found || f < lo {
			lo = f
		}
		if !found || l > hi {
			hi = l
		}
		found = true
	}
	if len(from) >= 8 {
		if t := binary.BigEndian.Uint64(from); reverse {
			hi = min(hi, t)
		} else {
			lo = max(lo, t)
		}
	}
	if !found || hi <= lo+1 {
		return nil, false
	}
	return binary.BigEndian.AppendUint64(nil, lo+(hi-lo)/2), true
}

// scanPoolSplit scans the state index in two parts at once, split at paid time split: the
// part the scan meets first and the rest. The first part's rows come first; the second is
// only needed when the first has fewer than limit, and is stopped as soon as it is not.
//
// Each part is read in a read-only transaction of its own, opened on the goroutine that
// scans it: bbolt's transactions, buckets and cursors belong to one goroutine. Neither
// goroutine holds its transaction while it waits for the other, so a writer that waits to
// remap the file (which waits for every open read transaction) cannot deadlock them.
// Consistency: each part is a snapshot of the file as some commit left it, but the two
// may be of different commits (and split was found in a third, earlier one). A commit
// between them can make an entry whose index row moved across the split (its state or
// paid time changed) show in both parts or in neither, in this one window; that commit
// publishes a Change, after which the console reads the window again.
func (s *Store) scanPoolSplit(ctx context.Context, prefixes [][]byte, split, from Pos, reverse bool, q PoolQuery, words [][]byte, limit int) ([]PoolRow, bool, error) {
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	type part struct {
		rows []PoolRow
		more bool
		err  error
	}
	second := make(chan part, 1)
	go func() {
		var p part
		p.err = s.db.View(func(tx *bolt.Tx) error {
			sc := newScanner(openIndex(tx, bPoolByState), prefixes, split, reverse)
			var err error
			p.rows, p.more, err = scanPool(ctx2, tx, sc, true, q, words, limit)
			return err
		})
		second <- p
	}()
	var (
		rows []PoolRow
		more bool
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		sc := newScanner(openIndex(tx, bPoolByState), prefixes, from, reverse)
		sc.stop, sc.stopBelow = split, reverse
		var err error
		rows, more, err = scanPool(ctx, tx, sc, true, q, words, limit)
		return err
	})
	if err != nil || more {
		cancel()
		<-second
		return rows, more, err
	}
	p := <-second
	if p.err != nil {
		return nil, false, p.err
	}
	need := limit - len(rows)
	if len(p.rows) > need {
		return append(rows, p.rows[:need]...), true, nil
	}
	return append(rows, p.rows...), p.more, nil
}
