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
