package storage

import (
	"errors"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
)

var (
	opAna    = Actor{Operator: "ana", Role: domain.RoleOperator}
	opBob    = Actor{Operator: "bob", Role: domain.RoleOperator}
	undoBoss = Actor{Operator: "cho", Role: domain.RoleSupervisor}
)

func mustDoctorOK(t *testing.T, s *Store, when string) {
	t.Helper()
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor after %s: %v", when, rep.Problems)
	}
}

func rowOf(p UndoPlan, object string) UndoRow {
	for _, r := range p.Rows {
		if r.Object == object {
			return r
		}
	}
	return UndoRow{Object: "missing " + object}
}

// A conversion undone: the entries whose orders shipped or got a refund are kept, named
// with the reason; the rest are ready again, their orders gone, in one transaction.
func TestUndoConvertKeepsShippedAndRefunded(t *testing.T) {
	s := openTemp(t)
	mustImport(t, s, trade("tb", "U1", t0, 1), trade("tb", "U2", t0, 1), trade("tb", "U3", t0, 1), trade("tb", "U4", t0, 1), trade("tb", "U5", t0, 1))
	before := counts(t, s)
	res, err := s.ConvertAllReady(t0, opAna)
	if err != nil || res.Done() != 5 {
		t.Fatalf("convert: %v %+v", err, res)
	}
	no := map[string]uint64{}
	for _, r := range res.Rows {
		no[r.Key.TradeID] = r.OrderNo
	}
	if _, _, err := s.Ship(domain.RefTo(no["U1"]), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, opAna); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PartialRefund(domain.RefTo(no["U2"]), amountOf("1.00"), "scratch", t0, undoBoss); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOrderStatus([]uint64{no["U5"]}, domain.OrderCancelled, t0, undoBoss); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Undo(0, t0, opBob); !errors.Is(err, ErrNothingToUndo) {
		t.Fatalf("bob has done nothing, undo: %v", err)
	}
	seq := lastEvent(t, s).Seq - 3 // the conversion, before the shipment, the refund and the cancellation
	if _, err := s.Undo(seq, t0, opBob); err == nil || !strings.Contains(err.Error(), "only ana or a supervisor") {
		t.Fatalf("bob undoing ana's conversion: %v", err)
	}
	p, err := s.Undo(0, t0, opAna)
	if err != nil {
		t.Fatal(err)
	}
	if p.Seq != seq || p.Undoable() != 2 || len(p.Rows) != 5 {
		t.Fatalf("plan %+v", p)
	}
	if r := rowOf(p, "tb:U1"); r.OK || !strings.Contains(r.Reason, "has shipped") {
		t.Errorf("shipped U1: %+v", r)
	}
	if r := rowOf(p, "tb:U2"); r.OK || !strings.Contains(r.Reason, "has a refund") {
		t.Errorf("refunded U2: %+v", r)
	}
	if r := rowOf(p, "tb:U5"); r.OK || !strings.Contains(r.Reason, "changed by a later action") {
		t.Errorf("cancelled U5: %+v", r)
	}
	for _, id := range []string{"U3", "U4"} {
		e := entry(t, s, domain.Key{Channel: "tb", TradeID: id})
		if e.State != domain.PoolReady || e.OrderNo != 0 {
			t.Errorf("%s after undo: %v order %d", id, e.State, e.OrderNo)
		}
		if _, err := s.FindOrder(domain.RefTo(no[id])); err == nil {
			t.Errorf("order of %s still there", id)
		}
		if _, err := s.FindOrder(orderRef("TR" + id)); err == nil {
			t.Errorf("order of %s still found by payment reference", id)
		}
	}
	after := counts(t, s)
	if after.Pool[domain.PoolReady] != before.Pool[domain.PoolReady]-3 || after.Pool[domain.PoolConverted] != 3 {
		t.Errorf("counts after undo: %+v (before the conversion %+v)", after.Pool, before.Pool)
	}
	mustDoctorOK(t, s, "undoing a conversion")
	ev := lastEvent(t, s)
	if ev.Action != "undo" || ev.Operator != "ana" || ev.Detail["undoes"] == "" || ev.Detail["undone"] != "2" {
		t.Errorf("undo's audit event: %+v", ev)
	}
	if _, err := s.Undo(seq, t0, undoBoss); !errors.Is(err, ErrUndone) {
		t.Errorf("undoing twice: %v", err)
	}
	// The entries converted again get new orders; the file stays whole.
	if res, err := s.ConvertAllReady(t0, opAna); err != nil || res.Done() != 2 {
		t.Fatalf("convert again: %v %+v", err, res)
	}
	mustDoctorOK(t, s, "converting again")
}

