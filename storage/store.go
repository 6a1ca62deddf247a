// Package storage is the one door to the bbolt file. Bucket tree (each bucket is a line
// of the schema table in schema.go, with its kind: records, index, staged index and its
// staging bucket, hashed index and its runs bucket; the engine reads the table):
//
//	meta                 records: schema → uint64; seq/order → last sales-order number;
//	                       seq/audit; seq/entry → last pool-entry arrival number; seq/outbox
//	counts               records: name → int64 (big-endian), kept up to date in every write
//	                       transaction: pool/<state>, pool/changed, pool/<state>/<channel>,
//	                       order/<status>, order/attention, index/staged, ...
//	pool                 hashed index: slot(2) → packed (hash bits(4) | seq(8)) items: the
//	                       pool's key index, 65,536 slots by the hash of channel 0x00 tradeID
//	                       (hashindex.go)
//	pool.recent            its runs: run(8) → slot(2) | hash bits(4) | value(8) items sorted
//	                       by slot and bits: the keys a big transaction added, run 1 the
//	                       oldest; counted in index/staged, emptied by a fold
//	pool_entries         records (packed full): seq(8) → pool entry (codec.go); seq is the
//	                       entry's arrival number, so new entries append however their trade
//	                       IDs sort (schema 3)
//	pool_by_state        staged index: state(1) | paidAt(8) | channel 0x00 tradeID → seq(8) |
//	                       lower-cased search text
//	pool_by_state.recent   its staging bucket: same keys and values; an empty value deletes
//	                       the index's row (staged.go); counted in index/staged, emptied by a
//	                       fold
//	pool_by_channel      staged index: channel 0x00 | paidAt(8) | tradeID → state(1) | seq(8)
//	pool_by_channel.recent its staging bucket
//	orders               records (packed full, read back in a transaction): no(8) → sales
//	                       order, naming its pool entry by arrival number
//	orders_by_status     staged index: status(1) | shipBy(8) | no(8) → search text (order
//	                       number, trade, tracking, carrier)
//	orders_by_status.recent its staging bucket
//	orders_by_ref        hashed index: slot(2) → packed (hash bits(4) | no(8)) items: orders
//	                       by payment reference, for bulk tracking; by trade ID too in files
//	                       written before trade IDs were found through pool
//	orders_by_ref.recent   its runs, as pool.recent
//	orders_by_tracking   index: tracking number → no(8); a number belongs to one order
//	audit                records (packed full): seq(8) → JSON audit event
//	refunds              records: channel 0x00 refundID → refund request (refunds.go)
//	refunds_by_state     index: state(1) | respondBy(8) | channel 0x00 refundID → search text
//	order_refunds        records: orderNo(8) | seq(4) → a refund given on that order
//	outbox               records: seq(8) → message owed to a buyer or a channel, with
//	                       its state, attempts, next attempt and last error (outbox.go)
//	outbox_by_state      index: state(1) | time(8) | seq(8) → empty: what is due, by state
//	outbox_by_event      index: order(8) | kind 0x00 stage → seq(8): one message per event
//	parcels              records (read back): no(8) → parcel: latest event, stop (parcels.go);
//	                       a feed's new events until the fold (parcels_pending.go)
//	parcel_events        records: no(8) | at(8) | status(1) → carrier event
//	parcels_by_phase     index: phase(1) | since(8) | no(8) → carrier code; counters parcel/<phase>
//	hook_events          records: webhook or feed event id → received(8)
//	undo                 records: seq(8) of an undoable action's audit event → its undo record:
//	                       before-images of what it changed (undo.go)
//
// Every file of schema 4 has every bucket of the table: a fresh file gets them all, and the
// step from an older schema creates the ones it lacks (migrate.go), so no reader checks
// for a missing bucket. A read-only open of an older file upgrades it by a writable open
// first, and is refused, saying why, when that cannot be done.
//
// Counters of the refund queue: refund/<state>, refund/changed, and refunded@<currency>,
// the minor units refunded in that currency.
//
// Times in index keys are Unix seconds with the sign bit flipped, so they sort in time order.
// Public methods open the transaction; private ones take *bbolt.Tx so that a batch, its
// counters and its audit event commit together.
package storage

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	bolterrors "go.etcd.io/bbolt/errors"

	"shipdesk/domain"
)

// SchemaVersion is the layout this build writes. Files of a newer schema are refused;
// files of an older one are upgraded at a writable open (Open).
const SchemaVersion = 10

var (
	// allBuckets is the name of every bucket of the table (schema.go), in its order.
	allBuckets = schema.names()

	kSchema   = []byte("schema")
	kOrderSeq = []byte("seq/order")
	kAuditSeq = []byte("seq/audit")
	kEntrySeq = []byte("seq/entry")
)

