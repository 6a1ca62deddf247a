package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

var (
	ana = Actor{Operator: "ana", Session: "s-ana", Role: domain.RoleSupervisor}
	bob = Actor{Operator: "bob", Session: "s-bob", Role: domain.RoleSupervisor}
)

// lastEvent is the newest audit event, whole.
func lastEvent(t *testing.T, s *Store) AuditEvent {
	t.Helper()
	rows, _, err := s.AuditWindow(context.Background(), AuditQuery{}, nil, false, 1)
	if err != nil || len(rows) != 1 {
		t.Fatalf("newest audit event: %v rows, %v", len(rows), err)
	}
	ev, ok, err := s.AuditEventAt(rows[0].Event.Seq)
	if err != nil || !ok {
		t.Fatalf("event %d: %v %v", rows[0].Event.Seq, ok, err)
	}
	return ev
}

func hasChange(evs []domain.FieldChange, want domain.FieldChange) bool {
	return slices.Contains(evs, want)
}

func TestSecondConvertNamesWhoWasFirst(t *testing.T) {
	s := openTemp(t)
	a := trade("tb", "T1", t0, 1)
	mustImport(t, s, a)
	first, err := s.Convert([]domain.Key{a.Key}, t0.Add(time.Minute), ana)
	if err != nil || first.Done() != 1 {
		t.Fatalf("first convert: %+v %v", first, err)
	}
	second, err := s.Convert([]domain.Key{a.Key}, t0.Add(2*time.Minute), bob)
	if err != nil {
		t.Fatal(err)
	}
	if second.Done() != 0 || len(second.Rows) != 1 {
		t.Fatalf("second convert should skip: %+v", second)
	}
	row := second.Rows[0]
	if row.By != "ana" || !row.At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("skipped row names %q at %v, want ana at %v", row.By, row.At, t0.Add(time.Minute))
	}
	if e := entry(t, s, a.Key); e.StateBy != "ana" || e.OrderNo != 1 {
		t.Fatalf("entry after two converts: by %q order %d", e.StateBy, e.OrderNo)
	}
	if c := counts(t, s); c.Orders[domain.OrderAwaitingShipment] != 1 {
		t.Fatalf("two converts made %d orders", c.Orders[domain.OrderAwaitingShipment])
	}
	// A refused row that was never closed by anyone names nobody.
	h := trade("tb", "H1", t0, 0)
	mustImport(t, s, h)
	res, err := s.Convert([]domain.Key{h.Key}, t0, bob)
	if err != nil || res.Rows[0].By != "" {
		t.Fatalf("header-only skip: %+v %v", res, err)
	}
}

