package cli

import (
	"fmt"
	"os"
	"time"

	"shipdesk/demo"
	"shipdesk/storage"
)

// demoConsoleOrders is the size of the database `shipdesk --demo` opens.
const demoConsoleOrders = 5000

// cmdDemo: shipdesk demo --db PATH [--orders N] [--force]
func cmdDemo(e *env, args []string) error {
	fs := newFlagSet("demo")
	e.flags(fs)
	orders := fs.Int("orders", 2000, "how many orders to generate")
	force := fs.Bool("force", false, "overwrite an existing database file")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo takes no arguments: shipdesk demo --db PATH [--orders N]")
	}
	if *orders < 1 {
		return usagef("--orders must be at least 1")
	}
	if st, err := os.Stat(e.dbPath); err == nil && st.Size() > 0 {
		if !*force {
			return inputError{fmt.Errorf("%s already exists; pass --force to replace it with a demo database", e.dbPath)}
		}
		if err := os.Remove(e.dbPath); err != nil {
			return err
		}
	}
	start := time.Now()
	if err := writeDemo(e, *orders); err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(e.stdout, "wrote %d demo orders to %s in %s (%.0f orders/s)\n", *orders, e.dbPath,
		d.Round(time.Millisecond), float64(*orders)/d.Seconds())
	return nil
}

// writeDemo fills a new database with n generated orders (see demo.Fill), written fast
// without fsync into a scratch file and then compacted into place.
func writeDemo(e *env, n int) error {
	scratch := e.dbPath + ".part"
	os.Remove(scratch)
	defer os.Remove(scratch)
	s, err := storage.Open(scratch, storage.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer s.Close()
	loc, err := e.location()
	if err != nil {
		return err
	}
	if err := demo.FillIn(s, 1, n, e.now(), loc); err != nil {
		return err
	}
	return s.CompactTo(e.dbPath)
}
