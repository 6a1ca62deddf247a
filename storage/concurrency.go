package storage

// Goroutines in this package, and why each keeps bbolt's rule that a transaction and
// everything made from it (buckets, cursors) belongs to one goroutine:
//
//   - The overlay (overlay.go) sorts each full block of a transaction's pending writes on
//     a goroutine of its own. The blocks are the overlay's memory; no bbolt call.
//   - A commit (wtx.commit) merges each bucket's sorted blocks on goroutines of their own
//     (mergeAhead), a few buckets ahead of the writes, while the goroutine that owns the
//     transaction writes the merged buckets into bbolt one after another. Merging reads
//     only the overlay; every Put, Delete, cursor and FillPercent is the owner's.
//   - An import (pool.go, importPipe) looks keys up and applies trades on the owning
//     goroutine; a preparing goroutine between the two decodes the records the lookups
//     found and encodes the new entries. It reads record bytes that bbolt returned, which
//     stay valid and unchanged while the transaction lives and until its commit starts to
//     write (nothing is written into bbolt before: the writes wait in the overlay), and it
//     has finished before the commit begins. It makes no bbolt call.
//   - A word filter over a large pool (query.go, scanPoolSplit) scans the state index in
//     two halves at once, each in a read transaction of its own, opened and closed on the
//     goroutine that scans (db.View there). No goroutine holds a transaction while it
//     waits for the other, so a writer waiting to grow the file's map never deadlocks
//     them. Each half is a consistent snapshot; the two may be a commit apart.
//   - Fold and the background quiet fold (staged.go) run their transactions on one
//     goroutine each; the quiet fold's timer goroutine opens its own.
//   - domain.ScanJSONL parses on workers of its own and calls add on the goroutine that
//     feeds the import, which is the transaction's.

// mergeQueue hands the merged writes of bucket i to the writing goroutine, in order,
// while up to two goroutines merge the buckets after it.
type mergeQueue struct {
	out  []chan []*op
	quit chan struct{}
}

// mergeAhead starts merging buckets 0 … n-1 (merge(i) makes bucket i's writes), two at a
// time, in order.
func mergeAhead(n int, merge func(i int) []*op) *mergeQueue {
	q := &mergeQueue{out: make([]chan []*op, n), quit: make(chan struct{})}
	for i := range q.out {
		q.out[i] = make(chan []*op, 1)
	}
	slots := make(chan struct{}, 2)
	go func() {
		for i := range n {
			select {
			case slots <- struct{}{}:
			case <-q.quit:
				return
			}
			go func() {
				q.out[i] <- merge(i)
				<-slots
			}()
		}
	}()
	return q
}

// next waits for bucket i's merged writes.
func (q *mergeQueue) next(i int) []*op { return <-q.out[i] }

// stop lets the merging end early (the commit failed): the buckets not yet started are
// not merged.
func (q *mergeQueue) stop() { close(q.quit) }
