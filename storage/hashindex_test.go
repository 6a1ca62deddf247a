package storage

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// The key index keeps only 48 bits of a key's hash, so two keys can share them. Such a
// twin is planted here by hand (a real 48-bit collision is too rare to find): the index
// must confirm every candidate against its record, so the twin is never taken for the
// other key, and a new key whose bits are taken is still new.
func TestKeyIndexConfirmsCandidatesAgainstTheRecord(t *testing.T) {
	s := openTemp(t)
	a, b := trade("tb", "A1", t0, 1), trade("jd", "B2", t0, 2)
	mustImport(t, s, a, b)
	twin := domain.Key{Channel: "tb", TradeID: "TWIN"}
	// Plant an item with twin's slot and bits that points at a's record, before a's own.
	err := s.db.Update(func(tx *bolt.Tx) error {
		seqA, _ := findEntry(txGetter(tx), poolKey(nil, a.Key))
		if seqA == nil {
			return fmt.Errorf("a is not in the key index")
		}
		slot, bits := slotOf(poolKey(nil, twin))
		old := tx.Bucket(bPool).Get(slot[:])
		items := binary.BigEndian.AppendUint32(nil, bits)
		items = append(append(items, seqA...), old...)
		return tx.Bucket(bPool).Put(slot[:], items)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.PoolEntry(twin); err != nil || found {
		t.Fatalf("a key that was never imported was found through a twin item: %v %v", found, err)
	}
	if got := entry(t, s, a.Key); got.TradeID != "A1" {
		t.Fatalf("a: %+v", got)
	}

	// Importing the twin makes a new entry; a, b and the twin are each found as themselves.
	tw := trade("tb", "TWIN", t0, 3)
	if res := mustImport(t, s, tw); res.New != 1 {
		t.Fatalf("import of the twin: %+v", res)
	}
	for _, tr := range []domain.Trade{a, b, tw} {
		if got := entry(t, s, tr.Key); got.Key != tr.Key || len(got.Items) != len(tr.Items) {
			t.Fatalf("%s read back as %+v", tr.Key, got.Key)
		}
	}
	// And an update of the twin lands on the twin, not on a.
	tw.Buyer = "twin buyer"
	if res := mustImport(t, s, tw); res.Updated != 1 {
		t.Fatalf("update of the twin: %+v", res)
	}
	if got := entry(t, s, a.Key); got.Buyer != a.Buyer {
		t.Fatalf("a was overwritten by the twin's update: %+v", got)
	}
	if got := entry(t, s, twin); got.Buyer != "twin buyer" {
		t.Fatalf("twin: %+v", got)
	}
}

// Keys written in one transaction are found by later ones in it (through the changed
// slots), also where two share a slot, and a key repeated in a batch is one entry.
func TestKeyIndexReadsItsOwnWrites(t *testing.T) {
	s := openTemp(t)
	var trades []domain.Trade
	shared := map[[2]byte]int{}
	for i := range 3000 {
		trades = append(trades, trade("tb", fmt.Sprintf("K%05d", i), t0, 1))
		slot, _ := slotOf(poolKey(nil, trades[i].Key))
		shared[slot]++
	}
	if len(shared) == 3000 {
		t.Fatal("fixture: no two keys share a slot")
	}
	trades = append(trades, trades[17])
	if res := mustImport(t, s, trades...); res.New != 3000 {
		t.Fatalf("import: %+v", res)
	}
	for _, i := range []int{0, 17, 1234, 2999} {
		if got := entry(t, s, trades[i].Key); got.TradeID != trades[i].TradeID {
			t.Fatalf("entry %d: %+v", i, got.Key)
		}
	}
	if res := mustImport(t, s, trades[:10]...); res.Unchanged != 10 {
		t.Fatalf("re-import: %+v", res)
	}
}

// An order record that names its pool entry by key (as written before schema 3) still
// reads, through the key index, and is written back naming it by arrival number.
func TestOrderNamingItsEntryByKeyStillReads(t *testing.T) {
	s := openTemp(t)
	tr := trade("tb", "K1", t0, 2)
	mustImport(t, s, tr)
	if _, err := s.Convert([]domain.Key{tr.Key}, t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	want, found, err := s.Order(1)
	if err != nil || !found || want.Key != tr.Key {
		t.Fatalf("order 1: %+v %v %v", want.Key, found, err)
	}
	rewrite := func(fn func(v []byte) []byte) {
		t.Helper()
		if err := s.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bOrders)
			return b.Put(u64(1), fn(b.Get(u64(1))))
		}); err != nil {
			t.Fatal(err)
		}
	}
	var stored []byte
	rewrite(func(v []byte) []byte {
		stored = append([]byte{}, v...)
		return encodeOrder(nil, &want)
	})
	if stored[0]&orderAtEntry == 0 {
		t.Fatalf("a new order names its pool entry by key (version byte %#x)", stored[0])
	}
	got, found, err := s.Order(1)
	if err != nil || !found || got.Key != tr.Key || len(got.Items) != 2 {
		t.Fatalf("order named by key: %+v %v %v", got.Key, found, err)
	}
	if _, _, err := s.Ship(orderRef("tb:K1"), domain.ShipInput{Carrier: "ems", Number: numA}, cn, t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	rewrite(func(v []byte) []byte {
		if v[0]&orderAtEntry == 0 {
			t.Errorf("a rewritten order still names its pool entry by key")
		}
		return v
	})
}

// The reference index confirms candidates too: an item planted under a reference's hash
// bits that leads to an order without that reference is not taken for it.
func TestReferenceIndexConfirmsCandidates(t *testing.T) {
	s := openTemp(t)
	mustImport(t, s, trade("tb", "R1", t0, 1))
	if _, err := s.ConvertAllReady(t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if o, err := s.FindOrder(orderRef("R1")); err != nil || o.No != 1 {
		t.Fatalf("R1: %v %v", o.No, err)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		slot, bits := slotOf([]byte("NOT-A-REF"))
		b := tx.Bucket(bOrdersByRef)
		items := binary.BigEndian.AppendUint32(append([]byte{}, b.Get(slot[:])...), bits)
		return b.Put(slot[:], binary.BigEndian.AppendUint64(items, 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := s.FindOrder(orderRef("NOT-A-REF")); err == nil || !strings.Contains(err.Error(), "unknown order") {
		t.Fatalf("a planted item was taken for the reference: %v %v", o.No, err)
	}
	if o, err := s.FindOrder(orderRef("TRR1")); err != nil || o.No != 1 {
		t.Fatalf("payment reference: %v %v", o.No, err)
	}
}

// entryHead reads the same state, order number and key as decodeEntry, and refuses what
// decodeEntry refuses.
func TestEntryHeadAgreesWithDecodeEntry(t *testing.T) {
	e := domain.PoolEntry{Trade: trade("jd", "H1", t0, 2), State: domain.PoolConverted, OrderNo: 4242,
		Reason: "why", StateBy: "ana", StateAt: t0, ImportedAt: t0, UpdatedAt: t0}
	rec := encodeEntry(nil, &e)
	h, ok := entryHead(rec)
	if !ok || h.state != e.State || h.orderNo != e.OrderNo || string(h.channel) != "jd" || string(h.tradeID) != "H1" {
		t.Fatalf("entryHead = %+v, %v", h, ok)
	}
	if !recordHasKey(rec, poolKey(nil, e.Key)) || recordHasKey(rec, poolKey(nil, domain.Key{Channel: "jd", TradeID: "H2"})) {
		t.Fatal("recordHasKey does not tell its own key from another")
	}
	bad := append([]byte{99}, rec[1:]...)
	if _, err := decodeEntry(bad); err == nil {
		t.Fatal("fixture: decodeEntry read an unknown version")
	}
	if _, ok := entryHead(bad); ok {
		t.Fatal("entryHead read a record of an unknown version")
	}
}

// A transaction that expects many rows reads a hashed index's slots in one pass instead of
// one lookup a key: the tests above again, with every transaction reading that way.
func TestHashedIndexesReadWhole(t *testing.T) {
	defer func(n int) { wholeSlotsFrom = n }(wholeSlotsFrom)
	wholeSlotsFrom = 0
	hashedIndexTests(t)
}

// hashedIndexTests runs the tests of the hashed indexes as subtests, under the settings
// the caller made.
func hashedIndexTests(t *testing.T) {
	t.Run("candidates", TestKeyIndexConfirmsCandidatesAgainstTheRecord)
	t.Run("own writes", TestKeyIndexReadsItsOwnWrites)
	t.Run("orders by key", TestOrderNamingItsEntryByKeyStillReads)
	t.Run("references", TestReferenceIndexConfirmsCandidates)
	t.Run("trade IDs", TestTradeIDsAreFoundThroughThePool)
}

// orders_by_ref files payment references only: a trade ID is found through the pool's key
// index, in every channel. Trade-ID items that files written earlier still hold find the
// same order once; a trade ID that is also another order's payment reference names both.
func TestTradeIDsAreFoundThroughThePool(t *testing.T) {
	s := shippingStore(t) // SO1 tb:T1 … SO4 tb:T3, payment references TR + trade ID
	filed := func(ref string) (nos []uint64) {
		t.Helper()
		if err := s.db.View(func(tx *bolt.Tx) error {
			candidates(txGetter(tx), bOrdersByRef, []byte(ref), func(val []byte) bool {
				nos = append(nos, binary.BigEndian.Uint64(val))
				return false
			})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return nos
	}
	if nos := filed("T1"); len(nos) != 0 {
		t.Fatalf("trade ID T1 is filed in orders_by_ref: %v", nos)
	}
	if nos := filed("TRT1"); len(nos) != 1 || nos[0] != 1 {
		t.Fatalf("payment reference TRT1 filed as %v, want [1]", nos)
	}
	// A trade-ID item as an older file holds it.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		slot, bits := slotOf([]byte("T1"))
		b := tx.Bucket(bOrdersByRef)
		items := binary.BigEndian.AppendUint32(append([]byte{}, b.Get(slot[:])...), bits)
		return b.Put(slot[:], binary.BigEndian.AppendUint64(items, 1))
	}); err != nil {
		t.Fatal(err)
	}
	if o, err := s.FindOrder(orderRef("T1")); err != nil || o.No != 1 {
		t.Fatalf("T1 with an old item: %v %v", o.No, err)
	}
	// A new order whose trade ID is SO4's payment reference.
	mustImport(t, s, trade("jd", "TRT3", t0, 1))
	if _, err := s.Convert([]domain.Key{{Channel: "jd", TradeID: "TRT3"}}, t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindOrder(orderRef("TRT3")); err == nil || !strings.Contains(err.Error(), "matches SO00000004, SO00000005") {
		t.Fatalf("TRT3 names SO4 (payment reference) and SO5 (trade ID): %v", err)
	}
	if o, err := s.FindOrder(orderRef("TRTRT3")); err != nil || o.No != 5 {
		t.Fatalf("SO5 by its payment reference: %v %v", o.No, err)
	}
}

// runMatches finds exactly the items of a run with a key's slot and hash bits, in the
// run's order, whatever the spread of the run's hashes: even, bunched in one slot, with
// long stretches of one value, at either end.
func TestRunMatchesFindsExactlyTheMatchingItems(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	spreads := map[string]func() (uint16, uint32){
		"even":     func() (uint16, uint32) { return uint16(rng.Uint32()), rng.Uint32() },
		"one slot": func() (uint16, uint32) { return 7, rng.Uint32N(50) },
		"few":      func() (uint16, uint32) { return uint16(rng.IntN(3) * 30000), uint32(rng.IntN(4)) << 30 },
		"ends":     func() (uint16, uint32) { return []uint16{0, 0xffff}[rng.IntN(2)], []uint32{0, ^uint32(0)}[rng.IntN(2)] },
		"skewed": func() (uint16, uint32) {
			if rng.IntN(10) == 0 {
				return uint16(rng.Uint32()), rng.Uint32()
			}
			return 0xfff0 + uint16(rng.IntN(16)), rng.Uint32()
		},
	}
	type item struct {
		slot uint16
		bits uint32
		val  uint64
	}
	for name, next := range spreads {
		for _, n := range []int{0, 1, 2, 9, 17, 100, 3000} {
			items := make([]item, n)
			for i := range items {
				items[i].slot, items[i].bits = next()
				items[i].val = uint64(i)
			}
			slices.SortFunc(items, func(a, b item) int {
				return cmp.Or(cmp.Compare(a.slot, b.slot), cmp.Compare(a.bits, b.bits), cmp.Compare(a.val, b.val))
			})
			var run []byte
			for _, it := range items {
				run = binary.BigEndian.AppendUint16(run, it.slot)
				run = binary.BigEndian.AppendUint32(run, it.bits)
				run = binary.BigEndian.AppendUint64(run, it.val)
			}
			queries := append([]item{}, items...)
			for range 200 {
				s, b := next()
				queries = append(queries, item{slot: s, bits: b}, item{slot: uint16(rng.Uint32()), bits: rng.Uint32()})
			}
			for _, q := range queries {
				var want, got []uint64
				for _, it := range items {
					if it.slot == q.slot && it.bits == q.bits {
						want = append(want, it.val)
					}
				}
				var slot [2]byte
				binary.BigEndian.PutUint16(slot[:], q.slot)
				runMatches(run, slot, q.bits, func(val []byte) bool {
					got = append(got, binary.BigEndian.Uint64(val))
					return false
				})
				if !slices.Equal(got, want) {
					t.Fatalf("%s, %d items: slot %d bits %d: got %v, want %v", name, n, q.slot, q.bits, got, want)
				}
				if len(want) > 1 { // stopping at the first
					got = got[:0]
					if !runMatches(run, slot, q.bits, func(val []byte) bool { got = append(got, binary.BigEndian.Uint64(val)); return true }) || len(got) != 1 {
						t.Fatalf("%s: told to stop, went on: %v", name, got)
					}
				}
			}
		}
	}
}

// An import that adds many keys files them as a run of the key index instead of changing
// every slot; the keys are found through the run by reads, by later transactions (a
// lookup each, or the whole index read in one pass with its bitmap of the runs) and by
// references; past the limit of runs keys go to the slots again; a fold moves every run
// into the slots and nothing reads differently.
func TestNewKeysAreStagedAsRunsUntilTheFold(t *testing.T) {
	for _, whole := range []bool{false, true} {
		t.Run(fmt.Sprintf("whole %v", whole), func(t *testing.T) {
			defer func(f, m, w int) { runFrom, maxRuns, wholeSlotsFrom = f, m, w }(runFrom, maxRuns, wholeSlotsFrom)
			runFrom, maxRuns = 50, 2
			if whole {
				wholeSlotsFrom = 0
			}
			s := openTemp(t)
			var trades []domain.Trade
			batch := func(n int) []domain.Trade {
				from := len(trades)
				for i := range n {
					trades = append(trades, trade([]string{"tb", "jd"}[i%2], fmt.Sprintf("R%05d", from+i), t0.Add(time.Duration(i)*time.Minute), 1))
				}
				return trades[from:]
			}
			shape := func(wantRuns, wantSlotKeys int) {
				t.Helper()
				runs, slotKeys := 0, 0
				s.db.View(func(tx *bolt.Tx) error {
					tx.Bucket(hashedRuns[string(bPool)]).ForEach(func(k, v []byte) error { runs++; return nil })
					tx.Bucket(bPool).ForEach(func(k, v []byte) error { slotKeys += len(v) / idItem; return nil })
					return nil
				})
				if runs != wantRuns || slotKeys != wantSlotKeys {
					t.Fatalf("%d runs and %d keys in slots, want %d and %d", runs, slotKeys, wantRuns, wantSlotKeys)
				}
			}
			findAll := func(when string) {
				t.Helper()
				for _, tr := range trades {
					if got := entry(t, s, tr.Key); got.Key != tr.Key || got.Buyer != tr.Buyer {
						t.Fatalf("%s: %s read back as %s", when, tr.Key, got.Key)
					}
				}
				if _, found, err := s.PoolEntry(domain.Key{Channel: "tb", TradeID: "R99999"}); found || err != nil {
					t.Fatalf("%s: a key never imported: found %v, %v", when, found, err)
				}
				if res := mustImport(t, s, trades...); res.New != 0 || res.Unchanged+res.Skipped != len(trades) {
					t.Fatalf("%s: re-import: %+v", when, res)
				}
			}
			mustImport(t, s, batch(200)...)
			shape(1, 0)
			if n := counts(t, s).Staged; n != 200 {
				t.Fatalf("%d rows counted staged, want the run's 200 keys", n)
			}
			runFrom = 5000
			mustImport(t, s, batch(3000)...) // too few for a run
			shape(1, 3000)
			runFrom = 50
			// 200 keys, half of them in slots that keys filed before hold.
			held := map[[2]byte]bool{}
			for _, tr := range trades {
				slot, _ := slotOf(poolKey(nil, tr.Key))
				held[slot] = true
			}
			from, sharing := len(trades), 0
			for i := 0; len(trades)-from < 200; i++ {
				tr := trade("pdd", fmt.Sprintf("S%07d", i), t0, 1)
				slot, _ := slotOf(poolKey(nil, tr.Key))
				if held[slot] && sharing < 100 {
					sharing++
				} else if held[slot] || len(trades)-from-sharing >= 100 {
					continue
				}
				trades = append(trades, tr)
			}
			mustImport(t, s, trades[from:]...)
			shape(2, 3000)
			if n := stagedKeys(t, s); n != 400 {
				t.Fatalf("%d keys in runs, want the 400 imported in them", n)
			}
			findAll("two runs")
			mustImport(t, s, batch(100)...) // runs full: into the slots
			shape(2, 3100)
			findAll("runs full")
			// References: a conversion of many entries files their payment references as a run.
			var keys []domain.Key
			for _, tr := range trades[:120] {
				keys = append(keys, tr.Key)
			}
			if res, err := s.Convert(keys, t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil || res.Done() != 120 {
				t.Fatalf("convert: %+v %v", res, err)
			}
			refs := func(when string) {
				t.Helper()
				for i, tr := range trades[:120] {
					if o, err := s.FindOrder(orderRef(tr.PaymentRef)); err != nil || o.Key != tr.Key {
						t.Fatalf("%s: reference %d %s: %v %v", when, i, tr.PaymentRef, o.Key, err)
					}
				}
			}
			refs("staged")
			if n := stagedKeys(t, s); n != 400+120 {
				t.Fatalf("%d keys in runs, want the 400 pool keys and 120 references", n)
			}
			want := lists(t, s)
			staged := counts(t, s).Staged // with the index rows of the 3,000 (paid among the others)
			moved, err := s.Fold(context.Background())
			if err != nil || moved != staged {
				t.Fatalf("fold moved %d (%v), want the %d staged", moved, err, staged)
			}
			shape(0, 3500)
			if n := counts(t, s).Staged; n != 0 {
				t.Fatalf("after the fold %d rows counted staged", n)
			}
			if got := lists(t, s); !reflect.DeepEqual(got, want) {
				t.Fatal("after the fold: " + firstDiff(got, want))
			}
			findAll("folded")
			refs("folded")
			checkFile(t, s)
		})
	}
}

// The tests of the hashed indexes again, with every key a transaction adds staged as a
// run.
func TestHashedIndexesWithRuns(t *testing.T) {
	defer func(f int) { runFrom = f }(runFrom)
	runFrom = 1
	hashedIndexTests(t)
	t.Run("read whole", TestHashedIndexesReadWhole)
}

// A transaction remembers the arrival number of the entry it read last, for writing it
// and its order; any other key is looked up.
func TestArrivalNumberRememberedOnlyForTheEntryReadLast(t *testing.T) {
	s := openTemp(t)
	a, b := trade("tb", "A", t0, 1), trade("tb", "B", t0, 1)
	mustImport(t, s, a, b)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		seqA, _ := findEntry(txGetter(tx), poolKey(nil, a.Key))
		seqB, _ := findEntry(txGetter(tx), poolKey(nil, b.Key))
		if len(seqA) != 8 || len(seqB) != 8 || string(seqA) == string(seqB) {
			return fmt.Errorf("fixture: arrival numbers %x %x", seqA, seqB)
		}
		w := newWtx(tx, 0)
		if e, err := w.getEntry(a.Key); err != nil || e == nil {
			return fmt.Errorf("getEntry a: %v %v", e, err)
		}
		if got := w.seqOf(poolKey(nil, a.Key)); string(got) != string(seqA) {
			return fmt.Errorf("a read last: number %x, want %x", got, seqA)
		}
		if got := w.seqOf(poolKey(nil, b.Key)); string(got) != string(seqB) {
			return fmt.Errorf("b after reading a: number %x, want b's %x", got, seqB)
		}
		if got := w.seqOf(poolKey(nil, domain.Key{Channel: "tb", TradeID: "C"})); got != nil {
			return fmt.Errorf("a key never imported: number %x", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A file written before the key indexes had runs, opened read-only (which upgrades it to
// schema 4, adding the runs buckets), still finds its keys.
func TestKeysFoundInAFileWithoutRunsBuckets(t *testing.T) {
	a := trade("tb", "OLD1", t0, 1)
	ro := olderFile(t, [][]byte{hashedRuns[string(bPool)], hashedRuns[string(bOrdersByRef)]}, a)
	if got := entry(t, ro, a.Key); got.Key != a.Key {
		t.Fatalf("read back %s", got.Key)
	}
	if _, err := ro.FindOrder(orderRef("TROLD1")); err == nil {
		t.Fatal("an unconverted trade's payment reference found an order")
	}
}
