package storage

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// wtx is one write transaction. Writes to the data buckets are held in an overlay and
// applied in key order at the end: bbolt splits nodes only at commit, so inserting many
// unsorted keys in one transaction costs a copy of a growing node per insert (quadratic),
// while sorted inserts append. Reads go through the overlay, so a transaction sees its own
// writes. Counter deltas are summed and written once each.
type wtx struct {
	tx      *bolt.Tx
	pending map[string]*overlay // by bucket name
	// cursors are the cursors get reads the stored data through, one per bucket: a bbolt
	// Get makes a new cursor and grows its stack for every read, a kept cursor reuses it
	// (Seek repositions it from the root, so writes in between do not matter; a cursor
	// reading ahead steps with Next, which is sound because the transaction's writes
	// reach bbolt only at commit, and commit sends every kept cursor back to seeking).
	cursors map[string]*keptCursor
	ahead   map[string]bool // the buckets looked up in key order (readAhead)
	hint    int             // expected rows, to size the overlay once
	counts  map[counterKey]int64
	tallies map[tallyKey]int64 // deltas of the tally buckets' counts (tally.go)
	key     []byte             // scratch for lookups
	ikey    []byte             // scratch for lookups
	trail   trail              // what the transaction's audit event will list
	arena                      // keys and values written

	// entrySeq is the last pool-entry arrival number handed out: read from meta (as
	// entryBase) at the first new entry, written back once at commit.
	entrySeq, entryBase    uint64
	entrySeqRead, entryNew bool
	// The pool-entry records this transaction wrote, for reading back: those of entries
	// that arrived in it by arrival number - entryBase - 1 (a slice, not a map: an import
	// adds a hundred thousand), those of earlier entries by arrival number.
	fresh     [][]byte
	rewritten map[uint64][]byte
	// slots are the hashed indexes as this transaction sees them, by bucket (hashindex.go).
	slots map[string]*hashed
	// lastPK and lastSeq are the key and arrival number of the entry getEntry found last.
	lastPK  []byte
	lastSeq uint64
	// undo collects the before-images of an undoable action (undo.go); audit writes them.
	undo *undoLog
	// lastOutbox is the number of the outbox message putOutbox queued last.
	lastOutbox uint64
	// pendingRefunds is the orders with a refund request waiting for an answer, read once
	// by refundPending; nil until then, and again after putRefund.
	pendingRefunds map[domain.Key]bool
	// notify, when set, is when the messages this transaction queues are due (putOutbox);
	// nil: the default policy.
	notify  *domain.NotifyPolicy
	dropped map[uint64]int    // by order, the events a corrected number dropped (forgetEvents)
	fields  domain.SalesOrder // orderFields' scratch
	// inline: ApplyEvents keeps this transaction's new events in their parcel records
	// (parcels_pending.go). rows is the pending rows the record of order no is to carry,
	// set while ApplyEvents settles that order (parcelRecord reads it).
	inline bool
	// Scratch for one order's new pending rows: the rows, their keys and records, and
	// the record's pending rows with them.
	inlineRows             []pendingRow
	evScratch, pendScratch []byte
	rows                   struct {
		no      uint64
		pending []byte
	}
}

// trail collects, while a transaction runs, the objects it changed and how.
type trail struct {
	objects []string
	listed  map[string]bool
	changes []domain.FieldChange
}

// changed records an object (once) and the fields of it that changed, for the audit event.
func (w *wtx) changed(object string, changes ...domain.FieldChange) {
	if !w.trail.listed[object] {
		if w.trail.listed == nil {
			w.trail.listed = map[string]bool{}
		}
		w.trail.listed[object] = true
		w.trail.objects = append(w.trail.objects, object)
	}
	w.trail.changes = append(w.trail.changes, changes...)
}

func newWtx(tx *bolt.Tx, hint int) *wtx {
	return &wtx{tx: tx, pending: map[string]*overlay{}, hint: hint, counts: map[counterKey]int64{}}
}

// counterKey names a counter without building its string per row: name, plus "@channel"
// when channel is set.
type counterKey struct{ name, channel string }

func (k counterKey) String() string {
	if k.channel == "" {
		return k.name
	}
	return k.name + "@" + k.channel
}

func (w *wtx) add(name, channel string, d int64) { w.counts[counterKey{name, channel}] += d }

func (w *wtx) record(bucket []byte, o op) {
	ov := w.pending[string(bucket)]
	if ov == nil {
		sp := schema.spec(bucket)
		ov = newOverlay(w.hint, sp != nil && sp.readBack)
		w.pending[string(bucket)] = ov
	}
	ov.add(o)
}

