package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// lateBuckets are the buckets that came into files without a schema version of their own
// (the refund queue, the hashed indexes' runs): a file of schema 3 or older may lack them.
var lateBuckets = [][]byte{bRefunds, bRefundsByState, bOrderRefunds, bOutbox, hashedRuns[string(bPool)], hashedRuns[string(bOrdersByRef)]}

// dropLateBuckets deletes lateBuckets and the refund queue's counters from the file, as
// an older build wrote it.
func dropLateBuckets(t *testing.T, s *Store) {
	t.Helper()
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range lateBuckets {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		var refundCounters [][]byte
		if err := tx.Bucket(bCounts).ForEach(func(k, _ []byte) error {
			if strings.HasPrefix(string(k), "refund") {
				refundCounters = append(refundCounters, append([]byte{}, k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range refundCounters {
			if err := tx.Bucket(bCounts).Delete(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func setSchema(t *testing.T, s *Store, v uint64) {
	t.Helper()
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kSchema, u64(v)) }); err != nil {
		t.Fatal(err)
	}
}

func schemaOf(t *testing.T, s *Store) uint64 {
	t.Helper()
	var v uint64
	if err := s.db.View(func(tx *bolt.Tx) error {
		v = binary.BigEndian.Uint64(tx.Bucket(bMeta).Get(kSchema))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// migrationFixture is a file of the current schema holding a pool with converted,
// removed and open entries, shipped orders and a refund request, and what it reads as
// (toSchema then rewrites it into an older schema).
type migrationFixture struct {
	path    string
	keys    []domain.Key
	want    poolState
	refunds []domain.RefundRequest
	orders  []domain.SalesOrder // all four, shipped or not
}

func newMigrationFixture(t *testing.T) (*Store, migrationFixture) {
	t.Helper()
	s := refundStore(t) // T1, T2 (two channels), T3 converted; two of them shipped; T9 open
	mustImportRefunds(t, s, t0, claim("tb", "R1", "T1", domain.RefundNotReceived, 1, t0))
	var trades []domain.Trade
	for i, id := range []string{"Z9", "A1", "M5"} {
		trades = append(trades, trade("jd", id, t0.Add(-time.Duration(i)*time.Hour), 1+i%2))
	}
	mustImport(t, s, trades...)
	if _, err := s.Remove([]domain.Key{trades[1].Key}, t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	f := migrationFixture{path: s.Path()}
	for _, id := range []string{"T1", "T3", "T9"} {
		f.keys = append(f.keys, domain.Key{Channel: "tb", TradeID: id})
	}
	f.keys = append(f.keys, domain.Key{Channel: "jd", TradeID: "T2"})
	for _, tr := range trades {
		f.keys = append(f.keys, tr.Key)
	}
	f.want = readPoolState(t, s, f.keys)
	if len(f.want.orders) != 2 || f.want.counts.Refunds.Pending != 1 { // two of the four orders shipped
		t.Fatalf("fixture: %d orders awaiting shipment, refunds %+v", len(f.want.orders), f.want.counts.Refunds)
	}
	for no := uint64(1); no <= 4; no++ {
		o, found, err := s.Order(no)
		if err != nil || !found {
			t.Fatalf("fixture: order %d: %v %v", no, found, err)
		}
		f.orders = append(f.orders, o)
	}
	f.refunds = allRefunds(t, s)
	return s, f
}

func allRefunds(t *testing.T, s *Store) []domain.RefundRequest {
	t.Helper()
	var rs []domain.RefundRequest
	if err := s.EachRefund(func(r domain.RefundRequest) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rs
}

// toSchema rewrites the open fixture file into schema from (1, 2 or 3) and closes it.
func toSchema(t *testing.T, s *Store, from uint64, keepLate bool) {
	t.Helper()
	if from <= 2 {
		schema2Pool(t, s)
	}
	if from == 1 {
		if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bOrdersByRef) }); err != nil {
			t.Fatal(err)
		}
	}
	if !keepLate {
		dropLateBuckets(t, s)
	}
	setSchema(t, s, from)
	s.Close()
}

// checkMigrated says whether s reads as the fixture did, at schema 4 with every bucket of
// the table.
func checkMigrated(t *testing.T, s *Store, f migrationFixture, refunds bool) {
	t.Helper()
	if v := schemaOf(t, s); v != SchemaVersion {
		t.Errorf("schema %d after the migration, want %d", v, SchemaVersion)
	}
	if got, want := bucketNames(t, s), tableNames(); !slices.Equal(got, want) {
		t.Errorf("buckets %q, want the table's %q", got, want)
	}
	want := f.want
	wantRefunds := f.refunds
	if !refunds { // written before the refund queue: an empty queue
		want.counts.Refunds = RefundCounts{}
		wantRefunds = nil
	}
	got := readPoolState(t, s, f.keys)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the migration:\n got %+v\nwant %+v", got, want)
	}
	if rs := allRefunds(t, s); !reflect.DeepEqual(rs, wantRefunds) {
		t.Errorf("refunds after the migration: %+v, want %+v", rs, wantRefunds)
	}
	for _, o := range f.orders {
		got, found, err := s.Order(o.No)
		if err != nil || !found || !reflect.DeepEqual(got, o) {
			t.Errorf("order %d: %v %v\n got %+v\nwant %+v", o.No, found, err, got, o)
		}
	}
	if o, err := s.FindOrder(orderRef("TRT3")); err != nil || o.Key != (domain.Key{Channel: "tb", TradeID: "T3"}) {
		t.Errorf("FindOrder by payment reference: %v %v", o.Key, err)
	}
}

// Every earlier schema migrates to 4 at a writable open and at a read-only one (which
// upgrades the file by a writable open first): records, orders, counts and refunds as
// they were, and every bucket of the table there, the refund buckets included.
func TestMigrationToTheCurrentSchema(t *testing.T) {
	for _, c := range []struct {
		from     uint64
		keepLate bool // a schema-3 file written after the refund queue came in
		readOnly bool
	}{
		{1, false, false}, {1, false, true},
		{2, false, false}, {2, false, true},
		{3, false, false}, {3, false, true},
		{3, true, false}, {3, true, true},
	} {
		name := "from" + string(rune('0'+c.from))
		if c.keepLate {
			name += "-with-refunds"
		}
		if c.readOnly {
			name += "-read-only"
		}
		t.Run(name, func(t *testing.T) {
			s, f := newMigrationFixture(t)
			toSchema(t, s, c.from, c.keepLate)
			s, err := Open(f.path, Options{ReadOnly: c.readOnly})
			if err != nil {
				t.Fatal(err)
			}
			checkMigrated(t, s, f, c.keepLate)
			s.Close()
			// The file stays migrated: a writable open finds schema 4 and works on.
			s, err = Open(f.path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			checkMigrated(t, s, f, c.keepLate)
			if res := mustImport(t, s, trade("pdd", "NEW1", t0, 1)); res.New != 1 {
				t.Fatalf("import after the migration: %+v", res)
			}
			mustImportRefunds(t, s, t0, claim("tb", "R2", "T3", domain.RefundNotReceived, 1, t0))
			wantPending := 1
			if c.keepLate {
				wantPending += len(f.refunds)
			}
			if c := counts(t, s); c.Refunds.Pending != wantPending {
				t.Fatalf("refund counts after the migration: %+v", c.Refunds)
			}
		})
	}
}

// From schema 3 the step to 4 only adds the buckets the file lacks: a file that has them
// all is left as it was but for its schema version.
func TestMigrationFrom3OnlyAddsBuckets(t *testing.T) {
	s, f := newMigrationFixture(t)
	before := snapshot(t, s)
	toSchema(t, s, 3, true)
	s, err := Open(f.path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if after := snapshot(t, s); after != before {
		t.Fatal("the step from 3 to 4 changed records: " + firstDiff(strings.Split(after, "\n"), strings.Split(before, "\n")))
	}
}

// A read-only open of an older file that cannot be upgraded (another process reads the
// file, so the writable open that upgrades it times out) is refused, saying why; the
// file is left as it was, and upgrades at the next open that can write.
func TestReadOnlyOpenOfAnOlderFileThatCannotBeUpgraded(t *testing.T) {
	s, f := newMigrationFixture(t)
	toSchema(t, s, 3, false)
	other, err := bolt.Open(f.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(f.path, Options{ReadOnly: true, LockWait: 100 * time.Millisecond})
	other.Close()
	if !errors.Is(err, errOlderSchema) || !errors.Is(err, ErrInUse) {
		t.Fatalf("read-only open of a schema-3 file held by another reader: %v", err)
	}
	for _, want := range []string{"schema 3", fmt.Sprintf("reads %d", SchemaVersion), "upgrading it needs a writable open", filepath.Base(f.path)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	ro, err := Open(f.path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	checkMigrated(t, ro, f, false)
}
