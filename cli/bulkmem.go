package cli

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// A big import in a new process spends much of its time taking page faults: its heap grows
// to about five times the files it reads (the parsed trades, the records and index entries
// the transaction writes at its commit, bbolt's nodes), and the system hands each new 4 KB
// page over at its first touch, which on a virtual machine costs about 10 µs (an import of
// 100,000 orders touches about 60,000 pages). readyBulkMemory has the system map that
// memory in one call before the import starts, and lets the Go heap grow into it without
// collecting until it is used up. Measured on the 2-core machine (README, Performance).

const (
	bulkMemoryFrom   = 8 << 20 // bytes of input below which an import is left as it is
	bulkHeapPerInput = 5       // heap bytes per byte of input, measured: 235 MB for 52 MB
	bulkHeapBase     = 64 << 20
	bulkHeapMax      = 1 << 30 // the most heap let grow uncollected (and mapped ahead)
	// bulkLiveShare is the share of the expected heap that the live heap may reach before
	// the collector goes back to its usual pacing: an import that keeps more alive than
	// expected (new trades paid all over a big file's year touch more of its pages) would
	// otherwise be collected again and again at the limit.
	bulkLiveShare = 0.6
)

// readyBulkMemory readies the memory of a local command about to read inputBytes of import
// files and returns what puts the collector's settings back. The collector waits until the
// heap nears the expected size (a memory limit, with the collection percentage off), and
// that much memory is mapped up front (populate), so the heap grows into pages already
// there. A watcher puts the usual pacing back as soon as the live heap passes
// bulkLiveShare of the limit, so an import bigger than bulkHeapMax allows is collected
// as usual once it is under way. An operator's own GOMEMLIMIT is left alone.
func readyBulkMemory(inputBytes int64) (restore func()) {
	if inputBytes < bulkMemoryFrom {
		return func() {}
	}
	limit := min(bulkHeapPerInput*inputBytes+bulkHeapBase, bulkHeapMax)
	if old := debug.SetMemoryLimit(-1); old != math.MaxInt64 {
		return func() {}
	}
	oldPercent := debug.SetGCPercent(-1)
	debug.SetMemoryLimit(limit)
	populate(limit * 9 / 10)
	usual := func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(math.MaxInt64)
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				metrics.Read(sample)
				if sample[0].Value.Kind() == metrics.KindUint64 && float64(sample[0].Value.Uint64()) > bulkLiveShare*float64(limit) {
					usual()
					return
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		usual()
	}
}
