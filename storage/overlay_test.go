package storage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// An overlay applies the last write of every key once, in key order, however the writes
// fall into blocks and sorted runs: written in any order, in key order (merged without a
// heap) with a key written twice in a row, also across a block's end, or in key order
// but for one write.
func TestOverlayAppliesLastWriteInKeyOrder(t *testing.T) {
	keyOf := map[string]func(rng *rand.Rand, i, n int) int{
		"any order": func(rng *rand.Rand, i, n int) int { return rng.IntN(n/2 + 1) },
		"key order": func(rng *rand.Rand, i, n int) int { return (i + 1) / 2 },
		"key order but for one": func(rng *rand.Rand, i, n int) int {
			if i == n-blockSize/2 {
				return 0
			}
			return i
		},
	}
	for _, n := range []int{0, 1, 5, blockSize, 2*blockSize + 7, 5*blockSize + 3} {
		for mode, key := range keyOf {
			t.Run(fmt.Sprint(mode, " ", n), func(t *testing.T) {
				testOverlayOrder(t, n, key)
			})
		}
	}
}

func testOverlayOrder(t *testing.T, n int, keyOf func(rng *rand.Rand, i, n int) int) {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	ov := newOverlay(16, true)
	want := map[string]op{}
	for i := range n {
		k := []byte(fmt.Sprintf("k%06d", keyOf(rng, i, n)))
		o := op{key: k, val: []byte(fmt.Sprint(i)), del: rng.IntN(5) == 0}
		ov.add(o)
		want[string(k)] = o
		if got, ok := ov.latestOf(k); !ok || string(got.val) != fmt.Sprint(i) {
			t.Fatalf("latestOf(%s) = %v, want write %d", k, got, i)
		}
	}
	var keys []string
	for _, o := range ov.merged() {
		w := want[string(o.key)]
		if string(o.val) != string(w.val) || o.del != w.del {
			t.Errorf("%s: applied %q del=%v, want the last write %q del=%v", o.key, o.val, o.del, w.val, w.del)
		}
		keys = append(keys, string(o.key))
	}
	if len(keys) != len(want) || !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
		t.Fatalf("applied %d keys (sorted %v), want %d once each in order", len(keys), slices.IsSorted(keys), len(want))
	}
}

// What the arena hands out stays as written, whether it fitted its room or outgrew it.
func TestArenaKeepsWhatFitsAndWhatOutgrows(t *testing.T) {
	var a arena
	var kept [][]byte
	var want []string
	for i := range 3000 {
		s := fmt.Sprint(i, "-", string(make([]byte, i%700)))
		room := 1 + i%5 // often far too small
		kept = append(kept, a.keep(append(a.room(room), s...)))
		want = append(want, s)
	}
	for i := range kept {
		if string(kept[i]) != want[i] {
			t.Fatalf("value %d changed: %q", i, kept[i])
		}
		if cap(kept[i]) != len(kept[i]) && len(kept[i]) <= 1+i%5 {
			t.Fatalf("value %d shares room beyond its end (cap %d)", i, cap(kept[i]))
		}
	}
}