// ErrInUse means another process holds the database file.
var ErrInUse = errors.New("database is in use by another shipdesk process")

// ErrNewerSchema means the file was written by a newer shipdesk.
var ErrNewerSchema = errors.New("database was written by a newer shipdesk")

// Options tune Open.
type Options struct {
	ReadOnly   bool
	LockWait   time.Duration // how long to wait for another process's lock; default 1s
	ShipWithin time.Duration // payment to ship-by; default domain.DefaultShipWithin
	NoSync     bool          // skip fsync per commit: only for bulk loads that can be redone
	// FoldAfter, when set, folds the staged index rows (Fold) once this long has passed
	// without a write, in the background: the console and the server set it.
	FoldAfter time.Duration
	// Delivery is the clock rules of delivery statuses and the order rules that follow
	// them (rules 14–15); nil = domain.DefaultDeliverySettings.
	Delivery *domain.DeliverySettings
	// CodeDigits is the length of new voucher codes (6–11; default 10); CodeRand the
	// source they are drawn from (default crypto/rand; tests give a fixed stream).
	CodeDigits int
	CodeRand   io.Reader
}

// Store is an open database.
type Store struct {
	db         *bolt.DB
	path       string
	shipWithin time.Duration
	notify     *domain.NotifyPolicy // when queued messages are due; nil: the default
	delivery   domain.DeliverySettings
	codeDigits int
	codeRand   io.Reader

	mu     sync.Mutex
	subs   map[chan Change]struct{}
	shares int // users besides the opener (Share); the file closes with the last

	quiet quietFold

	backup *BackupStatus // the last scheduled backup (backup.go), guarded by mu
}

// DefaultPath is $XDG_DATA_HOME/shipdesk/shipdesk.db (or ~/.local/share/...).
func DefaultPath() string {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "shipdesk", "shipdesk.db")
}

// Open opens or creates the database at path.
func Open(path string, opt Options) (*Store, error) {
	if opt.LockWait <= 0 {
		opt.LockWait = time.Second
	}
	if !opt.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	// Only a file this open creates, or one bbolt created and nothing wrote to, may be
	// given the schema; any other is checked before bbolt maps it (damaged.go).
	_, statErr := os.Stat(path)
	mayInit := errors.Is(statErr, os.ErrNotExist)
	if !mayInit {
		fc, err := checkFileSize(path)
		for try := 0; err != nil && try < 3; try++ {
			// A writer of another process may be writing a meta page as it is read:
			// damage that is real is still there a moment later.
			time.Sleep(20 * time.Millisecond)
			fc, err = checkFileSize(path)
		}
		if err != nil {
			return nil, err
		}
		mayInit = fc.pristine
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  opt.LockWait,
		ReadOnly: opt.ReadOnly,
		NoSync:   opt.NoSync,
		// A file without a saved free list is walked page by page at every open (seconds
		// at a million orders), so the list is saved except during bulk loads.
		NoFreelistSync: opt.NoSync,
		FreelistType:   bolt.FreelistMapType,
		// Reserve address space up front: each remap as the file grows copies every
		// dirty node of the running transaction, which dominated bulk imports.
		InitialMmapSize: 4 << 30,
		PageSize:        PageSize, // for a new file; an existing one keeps its own
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%s: %w", path, ErrInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{db: db, path: path, shipWithin: opt.ShipWithin, subs: map[chan Change]struct{}{},
		codeDigits: cmp.Or(opt.CodeDigits, domain.DefaultCodeDigits), codeRand: opt.CodeRand, delivery: domain.DefaultDeliverySettings()}
	if opt.Delivery != nil {
		s.delivery = *opt.Delivery
	}
	if s.codeRand == nil {
		s.codeRand = rand.Reader
	}
	s.quiet.after = opt.FoldAfter
	if opt.ReadOnly {
		s.quiet.after = 0
	}
	if err := s.init(opt.ReadOnly, mayInit); err != nil {
		db.Close()
		if errors.Is(err, errOlderSchema) {
			// A file of an older layout is upgraded by one writable open, then opened as
			// asked: a read-only open never migrates, and the code that reads files
			// knows only the current layout (every bucket of the table there). When the
			// file cannot be opened writable (another process reads it, or the file or
			// its folder is read-only), the read-only open is refused, saying why.
			rw := opt
			rw.ReadOnly, rw.FoldAfter = false, 0
			up, uerr := Open(path, rw)
			if uerr != nil {
				return nil, fmt.Errorf("%w; upgrading it needs a writable open, which failed: %w", err, uerr)
			}
			if err := up.Close(); err != nil {
				return nil, err
			}
			return Open(path, opt)
		}
		return nil, err
	}
	if s.quiet.after > 0 {
		if staged, err := s.Staged(); err == nil && staged > 0 {
			s.foldWhenQuiet()
		}
	}
	return s, nil
}

