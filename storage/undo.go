package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// Undo of a bulk action (domain/undo.go has the rules). The transaction of an undoable
// action writes, beside its audit event and under the same sequence number, an undo
// record in bucket undo: for each object it changed, the object as it was before (its
// record's encoding) and a hash of the encoding it left, so that an undo can tell whether
// a later action changed the object since. Undo reads the record, asks the domain about
// each object, and in one transaction writes the before-images of those it allows back
// through the write path (indexes and counters kept), deletes the orders a conversion
// made and the write-backs a rejection queued, marks the record undone and writes its
// own audit event. Money never moves: a refund given is never touched.

const undoRecordVersion = 1

// The kinds of object an undo record holds.
const (
	undoEntry  = 1 // a pool entry: key is its pool key; extra the order a conversion made
	undoOrder  = 2 // a sales order: key is its number (8 bytes)
	undoRefund = 3 // a refund request: key is its refund key; extra the outbox message queued
)

type undoItem struct {
	kind   uint8
	key    []byte
	before []byte // the record's encoding before the action
	after  uint64 // keyHash of the encoding the action left
	extra  uint64
	// made is keyHash of the encoding of the order a conversion made (extra), as made.
	made uint64
}

type undoRecord struct {
	action   string
	operator string
	at       time.Time
	undone   uint64 // the audit seq of the undo; 0 while not undone
	items    []undoItem
}

func encodeUndo(r *undoRecord) []byte {
	n := 64 + len(r.action) + len(r.operator)
	for i := range r.items {
		n += 24 + len(r.items[i].key) + len(r.items[i].before)
	}
	w := enc{b: make([]byte, 0, n)}
	w.byte(undoRecordVersion)
	w.s(r.action)
	w.s(r.operator)
	w.t(r.at)
	w.u(r.undone)
	w.u(uint64(len(r.items)))
	for _, it := range r.items {
		w.byte(it.kind)
		w.s(string(it.key))
		w.s(string(it.before))
		w.u(it.after)
		w.u(it.extra)
		w.u(it.made)
	}
	return w.b
}

func decodeUndo(b []byte) (undoRecord, error) {
	var r undoRecord
	d := dec{b: b}
	if d.byte() != undoRecordVersion {
		return r, errCorrupt
	}
	r.action = d.s()
	r.operator = d.s()
	r.at = d.t()
	r.undone = d.u()
	n := d.u()
	if d.err != nil || n > uint64(len(b)) {
		return r, errCorrupt
	}
	r.items = make([]undoItem, 0, n)
	for range n {
		it := undoItem{kind: d.byte()}
		it.key = []byte(d.s())
		it.before = []byte(d.s())
		it.after = d.u()
		it.extra = d.u()
		it.made = d.u()
		r.items = append(r.items, it)
	}
	return r, d.err
}

// undoLog collects, in an action's transaction, what its undo record will hold; w.audit
// writes it under the event's number.
type undoLog struct{ items []undoItem }

func (w *wtx) keepUndo(it undoItem) {
	if w.undo == nil {
		w.undo = &undoLog{}
	}
	w.undo.items = append(w.undo.items, it)
}

// undoEntryOf keeps a pool entry's before-image (old) and the hash of what the action
// left (next); made is the order a conversion made (nil for other actions).
func (w *wtx) undoEntryOf(old, next *domain.PoolEntry, made *domain.SalesOrder) {
	it := undoItem{kind: undoEntry, key: poolKey(nil, old.Key), before: encodeEntry(nil, old), after: keyHash(encodeEntry(nil, next))}
	if made != nil {
		it.extra, it.made = made.No, orderHash(made)
	}
	w.keepUndo(it)
}

func (w *wtx) undoOrderOf(old, next *domain.SalesOrder) {
	w.keepUndo(undoItem{kind: undoOrder, key: u64(old.No), before: encodeOrder(nil, old), after: orderHash(next)})
}

// orderHash is the hash an undo compares an order by: its encoding without its told list,
// which only grows (an undo keeps it), so a message queued about the order and an undone
// import that queued it do not make the order "changed by a later action".
func orderHash(o *domain.SalesOrder) uint64 {
	bare := *o
	bare.Told = nil
	return keyHash(encodeOrder(nil, &bare))
}

