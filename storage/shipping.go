package storage

import (
	"bytes"
	"cmp"
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

// ErrBadLines means a bulk tracking upload has lines in error and skipping them was not
// asked for: nothing was written.
var ErrBadLines = errors.New("some lines are in error: nothing was written")

// FindOrder finds the sales order a reference names: SO number, CHANNEL:TRADE_ID, trade ID
// or payment reference. The error says why when it cannot (unknown, ambiguous, not
// converted yet).
func (s *Store) FindOrder(ref domain.OrderRef) (o domain.SalesOrder, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		o, err = lookupRef(tx, ref)
		return err
	})
	return o, err
}

// lookupRef is the sales order ref names (see FindOrder).
func lookupRef(tx *bolt.Tx, ref domain.OrderRef) (domain.SalesOrder, error) {
	return newRefFinder(tx).find(ref)
}

// refFinder finds orders by reference inside one transaction; a bulk upload makes one
// and asks it for every line.
type refFinder struct {
	tx       *bolt.Tx
	get      func(bucket, key []byte) []byte
	channels []string // the channels with pool entries, read at the first bare reference
	read     bool
}

func newRefFinder(tx *bolt.Tx) *refFinder { return &refFinder{tx: tx, get: txGetter(tx)} }

func (f *refFinder) poolChannels() []string {
	if !f.read {
		f.channels, f.read = poolChannels(f.tx), true
	}
	return f.channels
}

// find is lookupRef. A bare reference is looked up as a trade ID in every channel through
// the pool's key index (every sales order was converted from the pool entry of its key,
// and the entry keeps its order number) and as a payment reference through orders_by_ref;
// each order found is confirmed to carry the reference.
func (f *refFinder) find(r domain.OrderRef) (domain.SalesOrder, error) {
	tx := f.tx
	var none domain.SalesOrder
	switch {
	case r.No != 0:
		if o, found, err := orderByNo(tx, r.No); err != nil || found {
			return o, err
		}
		return none, fmt.Errorf("no sales order %s", domain.OrderNumber(r.No))
	case r.Key != domain.Key{}:
		k := r.Key
		if no := orderNoOf(f.get, poolKey(nil, k)); no != 0 {
			if o, found, err := orderByNo(tx, no); err != nil || found {
				return o, err
			}
		}
		if err := notConverted(tx, k); err != nil {
			return none, err
		}
		return none, fmt.Errorf("unknown order %s: it is not in shipdesk", k)
	case r.Bare == "":
		return none, errors.New("order reference is empty")
	}
	ref := r.Bare
	var found []domain.SalesOrder
	var lookErr error
	take := func(no uint64) bool {
		for _, o := range found {
			if o.No == no {
				return false
			}
		}
		o, ok, err := orderByNo(tx, no)
		if err != nil {
			lookErr = err
			return true
		}
		if ok && (o.TradeID == ref || o.PaymentRef == ref) {
			found = append(found, o)
		}
		return false
	}
	var pk []byte
	for _, ch := range f.poolChannels() {
		pk = poolKey(pk, domain.Key{Channel: ch, TradeID: ref})
		if no := orderNoOf(f.get, pk); no != 0 && take(no) {
			return none, lookErr
		}
	}
	// Payment references, and the trade IDs that earlier versions also filed there.
	candidates(f.get, bOrdersByRef, []byte(ref), func(val []byte) bool {
		return take(binary.BigEndian.Uint64(val))
	})
	if lookErr != nil {
		return none, lookErr
	}
	slices.SortFunc(found, func(a, b domain.SalesOrder) int { return cmp.Compare(a.No, b.No) })
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		for _, ch := range f.poolChannels() {
			if err := notConverted(tx, domain.Key{Channel: ch, TradeID: ref}); err != nil {
				return none, err
			}
		}
		return none, fmt.Errorf("unknown order %q: no sales order has that trade ID or payment reference", ref)
	}
	var names []string
	for _, o := range found {
		names = append(names, domain.OrderNumber(o.No))
	}
	return none, fmt.Errorf("ambiguous reference %q: it matches %s — use CHANNEL:TRADE_ID", ref, strings.Join(names, ", "))
}