// packable: writes that add keys in a few runs between neighbouring stored keys (or after
// the last) are packed; writes all over the bucket or rewrites of stored keys are not.
func TestPackable(t *testing.T) {
	s := openTemp(t)
	keys := func(format string, from, to, step int) (ops []*op) {
		for i := from; i < to; i += step {
			ops = append(ops, &op{key: []byte(fmt.Sprintf(format, i)), val: []byte("v")})
		}
		return ops
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("test"))
		if err != nil {
			return err
		}
		for _, o := range keys("k%04d", 0, 1000, 10) { // k0000, k0010, … k0990
			if err := b.Put(o.key, o.val); err != nil {
				return err
			}
		}
		for _, c := range []struct {
			name string
			ops  []*op
			want bool
		}{
			{"after the last", keys("k%04d", 1000, 2000, 1), true},
			{"one gap", keys("k0500-%04d", 0, 500, 1), true},
			{"three gaps", append(append(keys("k0100-%04d", 0, 300, 1), keys("k0200-%04d", 0, 300, 1)...), keys("k0900-%04d", 0, 300, 1)...), true},
			{"every gap", keys("k%04d", 1, 1000, 10), false},
			{"rewrites", keys("k%04d", 0, 1000, 10), false},
			{"empty bucket", nil, true},
		} {
			if got := packable(b, c.ops); got != c.want {
				t.Errorf("%s: packable = %v, want %v", c.name, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A commit packs the pages of keys added in one gap full, and leaves room in pages where
// keys went in all over.
func TestCommitPacksRunsOfNewKeys(t *testing.T) {
	fill := func(between func(i, j int) string) float64 {
		s := openTemp(t)
		var fill float64
		err := s.db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket([]byte("test"))
			if err != nil {
				return err
			}
			for i := range 1000 {
				if err := b.Put([]byte(fmt.Sprintf("k%04d", i)), make([]byte, 40)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.db.Update(func(tx *bolt.Tx) error {
			w := newWtx(tx, 1024)
			for i := range 1000 {
				for j := range 20 {
					w.put([]byte("test"), []byte(between(i, j)), make([]byte, 40))
				}
			}
			return w.commit()
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.db.View(func(tx *bolt.Tx) error {
			st := tx.Bucket([]byte("test")).Stats()
			fill = float64(st.LeafInuse) / float64(st.LeafAlloc)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return fill
	}
	if f := fill(func(i, j int) string { return fmt.Sprintf("k0500-%05d", i*20+j) }); f < 0.9 {
		t.Errorf("20,000 keys added in one gap: pages %.0f %% full, want them packed", 100*f)
	}
	if f := fill(func(i, j int) string { return fmt.Sprintf("k%04d-%02d", i, j) }); f > 0.85 {
		t.Errorf("20,000 keys added in every gap: pages %.0f %% full, want room left", 100*f)
	}
}

// The read-back map is made only when a lookup needs it: while writes come in key order,
// a key past the greatest written is unwritten without it. Lookups of keys past, among
// and before the writes, and writes in order, repeated and then out of order (blocks
// sorted in the background meanwhile), all answer as a plain map of the last writes would.
func TestOverlayReadBackWithoutAMapWhileInOrder(t *testing.T) {
	for _, lookupAt := range []int{-1, 0, 5000, 9000} { // when a lookup of a written key first comes (-1: never)
		rng := rand.New(rand.NewPCG(7, uint64(lookupAt+1)))
		ov := newOverlay(16, true)
		want := map[string]op{}
		check := func(k []byte) {
			t.Helper()
			got, ok := ov.latestOf(k)
			w, written := want[string(k)]
			if ok != written || ok && (string(got.val) != string(w.val) || got.del != w.del) {
				t.Fatalf("latestOf(%s) = %v %v, want %v %v", k, got, ok, w, written)
			}
		}
		for i := range 12000 {
			n := i
			if i%7 == 0 && i > 0 {
				n = i - 1 // the same key again
			}
			if i >= 10000 {
				n = rng.IntN(12000) // out of key order from here on
			}
			k := []byte(fmt.Sprintf("k%06d", n))
			o := op{key: k, val: []byte(fmt.Sprint(i)), del: rng.IntN(5) == 0}
			ov.add(o)
			want[string(k)] = o
			check([]byte(fmt.Sprintf("k%06d", n+1+rng.IntN(50)))) // past the writes (in order)
			if i == lookupAt || (lookupAt >= 0 && i > lookupAt && rng.IntN(10) == 0) {
				check([]byte(fmt.Sprintf("k%06d", rng.IntN(n+1)))) // among them
			}
			if i < 10000 && lookupAt < 0 && ov.latest != nil {
				t.Fatalf("write %d: the map was made with every write in order and no lookup among them", i)
			}
		}
		for k := range want {
			check([]byte(k))
		}
		for _, o := range ov.merged() {
			if w := want[string(o.key)]; string(o.val) != string(w.val) || o.del != w.del {
				t.Fatalf("%s: applied %q, want %q", o.key, o.val, w.val)
			}
		}
	}
}
