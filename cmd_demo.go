package main

import (
	"fmt"
	"os"
	"time"

	"shipdesk/demo"
	"shipdesk/domain"
	"shipdesk/storage"
)

// demoConsoleOrders is the size of the database `shipdesk --demo` opens.
const demoConsoleOrders = 5000

// demoChunk trades are imported and settled per round of transactions.
const demoChunk = 50_000

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

// writeDemo fills a new database with n generated orders. Each trade is imported and
// then removed, processed or converted and moved along to its final status, through the
// same domain rules as the console, in one transaction per chunk (storage.Seed).
func writeDemo(e *env, n int) error {
	s, err := storage.Open(e.dbPath, storage.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer s.Close()
	now := e.now()
	g := demo.New(1, now)
	recs := make([]storage.SeedRecord, 0, demoChunk)
	for start := 0; start < n; start += demoChunk {
		recs = recs[:0]
		for i := start; i < min(start+demoChunk, n); i++ {
			f := g.Plan(i)
			at := f.At
			if at.IsZero() {
				at = now
			}
			recs = append(recs, storage.SeedRecord{Trade: g.Trade(i), Pool: f.Pool, Reason: f.Reason,
				OrderPath: orderPath[f.Order], At: at})
		}
		if err := s.Seed(recs, "demo"); err != nil {
			return err
		}
	}
	return s.Sync()
}

// orderPath is the sequence of status moves that reaches a demo order's final status.
var orderPath = map[domain.OrderStatus][]domain.OrderStatus{
	domain.OrderShipped:   {domain.OrderShipped},
	domain.OrderDelivered: {domain.OrderShipped, domain.OrderDelivered},
	domain.OrderCompleted: {domain.OrderShipped, domain.OrderDelivered, domain.OrderCompleted},
	domain.OrderReturned:  {domain.OrderShipped, domain.OrderReturned},
	domain.OrderCancelled: {domain.OrderCancelled},
}