// notConverted explains why the pool entry of key k has no sales order; nil when there is
// no such entry.
func notConverted(tx *bolt.Tx, k domain.Key) error {
	v := entryRecord(txGetter(tx), poolKey(nil, k))
	if v == nil {
		return nil
	}
	e, err := decodeEntry(v)
	if err != nil {
		return err
	}
	return fmt.Errorf("order %s is not converted: it is %s in the pending pool — convert it first", k, e.State)
}

// poolChannels lists the channels that have pool entries, from the per-channel counters.
func poolChannels(tx *bolt.Tx) []string {
	seen := map[string]bool{}
	var out []string
	c := tx.Bucket(bCounts).Cursor()
	prefix := []byte("pool/")
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if _, ch, ok := strings.Cut(string(k), "@"); ok && !seen[ch] {
			seen[ch] = true
			out = append(out, ch)
		}
	}
	return out
}

func orderByNo(tx *bolt.Tx, no uint64) (domain.SalesOrder, bool, error) {
	v := tx.Bucket(bOrders).Get(u64(no))
	if v == nil {
		return domain.SalesOrder{}, false, nil
	}
	o, err := loadOrder(v, txGetter(tx))
	return o, err == nil, err
}

func trackingOwner(tx *bolt.Tx) domain.NumberOwner {
	b := tx.Bucket(bOrdersByTrack)
	return func(number string) (uint64, bool) {
		if b == nil {
			return 0, false
		}
		v := b.Get([]byte(number))
		if len(v) != 8 {
			return 0, false
		}
		return binary.BigEndian.Uint64(v), true
	}
}

// Ship records one order's shipment: a new one, a correction (kept in its history) or an
// order shipped without tracking (rules 7–10, 13). The same number again changes nothing.
func (s *Store) Ship(ref domain.OrderRef, in domain.ShipInput, pol domain.ShipPolicy, now time.Time, by Actor) (domain.SalesOrder, domain.ShipOutcome, error) {
	var (
		next    domain.SalesOrder
		outcome domain.ShipOutcome
	)
	in.Operator = by.Operator
	if err := by.may(domain.ActionShip); err != nil {
		return next, outcome, err
	}
	// Accepting a number its carrier refuses is a supervisor's call; an override given
	// with a valid number is ignored and needs nothing more.
	if _, _, err := domain.CheckTrackingNumber(in.Carrier, in.Number); in.Override != "" && errors.As(err, new(*domain.TrackingError)) {
		if err := by.may(domain.ActionOverride); err != nil {
			return next, outcome, err
		}
	}
	npol := s.notifyPolicy()
	err := s.db.Update(func(tx *bolt.Tx) error {
		o, err := lookupRef(tx, ref)
		if err != nil {
			return err
		}
		next, outcome, err = domain.Ship(o, in, now, pol)
		if err != nil {
			return err
		}
		if outcome == domain.ShipUnchanged {
			return nil
		}
		if n := next.Shipment.Number; n != "" {
			if owner, used := trackingOwner(tx)(n); used && owner != o.No {
				return fmt.Errorf("tracking number %s is already used by %s", n, domain.OrderNumber(owner))
			}
		}
		w := newWtx(tx, 4)
		up := newUploads(npol, now)
		if err := w.queueShipment(&o, &next, up); err != nil { // lists its messages in next
			return err
		}
		if err := w.putOrder(&o, &next); err != nil {
			return err
		}
		w.changed(domain.OrderNumber(o.No), domain.DiffOrder(&o, &next)...)
		if _, err := up.close(w); err != nil {
			return err
		}
		detail := map[string]string{"carrier": next.Shipment.Carrier, "number": next.Shipment.Number}
		if o.Shipment.Number != "" {
			detail["old_number"] = o.Shipment.Number
		}
		if n, ok := w.dropped[o.No]; ok {
			detail["events_dropped"] = strconv.Itoa(n)
		}
		if next.Shipment.Override != "" {
			detail["override"] = next.Shipment.Override
		}
		if next.Shipment.NoTracking != "" {
			detail["no_tracking"] = next.Shipment.NoTracking
		}
		if err := w.audit(AuditEvent{At: now, Action: shipAction(outcome), Detail: detail}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return domain.SalesOrder{}, 0, err
	}
	if outcome != domain.ShipUnchanged {
		s.publish(Change{Kind: "order", N: 1})
	}
	return next, outcome, nil
}

func shipAction(o domain.ShipOutcome) string {
	switch o {
	case domain.ShipCorrected:
		return "tracking.correct"
	case domain.ShipTracked:
		return "tracking.add"
	case domain.ShipUpdated:
		return "tracking.update"
	}
	return "order.ship"
}

// PlanTracking gives every line of a bulk tracking upload its verdict, writing nothing.
func (s *Store) PlanTracking(lines []domain.TrackingLine, pol domain.ShipPolicy, now time.Time, operator string) (p domain.TrackingPlan, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		p = domain.PlanTracking(lines, newRefFinder(tx).find,
			trackingOwner(tx), now, pol, operator)
		return nil
	})
	return p, err
}

