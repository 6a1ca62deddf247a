package storage

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// olderFile is a store read-only on a file that holds trades and lacks buckets, as a
// schema-3 file written by an earlier build does: the read-only open upgrades it first,
// by a writable open that adds them (schema 4).
func olderFile(t *testing.T, buckets [][]byte, trades ...domain.Trade) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, trades...)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range buckets {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(3))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro
}

func trade(ch, id string, paid time.Time, items int) domain.Trade {
	tr := domain.Trade{
		Key: domain.Key{Channel: ch, TradeID: id}, Platform: "taobao", Buyer: "buyer-" + id,
		Consignee:   domain.Consignee{Name: "王小明", Phone: "13800000000", Address: "杭州市西湖区", Country: "CN"},
		TradeStatus: domain.TradePaid, PaymentRef: "TR" + id, PaidAt: paid,
		Total: domain.Money{Minor: 14497, Currency: "CNY"},
	}
	for i := 0; i < items; i++ {
		tr.Items = append(tr.Items, domain.Item{SKU: "SKU-1", Title: "绿茶", Qty: 1, Price: domain.Money{Minor: 14497, Currency: "CNY"}})
	}
	return tr
}

func mustImport(t *testing.T, s *Store, trades ...domain.Trade) ImportResult {
	t.Helper()
	res, err := s.Import(trades, t0, Actor{Operator: "test", Role: domain.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func entry(t *testing.T, s *Store, k domain.Key) domain.PoolEntry {
	t.Helper()
	e, ok, err := s.PoolEntry(k)
	if err != nil || !ok {
		t.Fatalf("entry %s: found=%v err=%v", k, ok, err)
	}
	return e
}

func counts(t *testing.T, s *Store) Counts {
	t.Helper()
	c, err := s.Counts(t0, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestImportIsIdempotentAndMarksChanges(t *testing.T) {
	s := openTemp(t)
	a, b := trade("tb", "1", t0, 1), trade("tb", "2", t0, 0)
	if got := mustImport(t, s, a, b); got.New != 2 {
		t.Fatalf("first import: %+v", got)
	}
	if got := mustImport(t, s, a, b); got.Unchanged != 2 || got.New != 0 || got.Updated != 0 {
		t.Fatalf("same import again: %+v", got)
	}
	if e := entry(t, s, a.Key); e.Changed || e.State != domain.PoolReady {
		t.Fatalf("unchanged entry: %+v", e)
	}
	b2 := trade("tb", "2", t0, 2) // the detail arrives
	if got := mustImport(t, s, b2); got.Updated != 1 {
		t.Fatalf("detail import: %+v", got)
	}
	e := entry(t, s, b2.Key)
	if !e.Changed || e.State != domain.PoolReady || len(e.Items) != 2 {
		t.Fatalf("updated entry: %+v", e)
	}
	c := counts(t, s)
	if c.Pool[domain.PoolReady] != 2 || c.Pool[domain.PoolAwaitingDetail] != 0 || c.Changed != 1 {
		t.Fatalf("counts: %+v", c)
	}
}

func TestRemoveBringsBackOnNextImport(t *testing.T) {
	s := openTemp(t)
	a := trade("tb", "1", t0, 1)
	mustImport(t, s, a)
	res, err := s.Remove([]domain.Key{a.Key}, t0, Actor{Operator: "test", Role: domain.RoleSupervisor})
	if err != nil || res.Done() != 1 {
		t.Fatalf("remove: %+v %v", res, err)
	}
	if e := entry(t, s, a.Key); e.State != domain.PoolRemoved {
		t.Fatalf("state after remove: %s", e.State)
	}
	if c := counts(t, s); c.Pool[domain.PoolReady] != 0 || c.Pool[domain.PoolRemoved] != 1 {
		t.Fatalf("counts after remove: %+v", c.Pool)
	}
	if got := mustImport(t, s, a); got.Readded != 1 {
		t.Fatalf("re-import: %+v", got)
	}
	if e := entry(t, s, a.Key); e.State != domain.PoolReady {
		t.Fatalf("state after re-import: %s", e.State)
	}
}

func TestProcessedSuppressesLaterImports(t *testing.T) {
	s := openTemp(t)
	a := trade("tb", "1", t0, 1)
	mustImport(t, s, a)
	if _, err := s.Process([]domain.Key{a.Key}, "", t0, Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if e := entry(t, s, a.Key); e.State != domain.PoolReady {
		t.Fatalf("processed without a reason: %s", e.State)
	}
	if res, err := s.Process([]domain.Key{a.Key}, "buyer cancelled", t0, Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil || res.Done() != 1 {
		t.Fatalf("process: %+v %v", res, err)
	}
	changed := a
	changed.Buyer = "someone else"
	if got := mustImport(t, s, changed); got.Suppressed != 1 {
		t.Fatalf("import after processed: %+v", got)
	}
	e := entry(t, s, a.Key)
	if e.State != domain.PoolProcessed || e.Buyer != a.Buyer || e.Reason != "buyer cancelled" {
		t.Fatalf("processed entry changed: %+v", e)
	}
}

func TestConvertSkipsIneligibleAndLaterImports(t *testing.T) {
	s := openTemp(t)
	ready, header := trade("tb", "1", t0, 2), trade("tb", "2", t0, 0)
	unpaid := trade("jd", "3", time.Time{}, 1)
	unpaid.TradeStatus = domain.TradeUnpaid
	mustImport(t, s, ready, header, unpaid)

	res, err := s.Convert([]domain.Key{ready.Key, header.Key, unpaid.Key}, t0, Actor{Operator: "test", Role: domain.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done() != 1 || len(res.Skipped()) != 2 {
		t.Fatalf("convert result: %+v", res)
	}
	if r := res.Rows[0]; !r.Done || r.OrderNo != 1 {
		t.Fatalf("converted row: %+v", r)
	}
	if r := res.Rows[1]; r.Done || r.Reason == "" {
		t.Fatalf("header-only row must be skipped with a reason: %+v", r)
	}
	o, ok, err := s.Order(1)
	if err != nil || !ok || o.Status != domain.OrderAwaitingShipment || !o.ShipBy.Equal(t0.Add(domain.DefaultShipWithin)) {
		t.Fatalf("order: %+v %v %v", o, ok, err)
	}
	if got := mustImport(t, s, ready); got.Skipped != 1 {
		t.Fatalf("re-import of converted: %+v", got)
	}
	cancelled := ready
	cancelled.TradeStatus = domain.TradeCancelled
	if got := mustImport(t, s, cancelled); got.Skipped != 1 || got.Flagged != 1 {
		t.Fatalf("cancelled after conversion: %+v", got)
	}
	if got := mustImport(t, s, cancelled); got.Flagged != 0 {
		t.Fatalf("an order already flagged was counted again: %+v", got)
	}
	o, _, _ = s.Order(1)
	if o.Attention == "" {
		t.Fatal("sales order of a trade cancelled after conversion must be flagged")
	}
	c := counts(t, s)
	if c.Orders[domain.OrderAwaitingShipment] != 1 || c.Attention != 1 || c.Pool[domain.PoolConverted] != 1 {
		t.Fatalf("counts: %+v", c)
	}
	// History: the converted entry stays queryable (rule 5).
	rows, _, err := s.PoolWindow(context.Background(), PoolQuery{States: []domain.PoolState{domain.PoolConverted}}, nil, false, 10)
	if err != nil || len(rows) != 1 || rows[0].Entry.OrderNo != 1 {
		t.Fatalf("converted history: %+v %v", rows, err)
	}
}

func TestConvertAllReadyReportsSkips(t *testing.T) {
	s := openTemp(t)
	unpaid := trade("tb", "9", time.Time{}, 1)
	unpaid.TradeStatus = domain.TradeUnpaid
	mustImport(t, s, trade("tb", "1", t0, 1), trade("tb", "2", t0.Add(time.Hour), 1), trade("tb", "3", t0, 0), unpaid)
	res, err := s.ConvertAllReady(t0, Actor{Operator: "test", Role: domain.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done() != 2 {
		t.Fatalf("converted %d, want 2: %+v", res.Done(), res)
	}
	sk := res.Skipped()
	if len(sk) != 1 || sk[0].Key != unpaid.Key || sk[0].Reason == "" {
		t.Fatalf("skipped: %+v", sk)
	}
	c := counts(t, s)
	if c.Pool[domain.PoolReady] != 1 || c.Pool[domain.PoolConverted] != 2 || c.Orders[domain.OrderAwaitingShipment] != 2 {
		t.Fatalf("counts: %+v %+v", c.Pool, c.Orders)
	}
}

func TestUnknownKeyRejectsWholeBatch(t *testing.T) {
	s := openTemp(t)
	a := trade("tb", "1", t0, 1)
	mustImport(t, s, a)
	_, err := s.Convert([]domain.Key{a.Key, {Channel: "tb", TradeID: "nope"}}, t0, Actor{Operator: "test", Role: domain.RoleSupervisor})
	var unknown ErrUnknownKeys
	if !errors.As(err, &unknown) || len(unknown) != 1 {
		t.Fatalf("want ErrUnknownKeys, got %v", err)
	}
	if e := entry(t, s, a.Key); e.State != domain.PoolReady {
		t.Fatalf("batch with an unknown key wrote: %s", e.State)
	}
	if _, ok, _ := s.Order(1); ok {
		t.Fatal("order created by a rejected batch")
	}
}

func TestWindowsPageInBothDirections(t *testing.T) {
	s := openTemp(t)
	var trades []domain.Trade
	for i := 0; i < 50; i++ {
		items := 1
		if i%5 == 0 {
			items = 0
		}
		ch := "tb"
		if i%2 == 0 {
			ch = "jd"
		}
		trades = append(trades, trade(ch, string(rune('A'+i/26))+string(rune('a'+i%26)), t0.Add(time.Duration(i)*time.Minute), items))
	}
	mustImport(t, s, trades...)
	ctx := context.Background()
	for _, q := range []PoolQuery{{}, {Desc: true}, {Sort: SortChannel}, {Channel: "jd"}, {Channel: "tb", Desc: true}} {
		var all []PoolRow
		var from Pos
		for {
			rows, more, err := s.PoolWindow(ctx, q, from, false, 7)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, rows...)
			if !more {
				break
			}
			from = rows[len(rows)-1].Pos
		}
		want, _, _ := s.PoolCount(q)
		if len(all) != want {
			t.Fatalf("%+v: paged %d rows, count says %d", q, len(all), want)
		}
		for i := 1; i < len(all); i++ {
			a, b := all[i-1].Entry, all[i].Entry
			if q.Sort == SortChannel && a.Channel != b.Channel {
				if a.Channel > b.Channel {
					t.Fatalf("%+v: channel order broken at %d", q, i)
				}
				continue
			}
			if a.PaidAt.After(b.PaidAt) != q.Desc && !a.PaidAt.Equal(b.PaidAt) {
				t.Fatalf("%+v: paid-at order broken at %d: %v then %v", q, i, a.PaidAt, b.PaidAt)
			}
		}
		// Backwards from the end gives the same rows.
		var back []PoolRow
		from = nil
		for {
			rows, more, err := s.PoolWindow(ctx, q, from, true, 7)
			if err != nil {
				t.Fatal(err)
			}
			back = append(rows, back...)
			if !more {
				break
			}
			from = rows[0].Pos
		}
		if len(back) != len(all) {
			t.Fatalf("%+v: backward %d rows, forward %d", q, len(back), len(all))
		}
		for i := range back {
			if back[i].Entry.Key != all[i].Entry.Key {
				t.Fatalf("%+v: row %d differs backward", q, i)
			}
		}
	}
	rows, _, err := s.PoolWindow(ctx, PoolQuery{Words: []string{"buyer-ba"}}, nil, false, 10)
	if err != nil || len(rows) != 1 || rows[0].Entry.TradeID != "Ba" {
		t.Fatalf("word filter: %+v %v", rows, err)
	}
}

func TestSecondProcessGetsInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// bbolt's flock is per open file description, so a second Open in one process sees it.
	start := time.Now()
	_, err = Open(path, Options{LockWait: 200 * time.Millisecond})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("want ErrInUse, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("waited far past the lock timeout")
	}
}

func TestImportFromCountsARepeatedKeyOnceAndRollsBackOnError(t *testing.T) {
	s := openTemp(t)
	a := trade("tb", "1", t0, 0)
	a2 := trade("tb", "1", t0, 2)
	res, err := s.ImportFrom(func(add func([]domain.Trade) error) error {
		if err := add([]domain.Trade{a}); err != nil {
			return err
		}
		return add([]domain.Trade{a2})
	}, t0, Actor{Operator: "test", Role: domain.RoleSupervisor})
	if err != nil || res.New != 1 || res.Updated != 0 {
		t.Fatalf("repeated key in one import: %+v %v", res, err)
	}
	e := entry(t, s, a.Key)
	if e.Changed || e.State != domain.PoolReady || len(e.Items) != 2 {
		t.Fatalf("entry should be new with the last content: %+v", e)
	}
	if c := counts(t, s); c.Pool[domain.PoolReady] != 1 || c.Pool[domain.PoolAwaitingDetail] != 0 {
		t.Fatalf("counts: %+v", c.Pool)
	}

	bad := errors.New("line 9 is bad")
	_, err = s.ImportFrom(func(add func([]domain.Trade) error) error {
		if err := add([]domain.Trade{trade("tb", "2", t0, 1)}); err != nil {
			return err
		}
		return bad
	}, t0, Actor{Operator: "test", Role: domain.RoleSupervisor})
	if !errors.Is(err, bad) {
		t.Fatalf("want the feed's error, got %v", err)
	}
	if _, ok, _ := s.PoolEntry(domain.Key{Channel: "tb", TradeID: "2"}); ok {
		t.Fatal("a failed import left an entry behind")
	}
	if c := counts(t, s); c.Pool[domain.PoolReady] != 1 {
		t.Fatalf("a failed import changed the counts: %+v", c.Pool)
	}
}