// put and del keep k and v until the commit: callers pass slices they no longer touch.
func (w *wtx) put(bucket, k, v []byte) { w.record(bucket, op{key: k, val: v}) }
func (w *wtx) del(bucket, k []byte) {
	w.record(bucket, op{key: w.keep(append(w.room(len(k)), k...)), del: true})
}

// get reads through the transaction's writes: records by arrival number through the
// transaction's record lists, hashed indexes through its slots (and their runs as stored:
// the transaction's new keys are in its changed slots), the rest through the overlay. The
// result is only valid inside the transaction.
func (w *wtx) get(bucket, k []byte) []byte {
	if sp := schema.spec(bucket); sp != nil {
		switch {
		case sp.arrival:
			return w.getRecord(k)
		case sp.kind == kindHashed:
			return w.slotItems(bucket, k)
		case sp.kind == kindRuns:
			return w.hashedIndex(sp.side.name).runOrSeen(k)
		}
	}
	if ov := w.pending[string(bucket)]; ov != nil {
		if o, ok := ov.latestOf(k); ok {
			if o.del {
				return nil
			}
			return o.val
		}
	}
	return w.stored(bucket, k)
}

// stored reads k as stored (not through the transaction's writes), by the bucket's kept
// cursor; nil when k is not there or names a nested bucket. A staged bucket's row is
// read as readers see it: a staged row (or deletion) of k decides.
func (w *wtx) stored(bucket, k []byte) []byte {
	if sp := schema.spec(bucket); sp != nil && sp.kind == kindStaged {
		if v := w.storedIn(sp.side.name, k); v != nil {
			if len(v) == 0 {
				return nil // a staged deletion
			}
			return v
		}
	}
	return w.storedIn(bucket, k)
}

// storedIn reads k as stored in bucket alone.
func (w *wtx) storedIn(bucket, k []byte) []byte {
	c := w.cursors[string(bucket)]
	if c == nil {
		b := w.tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		if w.cursors == nil {
			w.cursors = map[string]*keptCursor{}
		}
		c = &keptCursor{c: b.Cursor(), ahead: w.ahead[string(bucket)]}
		w.cursors[string(bucket)] = c
	}
	got, v := c.find(k)
	if v == nil || !bytes.Equal(got, k) {
		return nil
	}
	return v
}

// keptCursor is a bucket's cursor kept for a transaction's lookups, at the row its last
// lookup found (k, v). Seek goes down from the root every time; a transaction that
// looks its keys up in key order (readAhead) steps forward instead when the key is a few
// rows on, as the next order's rows usually are when a feed touches most orders.
type keptCursor struct {
	c     *bolt.Cursor
	k, v  []byte
	ahead bool
}

// aheadSteps is how many rows a kept cursor in read-ahead steps before it seeks.
const aheadSteps = 24

// find positions the cursor at the first row at or after key and returns it.
func (c *keptCursor) find(key []byte) ([]byte, []byte) {
	if c.ahead && c.k != nil && bytes.Compare(c.k, key) <= 0 {
		for i := 0; i <= aheadSteps; i++ {
			if bytes.Compare(c.k, key) >= 0 {
				return c.k, c.v
			}
			if i == aheadSteps {
				break // too far: seek
			}
			if c.k, c.v = c.c.Next(); c.k == nil {
				break // the end: seek, as the bucket may end before key
			}
		}
	}
	c.k, c.v = c.c.Seek(key)
	return c.k, c.v
}

// readAhead tells the transaction that its lookups in buckets come in key order (ApplyEvents
// takes a feed by order number): their kept cursors step forward rather than seek.
func (w *wtx) readAhead(buckets ...[]byte) {
	if w.ahead == nil {
		w.ahead = map[string]bool{}
	}
	for _, b := range buckets {
		w.ahead[string(b)] = true
		if c := w.cursors[string(b)]; c != nil {
			c.ahead = true
		}
	}
}