func (w *wtx) undoRefundOf(old, next *domain.RefundRequest, outbox uint64) {
	w.keepUndo(undoItem{kind: undoRefund, key: refundKey(old.RefundKey), before: encodeRefundRequest(old),
		after: keyHash(encodeRefundRequest(next)), extra: outbox})
}

// UndoRow is one object of an action to undo: whether it can be undone, else why not.
type UndoRow struct {
	Object string `json:"object"`
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
}

// UndoPlan is an undoable action and what undoing it would do (or did).
type UndoPlan struct {
	Seq      uint64    `json:"seq"` // the action's audit event
	Action   string    `json:"action"`
	Operator string    `json:"operator"`
	At       time.Time `json:"at"`
	Rows     []UndoRow `json:"rows"`
	UndoSeq  uint64    `json:"undo_seq,omitempty"` // the undo's audit event, once done
}

// Undoable counts the rows that can be undone.
func (p UndoPlan) Undoable() int {
	n := 0
	for _, r := range p.Rows {
		if r.OK {
			n++
		}
	}
	return n
}

// Errors of undo.
var (
	ErrNothingToUndo = errors.New("nothing to undo")
	ErrNotUndoable   = errors.New("that action cannot be undone")
	ErrUndone        = errors.New("that action was already undone")
)

// UndoFilter narrows the operator's last action to these action names (none: any).
type UndoFilter []string

// UndoPlanFor says what undoing action seq (0: by's last undoable action of filter)
// would do, writing nothing.
func (s *Store) UndoPlanFor(seq uint64, by Actor, filter ...string) (p UndoPlan, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		w := newWtx(tx, 16)
		p, _, err = planUndo(w, seq, by, filter)
		return err
	})
	return p, err
}

// Undo undoes action seq (0: by's last undoable action of filter) in one transaction:
// every object the domain allows goes back to what it was before the action; the rest
// are kept and named with the reason. Nothing is written when nothing can be undone.
func (s *Store) Undo(seq uint64, now time.Time, by Actor, filter ...string) (p UndoPlan, err error) {
	if err := by.may(domain.ActionUndo); err != nil {
		return p, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		w := newWtx(tx, 16)
		var rec undoRecord
		var plan []bool
		p, rec, err = planUndo(w, seq, by, filter)
		if err != nil {
			return err
		}
		if p.Undoable() == 0 {
			return nil
		}
		plan = make([]bool, len(p.Rows))
		for i, r := range p.Rows {
			plan[i] = r.OK
		}
		// A conversion's orders leave the payment-reference index: its staged runs are
		// folded into the slots first, so each order's item is in one slot.
		if rec.action == string(domain.ActionConvert) {
			if err := foldRefRuns(tx); err != nil {
				return err
			}
		}
		w = newWtx(tx, len(rec.items)) // sized for the writes, its views fresh after the fold
		for i, it := range rec.items {
			if plan[i] {
				if err := w.undoItem(rec.action, it); err != nil {
					return err
				}
			}
		}
		if err := w.audit(AuditEvent{At: now, Action: string(domain.ActionUndo), Detail: map[string]string{
			"undoes": strconv.FormatUint(p.Seq, 10), "action": rec.action,
			"undone": strconv.Itoa(p.Undoable()), "kept": strconv.Itoa(len(p.Rows) - p.Undoable()),
		}}, by); err != nil {
			return err
		}
		p.UndoSeq = binary.BigEndian.Uint64(tx.Bucket(bMeta).Get(kAuditSeq))
		rec.undone = p.UndoSeq
		w.put(bUndo, u64(p.Seq), encodeUndo(&rec))
		return w.commit()
	})
	if err != nil {
		return UndoPlan{}, err
	}
	if p.UndoSeq != 0 {
		s.publish(Change{Kind: string(domain.ActionUndo), N: p.Undoable()})
	}
	return p, nil
}

