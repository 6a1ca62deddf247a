package cli

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// populate has the system map n bytes of heap in one call: a slice that size is made,
// its pages populated (MADV_POPULATE_WRITE, Linux 5.14 and later; on older kernels the call
// fails and nothing is done) and the slice dropped, so the heap reuses the pages.
func populate(n int64) {
	b := make([]byte, n) // a large allocation starts on a page boundary
	if unix.Madvise(b, unix.MADV_POPULATE_WRITE) != nil {
		return
	}
	runtime.KeepAlive(b)
	b = nil
	runtime.GC()
}
