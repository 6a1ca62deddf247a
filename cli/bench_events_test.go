package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shipdesk/demo"
	"shipdesk/domain"
	"shipdesk/storage"
)

// eventsBenchRounds is how many carrier events each shipped order of the events
// benchmark's database already has.
const eventsBenchRounds = 10

// eventsBenchDB is the demo benchmark database (SHIPDESK_BENCH_ORDERS orders) with ten
// carrier events for each shipped order, written once beside it and kept: at the million
// it takes minutes.
func eventsBenchDB(b *testing.B) (path string, numbers []string) {
	b.Helper()
	base, err := demo.CachedBench(b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	path = strings.TrimSuffix(base, ".db") + fmt.Sprintf("-events%d.db", eventsBenchRounds)
	_, statErr := os.Stat(path)
	fresh := statErr != nil
	work := path
	if fresh { // written as .part and renamed when whole
		work = path + ".part"
		if err := copyFile(work, base); err != nil {
			b.Fatal(err)
		}
	}
	s, err := storage.Open(work, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	err = s.EachParcel(demo.BenchNow, func(r storage.ParcelRow) error {
		if r.Order.Shipment.Number != "" {
			numbers = append(numbers, r.Order.Shipment.Number)
		}
		return nil
	})
	if err != nil || len(numbers) == 0 {
		s.Close()
		b.Fatalf("numbers: %v %d", err, len(numbers))
	}
	if fresh {
		start := time.Now()
		by := storage.Actor{Operator: "bench", Role: domain.RoleSupervisor}
		const batch = 200_000
		for round := 1; round <= eventsBenchRounds; round++ {
			for from := 0; from < len(numbers); from += batch {
				evs := benchEvents(numbers[from:min(from+batch, len(numbers))], -time.Duration(eventsBenchRounds-round+15)*domain.Day)
				if _, err := s.ApplyEvents(storage.EventBatch{Events: evs, Source: "bench"}, demo.BenchNow, by); err != nil {
					s.Close()
					b.Fatal(err)
				}
			}
			// Each round's events folded in, as a quiet console or serve would after a feed.
			if _, err := s.Fold(context.Background(), by); err != nil {
				s.Close()
				b.Fatal(err)
			}
		}
		b.Logf("wrote %d events for %d parcels in %s", eventsBenchRounds*len(numbers), len(numbers), time.Since(start))
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if fresh {
		if err := os.Rename(work, path); err != nil {
			b.Fatal(err)
		}
	}
	return path, numbers
}

// benchEvents is a scan for each number, one second apart from BenchNow+offset: mostly
// in transit, some at pickup, some delivered.
func benchEvents(numbers []string, offset time.Duration) []domain.TrackingEvent {
	evs := make([]domain.TrackingEvent, len(numbers))
	for i, n := range numbers {
		st := domain.EventInTransit
		switch {
		case i%11 == 0:
			st = domain.EventDelivered
		case i%7 == 0:
			st = domain.EventAtPickup
		}
		evs[i] = domain.TrackingEvent{Tracking: n, Status: st, Location: "Shenzhen sorting centre", Text: "departed",
			At: demo.BenchNow.Add(offset + time.Duration(i)*time.Second)}
	}
	return evs
}

// BenchmarkImportEvents is `shipdesk import events FILE` end to end, a new process of the
// built binary each time: a JSON Lines file of a million carrier events (one for each
// shipped order of the benchmark database, then again, in the order a feed sends them:
// by time, the orders mixed) into a copy of that database with its ten events an order.
// All one transaction, with fsync. Reported as events/s; the budget is 50,000. The fold
// of the staged rows that follows is reported apart (fold-s/op).
func BenchmarkImportEvents(b *testing.B) {
	db, numbers := eventsBenchDB(b)
	const n = 1_000_000
	dir := b.TempDir()
	file := filepath.Join(dir, "events.jsonl")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	// Numbers in a scattered order (a stride prime to their count), a second apart, from
	// thirteen days before BenchNow (the stored ones began 24 days before).
	stride := 7919
	for stride > 1 && len(numbers)%stride == 0 {
		stride--
	}
	evs := benchEvents(make([]string, n), -13*domain.Day)
	for i := range evs {
		evs[i].Tracking = numbers[(i*stride)%len(numbers)]
		if i >= len(numbers) { // a second round for a database with fewer parcels
			evs[i].At = evs[i].At.Add(time.Duration(i/len(numbers)) * time.Hour)
		}
		fmt.Fprintf(w, `{"tracking":%q,"at":%q,"status":%q,"location":%q,"text":%q}`+"\n",
			evs[i].Tracking, evs[i].At.Format(time.RFC3339), evs[i].Status, evs[i].Location, evs[i].Text)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	copyPath := filepath.Join(dir, "copy.db")
	var total, folds time.Duration
	for i := 0; i < b.N; i++ {
		if err := copyFile(copyPath, db); err != nil {
			b.Fatal(err)
		}
		total += benchCommand(b, fmt.Sprintf("read %d events: %[1]d new,", n), "--db", copyPath, "import", "events", file)
		// The import stages the feed's rows; moving them into parcel_events is later work
		// (a quiet console or serve, or shipdesk fold), timed apart.
		b.StopTimer()
		folds += benchCommand(b, "folded ", "--db", copyPath, "fold")
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "events/s")
	b.ReportMetric(folds.Seconds()/float64(b.N), "fold-s/op")
}