// planUndo finds the action's undo record and asks the domain about each object.
func planUndo(w *wtx, seq uint64, by Actor, filter []string) (UndoPlan, undoRecord, error) {
	var rec undoRecord
	b := w.tx.Bucket(bUndo)
	if seq == 0 {
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			r, err := decodeUndo(v)
			if err != nil {
				return UndoPlan{}, rec, fmt.Errorf("undo record %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if r.operator != by.Operator || (len(filter) > 0 && !slices.Contains(filter, r.action)) {
				continue
			}
			if r.undone != 0 {
				break // the last action of the operator there is undone: nothing before it is offered
			}
			seq, rec = binary.BigEndian.Uint64(k), r
			break
		}
		if seq == 0 {
			return UndoPlan{}, rec, fmt.Errorf("%s has %w", by.Operator, ErrNothingToUndo)
		}
	} else {
		v := b.Get(u64(seq))
		if v == nil {
			if w.tx.Bucket(bAudit).Get(u64(seq)) == nil {
				return UndoPlan{}, rec, fmt.Errorf("there is no action %d", seq)
			}
			return UndoPlan{}, rec, fmt.Errorf("action %d: %w (only the pool's convert, remove and mark processed, refund reject and mark processed, and tracking imports can)", seq, ErrNotUndoable)
		}
		var err error
		if rec, err = decodeUndo(v); err != nil {
			return UndoPlan{}, rec, fmt.Errorf("undo record %d: %w", seq, err)
		}
	}
	p := UndoPlan{Seq: seq, Action: rec.action, Operator: rec.operator, At: rec.at}
	if rec.undone != 0 {
		return p, rec, fmt.Errorf("action %d: %w by event %d", seq, ErrUndone, rec.undone)
	}
	if err := domain.MayUndo(by.Operator, by.Role, rec.operator); err != nil {
		return p, rec, err
	}
	for _, it := range rec.items {
		obj, facts, err := w.undoFacts(it)
		if err != nil {
			return p, rec, err
		}
		row := UndoRow{Object: obj, OK: true}
		if err := domain.UndoRow(rec.action, facts); err != nil {
			row.OK, row.Reason = false, err.Error()
		}
		p.Rows = append(p.Rows, row)
	}
	return p, rec, nil
}

// undoFacts reads what the domain needs to know about one object today.
func (w *wtx) undoFacts(it undoItem) (string, domain.UndoFacts, error) {
	var f domain.UndoFacts
	switch it.kind {
	case undoEntry:
		k := splitPoolKey(it.key)
		cur, err := w.getEntry(k)
		if err != nil {
			return "", f, fmt.Errorf("%s: %w", k, err)
		}
		f.ChangedSince = cur == nil || keyHash(encodeEntry(nil, cur)) != it.after
		if it.extra != 0 {
			f.OrderNo = it.extra
			o, err := w.getOrder(it.extra)
			if err != nil {
				return "", f, err
			}
			if o == nil {
				f.Missing = true
			} else {
				f.Shipped = o.Shipment.Shipped()
				f.OrderChanged = orderHash(o) != it.made
				refunds, err := orderRefunds(w.tx, o.No)
				if err != nil {
					return "", f, err
				}
				f.Refunds = len(refunds)
			}
		}
		return k.String(), f, nil
	case undoOrder:
		no := binary.BigEndian.Uint64(it.key)
		cur, err := w.getOrder(no)
		if err != nil {
			return "", f, err
		}
		f.ChangedSince = cur == nil || orderHash(cur) != it.after
		if before, err := decodeOrder(it.before); err == nil && before.Shipment.Number != "" {
			if v := w.get(bOrdersByTrack, []byte(before.Shipment.Number)); len(v) == 8 && binary.BigEndian.Uint64(v) != no {
				f.NumberNowOf = binary.BigEndian.Uint64(v)
			}
		}
		refunds, err := orderRefunds(w.tx, no)
		if err != nil {
			return "", f, err
		}
		f.Refunds = len(refunds)
		return domain.OrderNumber(no), f, nil
	case undoRefund:
		cur, err := w.getRefundAt(it.key)
		if err != nil {
			return "", f, err
		}
		f.ChangedSince = cur == nil || keyHash(encodeRefundRequest(cur)) != it.after
		f.WrittenBack = it.extra != 0 && w.outboxSent(it.extra)
		name := string(it.key)
		if cur != nil {
			name = cur.RefundKey.String()
		}
		return name, f, nil
	}
	return "", f, fmt.Errorf("undo record: unknown object kind %d", it.kind)
}

func (w *wtx) getRefundAt(rk []byte) (*domain.RefundRequest, error) {
	v := w.tx.Bucket(bRefunds).Get(rk)
	if v == nil {
		return nil, nil
	}
	r, err := decodeRefundRequest(v)
	if err != nil {
		return nil, fmt.Errorf("refund %q: %w", rk, err)
	}
	return &r, nil
}