// errOlderSchema means a read-only open found a file that needs migrating first.
var errOlderSchema = errors.New("database was written by an older shipdesk and needs upgrading")

// init checks the file's schema and, writable, brings it to this build's. A file without
// the schema is given it only when mayInit (Open created it, or bbolt did and nothing
// wrote to it since); any other is refused as damaged (an existing file whose state was
// lost must not be quietly made a new, empty database).
func (s *Store) init(readOnly, mayInit bool) error {
	check := func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil || m.Get(kSchema) == nil {
			switch {
			case !mayInit:
				return damaged(s.path, "the file holds no shipdesk schema: it is not a shipdesk database, or its state was lost")
			case readOnly:
				return fmt.Errorf("%s: %w (a new file)", s.path, errOlderSchema)
			}
			return nil
		}
		if v := m.Get(kSchema); len(v) == 8 && binary.BigEndian.Uint64(v) > SchemaVersion {
			return fmt.Errorf("%s: %w (schema %d, this build reads up to %d) — upgrade shipdesk",
				s.path, ErrNewerSchema, binary.BigEndian.Uint64(v), SchemaVersion)
		}
		if v := m.Get(kSchema); readOnly && len(v) == 8 && binary.BigEndian.Uint64(v) < SchemaVersion {
			return fmt.Errorf("%s: %w (schema %d, this build reads %d)", s.path, errOlderSchema, binary.BigEndian.Uint64(v), SchemaVersion)
		}
		return nil
	}
	if readOnly {
		return s.db.View(check)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		if err := createBuckets(tx); err != nil {
			return err
		}
		m := tx.Bucket(bMeta)
		if m.Get(kSchema) == nil {
			return m.Put(kSchema, u64(SchemaVersion))
		}
		if err := migrate(tx, binary.BigEndian.Uint64(m.Get(kSchema))); err != nil {
			return err
		}
		return fileShippedParcels(tx)
	})
}

// Share hands the open store to one more user, whose Close only ends that use: the file
// closes when the opener and every sharer have closed it. A server shares its store with
// each command a session runs.
func (s *Store) Share() *Store {
	s.mu.Lock()
	s.shares++
	s.mu.Unlock()
	return s
}

// Close releases the file, or one share of it.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.shares > 0 {
		s.shares--
		s.mu.Unlock()
		return nil
	}
	for ch := range s.subs {
		close(ch)
		delete(s.subs, ch)
	}
	s.mu.Unlock()
	s.stopFolding()
	return s.db.Close()
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Change says what a committed write touched, for live views.
type Change struct {
	Kind string // "import", "convert", "remove", "process", "order"
	N    int    // how many objects
}

// Subscribe returns a channel that receives a Change after each commit, and a cancel func.
// A slow subscriber misses intermediate changes, never blocks writers.
func (s *Store) Subscribe() (<-chan Change, func()) {
	ch := make(chan Change, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		if _, ok := s.subs[ch]; ok {
			delete(s.subs, ch)
			close(ch)
		}
		s.mu.Unlock()
	}
}

func (s *Store) publish(c Change) {
	s.foldWhenQuiet()
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- c:
		default:
		}
	}
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func nextSeq(tx *bolt.Tx, key []byte) (uint64, error) {
	m := tx.Bucket(bMeta)
	var n uint64
	if v := m.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	return n, m.Put(key, u64(n))
}

// timeKey encodes a time so that byte order is time order (second resolution).
func timeKey(dst []byte, t time.Time) []byte {
	var v uint64
	if !t.IsZero() {
		v = uint64(t.Unix()) ^ (1 << 63)
	}
	return binary.BigEndian.AppendUint64(dst, v)
}

// Sync flushes the file to disk; for stores opened with NoSync.
func (s *Store) Sync() error { return s.db.Sync() }

// PageSize is the page size of a new database file. A commit writes every page it
// changed with a write call of its own, so larger pages mean fewer calls and fewer
// nodes for the bulk writes (imports, conversions) whose new keys land together, at the
// cost of more bytes for a change that touches one row of a page; 16 KB measured better
// than the system's 4 KB (README, Performance).
const PageSize = 16 << 10

// CompactTo writes a packed copy of the database to dst (which must not exist): no free
// pages, full pages, the free list saved, pages of PageSize. `shipdesk demo` writes this
// way.
func (s *Store) CompactTo(dst string) error {
	out, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType, PageSize: PageSize})
	if err != nil {
		return err
	}
	if err := bolt.Compact(out, s.db, 64<<20); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
