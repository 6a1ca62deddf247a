package storage

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// schema2Pool rewrites a file's pool into the schema-2 layout: pool keyed channel 0x00
// tradeID → the entry record, no pool_entries bucket, no arrival counter.
func schema2Pool(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		// Orders named their pool entry by key.
		get := txGetter(tx)
		type order struct {
			k []byte
			o domain.SalesOrder
		}
		var orders []order
		if err := tx.Bucket(bOrders).ForEach(func(k, v []byte) error {
			o, err := loadOrder(v, get)
			orders = append(orders, order{append([]byte{}, k...), o})
			return err
		}); err != nil {
			return err
		}
		// The reference index was a B+tree of reference 0x00 no(8) → nil.
		if err := tx.DeleteBucket(bOrdersByRef); err != nil {
			return err
		}
		refs, err := tx.CreateBucket(bOrdersByRef)
		if err != nil {
			return err
		}
		for _, o := range orders {
			if err := tx.Bucket(bOrders).Put(o.k, encodeOrder(nil, &o.o)); err != nil {
				return err
			}
			for _, r := range []string{o.o.TradeID, o.o.PaymentRef} {
				if err := refs.Put(binary.BigEndian.AppendUint64(append([]byte(r), 0), o.o.No), nil); err != nil {
					return err
				}
			}
		}
		type kv struct{ k, v []byte }
		var old []kv
		if err := tx.Bucket(bPoolEntries).ForEach(func(_, rec []byte) error {
			e, err := decodeEntry(rec)
			old = append(old, kv{poolKey(nil, e.Key), append([]byte{}, rec...)})
			return err
		}); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bPool); err != nil {
			return err
		}
		pool, err := tx.CreateBucket(bPool)
		if err != nil {
			return err
		}
		for _, e := range old {
			if err := pool.Put(e.k, e.v); err != nil {
				return err
			}
		}
		byKey, err := tx.CreateBucket(bOrdersByKey)
		if err != nil {
			return err
		}
		for _, e := range old {
			d, err := decodeEntry(e.v)
			if err != nil {
				return err
			}
			if d.OrderNo != 0 {
				if err := byKey.Put(e.k, u64(d.OrderNo)); err != nil {
					return err
				}
			}
		}
		if err := tx.DeleteBucket(bPoolEntries); err != nil {
			return err
		}
		if err := tx.Bucket(bMeta).Delete(kEntrySeq); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(2))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// poolState is what the pool and orders look like from outside the storage package.
type poolState struct {
	entries []domain.PoolEntry // by key
	open    []PoolRow
	all     []PoolRow
	channel []PoolRow
	orders  []OrderRow
	counts  Counts
}

func readPoolState(t *testing.T, s *Store, keys []domain.Key) poolState {
	t.Helper()
	var st poolState
	for _, k := range keys {
		st.entries = append(st.entries, entry(t, s, k))
	}
	ctx := context.Background()
	var err error
	if st.open, _, err = s.PoolWindow(ctx, PoolQuery{}, nil, false, 100); err != nil {
		t.Fatal(err)
	}
	all := PoolQuery{States: domain.PoolStates}
	if st.all, _, err = s.PoolWindow(ctx, all, nil, false, 100); err != nil {
		t.Fatal(err)
	}
	if st.channel, _, err = s.PoolWindow(ctx, PoolQuery{States: domain.PoolStates, Channel: "jd"}, nil, false, 100); err != nil {
		t.Fatal(err)
	}
	if st.orders, _, err = s.OrderWindow(ctx, OrderQuery{}, nil, false, 100); err != nil {
		t.Fatal(err)
	}
	st.counts = counts(t, s)
	return st
}