// undoItem writes one object's before-image back.
func (w *wtx) undoItem(action string, it undoItem) error {
	switch it.kind {
	case undoEntry:
		k := splitPoolKey(it.key)
		cur, err := w.getEntry(k)
		if err != nil {
			return err
		}
		before, err := decodeEntry(it.before)
		if err != nil {
			return fmt.Errorf("undo record of %s: %w", k, err)
		}
		if it.extra != 0 {
			if err := w.dropOrder(it.extra); err != nil {
				return err
			}
			w.changed(domain.OrderNumber(it.extra), domain.FieldChange{Key: domain.OrderNumber(it.extra), Field: "order", Before: "created", After: "deleted (conversion undone)"})
		}
		if err := w.putEntry(cur, &before); err != nil {
			return err
		}
		w.changed(k.String(), domain.DiffEntry(cur, &before)...)
	case undoOrder:
		no := binary.BigEndian.Uint64(it.key)
		cur, err := w.getOrder(no)
		if err != nil {
			return err
		}
		before, err := decodeOrder(it.before)
		if err != nil {
			return fmt.Errorf("undo record of %s: %w", domain.OrderNumber(no), err)
		}
		before.Trade = cur.Trade // an order's trade never changes once converted
		before.Told = cur.Told   // nor is a message queued about it forgotten
		if err := w.putOrder(cur, &before); err != nil {
			return err
		}
		w.changed(domain.OrderNumber(no), domain.DiffOrder(cur, &before)...)
	case undoRefund:
		cur, err := w.getRefundAt(it.key)
		if err != nil {
			return err
		}
		before, err := decodeRefundRequest(it.before)
		if err != nil {
			return fmt.Errorf("undo record of %q: %w", it.key, err)
		}
		if err := w.putRefund(cur, &before); err != nil {
			return err
		}
		if it.extra != 0 {
			if err := w.withdrawOutbox(it.extra); err != nil {
				return err
			}
		}
		w.changed(before.RefundKey.String(), domain.DiffRefund(cur, &before)...)
	}
	return nil
}

// dropOrder deletes an order a conversion made, with its index rows and counters. The
// payment-reference index's runs must have been folded (foldRefRuns).
func (w *wtx) dropOrder(no uint64) error {
	o, err := w.getOrder(no)
	if err != nil || o == nil {
		return err
	}
	countOrder(w, o, -1)
	w.del(bOrdersByStatus, statusIndexKey(w.ikey, o.Status, o.ShipBy, o.No))
	if n := o.Shipment.Number; n != "" {
		w.del(bOrdersByTrack, []byte(n))
	}
	if r := o.PaymentRef; r != "" && r != o.TradeID {
		w.hashDel(bOrdersByRef, []byte(r), u64(o.No))
	}
	w.del(bOrders, u64(o.No))
	return nil
}

// hashDel removes the item val filed under key k from its slot of hashed index bucket
// (whose runs are folded).
func (w *wtx) hashDel(bucket, k, val []byte) {
	slot, bits := slotOf(k)
	h := w.hashedIndex(bucket)
	if h.changed == nil {
		h.changed = make([][]byte, 1<<slotBits)
		h.base = make([]int32, 1<<slotBits)
	}
	s := binary.BigEndian.Uint16(slot[:])
	items := h.changed[s]
	if items == nil {
		items = append([]byte(nil), w.slotItems(bucket, slot[:])...)
	}
	for i := 0; i+idItem <= len(items); i += idItem {
		if binary.BigEndian.Uint32(items[i:]) == bits && string(items[i+4:i+idItem]) == string(val) {
			items = append(items[:i:i], items[i+idItem:]...)
			break
		}
	}
	h.base[s] = int32(len(items))
	if items == nil {
		items = []byte{}
	}
	h.changed[s] = items
}

// foldRefRuns moves the staged runs of the payment-reference index into its slots, in
// the transaction tx, keeping the count of staged rows.
func foldRefRuns(tx *bolt.Tx) error {
	sp := schema.spec(bOrdersByRef)
	n, err := foldRuns(tx.Bucket(sp.name), tx.Bucket(sp.side.name), string(sp.name))
	if err != nil || n == 0 {
		return err
	}
	counts := tx.Bucket(bCounts)
	left := counter(tx, kStaged) - int64(n)
	if left <= 0 {
		return counts.Delete([]byte(kStaged))
	}
	return counts.Put([]byte(kStaged), u64(uint64(left)))
}
