package main

import (
	"fmt"
	"os"
	"strings"
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

// writeDemo fills a new database with n generated orders taken through the same storage
// operations an operator would use: import, then convert, remove, process and ship.
func writeDemo(e *env, n int) error {
	s, err := storage.Open(e.dbPath, storage.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer s.Close()
	now := e.now()
	g := demo.New(1, now)
	for start := 0; start < n; start += demoChunk {
		end := min(start+demoChunk, n)
		if err := demoChunkOf(s, g, start, end, now); err != nil {
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

func demoChunkOf(s *storage.Store, g *demo.Generator, start, end int, now time.Time) error {
	const op = "demo"
	trades := make([]domain.Trade, 0, end-start)
	for i := start; i < end; i++ {
		trades = append(trades, g.Trade(i))
	}
	if _, err := s.Import(trades, now, op); err != nil {
		return err
	}
	var convert, remove []domain.Key
	process := map[string][]domain.Key{}
	target := map[domain.Key]domain.OrderStatus{}
	for i, t := range trades {
		f := g.Plan(start + i)
		switch f.Pool {
		case domain.PoolConverted:
			convert = append(convert, t.Key)
			target[t.Key] = f.Order
		case domain.PoolRemoved:
			remove = append(remove, t.Key)
		case domain.PoolProcessed:
			process[f.Reason] = append(process[f.Reason], t.Key)
		}
	}
	res, err := s.Convert(convert, now, op)
	if err != nil {
		return err
	}
	if sk := res.Skipped(); len(sk) > 0 {
		return fmt.Errorf("demo: %d conversions refused, first: %s", len(sk), sk[0].Reason)
	}
	if len(remove) > 0 {
		if _, err := s.Remove(remove, now, op); err != nil {
			return err
		}
	}
	for reason, keys := range process {
		if _, err := s.Process(keys, reason, now, op); err != nil {
			return err
		}
	}
	// Move each order along its path, one transaction per step.
	for step := 0; step < 3; step++ {
		moves := map[domain.OrderStatus][]uint64{}
		for _, r := range res.Rows {
			if path := orderPath[target[r.Key]]; step < len(path) {
				moves[path[step]] = append(moves[path[step]], r.OrderNo)
			}
		}
		for to, nos := range moves {
			out, err := s.SetOrderStatus(nos, to, now, op)
			if err != nil {
				return err
			}
			if sk := out.Skipped(); len(sk) > 0 {
				return fmt.Errorf("demo: %d status moves refused, first: %s", len(sk), strings.TrimSpace(sk[0].Reason))
			}
		}
	}
	return nil
}
