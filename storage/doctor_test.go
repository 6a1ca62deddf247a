package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

var supervisor = Actor{Operator: "doc", Role: domain.RoleSupervisor}

// workedDay writes a day of varied work to a file and returns its path, closed: orders
// imported, converted, shipped and refunded (in full, partly, rejected), trades paid all
// over a year imported with every index row and new key staged, the staged rows and runs
// folded in part, more staged work after that fold, then a day of direct imports,
// conversions, removals and processing over the rest.
func workedDay(t *testing.T) string {
	t.Helper()
	s := refundStore(t)
	later := t0.Add(time.Hour)
	mustImportRefunds(t, s, later,
		claim("tb", "R1", "T1", domain.RefundNotReceived, 14497, later),     // SO1, not shipped: cancelled
		claim("tb", "R2", "T2", domain.RefundReceivedNoReturn, 5000, later), // SO2: rejected
		claim("tb", "R3", "T3", domain.RefundReturnGoods, 14497, later),     // SO4: left pending
		claim("jd", "R4", "T2", domain.RefundReceivedNoReturn, 100, later))
	if _, err := s.ConvertRefunds([]domain.RefundKey{rkey("tb", "R1")}, later, supervisor); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RejectRefunds([]domain.RefundKey{rkey("tb", "R2")}, "not so", later, supervisor); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PartialRefund(orderRef("SO00000004"), amountOf("10.00"), "scratched", later, supervisor); err != nil {
		t.Fatal(err)
	}
	staging(t, true)
	scatteredDay(t, s)
	for range 2 { // the runs first, then 100 rows of each index
		if err := s.db.Update(func(tx *bolt.Tx) error { _, _, err := foldOnce(tx, 100, new(uint64)); return err }); err != nil {
			t.Fatal(err)
		}
	}
	var more []domain.Trade
	for i := range 40 {
		more = append(more, trade("pdd", fmt.Sprintf("S%03d", i), t0.Add(-time.Duration(i*97)*time.Hour), 1))
	}
	mustImport(t, s, more...)
	if _, err := s.Convert([]domain.Key{more[0].Key, more[1].Key}, t0, supervisor); err != nil {
		t.Fatal(err)
	}
	staging(t, false)
	importDay(t, s)
	if _, _, err := s.Ship(orderRef("pdd:S000"), domain.ShipInput{Carrier: "ems", Number: "EE123456785CN"}, cn, t0, supervisor); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyOf opens a copy of the file at path.
func copyOf(t *testing.T, path string) *Store {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(cp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func doctorOf(t *testing.T, s *Store) DoctorReport {
	t.Helper()
	rep, err := s.Doctor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func checkedN(rep DoctorReport, name string) int {
	for _, c := range rep.Checked {
		if c.Name == name {
			return c.N
		}
	}
	return -1
}

// firstMain is the first row of index name that no staged row overrides.
func firstMain(t *testing.T, tx *bolt.Tx, name []byte) (k, v []byte) {
	t.Helper()
	var stage *bolt.Bucket
	if rn := stagedIndexes[string(name)]; rn != nil {
		stage = tx.Bucket(rn)
	}
	c := tx.Bucket(name).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if stage == nil || stage.Get(k) == nil {
			return bytes.Clone(k), bytes.Clone(v)
		}
	}
	t.Fatalf("%s: no row to corrupt", name)
	return nil, nil
}

// firstStaged is the first staged row (not a deletion) of index name.
func firstStaged(t *testing.T, tx *bolt.Tx, name []byte) (k, v []byte) {
	t.Helper()
	c := tx.Bucket(stagedIndexes[string(name)]).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(v) > 0 {
			return bytes.Clone(k), bytes.Clone(v)
		}
	}
	t.Fatalf("%s: no staged row to corrupt", name)
	return nil, nil
}

// firstSlot is the first slot of hashed index name holding at least n items.
func firstSlot(t *testing.T, tx *bolt.Tx, name []byte, n int) (k, v []byte) {
	t.Helper()
	c := tx.Bucket(name).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(v) >= n*idItem {
			return bytes.Clone(k), bytes.Clone(v)
		}
	}
	t.Fatalf("%s: no slot of %d items", name, n)
	return nil, nil
}

func putCounter(tx *bolt.Tx, name string, d int64) error {
	return tx.Bucket(bCounts).Put([]byte(name), u64(uint64(counter(tx, name)+d)))
}

// A day of work leaves a file in which the doctor finds nothing; each kind of damage
// to a derived structure is named, Repair fixes it (the lists and counts read as before
// the damage) and the doctor then finds nothing.
func TestDoctorNamesEachDamageAndRepairFixesIt(t *testing.T) {
	path := workedDay(t)
	clean := copyOf(t, path)
	rep := doctorOf(t, clean)
	if !rep.OK() || len(rep.Problems) != 0 {
		t.Fatalf("a clean day of work: %d problems:\n%s", rep.Found(), strings.Join(rep.Problems, "\n"))
	}
	// The day left every kind of structure to check, staged rows and runs among them.
	for _, name := range []string{"pool_entries", "orders", "refunds", "order_refunds", "pool_by_state", "pool_by_channel",
		"orders_by_status", "orders_by_tracking", "refunds_by_state", "pool", "orders_by_ref", "pool.recent", "orders_by_ref.recent", "counts",
		"pool_by_state.recent", "pool_by_channel.recent", "orders_by_status.recent"} {
		if n := checkedN(rep, name); n <= 0 {
			t.Errorf("fixture: %s checked %d", name, n)
		}
	}
	if staged := counts(t, clean).Staged; staged == 0 {
		t.Error("fixture: nothing staged")
	}
	wantLists := lists(t, clean)
	wantCounts := counts(t, clean)
	wantCounts.Staged = 0

	cases := []struct {
		name   string
		damage func(t *testing.T, tx *bolt.Tx) error
		want   []string
	}{
		{"drop an index row", func(t *testing.T, tx *bolt.Tx) error {
			k, _ := firstMain(t, tx, bPoolByState)
			return tx.Bucket(bPoolByState).Delete(k)
		}, []string{"pool_by_state: pool entry #", "has no row ["}},
		{"add a stray row", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstMain(t, tx, bOrdersByStatus)
			k[5]++ // another ship-by time
			return tx.Bucket(bOrdersByStatus).Put(k, v)
		}, []string{"orders_by_status: row [", "is not a row SO"}},
		{"add a row with extra key bytes", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstMain(t, tx, bPoolByChannel)
			return tx.Bucket(bPoolByChannel).Put(append(k, 'x'), v)
		}, []string{"pool_by_channel: row [", "x\"] is not a row pool entry #"}},
		{"add an order row with extra key bytes", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstMain(t, tx, bOrdersByStatus)
			return tx.Bucket(bOrdersByStatus).Put(append(k, 0), v)
		}, []string{"orders_by_status: row [", " +00] is not a row SO"}},
		{"add a slot key with extra bytes", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstSlot(t, tx, bPool, 1)
			return tx.Bucket(bPool).Put(append(k, 1), v)
		}, []string{"pool: key ", "is not a slot: lookups never read it"}},
		{"change a row's value", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstMain(t, tx, bRefundsByState)
			return tx.Bucket(bRefundsByState).Put(k, append(v, " and more"...))
		}, []string{"refunds_by_state: row [", "has a value refund request"}},
		{"point a row at another record", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstMain(t, tx, bOrdersByTrack)
			v[7]++
			return tx.Bucket(bOrdersByTrack).Put(k, v)
		}, []string{"orders_by_tracking: row \"", "has a value SO"}},
		{"add a row that leads to no record", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstMain(t, tx, bRefundsByState)
			return tx.Bucket(bRefundsByState).Put(append(k, 'z'), v)
		}, []string{"refunds_by_state: row [", "z\"] names refund request", "which is not there"}},
		{"drop a tracking row", func(t *testing.T, tx *bolt.Tx) error {
			k, _ := firstMain(t, tx, bOrdersByTrack)
			return tx.Bucket(bOrdersByTrack).Delete(k)
		}, []string{"orders_by_tracking: SO", "has no row \""}},
		{"skew a counter", func(t *testing.T, tx *bolt.Tx) error {
			return putCounter(tx, "pool/ready", 1)
		}, []string{`counts: "pool/ready" is`}},
		{"skew a channel counter and the refunded sum", func(t *testing.T, tx *bolt.Tx) error {
			return cmpOr(putCounter(tx, "pool/converted@tb", -1), putCounter(tx, "refunded@CNY", 5))
		}, []string{`counts: "pool/converted@tb" is`, `counts: "refunded@CNY" is`}},
		{"add a counter nothing makes", func(t *testing.T, tx *bolt.Tx) error {
			return putCounter(tx, "order/shipped@nowhere", 3)
		}, []string{`counts: "order/shipped@nowhere" is 3, the records make it 0`}},
		{"count fewer staged rows than there are", func(t *testing.T, tx *bolt.Tx) error {
			return tx.Bucket(bCounts).Put([]byte(kStaged), u64(1))
		}, []string{"counts: index/staged is 1, but"}},
		{"damage a staged row", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstStaged(t, tx, bPoolByState)
			v[0]++ // names another arrival number
			return tx.Bucket(stagedIndexes[string(bPoolByState)]).Put(k, v)
		}, []string{"pool_by_state: row [", "(staged)"}},
		{"stage a deletion of a live row", func(t *testing.T, tx *bolt.Tx) error {
			k, _ := firstMain(t, tx, bOrdersByStatus)
			return tx.Bucket(stagedIndexes[string(bOrdersByStatus)]).Put(k, tombstone)
		}, []string{"orders_by_status: SO", "(deleted by a staged row)"}},
		{"drop a run item", func(t *testing.T, tx *bolt.Tx) error {
			b := tx.Bucket(hashedRuns[string(bPool)])
			k, v := b.Cursor().First()
			return b.Put(bytes.Clone(k), bytes.Clone(v[:len(v)-runItem]))
		}, []string{"pool: the key of pool entry #", "is in neither slot"}},
		{"damage a run item", func(t *testing.T, tx *bolt.Tx) error {
			b := tx.Bucket(hashedRuns[string(bOrdersByRef)])
			k, v := b.Cursor().First()
			v = bytes.Clone(v)
			v[len(v)-1]++ // the last item's value: another order
			return b.Put(bytes.Clone(k), v)
		}, []string{"orders_by_ref.recent: run 1 (slot", "holds an item", "orders_by_ref: the key of SO"}},
		{"leave a gap in the runs", func(t *testing.T, tx *bolt.Tx) error {
			b := tx.Bucket(hashedRuns[string(bPool)])
			k, v := b.Cursor().First()
			k, v = bytes.Clone(k), bytes.Clone(v)
			if err := b.Delete(k); err != nil {
				return err
			}
			return b.Put(u64(binary.BigEndian.Uint64(k)+1), v)
		}, []string{"pool.recent: run 2 follows run 0"}},
		{"drop a hashed slot item", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstSlot(t, tx, bPool, 2)
			return tx.Bucket(bPool).Put(k, v[idItem:])
		}, []string{"pool: the key of pool entry #", "is in neither slot"}},
		{"file a hashed item twice", func(t *testing.T, tx *bolt.Tx) error {
			k, v := firstSlot(t, tx, bOrdersByRef, 1)
			return tx.Bucket(bOrdersByRef).Put(k, append(v, v[:idItem]...))
		}, []string{"orders_by_ref: slot", "holds a second item for SO"}},
		{"put the order number behind a key", func(t *testing.T, tx *bolt.Tx) error {
			return tx.Bucket(bMeta).Put(kOrderSeq, u64(1))
		}, []string{"meta: seq/order is 1, behind order number"}},
		{"put the arrival and audit numbers behind", func(t *testing.T, tx *bolt.Tx) error {
			return cmpOr(tx.Bucket(bMeta).Put(kEntrySeq, u64(3)), tx.Bucket(bMeta).Delete(kAuditSeq))
		}, []string{"meta: seq/entry is 3, behind pool entry #", "meta: seq/audit is 0, behind audit event"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := copyOf(t, path)
			if err := s.db.Update(func(tx *bolt.Tx) error { return c.damage(t, tx) }); err != nil {
				t.Fatal(err)
			}
			rep := doctorOf(t, s)
			all := strings.Join(rep.Problems, "\n")
			if rep.OK() {
				t.Fatal("the doctor found nothing")
			}
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems lack %q:\n%s", w, all)
				}
			}
			t.Logf("%d problems:\n%s", rep.Found(), all)
			res, err := s.Repair(context.Background(), t0, supervisor)
			if err != nil {
				t.Fatal(err)
			}
			if res.Found != rep.Found() || len(res.Rebuilt) == 0 {
				t.Errorf("repair found %d problems, rebuilt %v; the check found %d", res.Found, res.Rebuilt, rep.Found())
			}
			if after := doctorOf(t, s); !after.OK() {
				t.Fatalf("after repair:\n%s", strings.Join(after.Problems, "\n"))
			}
			ev := lastEvent(t, s)
			if ev.Action != "doctor.repair" || ev.Operator != "doc" || ev.Detail["problems"] != strconv.Itoa(res.Found) ||
				!strings.Contains(ev.Detail["rebuilt"], "pool_by_state") {
				t.Errorf("audit event %+v", ev)
			}
			checkFile(t, s)
			got := counts(t, s)
			if got.Staged != 0 {
				t.Errorf("%d rows still staged after a repair", got.Staged)
			}
			got.Staged = 0
			if !reflect.DeepEqual(got, wantCounts) {
				t.Errorf("counts after repair %+v, before the damage %+v", got, wantCounts)
			}
			if i == 0 { // every list, both ways, once
				if l := lists(t, s); !reflect.DeepEqual(l, wantLists) {
					t.Error(firstDiff(l, wantLists))
				}
			}
		})
	}
}

