package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"shipdesk/domain"
)

// Benchmarks run on a generated database of benchOrders() orders (default one million;
// SHIPDESK_BENCH_ORDERS overrides), built once per run in a temporary folder.

func benchOrders() int {
	if n, err := strconv.Atoi(os.Getenv("SHIPDESK_BENCH_ORDERS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func benchTrade(i int, now time.Time) domain.Trade {
	ch := benchChannels[i%len(benchChannels)]
	tr := trade(ch, "T"+strconv.Itoa(100000000+i), now.Add(-time.Duration(i)*30*time.Second), 2)
	tr.Buyer = "买家" + strconv.Itoa(i%9973)
	tr.Items[1].SKU, tr.Items[1].Title = "SKU-"+strconv.Itoa(i%613), "Ceramic teapot 茶壶"
	return tr
}

var benchChannels = []string{"tb-main", "tmall-flagship", "jd-store", "pdd-outlet", "douyin-live", "insales-ru", "shopify-us", "gspay-intl"}

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchDB returns a store on the shared generated database: 97% converted, the rest ready.
func benchDB(b *testing.B) *Store {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "shipdesk-bench-")
		if benchErr != nil {
			return
		}
		s, err := Open(filepath.Join(benchDir, "bench.db"), Options{NoSync: true})
		if err != nil {
			benchErr = err
			return
		}
		defer s.Close()
		n := benchOrders()
		now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		const chunk = 50_000
		for start := 0; start < n; start += chunk {
			var trades []domain.Trade
			var keys []domain.Key
			for i := start; i < start+chunk && i < n; i++ {
				tr := benchTrade(i, now)
				trades = append(trades, tr)
				if i%100 >= 3 {
					keys = append(keys, tr.Key)
				}
			}
			if _, benchErr = s.Import(trades, now, "bench"); benchErr != nil {
				return
			}
			if _, benchErr = s.Convert(keys, now, "bench"); benchErr != nil {
				return
			}
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	s, err := Open(filepath.Join(benchDir, "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkImport measures import throughput into an empty database, in chunks of 100,000
// trades per transaction; the figure is orders/s.
func BenchmarkImport(b *testing.B) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	const n = 100_000
	trades := make([]domain.Trade, n)
	for i := range trades {
		trades[i] = benchTrade(i, now)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), "imp.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.Import(trades, now, "bench"); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "orders/s")
}

func BenchmarkCounts(b *testing.B) {
	s := benchDB(b)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, err := s.Counts(now, time.UTC); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOrderWindowEnd(b *testing.B) {
	s := benchDB(b)
	q := OrderQuery{}
	for b.Loop() {
		rows, _, err := s.OrderWindow(context.Background(), q, nil, true, 60)
		if err != nil || len(rows) == 0 {
			b.Fatal(err, len(rows))
		}
	}
}

func BenchmarkOrderWindowPage(b *testing.B) {
	s := benchDB(b)
	q := OrderQuery{}
	rows, _, _ := s.OrderWindow(context.Background(), q, nil, false, 60)
	from := rows[len(rows)-1].Pos
	for b.Loop() {
		next, more, err := s.OrderWindow(context.Background(), q, from, false, 60)
		if err != nil {
			b.Fatal(err)
		}
		if !more {
			from = nil
			continue
		}
		from = next[len(next)-1].Pos
	}
}

func BenchmarkPoolFilterRare(b *testing.B) {
	s := benchDB(b)
	q := PoolQuery{States: domain.PoolStates, Words: []string{"t100099999"}}
	for b.Loop() {
		if _, _, err := s.PoolWindow(context.Background(), q, nil, false, 60); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConvert10k(b *testing.B) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), "conv.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		var trades []domain.Trade
		var keys []domain.Key
		for i := 0; i < 10_000; i++ {
			tr := benchTrade(i, now)
			trades = append(trades, tr)
			keys = append(keys, tr.Key)
		}
		if _, err := s.Import(trades, now, "bench"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := s.Convert(keys, now, "bench")
		if err != nil || res.Done() != len(keys) {
			b.Fatal(err, fmt.Sprint(res.Done()))
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
