package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// digest is the SHA-256 of a snapshot of s without its schema version and its undo
// records (new since the build the digests are of): the file's contents, bucket by bucket
// and row by row.
func digest(t *testing.T, s *Store) string {
	t.Helper()
	h := sha256.New()
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			if string(name) == string(bUndo) {
				return nil
			}
			return bk.ForEach(func(k, v []byte) error {
				if string(name) != string(bMeta) || string(k) != "schema" {
					h.Write([]byte(string(name) + "|" + string(k) + "|" + string(v) + "\n"))
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// snapshotWithout is snapshot without the rows of bucket skip.
func snapshotWithout(t *testing.T, s *Store, skip []byte) string {
	t.Helper()
	var b strings.Builder
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			if string(name) == string(skip) {
				return nil
			}
			return bk.ForEach(func(k, v []byte) error {
				b.WriteString(string(name) + "|" + string(k) + "|" + string(v) + "\n")
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The import, conversion, removal and fold paths write, row for row, the files the build
// before the schema table and the single-goroutine bbolt use wrote (the digests are
// that build's): a day of work with everything written straight into the indexes, then
// with every write staged (rows in the staging buckets, keys as runs), then that file
// folded.
func TestWritesTheFilesTheEarlierBuildWrote(t *testing.T) {
	const (
		straight = "bc80ed66568466a2cf1ea95b05d510fa0946f8c9fc02edc4156c8be661483599"
		staged   = "a0c6878575650b4dc61309d309b4936dc05835b5140afef153488b4db704cbd5"
		folded   = "88cf0d03d472d23a3ee53dc4ae93d1d10ec5af29c19dc69d870f2d9e152b7231"
	)
	s := openTemp(t)
	importDay(t, s)
	if got := digest(t, s); got != straight {
		t.Errorf("a day written straight: digest %s, want %s", got, straight)
	}
	from, limit, runs, whole := stageFrom, stageCap, runFrom, wholeSlotsFrom
	t.Cleanup(func() { stageFrom, stageCap, runFrom, wholeSlotsFrom = from, limit, runs, whole })
	// Slots read in one pass (as a big import reads them) write the same file.
	stageFrom, stageCap, runFrom, wholeSlotsFrom = 1, 1<<40, 1, 0
	s = openTemp(t)
	importDay(t, s)
	if got := digest(t, s); got != staged {
		t.Errorf("a day staged: digest %s, want %s", got, staged)
	}
	if _, err := s.Fold(t.Context(), Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if got := digest(t, s); got != folded {
		t.Errorf("the staged day folded: digest %s, want %s", got, folded)
	}
}