// commit applies each bucket's overlay in key order (the last write of a key wins), then
// the counters and the last arrival number.
func (w *wtx) commit() error {
	for _, c := range w.cursors { // the buckets change under them now
		c.k, c.v = nil, nil
	}
	if w.entryNew {
		if err := w.tx.Bucket(bMeta).Put(kEntrySeq, u64(w.entrySeq)); err != nil {
			return err
		}
		w.entryNew = false
	}
	w.flushSlots()
	names := make([]string, 0, len(w.pending))
	for name := range w.pending {
		names = append(names, name)
	}
	// The buckets with the fewest writes go first, so the writes into bbolt start while
	// the big ones are still being merged. Every Put and Delete is this goroutine's (the
	// transaction's): for an import of 100,000 new orders they are about 0.35 s of
	// processor time, which an earlier build shared between two goroutines writing
	// different buckets at once, against bbolt's rules; on one they make such an import
	// about 0.1 s slower (concurrency.go).
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(w.pending[a].n-w.pending[b].n, strings.Compare(a, b)) })
	merged := mergeAhead(len(names), func(i int) []*op { return w.pending[names[i]].merged() })
	defer merged.stop()
	staged := counter(w.tx, kStaged)
	before := staged
	for i, name := range names {
		ops := merged.next(i)
		if sp := schema.spec([]byte(name)); sp != nil && sp.kind == kindStaged {
			ix := openIndex(w.tx, sp.name)
			if len(ops) > 0 {
				if err := applyIndex(ix, ops, &staged); err != nil {
					return err
				}
			}
		} else if err := writeSorted(w.tx.Bucket([]byte(name)), ops, fillOf([]byte(name)), false); err != nil {
			return err
		}
		// bbolt holds what it was given (the keys copied, the values in the arena): the
		// bucket's pending writes are let go, for the buckets after it to reuse.
		w.pending[name].release()
	}
	w.add(kStaged, "", staged-before)
	return w.flushCounts()
}

