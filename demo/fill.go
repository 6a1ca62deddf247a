package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// chunk trades are written per transaction.
const chunk = 50_000

// orderPath is the sequence of status moves that reaches a demo order's final status.
var orderPath = map[domain.OrderStatus][]domain.OrderStatus{
	domain.OrderShipped:   {domain.OrderShipped},
	domain.OrderDelivered: {domain.OrderShipped, domain.OrderDelivered},
	domain.OrderCompleted: {domain.OrderShipped, domain.OrderDelivered, domain.OrderCompleted},
	domain.OrderReturned:  {domain.OrderShipped, domain.OrderReturned},
	domain.OrderCancelled: {domain.OrderCancelled},
}

// Fill writes n generated orders into s as they stand at now: each trade is imported and
// then removed, processed or converted and moved along to its final status, through the
// same domain rules as the console, one transaction per chunk (storage.Seed). Then the
// refund requests of Generator.Refunds enter the refund queue.
func Fill(s *storage.Store, seed int64, n int, now time.Time) error {
	g := New(seed, now)
	recs := make([]storage.SeedRecord, 0, chunk)
	for start := 0; start < n; start += chunk {
		recs = recs[:0]
		for i := start; i < min(start+chunk, n); i++ {
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
	_, err := s.ImportRefunds(g.Refunds(n), now, "demo")
	return err
}

// Cached returns the path of a demo database of n orders as they stand at now, kept in
// the temporary folder so benchmarks of every package share one file and write it once.
func Cached(n int, now time.Time) (string, error) {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("shipdesk-bench-v%d-%d-%d.db", storage.SchemaVersion, n, now.Unix()))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	scratch := path + ".part"
	os.Remove(scratch)
	defer os.Remove(scratch)
	s, err := storage.Open(scratch, storage.Options{NoSync: true})
	if err != nil {
		return "", err
	}
	defer s.Close()
	if err := Fill(s, 1, n, now); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	if err := s.CompactTo(tmp); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// BenchNow is the clock the benchmark database is written at.
var BenchNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// BenchSize is how many orders the benchmarks run on: SHIPDESK_BENCH_ORDERS, else a million.
func BenchSize() int {
	if n, err := strconv.Atoi(os.Getenv("SHIPDESK_BENCH_ORDERS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// CachedBench is Cached at BenchSize and BenchNow, the database every package's
// benchmarks share; logf hears how long writing it took when it had to be written.
func CachedBench(logf func(format string, args ...any)) (string, error) {
	start := time.Now()
	path, err := Cached(BenchSize(), BenchNow)
	if d := time.Since(start); err == nil && d > time.Second {
		logf("wrote %d demo orders in %s", BenchSize(), d)
	}
	return path, err
}
