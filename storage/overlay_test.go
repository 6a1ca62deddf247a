package storage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// An overlay applies the last write of every key once, in key order, however the writes
// fall into blocks and sorted runs.
func TestOverlayAppliesLastWriteInKeyOrder(t *testing.T) {
	for _, n := range []int{0, 1, 5, blockSize, 2*blockSize + 7, 5*blockSize + 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(n)))
			ov := newOverlay(16, true)
			want := map[string]op{}
			for i := range n {
				k := []byte(fmt.Sprintf("k%06d", rng.IntN(n/2+1)))
				o := op{key: k, val: []byte(fmt.Sprint(i)), del: rng.IntN(5) == 0}
				ov.add(o)
				want[string(k)] = o
				if got, ok := ov.latestOf(k); !ok || string(got.val) != fmt.Sprint(i) {
					t.Fatalf("latestOf(%s) = %v, want write %d", k, got, i)
				}
			}
			var keys []string
			var firstKey []byte
			err := applyMerged(ov.merged(), func(k []byte) { firstKey = k }, func(o *op) error {
				w := want[string(o.key)]
				if string(o.val) != string(w.val) || o.del != w.del {
					t.Errorf("%s: applied %q del=%v, want the last write %q del=%v", o.key, o.val, o.del, w.val, w.del)
				}
				keys = append(keys, string(o.key))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != len(want) || !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
				t.Fatalf("applied %d keys (sorted %v), want %d once each in order", len(keys), slices.IsSorted(keys), len(want))
			}
			if len(keys) > 0 && string(firstKey) != keys[0] {
				t.Errorf("first = %s, want %s", firstKey, keys[0])
			}
		})
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
