package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"shipdesk/demo"
	"shipdesk/domain"
)

// importBenchOrders is how many orders the import benchmarks read.
const importBenchOrders = 100_000

// writeOrdersFile writes n trades from next as a JSON Lines file, as a shop exports them.
func writeOrdersFile(b *testing.B, path string, n int, next func(i int) domain.Trade) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := 0; i < n; i++ {
		if err := enc.Encode(domain.WireTradeOf(next(i))); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchImport runs `shipdesk import orders file` into db b.N times, after prepare (not
// timed) readies db, and reports orders/s. Each run is a new process of the built binary,
// as an operator's command is: a run inside the benchmark's own process would reuse the
// memory the runs before it made the system map, which a new process must ask for page
// by page (on a virtual machine about a third of the import's time). Every order must
// come out as new.
func benchImport(b *testing.B, db, file string, prepare func()) {
	b.Helper()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		prepare()
		total += benchCommand(b, fmt.Sprintf("imported %d orders: %[1]d new,", importBenchOrders), "--db", db, "import", "orders", file)
	}
	b.ReportMetric(float64(importBenchOrders*b.N)/total.Seconds(), "orders/s")
}

// benchCommand runs the built binary with args as an operator would and returns how long
// it took; its output must start with want. SHIPDESK_BENCH_CPUPROFILE=FILE hands the
// command a CPU profile path: FILE, or FILE.fold for a fold after the timed command.
func benchCommand(b *testing.B, want string, args ...string) time.Duration {
	b.Helper()
	if prof := os.Getenv("SHIPDESK_BENCH_CPUPROFILE"); prof != "" {
		if slices.Contains(args, "fold") {
			prof += ".fold"
		}
		args = append([]string{"--cpuprofile", prof}, args...)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "SHIPDESK_OPERATOR=bench")
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("%v: %s", err, errb.String())
	}
	if !strings.HasPrefix(out.String(), want) {
		b.Fatalf("the command said %q, want %q…", out.String(), want)
	}
	// The command's own processor time, beside the wall time (go test -v shows it): on a
	// shared machine the system's part swings with the cost of first touches of memory.
	b.Logf("%s: %.1f s, %.1f s user, %.1f s system%s", strings.Join(args, " "), took.Seconds(),
		cmd.ProcessState.UserTime().Seconds(), cmd.ProcessState.SystemTime().Seconds(), memoryUsage(cmd.ProcessState))
	return took
}

// BenchmarkImportOrders is `shipdesk import orders FILE` end to end: read, parse and
// validate a JSON Lines file of 100,000 demo orders, then write them in one transaction
// into a fresh database. Reported as orders/s.
func BenchmarkImportOrders(b *testing.B) {
	dir := b.TempDir()
	file := filepath.Join(dir, "orders.jsonl")
	g := demo.New(3, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	writeOrdersFile(b, file, importBenchOrders, func(int) domain.Trade { return g.Next() })
	db := filepath.Join(dir, "import.db")
	benchImport(b, db, file, func() { os.Remove(db) })
}

// BenchmarkImportOrdersIntoMillion imports 100,000 new orders into a copy of the shared
// benchmark database, which already holds the million (demo.CachedBench; writing it the
// first time takes a minute or two), from the generator that wrote it, past its end:
//
//   - later: paid after every order in the database, as a day's export is, so the
//     time-ordered indexes grow at their ends; the trade IDs still fall between existing
//     ones (the demo's IDs are random), so the pool takes inserts all over.
//   - scattered: paid across the same year as the million, so every index takes inserts
//     all over: the worst case.
//   - growing: as later, with trade IDs that sort after every ID of their channel, as on
//     platforms whose IDs grow with time (JD's order numbers, Pinduoduo's and Youzan's
//     dated IDs): every bucket grows at its ends, as a day's import does there.
func BenchmarkImportOrdersIntoMillion(b *testing.B) {
	src, err := demo.CachedBench(b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		now     time.Time
		growing bool
	}{{"later", demo.BenchNow.AddDate(1, 0, 0), false}, {"scattered", demo.BenchNow, false}, {"growing", demo.BenchNow.AddDate(1, 0, 0), true}} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			file := filepath.Join(dir, "orders.jsonl")
			g := demo.New(1, c.now) // the seed of the cached database
			writeOrdersFile(b, file, importBenchOrders, func(i int) domain.Trade {
				t := g.Trade(demo.BenchSize() + i)
				if c.growing {
					t.TradeID = fmt.Sprintf("~%09d", i) // "~" sorts after the digits and letters of every demo ID
				}
				return t
			})
			db := filepath.Join(dir, "million.db")
			benchImport(b, db, file, func() {
				if err := copyFile(db, src); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	// Flushed here, untimed: otherwise the import's own fsync would also write out the
	// whole copied file.
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
