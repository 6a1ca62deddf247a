package storage

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// importDay is a day of imports on s, fed in several batches each, as a file is: new
// trades, a key given twice in one import, updates, removed entries coming back,
// processed and converted ones, of which one is cancelled.
func importDay(t *testing.T, s *Store) {
	t.Helper()
	by := Actor{Operator: "t", Role: domain.RoleSupervisor}
	var first []domain.Trade
	for i := range 2500 {
		first = append(first, trade([]string{"tb", "jd", "pdd"}[i%3], fmt.Sprintf("D%05d", i), t0.Add(-time.Duration(i)*time.Minute), i%3))
	}
	first = append(first, first[10]) // twice in one import
	first[len(first)-1].Buyer = "second time"
	feed := func(trades []domain.Trade) {
		t.Helper()
		if _, err := s.ImportFrom(func(add func([]domain.Trade) error) error {
			for len(trades) > 0 {
				n := min(len(trades), 700)
				if err := add(trades[:n]); err != nil {
					return err
				}
				trades = trades[n:]
			}
			return nil
		}, t0, by); err != nil {
			t.Fatal(err)
		}
	}
	feed(first)
	var conv, rem, proc []domain.Key
	for i := 0; i < 300; i++ {
		switch k := first[i*7].Key; i % 3 {
		case 0:
			if first[i*7].Items != nil {
				conv = append(conv, k)
			}
		case 1:
			rem = append(rem, k)
		default:
			proc = append(proc, k)
		}
	}
	mustDo := func(_ BatchResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustDo(s.Convert(conv, t0, by))
	mustDo(s.Remove(rem, t0, by))
	mustDo(s.Process(proc, "by hand", t0, by))
	second := append([]domain.Trade{}, first[:2000]...)
	for i := range second {
		switch i % 4 {
		case 0:
			second[i].Buyer += " moved"
		case 1:
			second[i].TradeStatus = domain.TradeCancelled
		}
	}
	for i := range 1500 {
		second = append(second, trade("tb", fmt.Sprintf("E%05d", i), t0.Add(time.Duration(i)*time.Second), 1))
	}
	feed(second)
}

// The import's preparing goroutine makes new entries ready to write while earlier trades are
// applied; the file it leaves is the one the owning goroutine writes alone, row for row.
func TestPreparedNewEntriesWriteWhatTheApplierWrites(t *testing.T) {
	prepared, plain := openTemp(t), openTemp(t)
	importDay(t, prepared)
	prepareNewEntries = false
	t.Cleanup(func() { prepareNewEntries = true })
	importDay(t, plain)
	got, want := strings.Split(snapshot(t, prepared), "\n"), strings.Split(snapshot(t, plain), "\n")
	if len(want) < 10000 {
		t.Fatalf("fixture: only %d rows", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal(firstDiff(got, want))
	}
	checkFile(t, prepared)
}

// A trade the import cannot apply (its stored entry does not read) stops the
// import at once, whatever batch it is in; nothing is written and the store goes on.
func TestImportStopsAtAnEntryItCannotRead(t *testing.T) {
	s := openTemp(t)
	var trades []domain.Trade
	for i := range 3000 {
		trades = append(trades, trade("tb", fmt.Sprintf("B%05d", i), t0, 1))
	}
	mustImport(t, s, trades[:2000]...)
	// Spoil the record of B01500, keeping its head, which lookups read.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		seq, rec := findEntry(txGetter(tx), poolKey(nil, trades[1500].Key))
		if rec == nil {
			return errors.New("B01500 not found")
		}
		h, _ := entryHead(rec)
		end := strings.Index(string(rec), string(h.tradeID)) + len(h.tradeID)
		return tx.Bucket(bPoolEntries).Put(seq, append(append([]byte{}, rec[:end]...), 0xff, 0xff, 0xff))
	}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s)
	stopped := false
	_, err := s.ImportFrom(func(add func([]domain.Trade) error) error {
		// The trades, then up to a hundred more batches: the feed is told to stop soon.
		for i := 0; i < 100*500; i += 500 {
			batch := trades[min(i, len(trades)):min(i+500, len(trades))]
			if len(batch) == 0 {
				for j := range 500 {
					batch = append(batch, trade("pdd", fmt.Sprintf("M%06d", i+j), t0, 1))
				}
			}
			if err := add(batch); err != nil {
				stopped = true
				return err
			}
		}
		return nil
	}, t0, Actor{Operator: "t", Role: domain.RoleSupervisor})
	if err == nil || !strings.Contains(err.Error(), "tb:B01500") {
		t.Fatalf("want the bad entry named, got %v", err)
	}
	if !stopped {
		t.Fatal("the feed was never told to stop after the error")
	}
	if got := snapshot(t, s); got != before {
		t.Fatal("a failed import changed the file: " + firstDiff(strings.Split(got, "\n"), strings.Split(before, "\n")))
	}
	if res := mustImport(t, s, trade("jd", "after", t0, 1)); res.New != 1 {
		t.Fatalf("the next import: %+v", res)
	}
}