func TestMigrationKeysPoolByArrival(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []domain.Key
	var trades []domain.Trade
	for i, id := range []string{"Z9", "A1", "M5", "B2", "Y8"} {
		for _, ch := range []string{"tb", "jd"} {
			tr := trade(ch, id, t0.Add(-time.Duration(i)*time.Hour), 1+i%2)
			trades = append(trades, tr)
			keys = append(keys, tr.Key)
		}
	}
	mustImport(t, s, trades...)
	by := Actor{Operator: "t", Role: domain.RoleSupervisor}
	if _, err := s.Convert([]domain.Key{keys[0], keys[3], keys[4]}, t0, by); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove([]domain.Key{keys[5]}, t0, by); err != nil {
		t.Fatal(err)
	}
	want := readPoolState(t, s, keys)
	if len(want.orders) != 3 || len(want.all) != len(keys) || want.orders[0].Order.Trade.TradeID == "" {
		t.Fatalf("fixture: %d orders, %d entries", len(want.orders), len(want.all))
	}
	schema2Pool(t, s)
	s.Close()

	// A read-only open (export, status) upgrades the file first.
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := readPoolState(t, ro, keys); !reflect.DeepEqual(got, want) {
		t.Fatalf("after migration, read-only:\n got %+v\nwant %+v", got, want)
	}
	ro.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := readPoolState(t, s, keys); !reflect.DeepEqual(got, want) {
		t.Fatalf("after migration:\n got %+v\nwant %+v", got, want)
	}
	for _, o := range want.orders {
		got, found, err := s.Order(o.Order.No)
		if err != nil || !found || !reflect.DeepEqual(got, o.Order) {
			t.Fatalf("order %d after migration: %v %v\n got %+v\nwant %+v", o.Order.No, found, err, got, o.Order)
		}
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kSchema); binary.BigEndian.Uint64(v) != SchemaVersion {
			t.Errorf("schema %d", binary.BigEndian.Uint64(v))
		}
		if v := tx.Bucket(bMeta).Get(kEntrySeq); len(v) != 8 || binary.BigEndian.Uint64(v) != uint64(len(keys)) {
			t.Errorf("seq/entry %x, want %d", v, len(keys))
		}
		if tx.Bucket(bOrdersByKey) != nil {
			t.Error("orders_by_key is still there after the migration")
		}
		if err := tx.Bucket(bOrders).ForEach(func(k, v []byte) error {
			if v[0]&orderAtEntry == 0 {
				t.Errorf("order %x still names its pool entry by key", k)
			}
			return nil
		}); err != nil {
			return err
		}
		items := 0
		if err := tx.Bucket(bPool).ForEach(func(k, v []byte) error {
			if len(k) != 2 || len(v)%idItem != 0 {
				t.Errorf("pool slot %x → %d bytes, want 2-byte slots of 12-byte items", k, len(v))
			}
			items += len(v) / idItem
			return nil
		}); err != nil {
			return err
		}
		if items != len(keys) {
			t.Errorf("key index holds %d items, want %d", items, len(keys))
		}
		seen := map[uint64]bool{}
		for _, k := range keys {
			seq, rec := findEntry(txGetter(tx), poolKey(nil, k))
			if len(seq) != 8 || rec == nil {
				t.Errorf("key index has no entry for %s", k)
				continue
			}
			n := binary.BigEndian.Uint64(seq)
			if n < 1 || n > uint64(len(keys)) || seen[n] {
				t.Errorf("%s has arrival number %d (seen before: %v)", k, n, seen[n])
			}
			seen[n] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The reference index was rebuilt hashed: trade IDs and payment references find their
	// orders (Z9 is a trade ID in two channels, converted in one).
	for ref, want := range map[string]domain.Key{"Z9": keys[0], "TRZ9": keys[0], "A1": keys[3], "TRM5": keys[4]} {
		if o, err := s.FindOrder(orderRef(ref)); err != nil || o.Key != want {
			t.Errorf("FindOrder(%q) after migration: %v %v, want %v", ref, o.Key, err, want)
		}
	}

	// New entries after the migration get numbers after the migrated ones; an update keeps its number.
	fresh := trade("tb", "AA0", t0, 1)
	upd := trades[2]
	upd.Buyer = "someone else"
	if res := mustImport(t, s, fresh, upd); res.New != 1 || res.Updated != 1 {
		t.Fatalf("import after migration: %+v", res)
	}
	if e := entry(t, s, upd.Key); e.Buyer != "someone else" {
		t.Fatalf("updated entry: %+v", e)
	}
	var order []domain.Key
	if err := s.EachPool(func(e domain.PoolEntry) error { order = append(order, e.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(order) != len(keys)+1 || order[len(order)-1] != fresh.Key {
		t.Fatalf("entries in arrival order: %v", order)
	}
	for _, k := range keys {
		entry(t, s, k)
	}
	if c := counts(t, s); c.Pool[domain.PoolReady] != want.counts.Pool[domain.PoolReady]+1 {
		t.Fatalf("counts after import: %+v, before %+v", c, want.counts)
	}
}

// A schema-1 file's pool is in the schema-2 layout; its migration builds the reference
// index from orders whose trade it reads from the pool.
func TestMigrationFromSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, trade("tb", "T1", t0, 1))
	if _, err := s.ConvertAllReady(t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	schema2Pool(t, s)
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bOrdersByRef); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if o, err := s.FindOrder(orderRef("TRT1")); err != nil || o.No != 1 || o.Trade.Buyer != "buyer-T1" {
		t.Fatalf("after migration: %+v %v", o, err)
	}
}
