//go:build !unix

package cli

import "os"

// memoryUsage is not read here.
func memoryUsage(*os.ProcessState) string { return "" }