// Undo of a conversion whose orders' payment references are staged as a run.
func TestUndoConvertOfStagedRun(t *testing.T) {
	old := runFrom
	runFrom = 1
	t.Cleanup(func() { runFrom = old })
	s := openTemp(t)
	mustImport(t, s, trade("tb", "R1", t0, 1), trade("tb", "R2", t0, 1))
	if _, err := s.ConvertAllReady(t0, opAna); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Undo(0, t0, opAna); err != nil {
		t.Fatal(err)
	}
	mustDoctorOK(t, s, "undoing a conversion staged as a run")
	if c := counts(t, s); c.Pool[domain.PoolReady] != 2 {
		t.Errorf("ready after undo: %d", c.Pool[domain.PoolReady])
	}
}

func TestUndoRemoveAndProcess(t *testing.T) {
	s := openTemp(t)
	a, b, c := trade("tb", "P1", t0, 1), trade("tb", "P2", t0, 1), trade("tb", "P3", t0, 1)
	mustImport(t, s, a, b, c)
	if _, err := s.Remove([]domain.Key{a.Key, b.Key}, t0, opAna); err != nil {
		t.Fatal(err)
	}
	removal := lastEvent(t, s).Seq
	if _, err := s.Process([]domain.Key{c.Key}, "duplicate", t0, opBob); err != nil {
		t.Fatal(err)
	}
	// A later import brings P2 back: the removal of P2 is no longer the last word on it.
	mustImport(t, s, b)
	p, err := s.Undo(removal, t0, opAna)
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(p, "tb:P2"); r.OK || !strings.Contains(r.Reason, "changed by a later action") {
		t.Errorf("re-imported P2: %+v", r)
	}
	if e := entry(t, s, a.Key); e.State != domain.PoolReady {
		t.Errorf("P1 after undo: %v", e.State)
	}
	p, err = s.Undo(0, t0, opBob)
	if err != nil || p.Undoable() != 1 {
		t.Fatalf("undo bob's mark processed: %v %+v", err, p)
	}
	if e := entry(t, s, c.Key); e.State != domain.PoolReady || e.Reason != "" {
		t.Errorf("P3 after undo: %v %q", e.State, e.Reason)
	}
	mustDoctorOK(t, s, "undoing a removal and a mark processed")
	// Nothing left to undo for bob; an import is not an undoable action.
	if _, err := s.Undo(0, t0, opBob); !errors.Is(err, ErrNothingToUndo) {
		t.Errorf("bob's second undo: %v", err)
	}
	if _, err := s.Undo(1, t0, undoBoss); !errors.Is(err, ErrNotUndoable) {
		t.Errorf("undo of an import: %v", err)
	}
	viewer := Actor{Operator: "vic", Role: domain.RoleViewer}
	if _, err := s.Undo(0, t0, viewer); err == nil {
		t.Error("a viewer undid something")
	}
}

