package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
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

// applyBucket writes a bucket anew when a transaction's writes are half again as many as
// its rows or more, and in place otherwise: either way the bucket then holds exactly the
// stored rows with the writes applied (puts, rewrites, deletions, keys before, among and
// after the stored ones), its sequence kept, and the file is sound.
func TestApplyBucketWritesMostRowsAnew(t *testing.T) {
	for _, c := range []struct {
		name    string
		stored  int  // rows before, keys 10, 20, 30 …
		beside  bool // a new key written beside each stored one written
		anew    bool
		nesting bool // the bucket holds a nested bucket: never written anew
	}{
		{"rows moved", rewriteFrom, true, true, false},
		{"rows rewritten in place", rewriteFrom, false, false, false},
		{"few rows written", 3 * rewriteFrom, true, false, false},
		{"nested bucket", rewriteFrom, true, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openTemp(t)
			name := []byte("rewrite_test")
			want := map[uint64]string{}
			err := s.db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket(name)
				if err != nil {
					return err
				}
				for i := 1; i <= c.stored; i++ {
					want[uint64(i*10)] = fmt.Sprint("stored ", i)
					if err := b.Put(u64(uint64(i*10)), []byte(want[uint64(i*10)])); err != nil {
						return err
					}
				}
				if c.nesting {
					if _, err := b.CreateBucket([]byte{0xff}); err != nil {
						return err
					}
				}
				return b.SetSequence(42)
			})
			if err != nil {
				t.Fatal(err)
			}
			// Writes in key order: a key before every stored one, then for each of the
			// first rewriteFrom stored keys a deletion (every third), a rewrite (the
			// others), and a new key beside it (beside); then keys after the last.
			var ops []*op
			write := func(k uint64, del bool, v string) {
				ops = append(ops, &op{key: u64(k), val: []byte(v), del: del})
				if del {
					delete(want, k)
				} else {
					want[k] = v
				}
			}
			write(1, false, "first")
			for i := 1; i <= rewriteFrom; i++ {
				k := uint64(i * 10)
				write(k, i%3 == 0, fmt.Sprint("rewritten ", i))
				if c.beside {
					write(k+5, false, fmt.Sprint("new ", i))
				}
			}
			for i := range 10 {
				write(uint64(c.stored*10+100+i), false, "after")
			}
			write(uint64(c.stored*10+7), true, "") // deleting a key that is not there
			slices.SortFunc(ops, func(a, b *op) int { return bytes.Compare(a.key, b.key) })

			err = s.db.Update(func(tx *bolt.Tx) error {
				if err := applyBucket(tx, string(name), ops); err != nil {
					return err
				}
				if anew := tx.Bucket(name).Root() == 0; anew != c.anew {
					t.Errorf("written anew: %v, want %v", anew, c.anew)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, s)
			err = s.db.View(func(tx *bolt.Tx) error {
				b := tx.Bucket(name)
				if b.Sequence() != 42 {
					t.Errorf("sequence %d, want 42", b.Sequence())
				}
				n := 0
				err := b.ForEach(func(k, v []byte) error {
					if v == nil {
						return nil // the nested bucket
					}
					n++
					if got, w := string(v), want[binary.BigEndian.Uint64(k)]; got != w {
						return fmt.Errorf("key %d: %q, want %q", binary.BigEndian.Uint64(k), got, w)
					}
					return nil
				})
				if err == nil && n != len(want) {
					err = fmt.Errorf("%d rows, want %d", n, len(want))
				}
				if c.nesting && b.Bucket([]byte{0xff}) == nil {
					err = fmt.Errorf("the nested bucket is gone")
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
