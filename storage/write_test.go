package storage

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// checkFile runs bbolt's consistency check over the whole file: every page
// reachable once, keys in order, no page both used and free.
func checkFile(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("database check: %v", err)
	}
}

// The commit writes its buckets from two goroutines (write.go). Under the race
// detector (the project's test command) this test would report bbolt state that
// two buckets' writes share; without it, it checks that what they wrote together
// is a sound file holding every entry and counter.
func TestCommitWritesItsBucketsTogetherIntoASoundFile(t *testing.T) {
	s := openTemp(t)
	rng := rand.New(rand.NewPCG(1, 2))
	paid := func() time.Time { return t0.Add(-time.Duration(rng.IntN(365*24)) * time.Hour) }
	var trades []domain.Trade
	for i := range 6000 { // enough for every bucket to split into many pages
		trades = append(trades, trade([]string{"tb", "jd", "pdd"}[i%3], fmt.Sprintf("T%06d", rng.IntN(1_000_000)*10+i%10), paid(), 1+i%2))
	}
	first := mustImport(t, s, trades...)
	// A second import updates some, adds others, between and after the first.
	var more []domain.Trade
	for i := 0; i < len(trades); i += 4 {
		u := trades[i]
		u.Buyer += " (changed)"
		more = append(more, u)
	}
	for i := range 3000 {
		more = append(more, trade("tb", fmt.Sprintf("N%06d", i), paid(), 1))
	}
	second := mustImport(t, s, more...)
	var keys []domain.Key
	for i := 1; i < len(trades); i += 3 {
		keys = append(keys, trades[i].Key)
	}
	res, err := s.Convert(keys, t0, Actor{Operator: "test", Role: domain.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, s)

	if first.New+second.New != 9000 || res.Done() != len(keys) {
		t.Fatalf("new %d+%d, converted %d of %d", first.New, second.New, res.Done(), len(keys))
	}
	for i, tr := range trades {
		e := entry(t, s, tr.Key)
		if changed := i%4 == 0; changed != (e.Buyer == tr.Buyer+" (changed)") {
			t.Fatalf("%s: buyer %q after the second import", tr.Key, e.Buyer)
		}
		if converted := i%3 == 1; converted != (e.State == domain.PoolConverted) {
			t.Fatalf("%s: state %s", tr.Key, e.State)
		}
	}
	c := counts(t, s)
	if got := c.Pool[domain.PoolConverted]; got != len(keys) {
		t.Fatalf("converted counter %d, want %d", got, len(keys))
	}
	rows, more2, err := s.PoolWindow(t.Context(), PoolQuery{States: []domain.PoolState{domain.PoolConverted}}, nil, false, 10_000)
	if err != nil || more2 || len(rows) != len(keys) {
		t.Fatalf("converted list: %d rows (more %v, err %v), want %d", len(rows), more2, err, len(keys))
	}
}
