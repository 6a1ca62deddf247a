//go:build unix

package server

import (
	"os"
	"syscall"
)

// inode tells a file replaced by a rename (editors save that way) from the old one.
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
