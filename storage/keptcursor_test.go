package storage

import (
	"encoding/binary"
	"math/rand/v2"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A transaction reading ahead finds what a seek finds, whatever order its keys come in:
// ascending a row or a hundred rows on, backwards, missing keys, past the end.
func TestReadAheadFindsWhatASeekFinds(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "a.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := func(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 10_000; i += 2 { // even keys only
			if err := b.Put(key(i), key(i*3)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var lookups []int
	for i := 0; i < 3000; i++ {
		switch r.IntN(4) {
		case 0:
			lookups = append(lookups, i*3) // ascending, a few rows on
		case 1:
			lookups = append(lookups, r.IntN(10_050)) // anywhere, past the end too
		case 2:
			lookups = append(lookups, i*3+1) // a missing (odd) key
		default:
			lookups = append(lookups, i*3+r.IntN(200)) // up to a hundred rows on
		}
	}
	err = db.View(func(tx *bolt.Tx) error {
		w := newWtx(tx, 0)
		w.readAhead([]byte("b"))
		plain := tx.Bucket([]byte("b"))
		for _, i := range lookups {
			got := w.stored([]byte("b"), key(i))
			want := plain.Get(key(i))
			if string(got) != string(want) {
				t.Fatalf("key %d: read ahead %x, a seek %x", i, got, want)
			}
		}
		if !w.cursors["b"].ahead {
			t.Fatal("the cursor does not read ahead")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
