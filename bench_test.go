package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"shipdesk/demo"
)

// BenchmarkImportOrders is `shipdesk import orders FILE` end to end: read, parse and
// validate a JSON Lines file of 100,000 demo orders, then write them in one transaction
// into a fresh database. Reported as orders/s.
func BenchmarkImportOrders(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	file := filepath.Join(dir, "orders.jsonl")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	g := demo.New(3, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	for i := 0; i < n; i++ {
		if err := enc.Encode(wireTrade(g.Next())); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		db := filepath.Join(dir, "import.db")
		os.Remove(db)
		start := time.Now()
		if code := run([]string{"--db", db, "import", "orders", file}, nil, io.Discard, os.Stderr); code != 0 {
			b.Fatalf("exit %d", code)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "orders/s")
}
