package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// ImportResult counts what an import did, one outcome per trade.
type ImportResult struct {
	New        int `json:"new"`
	Updated    int `json:"updated"`
	Unchanged  int `json:"unchanged"`
	Readded    int `json:"readded"`
	Suppressed int `json:"suppressed"`
	Skipped    int `json:"skipped"`
	Flagged    int `json:"flagged"` // converted trades now cancelled: their orders need attention
}

// Import applies trades to the pool in one transaction (SPEC §3 rules 1–4): all or nothing.
func (s *Store) Import(trades []domain.Trade, now time.Time, by Actor) (ImportResult, error) {
	return s.ImportFrom(func(add func([]domain.Trade) error) error { return add(trades) }, now, by)
}

// ImportFrom runs one import transaction fed while it is open: feed calls add with
// batches of trades in file order (parsing can overlap writing), and returns an error to
// roll everything back — a bad line late in a file still leaves the database as it was.
// feed calls add on its own goroutine (the one ImportFrom calls it on), never on another:
// add reads and writes the transaction.
// A key given twice counts once, with its last content, as if the files held only that.
// The audit event lists the entries the import changed (updated, re-added, orders
// flagged) with their fields before → after; new entries are counted, not listed.
func (s *Store) ImportFrom(feed func(add func([]domain.Trade) error) error, now time.Time, by Actor) (ImportResult, error) {
	return s.ImportFromSized(feed, 0, now, by)
}

