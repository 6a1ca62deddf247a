// Command shipdesk is a keyboard-driven terminal console for e-commerce fulfilment
// operators, with non-interactive subcommands for scripts. See README.md; the commands
// live in package cli.
package main

import (
	"os"

	"shipdesk/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