func TestConcurrentConvertsApplyOnce(t *testing.T) {
	s := openTemp(t)
	a := trade("tb", "T1", t0, 1)
	mustImport(t, s, a)
	var wg sync.WaitGroup
	results := make([]BatchResult, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Convert([]domain.Key{a.Key}, t0, Actor{Operator: fmt.Sprintf("op%d", i), Role: domain.RoleSupervisor})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	done, winner := 0, ""
	for i, r := range results {
		if r.Done() == 1 {
			done++
			winner = fmt.Sprintf("op%d", i)
		}
	}
	if done != 1 {
		t.Fatalf("%d of 8 concurrent converts applied, want 1", done)
	}
	for _, r := range results {
		if r.Done() == 0 && r.Rows[0].By != winner {
			t.Fatalf("a loser was told %q did it, want %q", r.Rows[0].By, winner)
		}
	}
}

func TestAuditRecordsSessionAndChanges(t *testing.T) {
	s := openTemp(t)
	a, b := trade("tb", "T1", t0, 1), trade("tb", "T2", t0, 1)
	if _, err := s.Import([]domain.Trade{a, b}, t0, ana); err != nil {
		t.Fatal(err)
	}
	ev := lastEvent(t, s)
	if ev.Action != "pool.import" || ev.Operator != "ana" || ev.Session != "s-ana" || ev.Detail["new"] != "2" {
		t.Fatalf("import event: %+v", ev)
	}
	if len(ev.Objects) != 0 || len(ev.Changes) != 0 {
		t.Fatalf("new entries are counted, not listed: %+v", ev)
	}

	// An update lists the entry and each changed field, before → after.
	a2 := a
	a2.Buyer, a2.Consignee.Phone = "new-buyer", "13900000000"
	if _, err := s.Import([]domain.Trade{a2, b}, t0.Add(time.Hour), bob); err != nil {
		t.Fatal(err)
	}
	ev = lastEvent(t, s)
	if !reflect.DeepEqual(ev.Objects, []string{"tb:T1"}) {
		t.Fatalf("update event objects %v", ev.Objects)
	}
	for _, want := range []domain.FieldChange{
		{Key: "tb:T1", Field: "buyer", Before: "buyer-T1", After: "new-buyer"},
		{Key: "tb:T1", Field: "consignee.phone", Before: "13800000000", After: "13900000000"},
		{Key: "tb:T1", Field: "changed", Before: "false", After: "true"},
	} {
		if !hasChange(ev.Changes, want) {
			t.Fatalf("update event lacks %+v: %+v", want, ev.Changes)
		}
	}
	if len(ev.Changes) != 3 {
		t.Fatalf("update event lists unchanged fields: %+v", ev.Changes)
	}

	// Convert: the entry's state and order, and the new order.
	if _, err := s.Convert([]domain.Key{a.Key}, t0.Add(2*time.Hour), ana); err != nil {
		t.Fatal(err)
	}
	ev = lastEvent(t, s)
	if ev.Action != "pool.convert" || !reflect.DeepEqual(ev.Objects, []string{"tb:T1", "SO00000001"}) {
		t.Fatalf("convert event: %+v", ev)
	}
	for _, want := range []domain.FieldChange{
		{Key: "tb:T1", Field: "state", Before: "ready", After: "converted"},
		{Key: "tb:T1", Field: "order_no", Before: "", After: "SO00000001"},
		{Key: "tb:T1", Field: "changed", Before: "true", After: "false"},
		{Key: "SO00000001", Field: "status", Before: "", After: "awaiting_shipment"},
		{Key: "SO00000001", Field: "key", Before: "", After: "tb:T1"},
	} {
		if !hasChange(ev.Changes, want) {
			t.Fatalf("convert event lacks %+v: %+v", want, ev.Changes)
		}
	}

	// Process, remove and an order's status each record their fields.
	c := trade("tb", "T3", t0, 1)
	mustImport(t, s, c)
	if _, err := s.Process([]domain.Key{c.Key}, "buyer cancelled", t0, bob); err != nil {
		t.Fatal(err)
	}
	ev = lastEvent(t, s)
	if !hasChange(ev.Changes, domain.FieldChange{Key: "tb:T3", Field: "reason", Before: "", After: "buyer cancelled"}) ||
		!hasChange(ev.Changes, domain.FieldChange{Key: "tb:T3", Field: "state", Before: "ready", After: "processed"}) {
		t.Fatalf("process event: %+v", ev)
	}
	if _, err := s.Remove([]domain.Key{b.Key}, t0, bob); err != nil {
		t.Fatal(err)
	}
	if ev = lastEvent(t, s); !hasChange(ev.Changes, domain.FieldChange{Key: "tb:T2", Field: "state", Before: "ready", After: "removed"}) {
		t.Fatalf("remove event: %+v", ev)
	}
	if _, err := s.SetOrderStatus([]uint64{1}, domain.OrderShipped, t0, ana); err != nil {
		t.Fatal(err)
	}
	ev = lastEvent(t, s)
	if ev.Action != "order.status" || !hasChange(ev.Changes, domain.FieldChange{Key: "SO00000001", Field: "status", Before: "awaiting_shipment", After: "shipped"}) {
		t.Fatalf("order status event: %+v", ev)
	}

	// A re-import of the removed entry lists it; a cancelled converted trade flags its order.
	a3 := a2
	a3.TradeStatus = domain.TradeCancelled
	if _, err := s.Import([]domain.Trade{b, a3}, t0.Add(3*time.Hour), ana); err != nil {
		t.Fatal(err)
	}
	ev = lastEvent(t, s)
	if !reflect.DeepEqual(ev.Objects, []string{"SO00000001", "tb:T2"}) ||
		!hasChange(ev.Changes, domain.FieldChange{Key: "tb:T2", Field: "state", Before: "removed", After: "ready"}) ||
		!hasChange(ev.Changes, domain.FieldChange{Key: "SO00000001", Field: "attention", Before: "", After: "channel reports the trade cancelled after conversion"}) {
		t.Fatalf("re-import event: %+v", ev)
	}
}

func TestRefusedBatchWritesNoAudit(t *testing.T) {
	s := openTemp(t)
	h := trade("tb", "H1", t0, 0)
	mustImport(t, s, h)
	before := lastEvent(t, s).Seq
	if _, err := s.Convert([]domain.Key{h.Key}, t0, ana); err != nil {
		t.Fatal(err)
	}
	if got := lastEvent(t, s).Seq; got != before {
		t.Fatalf("a batch that changed nothing wrote audit event %d", got)
	}
}

func TestAuditWindowNewestFirstAndFilters(t *testing.T) {
	s := openTemp(t)
	for i := range 30 {
		by := ana
		if i%3 == 0 {
			by = bob
		}
		tr := trade("tb", fmt.Sprintf("T%02d", i), t0, 1)
		if _, err := s.Import([]domain.Trade{tr}, t0.Add(time.Duration(i)*time.Minute), by); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Convert([]domain.Key{tr.Key}, t0.Add(time.Duration(i)*time.Minute), by); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	seqs := func(rows []AuditRow) []uint64 {
		var out []uint64
		for _, r := range rows {
			out = append(out, r.Event.Seq)
		}
		return out
	}
	page1, more, err := s.AuditWindow(ctx, AuditQuery{}, nil, false, 10)
	if err != nil || !more || !reflect.DeepEqual(seqs(page1), []uint64{60, 59, 58, 57, 56, 55, 54, 53, 52, 51}) {
		t.Fatalf("first page %v more=%v err=%v", seqs(page1), more, err)
	}
	page2, _, _ := s.AuditWindow(ctx, AuditQuery{}, page1[9].Pos, false, 3)
	if !reflect.DeepEqual(seqs(page2), []uint64{50, 49, 48}) {
		t.Fatalf("next page %v", seqs(page2))
	}
	back, more, _ := s.AuditWindow(ctx, AuditQuery{}, page2[0].Pos, true, 3)
	if !reflect.DeepEqual(seqs(back), []uint64{53, 52, 51}) || !more {
		t.Fatalf("page before %v more=%v", seqs(back), more)
	}
	last, _, _ := s.AuditWindow(ctx, AuditQuery{}, nil, true, 2)
	if !reflect.DeepEqual(seqs(last), []uint64{2, 1}) {
		t.Fatalf("oldest %v", seqs(last))
	}
	if n, exact, _ := s.AuditCount(AuditQuery{}); n != 60 || !exact {
		t.Fatalf("count %d exact=%v", n, exact)
	}

	rows, _, _ := s.AuditWindow(ctx, AuditQuery{Operator: "bob", Action: "pool.conv"}, nil, false, 100)
	if len(rows) != 10 {
		t.Fatalf("bob's converts: %d rows", len(rows))
	}
	for _, r := range rows {
		if r.Event.Operator != "bob" || r.Event.Action != "pool.convert" {
			t.Fatalf("filter let through %+v", r.Event)
		}
	}
	rows, _, _ = s.AuditWindow(ctx, AuditQuery{Key: "tb:T07"}, nil, false, 100)
	if len(rows) != 1 || rows[0].Event.Action != "pool.convert" {
		t.Fatalf("events of tb:T07: %+v", rows)
	}
	rows, _, _ = s.AuditWindow(ctx, AuditQuery{Words: []string{"so00000003"}}, nil, false, 100)
	if len(rows) != 1 {
		t.Fatalf("word search: %d rows", len(rows))
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := s.AuditWindow(cancelled, AuditQuery{Operator: "nobody"}, nil, false, 10); err == nil {
		t.Fatal("a cancelled scan of the whole trail did not stop")
	}

	var exported []uint64
	if err := s.EachAudit(AuditQuery{Since: t0.Add(28 * time.Minute)}, func(ev AuditEvent) error {
		exported = append(exported, ev.Seq)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(exported, []uint64{57, 58, 59, 60}) {
		t.Fatalf("since export %v", exported)
	}
}

func TestAuditRowsKeepFewObjects(t *testing.T) {
	s := openTemp(t)
	var keys []domain.Key
	for i := range 20 {
		tr := trade("tb", fmt.Sprintf("T%02d", i), t0, 1)
		mustImport(t, s, tr)
		keys = append(keys, tr.Key)
	}
	if _, err := s.Convert(keys, t0, ana); err != nil {
		t.Fatal(err)
	}
	rows, _, err := s.AuditWindow(context.Background(), AuditQuery{Key: "tb:T19"}, nil, false, 1)
	if err != nil || len(rows) != 1 {
		t.Fatalf("%v %v", rows, err)
	}
	if rows[0].ObjectCount != 40 || len(rows[0].Event.Objects) != auditRowObjects || rows[0].Event.Changes != nil {
		t.Fatalf("row holds %d of %d objects, %d changes", len(rows[0].Event.Objects), rows[0].ObjectCount, len(rows[0].Event.Changes))
	}
}

// Files written before entries recorded who changed them still read.
func TestVersion1EntriesStillRead(t *testing.T) {
	e := domain.PoolEntry{
		Trade: trade("tb-main", "T1", t0, 2), State: domain.PoolReady, Reason: "r", OrderNo: 3,
		ImportedAt: t0, UpdatedAt: t0.Add(time.Second),
	}
	w := enc{}
	w.byte(entryV1)
	w.byte(uint8(e.State))
	w.bool(e.Changed)
	w.s(e.Reason)
	w.u(e.OrderNo)
	w.t(e.ImportedAt)
	w.t(e.UpdatedAt)
	w.trade(&e.Trade)
	got, err := decodeEntry(w.b)
	if err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("version 1 entry:\n got %+v\nwant %+v (%v)", got, e, err)
	}

	// In a file: a version 1 record is converted and comes back as version 2.
	s := openTemp(t)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		wt := newWtx(tx, 1)
		if err := wt.putEntry(nil, &e); err != nil {
			return err
		}
		if err := wt.commit(); err != nil {
			return err
		}
		seq, _ := findEntry(txGetter(tx), poolKey(nil, e.Key))
		return tx.Bucket(bPoolEntries).Put(seq, w.b)
	}); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Convert([]domain.Key{e.Key}, t0, ana); err != nil || res.Done() != 1 {
		t.Fatalf("convert of a version 1 entry: %+v %v", res, err)
	}
	if got := entry(t, s, e.Key); got.StateBy != "ana" || got.State != domain.PoolConverted {
		t.Fatalf("after convert: %+v", got)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		if v := entryRecord(txGetter(tx), poolKey(nil, e.Key)); v[0] != entryVersion {
			return fmt.Errorf("rewritten record is version %d", v[0])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSharedStoreClosesWithTheLastUser(t *testing.T) {
	s := openTemp(t)
	shared := s.Share()
	if err := shared.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.PoolEntry(domain.Key{Channel: "a", TradeID: "b"}); err != nil {
		t.Fatalf("the store closed with a share still open: %v", err)
	}
	ch, _ := s.Subscribe()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Fatal("subscription still open after the last close")
	}
}

func TestAuditEventJSONIsStable(t *testing.T) {
	ev := AuditEvent{Seq: 1, At: t0, Operator: "ana", Session: "ab12", Action: "pool.convert", Objects: []string{"tb:T1"},
		Changes: []domain.FieldChange{{Key: "tb:T1", Field: "state", Before: "ready", After: "converted"}}}
	b, _ := json.Marshal(ev)
	want := `{"seq":1,"at":"2026-11-20T10:00:00Z","operator":"ana","session":"ab12","action":"pool.convert","objects":["tb:T1"],"changes":[{"key":"tb:T1","field":"state","before":"ready","after":"converted"}]}`
	if string(b) != want {
		t.Fatalf("audit JSON\n got %s\nwant %s", b, want)
	}
}
