package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"testing"
	"time"

	"shipdesk/demo"
	"shipdesk/domain"
	"shipdesk/storage"
)

// Benchmarks run on a demo database of demo.BenchSize() orders (default one million;
// SHIPDESK_BENCH_ORDERS overrides). It is written once and kept in the temp folder, so
// repeated runs skip the minute it takes to write.

func benchStore(b *testing.B) *storage.Store {
	b.Helper()
	s, err := storage.Open(benchPath(b), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// benchPath writes the shared demo database if it is not there yet.
func benchPath(b *testing.B) string {
	b.Helper()
	path, err := demo.CachedBench(b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	return path
}

// privateCopy opens a copy of the shared database for a benchmark that writes: the shared
// one must stay as written.
func privateCopy(b *testing.B) *storage.Store {
	b.Helper()
	src, err := os.ReadFile(benchPath(b))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "copy.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		b.Fatal(err)
	}
	s, err := storage.Open(path, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func demoTrades(n int) []domain.Trade {
	g := demo.New(7, demo.BenchNow)
	out := make([]domain.Trade, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

// BenchmarkImport is the storage half of `import orders`: 100,000 trades in one
// transaction into a fresh file, with fsync. Reported as orders/s.
func BenchmarkImport(b *testing.B) {
	const n = 100_000
	trades := demoTrades(n)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		s, err := storage.Open(filepath.Join(b.TempDir(), "imp.db"), storage.Options{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := s.Import(trades, demo.BenchNow, storage.Actor{Operator: "bench", Role: domain.RoleSupervisor}); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		s.Close()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "orders/s")
}

// BenchmarkConvert10k converts 10,000 selected entries in one transaction, in a database
// that already holds the million.
// BenchmarkConvert10k converts 10,000 selected entries in one transaction, on a private
// copy of the million:
//
//   - recent: paid over the last two days, as the entries of a working pool are (every
//     older one was converted long ago): their index entries land near the ends;
//   - year: paid at random over the whole year, so every index takes them all over: the
//     worst case.
func BenchmarkConvert10k(b *testing.B) {
	s := privateCopy(b)
	round := 0 // testing runs each sub-benchmark more than once: every round new trades
	for _, c := range []struct {
		name   string
		recent bool
	}{{"recent", true}, {"year", false}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				round++
				i := round
				g := demo.New(int64(1000+i), demo.BenchNow)
				trades := make([]domain.Trade, 0, 10_000)
				keys := make([]domain.Key, 0, 10_000)
				for len(trades) < 10_000 {
					t := g.Next()
					if t.TradeStatus != domain.TradePaid || len(t.Items) == 0 {
						continue
					}
					t.TradeID = c.name + strconv.Itoa(i) + "-" + t.TradeID
					if c.recent {
						t.PaidAt = demo.BenchNow.Add(-time.Duration(len(trades)*17%172800) * time.Second)
					}
					trades = append(trades, t)
					keys = append(keys, t.Key)
				}
				if _, err := s.Import(trades, demo.BenchNow, storage.Actor{Operator: "bench", Role: domain.RoleSupervisor}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := s.Convert(keys, demo.BenchNow, storage.Actor{Operator: "bench", Role: domain.RoleSupervisor})
				if err != nil || res.Done() != len(keys) {
					b.Fatalf("converted %d: %v", res.Done(), err)
				}
			}
		})
	}
}

// BenchmarkCounts is what `status --json` and the dashboard read.
func BenchmarkCounts(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := s.Counts(demo.BenchNow, time.UTC); err != nil {
			b.Fatal(err)
		}
	}
}

func window(b *testing.B, q storage.PoolQuery, from storage.Pos, back bool) []storage.PoolRow {
	rows, _, err := benchStoreOf(b).PoolWindow(context.Background(), q, from, back, 60)
	if err != nil {
		b.Fatal(err)
	}
	return rows
}

var benchStoreOf = func(b *testing.B) *storage.Store { panic("set by the benchmark") }

// BenchmarkPoolWindow reads one screen-sized window (60 rows) of every pool state, at the
// start, at the end, and the page after a given row.
func BenchmarkPoolWindow(b *testing.B) {
	s := benchStore(b)
	benchStoreOf = func(*testing.B) *storage.Store { return s }
	all := storage.PoolQuery{States: domain.PoolStates}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			window(b, all, nil, false)
		}
	})
	b.Run("last", func(b *testing.B) {
		for b.Loop() {
			window(b, all, nil, true)
		}
	})
	b.Run("next-page", func(b *testing.B) {
		from := window(b, all, nil, false)[59].Pos
		for b.Loop() {
			window(b, all, from, false)
		}
	})
}

// BenchmarkPoolFilter is the first window of matches for filter text over all million
// entries: a common word (many matches, stops early) and a rare one (scans the index).
func BenchmarkPoolFilter(b *testing.B) {
	s := benchStore(b)
	benchStoreOf = func(*testing.B) *storage.Store { return s }
	for _, w := range []string{"tea", "zzzz-no-such-thing"} {
		q := storage.PoolQuery{States: domain.PoolStates, Words: []string{w}}
		b.Run(w, func(b *testing.B) {
			for b.Loop() {
				window(b, q, nil, false)
			}
		})
	}
}

// BenchmarkOrderWindow reads the first and last windows of the orders list by ship-by.
func BenchmarkOrderWindow(b *testing.B) {
	s := benchStore(b)
	q := storage.OrderQuery{Statuses: domain.OrderStatuses}
	for _, back := range []bool{false, true} {
		b.Run(fmt.Sprintf("back=%v", back), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.OrderWindow(context.Background(), q, nil, back, 60); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTrackingUpload10k parses, validates, plans and applies a 10,000-line GSPAY
// upload in one transaction: the first run ships 10,000 orders, later runs correct every
// number (which also moves the tracking index entries).
//
// Each upload queues 10,100 messages: the buyer's shipped message per order and the
// channel's write-back in 100 chunks of 100 lines. The sub-benchmark no-outbox skips them,
// to measure what queueing costs; paired and paired-first run both side by side and
// report the difference in processor time as queue-cost-% (the machine's other work
// disturbs two runs taken minutes apart more than two taken side by side). outbox and
// no-outbox correct every number again on each run after the first, so an order there
// has had b.N numbers: the list of messages its record keeps grows with each.
func BenchmarkTrackingUpload10k(b *testing.B) {
	b.Run("outbox", func(b *testing.B) { trackingUpload10k(b) })
	b.Run("no-outbox", func(b *testing.B) {
		storage.SetQueueOff(true)
		defer storage.SetQueueOff(false)
		trackingUpload10k(b)
	})
	// Correcting numbers: each run on two new stores whose 10,000 orders shipped with
	// their first numbers (made with the timer stopped), one queueing and one not; the
	// upload corrects every number once.
	b.Run("paired", func(b *testing.B) { pairedUploads(b, 1) })
	// The first numbers of 10,000 orders: an upload that ships.
	b.Run("paired-first", func(b *testing.B) { pairedUploads(b, 0) })
}

// pairedUploads times upload number it (0 ships, 1 corrects every number) on two new
// stores, one queueing and one not, after the uploads before it (untimed); each goes
// first every other time, as the first of two runs side by side is disturbed
// differently from the second. The CPU profile labels each side's upload (side=with,
// side=without): go tool pprof -tagfocus side=^with$.
func pairedUploads(b *testing.B, it int) {
	var q queueCost
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		with, without := newTrackingBench(b), newTrackingBench(b)
		for before := range it {
			with.upload(b, before)
			storage.SetQueueOff(true)
			without.upload(b, before)
			storage.SetQueueOff(false)
		}
		b.StartTimer()
		for j := range 2 {
			if (i+j)%2 == 0 {
				q.with = append(q.with, with.upload(b, it))
			} else {
				storage.SetQueueOff(true)
				q.without = append(q.without, without.upload(b, it))
				storage.SetQueueOff(false)
			}
		}
	}
	q.report(b)
}

// queueCost is the processor time of each upload with queueing and without, in pairs run
// side by side.
type queueCost struct{ with, without []time.Duration }

// report gives the medians of each side and queue-cost-%, the median of the pairs'
// differences: the machine's other work (this is a shared machine), the garbage
// collector and the page cache make a run now and then a quarter slower, and a sum or a
// mean carries that while the median of pairs taken side by side does not.
func (q *queueCost) report(b *testing.B) {
	med := func(d []float64) float64 {
		d = slices.Clone(d)
		slices.Sort(d)
		if len(d)%2 == 1 {
			return d[len(d)/2]
		}
		return (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	var with, without, pairs []float64
	for i := range q.with {
		with, without = append(with, q.with[i].Seconds()*1000), append(without, q.without[i].Seconds()*1000)
		pairs = append(pairs, 100*(with[i]/without[i]-1))
	}
	b.ReportMetric(med(with), "cpu-ms/op")
	b.ReportMetric(med(without), "no-outbox-cpu-ms/op")
	b.ReportMetric(med(pairs), "queue-cost-%")
}

func trackingUpload10k(b *testing.B) {
	tb := newTrackingBench(b)
	var cpu time.Duration
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		cpu += tb.upload(b, it)
	}
	b.ReportMetric(float64(tb.n*b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// trackingBench is a store of 10,000 converted GSPAY orders to upload numbers for.
type trackingBench struct {
	s      *storage.Store
	trades []domain.Trade
	n      int
}

func newTrackingBench(b *testing.B) *trackingBench {
	const n = 10_000
	s, err := storage.Open(filepath.Join(b.TempDir(), "track.db"), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	trades := make([]domain.Trade, n)
	for i := range trades {
		id := strconv.Itoa(100000 + i)
		trades[i] = domain.Trade{Key: domain.Key{Channel: "gspay", TradeID: "G" + id}, Platform: "gspay", Buyer: "b" + id,
			Consignee:   domain.Consignee{Name: "N " + id, Phone: "13800000000", Address: "1 Road", Country: "CN"},
			TradeStatus: domain.TradePaid, PaymentRef: "TR" + id, PaidAt: demo.BenchNow.Add(-time.Hour),
			Total: domain.Money{Minor: 1000, Currency: "CNY"},
			Items: []domain.Item{{SKU: "S", Title: "T", Qty: 1, Price: domain.Money{Minor: 1000, Currency: "CNY"}}}}
	}
	by := storage.Actor{Operator: "bench", Role: domain.RoleSupervisor}
	if _, err := s.Import(trades, demo.BenchNow, by); err != nil {
		b.Fatal(err)
	}
	if res, err := s.ConvertAllReady(demo.BenchNow, by); err != nil || res.Done() != n {
		b.Fatalf("convert: %v (%d done)", err, res.Done())
	}
	return &trackingBench{s: s, trades: trades, n: n}
}

// upload times (the file's text is made with the timer stopped) the it-th upload and
// returns the processor time it took.
func (tb *trackingBench) upload(b *testing.B, it int) time.Duration {
	b.StopTimer()
	var text []byte
	for i := range tb.trades {
		text = fmt.Appendf(text, "%s:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=%s\n", tb.trades[i].PaymentRef, domain.S10Number("EA", it*tb.n+i, "CN"))
	}
	by := storage.Actor{Operator: "bench", Role: domain.RoleSupervisor}
	b.StartTimer()
	c0 := processCPU()
	file, err := domain.ParseTracking("bench.txt", bytes.NewReader(text), time.UTC)
	if err != nil || len(file.Errors) > 0 {
		b.Fatalf("parse: %v %v", err, file.Errors)
	}
	side := "with"
	if storage.QueueOff() {
		side = "without"
	}
	var p domain.TrackingPlan
	pprof.Do(context.Background(), pprof.Labels("side", side), func(context.Context) {
		p, err = tb.s.ApplyTracking(file.Lines, 0, domain.ShipPolicy{Country: "CN"}, false, demo.BenchNow, by)
	})
	cpu := processCPU() - c0
	if err != nil {
		b.Fatal(err)
	}
	if len(p.Orders) != tb.n {
		b.Fatalf("applied %d orders, want %d", len(p.Orders), tb.n)
	}
	return cpu
}

// BenchmarkStaged measures what staging defers and what it costs readers, on a private
// copy of the million into which 100,000 trades paid across the whole year are imported
// (untimed): their index rows are staged, not written into the indexes.
//
//   - window, last, filter: the first and last windows of the whole pool and a filter
//     matching nothing (the whole state index scanned), read with the staged rows merged in;
//   - fold: moving the staged rows of one such import into the indexes (Store.Fold).
func BenchmarkStaged(b *testing.B) {
	s := privateCopy(b)
	benchStoreOf = func(*testing.B) *storage.Store { return s }
	round := 0
	importScattered := func(b *testing.B) {
		round++
		g := demo.New(1, demo.BenchNow) // the seed of the cached database: the same year
		trades := make([]domain.Trade, 100_000)
		for i := range trades {
			trades[i] = g.Trade(demo.BenchSize() + i)
			trades[i].TradeID = fmt.Sprintf("r%d-%s", round, trades[i].TradeID)
		}
		if _, err := s.Import(trades, demo.BenchNow, storage.Actor{Operator: "bench", Role: domain.RoleSupervisor}); err != nil {
			b.Fatal(err)
		}
		if n, err := s.Staged(); err != nil || n < 100_000 {
			b.Fatalf("%d rows staged (%v): the import was not staged", n, err)
		}
	}
	importScattered(b)
	all := storage.PoolQuery{States: domain.PoolStates}
	b.Run("window", func(b *testing.B) {
		for b.Loop() {
			window(b, all, nil, false)
		}
	})
	b.Run("last", func(b *testing.B) {
		for b.Loop() {
			window(b, all, nil, true)
		}
	})
	b.Run("filter", func(b *testing.B) {
		q := storage.PoolQuery{States: domain.PoolStates, Words: []string{"zzzz-no-such-thing"}}
		for b.Loop() {
			window(b, q, nil, false)
		}
	})
	first := true
	b.Run("fold", func(b *testing.B) {
		for range b.N {
			if !first {
				b.StopTimer()
				importScattered(b)
				b.StartTimer()
			}
			first = false
			if _, err := s.Fold(context.Background(), storage.Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
