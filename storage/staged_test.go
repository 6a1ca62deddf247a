package storage

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// staging sets for the rest of the test whether every commit's index writes and new
// hashed-index keys are staged (on) or none are.
func staging(t *testing.T, on bool) {
	t.Helper()
	from, limit, runs := stageFrom, stageCap, runFrom
	t.Cleanup(func() { stageFrom, stageCap, runFrom = from, limit, runs })
	stageFrom, stageCap, runFrom = 1, 1<<40, 1
	if !on {
		stageCap = 0
	}
}

// An index and its staging bucket, written by staged and direct commits in any mix and
// folded in chunks of any size, read exactly as one index holding the last write of each
// key would: from every position, in both directions.
func TestStagedIndexReadsAsOneIndex(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "ix.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	main, recent := []byte("ix"), []byte("ix.recent")
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err1 := tx.CreateBucket(main)
		_, err2 := tx.CreateBucket(recent)
		return cmp.Or(err1, err2)
	}); err != nil {
		t.Fatal(err)
	}
	defer func(v int) { stageFrom = v }(stageFrom)
	stageFrom = 1
	rng := rand.New(rand.NewPCG(7, 11))
	want := map[string]string{}
	keyOf := func(i int) string { return fmt.Sprintf("%c%03d", "ab"[i%2], i/2) }
	stagedSeen, folds := 0, 0
	for round := range 300 {
		if round%7 == 6 {
			limit := 1 + rng.IntN(40)
			if err := db.Update(func(tx *bolt.Tx) error {
				_, _, err := foldIndex(tx.Bucket(main), tx.Bucket(recent), limit)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			folds++
		} else {
			// A commit's writes: the last write of each key, in key order.
			last := map[string]*op{}
			for range 1 + rng.IntN(30) {
				k := keyOf(rng.IntN(200))
				o := &op{key: []byte(k), del: rng.IntN(3) == 0}
				if !o.del {
					o.val = []byte(fmt.Sprintf("v%d-%s", round, k))
				}
				last[k] = o
			}
			var ops []*op
			for _, o := range last {
				ops = append(ops, o)
			}
			slices.SortFunc(ops, func(a, b *op) int { return bytes.Compare(a.key, b.key) })
			var total int64
			if rng.IntN(3) == 0 {
				total = stageCap // full: these go straight into the index
			}
			if err := db.Update(func(tx *bolt.Tx) error {
				ix := index{main: tx.Bucket(main), stage: tx.Bucket(recent)}
				if k, _ := ix.stage.Cursor().First(); k != nil {
					ix.recent = ix.stage
				}
				return applyIndex(ix, ops, &total)
			}); err != nil {
				t.Fatal(err)
			}
			for _, o := range ops {
				if o.del {
					delete(want, string(o.key))
				} else {
					want[string(o.key)] = string(o.val)
				}
			}
		}
		sorted := make([]string, 0, len(want))
		for k := range want {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
		if err := db.View(func(tx *bolt.Tx) error {
			stagedSeen += tx.Bucket(recent).Stats().KeyN
			ix := openIndex(tx, main)
			ix.recent = tx.Bucket(recent) // openIndex knows only the real indexes' buckets
			for _, seek := range []string{"", "a", "a050", "a0505", "b", "b099", "c"} {
				for _, back := range []bool{false, true} {
					var exp []string
					for _, k := range sorted {
						if (!back && k >= seek) || (back && (seek == "" || k < seek)) {
							exp = append(exp, k+"="+want[k])
						}
					}
					if back {
						slices.Reverse(exp)
					}
					var got []string
					c := ix.cursor()
					var key []byte
					if seek != "" {
						key = []byte(seek)
					}
					for c.seek(key, back); c.k != nil; c.next() {
						got = append(got, string(c.k)+"="+string(c.v))
					}
					if !reflect.DeepEqual(got, exp) {
						t.Fatalf("round %d, seek %q back=%v:\n got %v\nwant %v", round, seek, back, got, exp)
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if stagedSeen == 0 || folds == 0 {
		t.Fatalf("staged rows seen %d, folds %d: the test did not exercise staging", stagedSeen, folds)
	}
}

// scatteredDay runs a day of work on s: trades paid all over a year imported, half
// converted, some removed and processed, orders shipped and delivered, changed trades
// imported again.
func scatteredDay(t *testing.T, s *Store) {
	t.Helper()
	var trades []domain.Trade
	for i := range 600 {
		ch := []string{"tb", "jd", "pdd"}[i%3]
		tr := trade(ch, fmt.Sprintf("T%05d", (i*7919)%100000), t0.Add(-time.Duration(i*i%8760)*time.Hour), 1+i%2)
		if i%11 == 0 {
			tr.Buyer = "rare-buyer"
		}
		trades = append(trades, tr)
	}
	mustImport(t, s, trades[:300]...)
	mustImport(t, s, trades[300:]...)
	var conv, rem []domain.Key
	for i, tr := range trades {
		switch i % 4 {
		case 0, 1:
			conv = append(conv, tr.Key)
		case 2:
			rem = append(rem, tr.Key)
		}
	}
	by := Actor{Operator: "t", Role: domain.RoleSupervisor}
	if _, err := s.Convert(conv, t0, by); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(rem[:50], t0, by); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Process(rem[50:100], "sent by hand", t0, by); err != nil {
		t.Fatal(err)
	}
	var nos []uint64
	for no := uint64(1); no <= 120; no += 2 {
		nos = append(nos, no)
	}
	if _, err := s.SetOrderStatus(nos, domain.OrderShipped, t0, by); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOrderStatus(nos[:20], domain.OrderDelivered, t0, by); err != nil {
		t.Fatal(err)
	}
	for i := range trades {
		trades[i].Buyer = "changed-" + trades[i].Buyer
	}
	mustImport(t, s, trades...)
}

// lists reads every window the console would show of s, paging through each list both
// ways, as text to compare.
func lists(t *testing.T, s *Store) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	pools := []PoolQuery{{}, {States: domain.PoolStates}, {States: domain.PoolStates, Desc: true},
		{Channel: "jd", States: domain.PoolStates}, {Sort: SortChannel}, {Words: []string{"rare-buyer"}, States: domain.PoolStates},
		{Words: []string{"changed"}}}
	for qi, q := range pools {
		for _, back := range []bool{false, true} {
			var from Pos
			for page := 0; ; page++ {
				rows, more, err := s.PoolWindow(ctx, q, from, back, 37)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					out = append(out, fmt.Sprintf("pool %d %v: %s %s", qi, back, r.Entry.Key, r.Entry.State))
				}
				if !more || len(rows) == 0 {
					break
				}
				if from = rows[len(rows)-1].Pos; back {
					from = rows[0].Pos
				}
			}
		}
	}
	orders := []OrderQuery{{}, {Statuses: domain.OrderStatuses}, {Statuses: domain.OrderStatuses, Desc: true}, {Words: []string{"rare-buyer"}, Statuses: domain.OrderStatuses}}
	for qi, q := range orders {
		for _, back := range []bool{false, true} {
			var from Pos
			for {
				rows, more, err := s.OrderWindow(ctx, q, from, back, 37)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					out = append(out, fmt.Sprintf("order %d %v: %d %s %s", qi, back, r.Order.No, r.Order.Status, r.Order.Buyer))
				}
				if !more || len(rows) == 0 {
					break
				}
				if from = rows[len(rows)-1].Pos; back {
					from = rows[0].Pos
				}
			}
		}
	}
	c := counts(t, s)
	c.Staged = 0
	out = append(out, fmt.Sprintf("counts %+v", c))
	return out
}

// The same work with every index write staged, and with none, shows the same lists and
// counts; after a fold too, which leaves the staging buckets empty and the file sound.
func TestStagedWritesReadTheSameAsDirect(t *testing.T) {
	direct, staged := openTemp(t), openTemp(t)
	staging(t, false)
	scatteredDay(t, direct)
	if n := counts(t, direct).Staged; n != 0 {
		t.Fatalf("staging off, yet %d rows staged", n)
	}
	want := lists(t, direct)
	staging(t, true)
	scatteredDay(t, staged)
	if n := counts(t, staged).Staged; n < 1000 {
		t.Fatalf("staging on, yet only %d rows staged", n)
	}
	if got := lists(t, staged); !reflect.DeepEqual(got, want) {
		t.Fatal(firstDiff(got, want))
	}
	// ConvertAllReady reads the ready entries through the staging bucket too.
	res, err := staged.ConvertAllReady(t0, Actor{Operator: "t", Role: domain.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := direct.ConvertAllReady(t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if res.Done() == 0 {
		t.Fatal("convert all ready converted nothing")
	}
	want = lists(t, direct)
	if got := lists(t, staged); !reflect.DeepEqual(got, want) {
		t.Fatal("after convert all ready: " + firstDiff(got, want))
	}
	defer func(v int) { foldChunk = v }(foldChunk)
	foldChunk = 100 // several transactions
	moved, err := staged.Fold(context.Background(), Actor{Operator: "t", Role: domain.RoleSupervisor})
	if err != nil || moved < 1000 {
		t.Fatalf("fold moved %d: %v", moved, err)
	}
	if got := lists(t, staged); !reflect.DeepEqual(got, want) {
		t.Fatal("after the fold: " + firstDiff(got, want))
	}
	if n := counts(t, staged).Staged; n != 0 {
		t.Fatalf("after the fold %d rows still counted staged", n)
	}
	staged.db.View(func(tx *bolt.Tx) error {
		for name, r := range stagedIndexes {
			if n := tx.Bucket(r).Stats().KeyN; n != 0 {
				t.Errorf("%s: %d rows left in its staging bucket", name, n)
			}
		}
		for name, r := range hashedRuns {
			if n := tx.Bucket(r).Stats().KeyN; n != 0 {
				t.Errorf("%s: %d runs left after the fold", name, n)
			}
		}
		return nil
	})
	checkFile(t, staged)
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("line %d: got %q, want %q", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(got), len(want))
}

// A store opened with FoldAfter folds by itself once no one has written for that long,
// and a close in the middle leaves a sound file that folds on at the next open.
func TestQuietStoreFoldsByItself(t *testing.T) {
	staging(t, true)
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, Options{FoldAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	scatteredDay(t, s)
	want := lists(t, s)
	if n := counts(t, s).Staged; n == 0 {
		t.Fatal("nothing staged")
	}
	if err := s.Close(); err != nil { // an hour is not over: nothing folded
		t.Fatal(err)
	}
	s, err = Open(path, Options{FoldAfter: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := counts(t, s).Staged; n == 0 {
		t.Fatal("the close folded, or lost, the staged rows")
	}
	deadline := time.Now().Add(10 * time.Second)
	for counts(t, s).Staged != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("still %d rows staged after 10 s of quiet", counts(t, s).Staged)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := lists(t, s); !reflect.DeepEqual(got, want) {
		t.Fatal("after the quiet fold: " + firstDiff(got, want))
	}
	checkFile(t, s)
}

// A fold told after a chunk that it has done enough (a quiet fold when a write came in)
// leaves the rest staged, and lists read the same; told nothing, it folds everything.
func TestFoldStopsAfterAChunkWhenToldEnough(t *testing.T) {
	staging(t, true)
	chunk := foldChunk
	foldChunk = 64
	t.Cleanup(func() { foldChunk = chunk })
	s := openTemp(t)
	scatteredDay(t, s)
	want := lists(t, s)
	keys := stagedKeys(t, s)
	if keys == 0 {
		t.Fatal("no keys staged in runs: the test does not exercise their chunk")
	}
	// The runs of new keys are the first chunk, whole; then a chunk of each index.
	for i, most := range []int{keys, 3 * foldChunk} {
		before := counts(t, s).Staged
		calls := 0
		moved, err := s.fold(context.Background(), func() bool { calls++; return true })
		if err != nil || calls != 1 || moved == 0 || moved > most || (i == 0 && moved != keys) {
			t.Fatalf("fold %d told enough: moved %d in %d chunks (err %v), want one chunk of at most %d", i, moved, calls, err, most)
		}
		if left := counts(t, s).Staged; left == 0 || left != before-int(moved) && i == 0 || left >= before {
			t.Fatalf("%d rows staged after one chunk, %d before: want fewer but some", left, before)
		}
		if got := lists(t, s); !reflect.DeepEqual(got, want) {
			t.Fatalf("after chunk %d: %s", i, firstDiff(got, want))
		}
	}
	if n := stagedKeys(t, s); n != 0 {
		t.Fatalf("%d keys still in runs after their chunk", n)
	}
	if _, err := s.Fold(context.Background(), Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil || counts(t, s).Staged != 0 {
		t.Fatalf("Fold: err %v, %d rows still staged", err, counts(t, s).Staged)
	}
	checkFile(t, s)
}

// stagedKeys is the number of keys in the hashed indexes' staged runs.
func stagedKeys(t *testing.T, s *Store) (n int) {
	t.Helper()
	s.db.View(func(tx *bolt.Tx) error {
		for _, r := range hashedRuns {
			tx.Bucket(r).ForEach(func(k, v []byte) error {
				n += len(v) / runItem
				return nil
			})
		}
		return nil
	})
	return n
}
