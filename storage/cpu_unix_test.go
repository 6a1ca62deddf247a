//go:build unix

package storage_test

import (
	"syscall"
	"time"
)

// processCPU is the processor time the process has used (user and system, every thread:
// the garbage collector's too), for benchmarks that report what a step costs in CPU
// rather than in wall time, which the machine's other work disturbs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