// When nothing can be undone, nothing is written and the action stays undoable later.
func TestUndoNothingPossibleWritesNothing(t *testing.T) {
	s := openTemp(t)
	a := trade("tb", "N1", t0, 1)
	mustImport(t, s, a)
	if _, err := s.Remove([]domain.Key{a.Key}, t0, opAna); err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, a)
	last := lastEvent(t, s).Seq
	p, err := s.Undo(0, t0, opAna)
	if err != nil || p.Undoable() != 0 || p.UndoSeq != 0 {
		t.Fatalf("undo: %v %+v", err, p)
	}
	if lastEvent(t, s).Seq != last {
		t.Error("an undo that undid nothing wrote an audit event")
	}
}

func TestUndoTrackingImport(t *testing.T) {
	s := shippingStore(t)
	conv := lastEvent(t, s).Seq
	lines := []domain.TrackingLine{{Line: 1, Ref: "tb:T1", Carrier: "ems", Number: numA}, {Line: 2, Ref: "tb:T3", Carrier: "ems", Number: numB}}
	if _, err := s.ApplyTracking(lines, 0, cn, false, t0, opAna); err != nil {
		t.Fatal(err)
	}
	imp := lastEvent(t, s).Seq
	// SO4 (tb:T3) is corrected by hand afterwards: it is kept.
	if _, _, err := s.Ship(orderRef("tb:T3"), domain.ShipInput{Carrier: "ems", Number: "EA000000014CN"}, cn, t0, opAna); err != nil {
		t.Fatal(err)
	}
	p, err := s.Undo(imp, t0, opAna)
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(p, "SO00000001"); !r.OK {
		t.Errorf("SO1: %+v", r)
	}
	if r := rowOf(p, "SO00000004"); r.OK || !strings.Contains(r.Reason, "later action") {
		t.Errorf("SO4 changed since: %+v", r)
	}
	o, err := s.FindOrder(orderRef("SO00000001"))
	if err != nil || o.Shipment.Shipped() || o.Status != domain.OrderAwaitingShipment {
		t.Errorf("SO1 after undo: %v %+v", err, o)
	}
	if _, err := s.FindOrder(orderRef(numA)); err == nil {
		t.Error("SO1's tracking number still finds it")
	}
	mustDoctorOK(t, s, "undoing a tracking import")
	// SO1 still lists the shipped message queued for numA (it stays queued): the same
	// number again queues no second one, and the conversion can still be undone.
	if o.ToldID(domain.KindShipped, numA) == 0 {
		t.Errorf("SO1 forgot its shipped message: %v", o.Told)
	}
	// Its record keeps the list but no shipment: the exports' walks leave it out.
	if err := s.EachShipment(time.Time{}, func(o domain.SalesOrder) error {
		if o.No == 1 {
			t.Error("export tracking lists SO1 after its number was undone")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.EachParcel(t0, func(r ParcelRow) error {
		if r.Order.No == 1 {
			t.Error("export parcels lists SO1 after its number was undone")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if plan, err := s.UndoPlanFor(conv, Actor{Operator: "sue", Role: domain.RoleSupervisor}); err != nil || !rowOf(plan, "tb:T1").OK {
		t.Errorf("the conversion of SO1 after the undone import: %v %+v", err, plan.Rows)
	}
	before := len(outboxOf(t, s))
	if _, err := s.ApplyTracking(lines[:1], 0, cn, false, t0, opAna); err != nil {
		t.Fatal(err)
	}
	if after := len(outboxOf(t, s)); after != before {
		t.Errorf("the same number again queued %d messages", after-before)
	}
	mustDoctorOK(t, s, "the number entered again")
}

func TestUndoRefundRejectAndProcess(t *testing.T) {
	s := refundStore(t)
	mustImportRefunds(t, s, t0, claim("tb", "R1", "T1", domain.RefundReceivedNoReturn, 14497, t0),
		claim("tb", "R2", "T1", domain.RefundReceivedNoReturn, 100, t0), claim("tb", "R3", "T2", domain.RefundReceivedNoReturn, 100, t0))
	if _, err := s.RejectRefunds([]domain.RefundKey{rkey("tb", "R1"), rkey("tb", "R2")}, "no proof", t0, undoBoss); err != nil {
		t.Fatal(err)
	}
	reject := lastEvent(t, s).Seq
	// The two write-backs to the channel (the buyer is told of each too).
	rejects := func() (out []domain.OutboxMessage) {
		if err := s.EachOutbox(func(_ uint64, m domain.OutboxMessage) error {
			if m.Kind == domain.OutboxRefundReject || m.Kind == domain.KindRefundRejected {
				out = append(out, m)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var outbox []uint64
	for _, m := range rejects() {
		if m.Kind == domain.OutboxRefundReject {
			outbox = append(outbox, m.ID)
		}
	}
	if len(outbox) != 2 {
		t.Fatalf("outbox %v", outbox)
	}
	// R2's rejection has gone to the channel: the sender recorded it sent.
	if err := s.RecordOutbox([]OutboxResult{{ID: outbox[1], At: t0}}, 8, t0, undoBoss); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R3")}, t0, undoBoss); err != nil {
		t.Fatal(err)
	}
	conv := lastEvent(t, s).Seq
	if _, err := s.Undo(conv, t0, undoBoss); !errors.Is(err, ErrNotUndoable) {
		t.Errorf("undo of a refund conversion (money): %v", err)
	}
	p, err := s.Undo(reject, t0, undoBoss)
	if err != nil || p.Undoable() != 1 {
		t.Fatalf("undo reject: %v %+v", err, p)
	}
	if r := rowOf(p, "tb:R2"); r.OK || !strings.Contains(r.Reason, "written back") {
		t.Errorf("R2: %+v", r)
	}
	if r := request(t, s, rkey("tb", "R1")); r.State != domain.RefundPending {
		t.Errorf("R1 after undo: %v", r.State)
	}
	// R1's messages are withdrawn (cancelled, never sent); R2's write-back stays sent.
	for _, m := range rejects() {
		switch {
		case m.ID == outbox[1]:
			if m.State != domain.OutboxSent {
				t.Errorf("R2's write-back after undo: %v", m.State)
			}
		case m.Stage == "tb:R1" && m.State != domain.OutboxCancelled:
			t.Errorf("R1's %s after undo: %v", m.Kind, m.State)
		}
	}
	if _, err := s.ProcessRefunds([]domain.RefundKey{rkey("tb", "R1")}, "settled by phone", t0, undoBoss); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Undo(0, t0, undoBoss); err != nil || p.Undoable() != 1 || p.Action != "refund.process" {
		t.Fatalf("undo process: %v %+v", err, p)
	}
	if r := request(t, s, rkey("tb", "R1")); r.State != domain.RefundPending {
		t.Errorf("R1 after undoing process: %v", r.State)
	}
	mustDoctorOK(t, s, "undoing refund decisions")
}

// An undone correction would give the order back its earlier number: kept when another
// order has taken that number since.
func TestUndoTrackingKeepsANumberTakenSince(t *testing.T) {
	s := shippingStore(t)
	if _, _, err := s.Ship(orderRef("tb:T1"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, opAna); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyTracking([]domain.TrackingLine{{Line: 1, Ref: "tb:T1", Carrier: "ems", Number: numC}}, 0, cn, false, t0, opAna); err != nil {
		t.Fatal(err)
	}
	imp := lastEvent(t, s).Seq
	if _, _, err := s.Ship(orderRef("tb:T2"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, opBob); err != nil {
		t.Fatal(err)
	}
	p, err := s.Undo(imp, t0, opAna)
	if err != nil || p.Undoable() != 0 {
		t.Fatalf("undo: %v %+v", err, p)
	}
	if r := rowOf(p, "SO00000001"); r.OK || !strings.Contains(r.Reason, "now SO00000002's") {
		t.Errorf("SO1: %+v", r)
	}
	mustDoctorOK(t, s, "a refused undo")
}
