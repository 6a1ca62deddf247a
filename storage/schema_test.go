package storage

import (
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// bucketNames is the sorted names of the top-level buckets of s's file.
func bucketNames(t *testing.T, s *Store) []string {
	t.Helper()
	var names []string
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, string(name))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// tableNames is the sorted names of the schema table's buckets.
func tableNames() []string {
	var names []string
	for _, sp := range schema.all {
		names = append(names, string(sp.name))
	}
	slices.Sort(names)
	return names
}

// A fresh file has exactly the table's buckets, and still has them after a day of work
// and a fold.
func TestSchemaTableIsEveryBucketOfAFreshFile(t *testing.T) {
	s := openTemp(t)
	want := tableNames()
	if got := bucketNames(t, s); !slices.Equal(got, want) {
		t.Fatalf("a fresh file has buckets %q, the table %q", got, want)
	}
	importDay(t, s)
	if got := bucketNames(t, s); !slices.Equal(got, want) {
		t.Fatalf("after a day of imports: buckets %q, the table %q", got, want)
	}
	if _, err := s.Fold(t.Context(), Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if got := bucketNames(t, s); !slices.Equal(got, want) {
		t.Fatalf("after a fold: buckets %q, the table %q", got, want)
	}
}

// Every staged or hashed index has its side bucket of the matching kind, which points
// back at it; no other bucket has one; each name is in the table once.
func TestSchemaTablePairsIndexesWithTheirSideBuckets(t *testing.T) {
	side := map[bucketKind]bucketKind{kindStaged: kindStaging, kindHashed: kindRuns, kindStaging: kindStaged, kindRuns: kindHashed}
	seen := map[string]bool{}
	for i, sp := range schema.all {
		if seen[string(sp.name)] {
			t.Errorf("%s is in the table twice", sp.name)
		}
		seen[string(sp.name)] = true
		if sp.id != i || schema.spec(sp.name) != sp {
			t.Errorf("%s: id %d at %d, or not found by name", sp.name, sp.id, i)
		}
		if sp.fill <= 0 || sp.fill > 1 {
			t.Errorf("%s: fill %v", sp.name, sp.fill)
		}
		want, paired := side[sp.kind]
		switch {
		case !paired && sp.side != nil:
			t.Errorf("%s (kind %d) has a side bucket %s", sp.name, sp.kind, sp.side.name)
		case paired && (sp.side == nil || sp.side.kind != want || sp.side.side != sp):
			t.Errorf("%s (kind %d): side bucket %+v", sp.name, sp.kind, sp.side)
		}
	}
	if len(schema.staged) != 3 || len(schema.hashed) != 2 {
		t.Errorf("%d staged buckets and %d hashed indexes", len(schema.staged), len(schema.hashed))
	}
	// Staged indexes and their staging buckets are derived: Repair rebuilds them. The
	// carrier events are records, not derived, and stage nothing (their pending rows are
	// in the parcel records).
	for _, sp := range schema.staged {
		if !sp.derived || !sp.side.derived {
			t.Errorf("%s: derived %v, its staging bucket derived %v", sp.name, sp.derived, sp.side.derived)
		}
	}
	if sp := schema.spec(bParcelEvents); sp.kind != kindRecords || sp.side != nil || sp.derived || schema.spec(stagedEventsBucket) != nil {
		t.Errorf("parcel_events: %+v", sp)
	}
	for _, name := range [][]byte{bMeta, bCounts, bPool, bPoolEntries, bPoolByState, bPoolByChannel, bOrders,
		bOrdersByStatus, bOrdersByRef, bOrdersByTrack, bAudit, bRefunds, bRefundsByState, bOrderRefunds, bOutbox} {
		if schema.spec(name) == nil {
			t.Errorf("bucket %s is not in the table", name)
		}
	}
	if schema.spec([]byte("orders_by_key")) != nil {
		t.Error("the retired orders_by_key is in the table")
	}
}