// ImportFromSized is ImportFrom told about how many trades to expect (0: unknown), so the
// transaction's tables are made that size once instead of growing through it.
func (s *Store) ImportFromSized(feed func(add func([]domain.Trade) error) error, expect int, now time.Time, by Actor) (ImportResult, error) {
	var res ImportResult
	if err := by.may(domain.ActionImport); err != nil {
		return res, err
	}
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		res, n = ImportResult{}, 0
		w := newWtx(tx, max(1024, min(expect, 1<<20)))
		seen := make(map[domain.Key]importSeen, min(expect, 1<<20))
		w.fresh = make([][]byte, 0, min(expect, 1<<20))
		p := w.startImport(now, by, func(t *domain.Trade, pre *storedEntry) error {
			return w.importOne(t, pre, now, by, &res, seen)
		})
		err := feed(func(trades []domain.Trade) error {
			n += len(trades)
			return p.add(trades)
		})
		if err := p.finish(err); err != nil {
			return err
		}
		if err := w.trailImport(seen); err != nil {
			return err
		}
		if err := w.audit(AuditEvent{At: now, Action: string(domain.ActionImport), Detail: map[string]string{
			"trades": strconv.Itoa(n), "new": strconv.Itoa(res.New), "updated": strconv.Itoa(res.Updated),
			"readded": strconv.Itoa(res.Readded), "suppressed": strconv.Itoa(res.Suppressed),
			"skipped": strconv.Itoa(res.Skipped), "flagged": strconv.Itoa(res.Flagged),
		}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return ImportResult{}, err
	}
	s.publish(Change{Kind: "import", N: n})
	return res, nil
}

// importSeen remembers, for a key already imported in this transaction, the entry as it
// was before the import and the outcome counted for it.
type importSeen struct {
	before  *domain.PoolEntry
	outcome domain.ImportOutcome
}

// importOne applies trade t, whose entry as stored (before this transaction) pre holds.
func (w *wtx) importOne(t *domain.Trade, pre *storedEntry, now time.Time, by Actor, res *ImportResult, seen map[domain.Key]importSeen) error {
	prev, again := seen[t.Key]
	if pre.fresh && !again { // new, and made ready while the trades before it were applied
		seen[t.Key] = importSeen{outcome: domain.ImportNew}
		res.count(domain.ImportNew, 1)
		w.placeNew(pre.state, t.Channel, pre.n)
		return nil
	}
	cur, seq := pre.entry, pre.seq
	if pre.err != nil && !again {
		return fmt.Errorf("%s: %w", t.Key, pre.err)
	}
	if again { // this transaction changed it: read it through the transaction
		var err error
		if cur, err = w.getEntry(t.Key); err != nil {
			return fmt.Errorf("%s: %w", t.Key, err)
		}
		seq = nil
	}
	before := cur
	if again {
		before = prev.before
		res.count(prev.outcome, -1)
	}
	next, outcome, attention := domain.ApplyImport(before, *t, now)
	seen[t.Key] = importSeen{before: before, outcome: outcome}
	res.count(outcome, 1)
	switch outcome {
	case domain.ImportSkipped:
		if attention {
			flagged, err := w.flagOrder(t)
			if flagged {
				res.Flagged++
			}
			return err
		}
		return nil
	case domain.ImportSuppressed:
		return nil
	case domain.ImportUnchanged:
		if cur == before {
			return nil
		}
	}
	if before == nil || next.State != before.State {
		next.StateBy, next.StateAt = by.Operator, now
	}
	return w.putEntryAt(cur, &next, seq)
}

// An import runs in three stages at once, on both cores: the file's lines are parsed
// (domain.ScanJSONL's workers); each batch's keys are looked up as stored before the
// transaction and the trades applied in file order, both on the goroutine that owns the
// transaction (the one feed calls add on); and between the two, a preparing goroutine
// decodes the stored entries the lookups found and makes the new entries ready to write
// (record, index rows). The preparing goroutine makes no bbolt call: it reads the
// records' bytes, which stay as they are until the commit writes into bbolt (the writes
// wait in the overlay until then), and it is done before the commit starts.
type importPipe struct {
	now   time.Time
	by    Actor
	get   func(bucket, key []byte) []byte // reads as stored; the owning goroutine only
	pk    []byte
	apply func(*domain.Trade, *storedEntry) error

	looked   chan *importJob // to the preparing goroutine
	ready    chan *importJob // back from it, in the order sent
	free     chan *importJob
	inflight int   // jobs sent and not yet applied
	err      error // the first trade that did not apply
}

// importJob is a batch of trades and their entries as stored.
type importJob struct {
	trades []domain.Trade
	pre    []storedEntry
}

// storedEntry is a pool entry as stored before the transaction: its arrival number and
// record (nils if new), then, once prepared, the entry decoded or the error decoding it.
// For a key not stored (fresh) it is the new entry the trade makes, ready to write
// (state, record, rows).
type storedEntry struct {
	seq, rec []byte
	entry    *domain.PoolEntry
	err      error
	fresh    bool
	state    domain.PoolState
	n        newEntry
}

// prepareNewEntries has the preparing goroutine make the new entries ready to write; tests
// turn it off to check that the owning goroutine writes the same without.
var prepareNewEntries = true

// importBatch is the most trades looked up before they are handed on, so a caller's one
// large batch is still worked on in stages; importAhead is the most batches between
// lookup and apply.
const (
	importBatch = 1024
	importAhead = 8
)

var errImportStopped = errors.New("import stopped")

// startImport starts the preparing goroutine; add looks trades up and applies the batches
// prepared so far, calling apply for each trade in order, and finish applies the rest.
// Both must be called on the goroutine that owns w.tx.
func (w *wtx) startImport(now time.Time, by Actor, apply func(*domain.Trade, *storedEntry) error) *importPipe {
	p := &importPipe{now: now, by: by, apply: apply,
		looked: make(chan *importJob, importAhead), ready: make(chan *importJob, importAhead), free: make(chan *importJob, importAhead+2)}
	p.get = w.storedGetter()
	go p.prepare()
	return p
}

// storedGetter reads the buckets as stored before the transaction (none of its writes),
// opening each bucket once: a hashed index from the slots its view read in one pass when
// it did (else from bbolt) and its runs from that view.
func (w *wtx) storedGetter() func(bucket, key []byte) []byte {
	open := make([]*bolt.Bucket, len(schema.all))
	views := make([]*hashed, len(schema.all))
	return func(bucket, key []byte) []byte {
		sp := schema.spec(bucket)
		if sp == nil {
			return nil
		}
		switch sp.kind {
		case kindHashed:
			if views[sp.id] == nil {
				views[sp.id] = w.hashedIndex(sp.name)
			}
			if h := views[sp.id]; h.stored != nil && len(key) == 2 {
				return h.stored[binary.BigEndian.Uint16(key)]
			}
		case kindRuns:
			if views[sp.id] == nil {
				views[sp.id] = w.hashedIndex(sp.side.name)
			}
			return views[sp.id].runOrSeen(key)
		}
		if open[sp.id] == nil {
			open[sp.id] = w.tx.Bucket(sp.name)
		}
		return open[sp.id].Get(key)
	}
}

// prepare (the preparing goroutine) decodes the entries found and makes the new ones
// ready to write, batch by batch, touching only the jobs' own memory and its arena.
func (p *importPipe) prepare() {
	defer close(p.ready)
	var a arena
	for j := range p.looked {
		for i := range j.pre {
			pre := &j.pre[i]
			switch {
			case pre.rec != nil:
				e, err := decodeEntry(pre.rec)
				pre.entry, pre.err = &e, err
			case prepareNewEntries:
				next, _, _ := domain.ApplyImport(nil, j.trades[i], p.now)
				next.StateBy, next.StateAt = p.by.Operator, p.now
				pre.fresh, pre.state, pre.n = true, next.State, prepareNew(&a, &next)
			}
		}
		p.ready <- j
	}
}

// add looks trades up as stored, hands them to the preparing goroutine, and applies the
// batches it has made ready.
func (p *importPipe) add(trades []domain.Trade) error {
	for len(trades) > 0 {
		if p.err != nil {
			return errImportStopped
		}
		var j *importJob
		select {
		case j = <-p.free:
		default:
			j = &importJob{}
		}
		batch := trades[:min(len(trades), importBatch)]
		trades = trades[len(batch):]
		j.trades = append(j.trades[:0], batch...)
		j.pre = slices.Grow(j.pre[:0], len(batch))[:len(batch)]
		for i := range j.trades {
			p.pk = poolKey(p.pk, j.trades[i].Key)
			seq, rec := findEntry(p.get, p.pk)
			j.pre[i] = storedEntry{seq: seq, rec: rec}
		}
		if p.inflight == importAhead {
			p.applyJob(<-p.ready)
		}
		p.looked <- j // never waits: at most importAhead jobs are out
		p.inflight++
		for more := true; more; {
			select {
			case j := <-p.ready:
				p.applyJob(j)
			default:
				more = false
			}
		}
	}
	return nil
}

// applyJob applies a prepared batch's trades in order, unless one failed before.
func (p *importPipe) applyJob(j *importJob) {
	p.inflight--
	for i := range j.trades {
		if p.err != nil {
			break
		}
		p.err = p.apply(&j.trades[i], &j.pre[i])
	}
	select {
	case p.free <- j:
	default:
	}
}

// finish applies the batches still out and ends the preparing goroutine; err is the
// feed's.
func (p *importPipe) finish(err error) error {
	close(p.looked)
	for j := range p.ready {
		p.applyJob(j)
	}
	if p.err != nil {
		return p.err
	}
	return err
}

// trailImport lists, once per key and in key order, the entries the import changed
// with their fields as they were before it and as it leaves them.
func (w *wtx) trailImport(seen map[domain.Key]importSeen) error {
	var keys []domain.Key
	for k, sn := range seen {
		if sn.outcome == domain.ImportUpdated || sn.outcome == domain.ImportReadded {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b domain.Key) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		after, err := w.getEntry(k)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		w.changed(k.String(), domain.DiffEntry(seen[k].before, after)...)
	}
	return nil
}

func (r *ImportResult) count(o domain.ImportOutcome, d int) {
	switch o {
	case domain.ImportNew:
		r.New += d
	case domain.ImportUpdated:
		r.Updated += d
	case domain.ImportUnchanged:
		r.Unchanged += d
	case domain.ImportReadded:
		r.Readded += d
	case domain.ImportSuppressed:
		r.Suppressed += d
	case domain.ImportSkipped:
		r.Skipped += d
	}
}

// flagOrder marks the sales order of a trade cancelled after conversion; it reports
// whether the order was newly flagged.
func (w *wtx) flagOrder(t *domain.Trade) (bool, error) {
	o, err := w.getOrderByKey(t.Key)
	if err != nil || o == nil || o.Attention != "" {
		return false, err
	}
	next := domain.FlagCancelled(*o, t.TradeStatus)
	w.changed(domain.OrderNumber(o.No), domain.DiffOrder(o, &next)...)
	return true, w.putOrder(o, &next)
}

// RowResult is what a batch action did to one key: done (with the order number for a
// conversion) or skipped with the reason. A row skipped because someone already closed
// the entry (converted, removed, processed it) names who and when in By and At.
type RowResult struct {
	Key     domain.Key `json:"key"`
	Done    bool       `json:"done"`
	OrderNo uint64     `json:"order_no,omitempty"`
	Reason  string     `json:"reason,omitempty"`
	By      string     `json:"by,omitempty"`
	At      time.Time  `json:"at,omitzero"`
}

// BatchResult lists every row of a batch action in the order given.
type BatchResult struct {
	Rows []RowResult
}

// Done counts the rows that were applied.
func (b BatchResult) Done() int {
	n := 0
	for _, r := range b.Rows {
		if r.Done {
			n++
		}
	}
	return n
}

// Skipped returns the rows that were not applied.
func (b BatchResult) Skipped() []RowResult {
	var out []RowResult
	for _, r := range b.Rows {
		if !r.Done {
			out = append(out, r)
		}
	}
	return out
}

// ErrUnknownKeys means a batch named keys that are not in the pool at all; nothing was written.
type ErrUnknownKeys []domain.Key

func (e ErrUnknownKeys) Error() string {
	s := "not in the pool:"
	for _, k := range e {
		s += " " + k.String()
	}
	return s
}

// poolAction is one rule applied to each entry of a batch: it returns the entry to store
// (and the order to create, if any) or the reason it does not apply.
type poolAction func(w *wtx, e domain.PoolEntry) (domain.PoolEntry, *domain.SalesOrder, error)

// batch applies act to every key in one transaction. Eligible rows are applied, ineligible
// rows are reported with their reason; a key missing from the pool rejects the whole batch.
// keysOf gives the keys inside the transaction, so "every ready entry" is read and
// converted atomically.
func (s *Store) batch(action domain.Action, keysOf func(*bolt.Tx) []domain.Key, now time.Time, by Actor, detail map[string]string, act poolAction) (BatchResult, error) {
	var res BatchResult
	if err := by.may(action); err != nil {
		return res, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		keys := keysOf(tx)
		res = BatchResult{Rows: make([]RowResult, 0, len(keys))}
		w := newWtx(tx, len(keys))
		var unknown ErrUnknownKeys
		seen := make(map[domain.Key]bool, len(keys))
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			old, err := w.getEntry(k)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if old == nil {
				unknown = append(unknown, k)
				continue
			}
			next, order, err := act(w, *old)
			if err != nil {
				row := RowResult{Key: k, Reason: err.Error()}
				if !old.State.Open() {
					row.By, row.At = old.StateBy, old.StateAt
				}
				res.Rows = append(res.Rows, row)
				continue
			}
			if next.State != old.State {
				next.StateBy, next.StateAt = by.Operator, now
			}
			if err := w.putEntry(old, &next); err != nil {
				return err
			}
			w.changed(k.String(), domain.DiffEntry(old, &next)...)
			w.undoEntryOf(old, &next, order)
			row := RowResult{Key: k, Done: true}
			if order != nil {
				if err := w.putOrder(nil, order); err != nil {
					return err
				}
				w.changed(domain.OrderNumber(order.No), domain.DiffOrder(nil, order)...)
				row.OrderNo = order.No
			}
			res.Rows = append(res.Rows, row)
		}
		if len(unknown) > 0 {
			return unknown
		}
		if res.Done() == 0 {
			return nil
		}
		if err := w.audit(AuditEvent{At: now, Action: string(action), Detail: detail}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return BatchResult{}, err
	}
	if n := res.Done(); n > 0 {
		s.publish(Change{Kind: string(action), N: n})
	}
	return res, nil
}

func (s *Store) convertAction(now time.Time) poolAction {
	return func(w *wtx, e domain.PoolEntry) (domain.PoolEntry, *domain.SalesOrder, error) {
		if err := domain.CheckConvertible(e); err != nil {
			return e, nil, err
		}
		no, err := nextSeq(w.tx, kOrderSeq)
		if err != nil {
			return e, nil, err
		}
		next, order, err := domain.Convert(e, no, now, s.shipWithin)
		if err != nil {
			return e, nil, err
		}
		if domain.IsVoucherTrade(&order.Trade) {
			// Issuing the codes is the shipment (rule 23).
			if err := s.issueVoucher(w, &order, now); err != nil {
				return e, nil, err
			}
		}
		return next, &order, nil
	}
}

// Convert turns ready, paid entries into sales orders in one transaction (rule 4).
func (s *Store) Convert(keys []domain.Key, now time.Time, by Actor) (BatchResult, error) {
	return s.batch(domain.ActionConvert, given(keys), now, by, nil, s.convertAction(now))
}

func given(keys []domain.Key) func(*bolt.Tx) []domain.Key {
	return func(*bolt.Tx) []domain.Key { return keys }
}

// ConvertAllReady converts every ready entry in one transaction; ready entries that are not
// paid are reported as skipped with the reason.
func (s *Store) ConvertAllReady(now time.Time, by Actor) (BatchResult, error) {
	ready := func(tx *bolt.Tx) []domain.Key {
		var keys []domain.Key
		c := openIndex(tx, bPoolByState).cursor()
		st := byte(domain.PoolReady)
		for c.seek([]byte{st}, false); c.k != nil && c.k[0] == st; c.next() {
			keys = append(keys, splitPoolKey(c.k[9:]))
		}
		return keys
	}
	return s.batch(domain.ActionConvert, ready, now, by, map[string]string{"all_ready": "true"}, s.convertAction(now))
}

// Remove drops open entries; the next import brings them back (rule 2).
func (s *Store) Remove(keys []domain.Key, now time.Time, by Actor) (BatchResult, error) {
	return s.batch(domain.ActionRemove, given(keys), now, by, nil, func(_ *wtx, e domain.PoolEntry) (domain.PoolEntry, *domain.SalesOrder, error) {
		next, err := domain.Remove(e, now)
		return next, nil, err
	})
}

// Process marks entries processed with a reason; later imports are suppressed (rule 3).
func (s *Store) Process(keys []domain.Key, reason string, now time.Time, by Actor) (BatchResult, error) {
	return s.batch(domain.ActionProcess, given(keys), now, by, nil, func(_ *wtx, e domain.PoolEntry) (domain.PoolEntry, *domain.SalesOrder, error) {
		next, err := domain.Process(e, reason, now)
		return next, nil, err
	})
}