// ApplyTracking plans the upload again inside one write transaction and writes every good
// line. With lines in error it writes nothing and returns ErrBadLines, unless skipBad
// asks to apply the good lines anyway (rule 11: nothing is half-applied by accident).
// unreadable is how many lines of the upload did not parse, for the audit event.
func (s *Store) ApplyTracking(lines []domain.TrackingLine, unreadable int, pol domain.ShipPolicy, skipBad bool, now time.Time, by Actor) (p domain.TrackingPlan, err error) {
	if err := by.may(domain.ActionTracking); err != nil {
		return p, err
	}
	npol := s.notifyPolicy()
	err = s.db.Update(func(tx *bolt.Tx) error {
		p = domain.PlanTracking(lines, newRefFinder(tx).find,
			trackingOwner(tx), now, pol, by.Operator)
		if (p.Bad() || unreadable > 0) && !skipBad {
			return ErrBadLines
		}
		if len(p.Orders) == 0 {
			return nil
		}
		w := newWtx(tx, 4*len(p.Orders))
		written := make(map[uint64]bool, len(p.Orders))
		up := newUploads(npol, now)    // the messages owed, the channels' lines in file order
		for _, v := range p.Verdicts { // in file order, once per order whatever its lines
			next, ok := p.Orders[v.OrderNo]
			if !ok || !v.OK() || written[v.OrderNo] {
				continue
			}
			written[v.OrderNo] = true
			old := p.Before[v.OrderNo]
			if err := w.queueShipment(&old, &next, up); err != nil { // lists its messages in next
				return err
			}
			if err := w.putOrder(&old, &next); err != nil {
				return err
			}
			w.changed(domain.OrderNumber(v.OrderNo), domain.DiffOrder(&old, &next)...)
			w.undoOrderOf(&old, &next)
		}
		if _, err := up.close(w); err != nil {
			return err
		}
		ship, correct, unchanged, bad := p.Counts()
		if err := w.audit(AuditEvent{At: now, Action: "tracking.import", Detail: map[string]string{
			"ship": strconv.Itoa(ship), "correct": strconv.Itoa(correct), "unchanged": strconv.Itoa(unchanged), "skipped_bad": strconv.Itoa(bad + unreadable),
		}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil && len(p.Orders) > 0 {
		s.publish(Change{Kind: "order", N: len(p.Orders)})
	}
	return p, err
}

// EachShipment streams the orders whose shipment was entered or corrected at or after
// since (zero = all), by sales-order number, for `export tracking`: a number corrected
// today on a parcel shipped last week goes out again.
func (s *Store) EachShipment(since time.Time, fn func(domain.SalesOrder) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		get := txGetter(tx)
		return tx.Bucket(bOrders).ForEach(func(_, v []byte) error {
			if !orderMayBeShipped(v) {
				return nil
			}
			o, err := loadOrder(v, get)
			if err != nil {
				return err
			}
			if !o.Shipment.Shipped() {
				return nil
			}
			if !since.IsZero() && lastChange(o.Shipment).Before(since) {
				return nil
			}
			return fn(o)
		})
	})
}

// lastChange is when a shipment was last entered or corrected.
func lastChange(sh domain.Shipment) time.Time {
	t := sh.ShippedAt
	if n := len(sh.History); n > 0 && sh.History[n-1].At.After(t) {
		t = sh.History[n-1].At
	}
	return t
}