// writeSorted writes ops (one bucket's writes, in key order) into b, its pages filled to
// fill, or full when the writes add their keys in a few runs (packable). A deletion
// deletes the key or, staged, puts a tombstone (a staged deletion in a staging bucket).
func writeSorted(b *bolt.Bucket, ops []*op, fill float64, staged bool) error {
	if len(ops) == 0 {
		return nil
	}
	b.FillPercent = fill
	if packable(b, ops) {
		b.FillPercent = 1.0
	}
	for _, o := range ops {
		var err error
		switch {
		case !o.del:
			err = b.Put(o.key, o.val)
		case staged:
			err = b.Put(o.key, tombstone)
		default:
			err = b.Delete(o.key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *wtx) flushCounts() error {
	if err := w.flushTallies(); err != nil {
		return err
	}
	b := w.tx.Bucket(bCounts)
	for ck, d := range w.counts {
		if d == 0 {
			continue
		}
		k := []byte(ck.String())
		var v int64
		if old := b.Get(k); len(old) == 8 {
			v = int64(binary.BigEndian.Uint64(old))
		}
		v += d
		if v == 0 {
			if err := b.Delete(k); err != nil {
				return err
			}
			continue
		}
		if err := b.Put(k, u64(uint64(v))); err != nil {
			return err
		}
	}
	return nil
}

var noSeq [8]byte

func countOrder(w *wtx, o *domain.SalesOrder, sign int64) {
	w.add(orderCounter[o.Status], "", sign)
	if o.Attention != "" {
		w.add("order/attention", "", sign)
	}
	if o.Shipment.MissingTracking() {
		w.add("order/no_tracking", "", sign)
	}
	if o.Shipment.Replaced > 0 {
		w.add("tracking/replaced", "", sign*int64(o.Shipment.Replaced))
	}
	countSettlement(w, o, sign)
}

// putOrder writes next over old (nil if new).
func (w *wtx) putOrder(old, next *domain.SalesOrder) error {
	if old != nil {
		countOrder(w, old, -1)
		w.del(bOrdersByStatus, statusIndexKey(w.ikey, old.Status, old.ShipBy, old.No))
		if n := old.Shipment.Number; n != "" && n != next.Shipment.Number {
			w.del(bOrdersByTrack, []byte(n))
		}
	} else {
		w.indexRefs(next)
	}
	if n := next.Shipment.Number; n != "" && (old == nil || old.Shipment.Number != n) {
		w.put(bOrdersByTrack, []byte(n), u64(next.No))
	}
	countOrder(w, next, 1)
	if err := w.refileShipment(old, next); err != nil {
		return err
	}
	w.put(bOrders, u64(next.No), encodeOrderAt(nil, next, w.orderEntrySeq(old, next)))
	w.put(bOrdersByStatus, statusIndexKey(nil, next.Status, next.ShipBy, next.No), []byte(orderSearchText(next)))
	return nil
}

// orderEntrySeq is the arrival number of the pool entry of order next: the one its
// record already names, else found by key (a new order, or one written before schema 3).
func (w *wtx) orderEntrySeq(old, next *domain.SalesOrder) uint64 {
	if old != nil {
		if v := w.get(bOrders, u64(old.No)); v != nil {
			if _, seq, err := decodeOrderAt(v); err == nil && seq != 0 {
				return seq
			}
		}
	}
	if seq := w.seqOf(poolKey(nil, next.Key)); len(seq) == 8 {
		return binary.BigEndian.Uint64(seq)
	}
	return 0
}

// seqOf is the arrival number of the pool entry with key pk, or nil: the one getEntry
// found last if it is that entry (a conversion reads the entry, then writes it and its
// order, each wanting its number; an entry keeps its number for good), else looked up.
func (w *wtx) seqOf(pk []byte) []byte {
	if w.lastSeq != 0 && bytes.Equal(pk, w.lastPK) {
		return u64(w.lastSeq)
	}
	seq, _ := findEntry(w.get, pk)
	return seq
}

func (w *wtx) getOrderByKey(k domain.Key) (*domain.SalesOrder, error) {
	w.key = poolKey(w.key, k)
	no := orderNoOf(w.get, w.key)
	if no == 0 {
		return nil, nil
	}
	return w.getOrder(no)
}

func (w *wtx) getOrder(no uint64) (*domain.SalesOrder, error) {
	v := w.get(bOrders, u64(no))
	if v == nil {
		return nil, nil
	}
	o, err := loadOrder(v, w.get)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// Actor is who makes a change: the operator, and the SSH session it came from (empty
// for the local console and commands).
type Actor struct {
	Operator string
	Session  string
	Role     domain.Role // what the operator may do; each write checks it
}

// may refuses an action the actor's role may not take, with the domain's rule. Every
// public write checks it before its transaction, so no path into storage can forget
// the check; the command line and the console check first only for a friendlier moment.
func (a Actor) may(act domain.Action) error {
	return domain.Require(a.Operator, a.Role, act)
}

// AuditEvent records who did what to which objects, and each changed field before →
// after (SPEC §2). It is written in the transaction of the change it describes.
type AuditEvent struct {
	Seq      uint64               `json:"seq"`
	At       time.Time            `json:"at"`
	Operator string               `json:"operator"`
	Session  string               `json:"session,omitempty"`
	Action   string               `json:"action"`
	Objects  []string             `json:"objects,omitempty"`
	Changes  []domain.FieldChange `json:"changes,omitempty"`
	Detail   map[string]string    `json:"detail,omitempty"`
}

// audit writes ev with the transaction's trail (objects and changes) added to it.
func (w *wtx) audit(ev AuditEvent, by Actor) error {
	seq, err := nextSeq(w.tx, kAuditSeq)
	if err != nil {
		return err
	}
	ev.Seq = seq
	ev.At = ev.At.UTC()
	ev.Operator, ev.Session = by.Operator, by.Session
	ev.Objects = append(ev.Objects, w.trail.objects...)
	ev.Changes = append(ev.Changes, w.trail.changes...)
	w.trail = trail{}
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	w.put(bAudit, u64(seq), b)
	if w.undo != nil && len(w.undo.items) > 0 {
		w.put(bUndo, u64(seq), encodeUndo(&undoRecord{action: ev.Action, operator: ev.Operator, at: ev.At, items: w.undo.items}))
		w.undo = nil
	}
	return nil
}

// indexRefs lets a bulk tracking line find the order by payment reference. Trade IDs need
// no filing here: the order's pool entry, found by key, names it (refFinder).
func (w *wtx) indexRefs(o *domain.SalesOrder) {
	if r := o.PaymentRef; r != "" && r != o.TradeID {
		w.hashAdd(bOrdersByRef, []byte(r), w.keep(binary.BigEndian.AppendUint64(w.room(8), o.No)))
	}
}

// Counter names per state, built once.
var (
	poolCounter  = map[domain.PoolState]string{}
	orderCounter = map[domain.OrderStatus]string{}
)

func init() {
	for _, st := range domain.PoolStates {
		poolCounter[st] = "pool/" + st.String()
	}
	for _, st := range domain.OrderStatuses {
		orderCounter[st] = "order/" + st.String()
	}
}

// packable says whether the writes ops (in key order) to bucket b add their keys in a few
// runs, each between two neighbouring stored keys or after the last: as a day's import does
// at the end of each state's and each channel's range of paid times. Nothing is inserted
// among such keys later, so the pages they fill are best packed full, not left 70 % full
// for inserts that never come. It looks the runs up with one cursor seek each and says no
// once it has needed more than one seek per 64 writes (writes all over the bucket, or
// rewrites of stored keys, where the fill does not matter).
func packable(b *bolt.Bucket, ops []*op) bool {
	c := b.Cursor()
	seeks, limit := 0, len(ops)/64+1
	for i := 0; i < len(ops); {
		if seeks++; seeks > limit {
			return false
		}
		k, _ := c.Seek(ops[i].key)
		if k == nil {
			return true // the rest go after the last stored key
		}
		if bytes.Equal(k, ops[i].key) {
			i++ // a stored key rewritten or deleted
			continue
		}
		// ops[i] and the writes after it up to k fill the gap before stored key k.
		rest := ops[i:]
		i += sort.Search(len(rest), func(j int) bool { return bytes.Compare(rest[j].key, k) >= 0 })
	}
	return true
}
