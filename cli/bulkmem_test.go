package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func gcSettings() (percent int, limit int64) {
	percent = debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

// A big import runs with the collector waiting for the expected heap; small ones, and
// processes given their own GOMEMLIMIT, keep the usual pacing; restore puts it back.
func TestReadyBulkMemory(t *testing.T) {
	percent, limit := gcSettings()
	if limit != math.MaxInt64 {
		t.Skip("this process runs with a memory limit of its own")
	}
	readyBulkMemory(bulkMemoryFrom - 1)()
	if p, l := gcSettings(); p != percent || l != limit {
		t.Fatalf("a small import changed the collector: %d %d", p, l)
	}

	restore := readyBulkMemory(bulkMemoryFrom)
	p, l := gcSettings()
	if want := int64(bulkHeapPerInput*bulkMemoryFrom + bulkHeapBase); p != -1 || l != want {
		t.Errorf("during a big import: percent %d, limit %d; want off and %d", p, l, want)
	}
	restore()
	if p, l := gcSettings(); p != percent || l != limit {
		t.Fatalf("after: percent %d, limit %d; want %d %d", p, l, percent, limit)
	}

	debug.SetMemoryLimit(1 << 40) // as GOMEMLIMIT would
	readyBulkMemory(bulkMemoryFrom)()
	if p, l := gcSettings(); p != percent || l != 1<<40 {
		t.Errorf("an operator's memory limit was changed: percent %d, limit %d", p, l)
	}
	debug.SetMemoryLimit(limit)
}

// When the live heap outgrows its share of the limit, the usual pacing comes back at once
// rather than a collection at every step at the limit.
func TestReadyBulkMemoryGivesWayToABigLiveHeap(t *testing.T) {
	percent, limit := gcSettings()
	if limit != math.MaxInt64 {
		t.Skip("this process runs with a memory limit of its own")
	}
	restore := readyBulkMemory(bulkMemoryFrom)
	defer restore()
	expected := float64(bulkHeapPerInput*bulkMemoryFrom + bulkHeapBase)
	live := make([]byte, int64(bulkLiveShare*expected)+16<<20)
	for i := range live {
		live[i] = 1
	}
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p, l := gcSettings(); p == percent && l == limit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the collector stayed off with the live heap past its share")
		}
		time.Sleep(time.Millisecond)
	}
	runtime.KeepAlive(live)
}
