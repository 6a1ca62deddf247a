package storage

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kSchema, u64(SchemaVersion+1)) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("want ErrNewerSchema, got %v", err)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	e := domain.PoolEntry{
		Trade: trade("tb-main", "T1", t0, 2),
		State: domain.PoolProcessed, Changed: true, Reason: "买家取消", OrderNo: 7,
		ImportedAt: t0, UpdatedAt: t0.Add(time.Second), StateBy: "ana", StateAt: t0.Add(time.Minute),
	}
	got, err := decodeEntry(encodeEntry(nil, &e))
	if err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("entry round trip:\n got %+v\nwant %+v (%v)", got, e, err)
	}
	o := domain.SalesOrder{No: 42, Trade: trade("jd", "9", time.Time{}, 0), Status: domain.OrderShipped,
		CreatedAt: t0, ShipBy: t0.Add(time.Hour), Attention: "x"}
	gotO, err := decodeOrder(encodeOrder(nil, &o))
	o.Trade = domain.Trade{Key: o.Key} // the trade itself lives in the pool entry
	if err != nil || !reflect.DeepEqual(gotO, o) {
		t.Fatalf("order round trip:\n got %+v\nwant %+v (%v)", gotO, o, err)
	}
	if _, err := decodeEntry(encodeEntry(nil, &e)[:10]); err == nil {
		t.Fatal("truncated record decoded without error")
	}
}

// A new file gets pages of PageSize, and so does a compacted copy; a file made with
// other pages keeps them and works as before.
func TestPageSize(t *testing.T) {
	dir := t.TempDir()
	pageSize := func(s *Store) int { return s.db.Info().PageSize }
	s := openTemp(t)
	if got := pageSize(s); got != PageSize {
		t.Fatalf("new file: pages of %d bytes, want %d", got, PageSize)
	}
	mustImport(t, s, trade("tmall", "1", t0, 2))
	packed := filepath.Join(dir, "packed.db")
	if err := s.CompactTo(packed); err != nil {
		t.Fatal(err)
	}
	c, err := Open(packed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := pageSize(c); got != PageSize {
		t.Fatalf("compacted copy: pages of %d bytes, want %d", got, PageSize)
	}
	if e := entry(t, c, domain.Key{Channel: "tmall", TradeID: "1"}); len(e.Items) != 2 {
		t.Fatalf("compacted copy lost the entry's items: %+v", e)
	}
	c.Close()

	old := filepath.Join(dir, "old.db")
	db, err := bolt.Open(old, 0o600, &bolt.Options{PageSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	o, err := Open(old, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if got := pageSize(o); got != 4096 {
		t.Fatalf("a 4 KB file opened with pages of %d bytes", got)
	}
	mustImport(t, o, trade("tmall", "2", t0, 1))
	if e := entry(t, o, domain.Key{Channel: "tmall", TradeID: "2"}); e.TradeID != "2" {
		t.Fatalf("4 KB file: entry %+v", e)
	}
}
