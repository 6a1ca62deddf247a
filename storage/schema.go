package storage

// The schema table: every bucket of the file, declared once with its kind and the
// properties the engine needs to write and read it. The engine (the commit, the overlay,
// reads through a write transaction, the fold, the hashed indexes, the opening and the
// migrations) reads the table; it names no bucket in a map or a switch. A bucket added to
// the file is a line here (and a migration that creates it: init creates every bucket of
// the table in a writable open).

// bucketKind is what a bucket holds, and so how the engine writes and reads it.
type bucketKind uint8

const (
	// kindRecords holds records (or values) by key, written through the overlay or
	// straight into bbolt.
	kindRecords bucketKind = iota + 1
	// kindIndex is a B+tree index derived from records.
	kindIndex
	// kindStaged is a bucket whose scattered writes go to a staging bucket first
	// (staged.go); side is that bucket. The time-ordered indexes are so.
	kindStaged
	// kindHashed is a hashed index (hashindex.go) whose big additions go to a bucket of
	// staged runs first; side is that bucket.
	kindHashed
	// kindStaging is the staging bucket of a kindStaged index (side).
	kindStaging
	// kindRuns is the bucket of staged runs of a kindHashed index (side).
	kindRuns
	// kindTally is counts by key (a histogram, derived): a write transaction adds to a
	// key with wtx.tally, and the commit adds each key's sum to the stored count, deleting
	// the key when it reaches zero (tally.go).
	kindTally
)

// bucketSpec is one bucket of the table.
type bucketSpec struct {
	name []byte
	kind bucketKind
	// fill is how full a commit packs the pages it writes (bbolt's FillPercent): full for
	// buckets whose keys only grow (sequence numbers), with room for inserts between keys
	// for the others. writeSorted packs a bucket full anyway when a commit's writes land
	// in a few runs.
	fill float64
	// readBack: a write transaction reads its own writes of this bucket through the
	// overlay (the overlay keeps the last write of each key).
	readBack bool
	// arrival: records by arrival number that a write transaction reads back through
	// its own record lists (wtx.getRecord) rather than the overlay.
	arrival bool
	// derived: the bucket's contents follow from the records (every index kind is derived;
	// counts is a records bucket that is too). doctor checks them and Repair rebuilds them.
	derived bool
	// side is a staged index's staging bucket or a hashed index's runs bucket, and the
	// other way round for those.
	side *bucketSpec
	id   int // the bucket's place in the table
}

const (
	packFull  = 1.0
	leaveRoom = 0.7
)

// The table. Counters, sequence numbers and the schema version live in meta and counts.
var schema = newSchema(
	&bucketSpec{name: bMeta, kind: kindRecords, fill: leaveRoom},
	&bucketSpec{name: bCounts, kind: kindRecords, fill: leaveRoom, derived: true},
	&bucketSpec{name: bPool, kind: kindHashed, fill: leaveRoom, side: &bucketSpec{name: []byte("pool.recent")}},
	&bucketSpec{name: bPoolEntries, kind: kindRecords, fill: packFull, arrival: true},
	&bucketSpec{name: bPoolByState, kind: kindStaged, fill: leaveRoom, side: &bucketSpec{name: []byte("pool_by_state.recent")}},
	&bucketSpec{name: bPoolByChannel, kind: kindStaged, fill: leaveRoom, side: &bucketSpec{name: []byte("pool_by_channel.recent")}},
	&bucketSpec{name: bOrders, kind: kindRecords, fill: packFull, readBack: true},
	&bucketSpec{name: bOrdersByStatus, kind: kindStaged, fill: leaveRoom, side: &bucketSpec{name: []byte("orders_by_status.recent")}},
	&bucketSpec{name: bOrdersByRef, kind: kindHashed, fill: leaveRoom, side: &bucketSpec{name: []byte("orders_by_ref.recent")}},
	&bucketSpec{name: bOrdersByTrack, kind: kindIndex, fill: leaveRoom},
	&bucketSpec{name: bAudit, kind: kindRecords, fill: packFull},
	&bucketSpec{name: bRefunds, kind: kindRecords, fill: leaveRoom},
	&bucketSpec{name: bRefundsByState, kind: kindIndex, fill: leaveRoom},
	&bucketSpec{name: bOrderRefunds, kind: kindRecords, fill: leaveRoom},
	// A change to a batch's member splits the batch; its other members are read back.
	&bucketSpec{name: bOutbox, kind: kindRecords, fill: packFull, readBack: true},
	&bucketSpec{name: bOutboxByState, kind: kindIndex, fill: leaveRoom},
	&bucketSpec{name: bOutboxByEvent, kind: kindIndex, fill: leaveRoom, readBack: true},
	&bucketSpec{name: bParcels, kind: kindRecords, fill: leaveRoom, readBack: true},
	// ApplyEvents finds a batch's repeats itself (not readBack); a feed's new events wait
	// in the parcel records (parcels_pending.go).
	&bucketSpec{name: bParcelEvents, kind: kindRecords, fill: leaveRoom},
	&bucketSpec{name: bParcelEventsKept, kind: kindRecords, fill: leaveRoom},
	&bucketSpec{name: bParcelsByPhase, kind: kindIndex, fill: leaveRoom},
	&bucketSpec{name: bParcelDays, kind: kindTally, fill: leaveRoom},
	&bucketSpec{name: bHookEvents, kind: kindRecords, fill: leaveRoom, readBack: true},
	&bucketSpec{name: bUndo, kind: kindRecords, fill: packFull},
	&bucketSpec{name: bVouchers, kind: kindRecords, fill: leaveRoom},
	&bucketSpec{name: bVoucherByCode, kind: kindIndex, fill: leaveRoom},
	&bucketSpec{name: bVoucherByUntil, kind: kindIndex, fill: leaveRoom},
	&bucketSpec{name: bRedemptions, kind: kindRecords, fill: packFull},
	&bucketSpec{name: bChannels, kind: kindRecords, fill: leaveRoom},
	&bucketSpec{name: bRebates, kind: kindRecords, fill: packFull},
	&bucketSpec{name: bUploads, kind: kindRecords, fill: leaveRoom, readBack: true},
)

