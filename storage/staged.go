package storage

import (
	"bytes"
	"context"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// The time-ordered indexes (the pool's by state and by channel, the orders' by status)
// take the rows of a day's work at their ends, but a backfill of history or a conversion
// of entries paid all over the year changes single rows on nearly every page of them, and
// bbolt rewrites every page it touches whole. Such scattered writes go to a staging
// bucket beside the index instead (its ".recent" bucket): a small tree, so the same rows
// touch few pages. Every reader merges the index with its staging bucket, where a row
// overrides the index's row of the same key and an empty value deletes it. Later, at a
// quiet moment (Fold), the staged rows are moved into the index in key order, a chunk at
// a time: one pass over the index's pages for all the scattered writes gathered since.
//
// A feed's carrier events wait in their parcel records instead (parcels_pending.go), and
// the fold files them in parcel_events too.
//
// The staged buckets and their staging buckets are the kindStaged lines of the schema
// table (schema.go).

// kStaged counts the rows written to the staging buckets since they were last emptied.
const kStaged = "index/staged"

var (
	// stageFrom is the fewest writes to one index in a commit that are staged; fewer
	// touch a few pages anyway. A variable for tests.
	stageFrom = 1024
	// stageCap bounds the staged rows: past it, writes go to the indexes as before,
	// until a fold empties the staging buckets. Room for a feed of a million carrier
	// events beside an import's index rows. A variable for tests.
	stageCap int64 = 1 << 22
)

// tombstone is the value of a staged deletion: no index row has an empty value.
var tombstone = []byte{}

// index is an index, its staging bucket (stage; nil for an index without one) and that
// bucket again as recent when it has rows (else nil: readers skip it).
type index struct{ main, stage, recent *bolt.Bucket }

func openIndex(tx *bolt.Tx, name []byte) index {
	ix := index{main: tx.Bucket(name)}
	if rn := sideOf(name, kindStaged); rn != nil {
		if ix.stage = tx.Bucket(rn); ix.stage != nil {
			if k, _ := ix.stage.Cursor().First(); k != nil {
				ix.recent = ix.stage
			}
		}
	}
	return ix
}

// cursor reads an index merged with its staging bucket, in one direction from a seek.
// k and v are the current row (k nil at the end).
type cursor struct {
	m, r           *bolt.Cursor // r nil when nothing is staged
	mk, mv, rk, rv []byte
	back           bool
	k, v           []byte
	from           int8 // where k came from: 1 the index, 2 the staging bucket, 3 both
}

func (ix index) cursor() *cursor {
	c := &cursor{m: ix.main.Cursor()}
	if ix.recent != nil {
		c.r = ix.recent.Cursor()
	}
	return c
}

// seek moves to the first row at or after key (forward), or the last row before key
// (back; the last row of all when key is nil).
func (c *cursor) seek(key []byte, back bool) {
	c.back = back
	c.mk, c.mv = seekOne(c.m, key, back)
	if c.r != nil {
		c.rk, c.rv = seekOne(c.r, key, back)
	}
	c.settle()
}

func seekOne(c *bolt.Cursor, key []byte, back bool) ([]byte, []byte) {
	switch {
	case !back:
		return c.Seek(key)
	case key == nil:
		return c.Last()
	}
	if k, _ := c.Seek(key); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// next moves one row on in the cursor's direction.
func (c *cursor) next() {
	if c.from&1 != 0 {
		c.mk, c.mv = step(c.m, c.back)
	}
	if c.from&2 != 0 {
		c.rk, c.rv = step(c.r, c.back)
	}
	c.settle()
}

func step(c *bolt.Cursor, back bool) ([]byte, []byte) {
	if back {
		return c.Prev()
	}
	return c.Next()
}

// settle makes k, v the row that comes first of the two heads, skipping staged deletions.
func (c *cursor) settle() {
	for {
		if c.rk == nil {
			c.k, c.v, c.from = c.mk, c.mv, 1
			return
		}
		order := 1 // > 0: the staged row comes first
		if c.mk != nil {
			if order = bytes.Compare(c.mk, c.rk); c.back {
				order = -order
			}
		}
		switch {
		case order < 0:
			c.k, c.v, c.from = c.mk, c.mv, 1
			return
		case order == 0:
			c.from = 3
		default:
			c.from = 2
		}
		if len(c.rv) > 0 {
			c.k, c.v = c.rk, c.rv
			return
		}
		// A staged deletion: step past it and the row it deletes.
		if c.from == 3 {
			c.mk, c.mv = step(c.m, c.back)
		}
		c.rk, c.rv = step(c.r, c.back)
	}
}

// applyIndex writes one time-ordered index's pending writes (in key order): to its
// staging bucket when they are many and scattered and the staging bucket has room
// (staged, the rows written there, is counted in total), else into the index, dropping
// any staged row of the keys written.
func applyIndex(ix index, ops []*op, total *int64) error {
	if len(ops) >= stageFrom && *total+int64(len(ops)) <= stageCap && !packable(ix.main, ops) {
		*total += int64(len(ops))
		// Staged rows mostly arrive into an empty bucket or after its last row: packed then.
		return writeSorted(ix.stage, ops, 0.7, true)
	}
	if ix.recent != nil {
		for _, k := range stagedAmong(ix.recent, ops) {
			if err := ix.recent.Delete(k); err != nil {
				return err
			}
		}
	}
	return writeSorted(ix.main, ops, 0.7, false)
}

// stagedAmong is the keys of ops (in key order) that have a staged row: a walk of both in
// step, seeking past the runs of either that the other lacks.
func stagedAmong(r *bolt.Bucket, ops []*op) [][]byte {
	var found [][]byte
	c := r.Cursor()
	k, _ := c.Seek(ops[0].key)
	for i := 0; i < len(ops) && k != nil; {
		switch order := bytes.Compare(k, ops[i].key); {
		case order == 0:
			found = append(found, ops[i].key)
			i++
			k, _ = c.Next()
		case order < 0:
			k, _ = c.Seek(ops[i].key)
		default:
			rest := ops[i:]
			i += sort.Search(len(rest), func(j int) bool { return bytes.Compare(rest[j].key, k) >= 0 })
		}
	}
	return found
}

// foldChunk is the number of staged rows of one index a fold moves per transaction.
var foldChunk = 16384 // a variable for tests

// Fold moves the staged index rows into their indexes, in key order, foldChunk rows of
// each index per transaction so that other writers wait at most one chunk. It stops
// between chunks when ctx is done, and returns how many rows it moved. What readers see
// does not change.
func (s *Store) Fold(ctx context.Context, by Actor) (moved int, err error) {
	if err := by.may(domain.ActionFold); err != nil {
		return 0, err
	}
	return s.fold(ctx, func() bool { return false })
}

// fold folds chunk by chunk until nothing is staged, ctx is done (its error returned),
// or enough says, after a chunk, to leave the rest for later.
func (s *Store) fold(ctx context.Context, enough func() bool) (moved int, err error) {
	var from uint64 // the parcel record the next chunk's pending events start at
	for ctx.Err() == nil {
		n, more := 0, false
		err := s.db.Update(func(tx *bolt.Tx) error {
			var err error
			n, more, err = foldOnce(tx, foldChunk, &from)
			return err
		})
		moved += n
		if err != nil || !more || enough() {
			return moved, err
		}
	}
	return moved, ctx.Err()
}

// foldOnce moves up to limit staged rows of each index into it, and about limit pending
// carrier events from the parcel record *from on (moving *from past them); more says
// whether rows are left.
// The staged runs of the hashed indexes (hashindex.go) are a chunk of their own, first.
func foldOnce(tx *bolt.Tx, limit int, from *uint64) (moved int, more bool, err error) {
	for _, sp := range schema.hashed {
		n, err := foldRuns(tx.Bucket(sp.name), tx.Bucket(sp.side.name), string(sp.name))
		if err != nil {
			return 0, false, err
		}
		moved += n
	}
	runs := moved > 0
	for _, sp := range schema.staged {
		r := tx.Bucket(sp.side.name)
		if runs { // this chunk was the runs': the staged rows wait for the next
			if r != nil {
				if k, _ := r.Cursor().First(); k != nil {
					more = true
				}
			}
			continue
		}
		done, left, err := foldIndex(tx.Bucket(sp.name), r, limit)
		if err != nil {
			return 0, false, err
		}
		moved += done
		more = more || left > 0
	}
	// The carrier events waiting in their parcel records (parcels_pending.go).
	if runs {
		more = true
	} else {
		done, next, left, err := foldPending(tx, limit, *from)
		if err != nil {
			return 0, false, err
		}
		moved += done
		more, *from = more || left, next
	}
	counts := tx.Bucket(bCounts)
	if !more {
		return moved, false, counts.Delete([]byte(kStaged))
	}
	n := max(counter(tx, kStaged)-int64(moved), 1)
	return moved, true, counts.Put([]byte(kStaged), u64(uint64(n)))
}

// foldIndex moves the first limit rows of staging bucket r into index m; left says
// whether r has rows after them.
func foldIndex(m, r *bolt.Bucket, limit int) (moved int, left int, err error) {
	if r == nil {
		return 0, 0, nil
	}
	var (
		ops []*op
		a   arena
	)
	c := r.Cursor()
	k, v := c.First()
	for ; k != nil && len(ops) < limit; k, v = c.Next() {
		o := &op{key: a.keep(append(a.room(len(k)), k...)), del: len(v) == 0}
		if !o.del {
			o.val = a.keep(append(a.room(len(v)), v...))
		}
		ops = append(ops, o)
	}
	if k != nil {
		left = 1
	}
	if err := writeSorted(m, ops, 0.7, false); err != nil {
		return 0, 0, err
	}
	for _, o := range ops {
		if err := r.Delete(o.key); err != nil {
			return 0, 0, err
		}
	}
	return len(ops), left, nil
}

// Staged is the number of rows written to the staging buckets since they were last
// emptied (status shows it).
func (s *Store) Staged() (n int64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		n = counter(tx, kStaged)
		return nil
	})
	return n, err
}

