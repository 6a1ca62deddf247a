//go:build unix

package cli

import (
	"fmt"
	"os"
	"syscall"
)

// memoryUsage is what a finished command's memory cost: its peak resident size and its
// page faults (a minor one is a first touch of memory, a major one a read from disk).
func memoryUsage(st *os.ProcessState) string {
	ru, ok := st.SysUsage().(*syscall.Rusage)
	if !ok {
		return ""
	}
	return fmt.Sprintf(", %d MB resident, %d minor and %d major page faults", ru.Maxrss>>10, ru.Minflt, ru.Majflt)
}