// The buckets' names, for the code that reads and writes them.
var (
	bMeta           = []byte("meta")
	bCounts         = []byte("counts")
	bPool           = []byte("pool")
	bPoolEntries    = []byte("pool_entries")
	bPoolByState    = []byte("pool_by_state")
	bPoolByChannel  = []byte("pool_by_channel")
	bOrders         = []byte("orders")
	bOrdersByStatus = []byte("orders_by_status")
	bOrdersByRef    = []byte("orders_by_ref")
	bOrdersByTrack  = []byte("orders_by_tracking")
	bAudit          = []byte("audit")
	bRefunds        = []byte("refunds")
	bRefundsByState = []byte("refunds_by_state")
	bOrderRefunds   = []byte("order_refunds")
	bOutbox         = []byte("outbox")
	bOutboxByState  = []byte("outbox_by_state")
	bOutboxByEvent  = []byte("outbox_by_event")
	bParcels        = []byte("parcels")
	bParcelEvents   = []byte("parcel_events")
	// bParcelEventsKept holds the events of numbers an order no longer has: order | number
	// 0x00 | at | status → event record (forgetEvents).
	bParcelEventsKept = []byte("parcel_events_kept")
	bParcelsByPhase   = []byte("parcels_by_phase")
	bParcelDays       = []byte("parcel_days") // phase | day | carrier → rows of parcels_by_phase (parcels_days.go)
	bHookEvents       = []byte("hook_events")
	bUndo             = []byte("undo")
	bChannels         = []byte("channels") // channel name → its record (channels.go)
	bRebates          = []byte("rebates")  // rebate number → its record
	bUploads          = []byte("uploads")  // sales-order number → the tracking number uploaded to its channel

	// bOrdersByKey is gone since schema 3 (the pool entry names its order); the
	// migration from older files deletes it.
	bOrdersByKey = []byte("orders_by_key")
)

// schemaTable is the table in its order, with lookups by name and by kind.
type schemaTable struct {
	all    []*bucketSpec // every bucket, the side buckets after their indexes
	byName map[string]*bucketSpec
	staged []*bucketSpec // the kindStaged buckets, in table order
	hashed []*bucketSpec // the kindHashed indexes, in table order
}

func newSchema(specs ...*bucketSpec) *schemaTable {
	t := &schemaTable{byName: map[string]*bucketSpec{}}
	add := func(sp *bucketSpec) {
		if t.byName[string(sp.name)] != nil {
			panic("storage: bucket " + string(sp.name) + " declared twice")
		}
		sp.id = len(t.all)
		t.all = append(t.all, sp)
		t.byName[string(sp.name)] = sp
	}
	for _, sp := range specs {
		sp.derived = sp.derived || sp.kind != kindRecords
		add(sp)
		switch sp.kind {
		case kindStaged:
			t.staged = append(t.staged, sp)
			sp.side.kind, sp.side.fill, sp.side.side = kindStaging, leaveRoom, sp
		case kindHashed:
			t.hashed = append(t.hashed, sp)
			sp.side.kind, sp.side.fill, sp.side.side = kindRuns, leaveRoom, sp
		default:
			continue
		}
		sp.side.derived = true
		add(sp.side)
	}
	return t
}

// names is the name of every bucket, in table order.
func (t *schemaTable) names() [][]byte {
	out := make([][]byte, len(t.all))
	for i, sp := range t.all {
		out[i] = sp.name
	}
	return out
}

// derived is the name of every bucket whose contents follow from the records, in table
// order: what doctor checks and Repair rebuilds.
func (t *schemaTable) derived() [][]byte {
	var out [][]byte
	for _, sp := range t.all {
		if sp.derived {
			out = append(out, sp.name)
		}
	}
	return out
}

// spec is the table's line of bucket name; nil for a name not in the table.
func (t *schemaTable) spec(name []byte) *bucketSpec { return t.byName[string(name)] }

// fillOf is how full a commit packs the pages of bucket name.
func fillOf(name []byte) float64 {
	if sp := schema.spec(name); sp != nil {
		return sp.fill
	}
	return leaveRoom
}

// sideOf is the staging bucket of staged index name, or the runs bucket of hashed index
// name; nil for any other bucket.
func sideOf(name []byte, kind bucketKind) []byte {
	if sp := schema.spec(name); sp != nil && sp.kind == kind {
		return sp.side.name
	}
	return nil
}

// stagedIndexes and hashedRuns are, by index name, the staging bucket of each staged
// index and the runs bucket of each hashed index: views of the table for tests and
// checks that walk them.
var (
	stagedIndexes = sideMap(kindStaged)
	hashedRuns    = sideMap(kindHashed)
)

func sideMap(kind bucketKind) map[string][]byte {
	m := map[string][]byte{}
	for _, sp := range schema.all {
		if sp.kind == kind {
			m[string(sp.name)] = sp.side.name
		}
	}
	return m
}