// quietFold folds the staged rows in the background once the store has had no write for
// a while (Options.FoldAfter): a write re-arms the timer, and a fold under way stops
// after its chunk when a write has come meanwhile, to go on at the next quiet moment.
type quietFold struct {
	after time.Duration

	mu      sync.Mutex
	timer   *time.Timer
	writes  uint64 // writes published, to notice one during a fold
	closed  bool
	running sync.WaitGroup
	cancel  context.CancelFunc
	ctx     context.Context
}

// foldWhenQuiet (re)arms the quiet timer after a write.
func (s *Store) foldWhenQuiet() {
	q := &s.quiet
	if q.after <= 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.writes++
	if q.timer == nil {
		q.ctx, q.cancel = context.WithCancel(context.Background())
		q.timer = time.AfterFunc(q.after, s.foldQuietly)
		return
	}
	q.timer.Reset(q.after)
}

// foldQuietly folds chunk by chunk until nothing is staged, the store closes or a write
// comes in between.
func (s *Store) foldQuietly() {
	q := &s.quiet
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.running.Add(1)
	writes, ctx := q.writes, q.ctx
	q.mu.Unlock()
	defer q.running.Done()
	s.fold(ctx, func() bool { // a write came: it re-armed the timer
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.writes != writes
	})
}

// stopFolding ends the background folding before the file closes: a chunk under way
// finishes (its transaction commits or not, whole).
func (s *Store) stopFolding() {
	q := &s.quiet
	q.mu.Lock()
	q.closed = true
	if q.timer != nil {
		q.timer.Stop()
		q.cancel()
	}
	q.mu.Unlock()
	q.running.Wait()
}