func cmpOr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// A record that does not read is named, and Repair refuses (its rows cannot be
// rebuilt) without writing anything; the role check comes first.
func TestRepairRefusesUnreadableRecordsAndOtherRoles(t *testing.T) {
	s := shippingStore(t)
	if _, err := s.Repair(context.Background(), t0, Actor{Operator: "op", Role: domain.RoleOperator}); err == nil ||
		!strings.Contains(err.Error(), "needs the supervisor role") {
		t.Fatalf("an operator's repair: %v", err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bPoolEntries).Put(u64(2), []byte{99, 1, 2})
	}); err != nil {
		t.Fatal(err)
	}
	rep := doctorOf(t, s)
	if all := strings.Join(rep.Problems, "\n"); !strings.Contains(all, "pool_entries: #2: the record does not read") {
		t.Fatalf("problems:\n%s", all)
	}
	before := snapshot(t, s)
	if _, err := s.Repair(context.Background(), t0, supervisor); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("repair: %v", err)
	}
	if snapshot(t, s) != before {
		t.Fatal("a refused repair wrote")
	}
}

// Problems past maxProblems are counted, not listed.
func TestDoctorBoundsTheProblemsListed(t *testing.T) {
	s := shippingStore(t)
	defer func(n int) { maxProblems = n }(maxProblems)
	maxProblems = 2
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return cmpOr(tx.DeleteBucket(bPoolByState), tx.DeleteBucket(bPoolByChannel))
	}); err != nil {
		t.Fatal(err)
	}
	// Both buckets missing: two problems; more are counted from a cleared index.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return cmpOr(tx.Bucket(bCounts).Put([]byte("pool/ready"), u64(40)), tx.Bucket(bCounts).Put([]byte("order/shipped"), u64(40)))
	}); err != nil {
		t.Fatal(err)
	}
	rep := doctorOf(t, s)
	if len(rep.Problems) != 2 || rep.More != 2 || rep.Found() != 4 {
		t.Fatalf("listed %d, more %d:\n%s", len(rep.Problems), rep.More, strings.Join(rep.Problems, "\n"))
	}
}
