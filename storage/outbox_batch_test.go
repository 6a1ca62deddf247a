package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// batchStore is an upload store whose n orders were shipped by one upload: n shipped
// messages in batches, and the channel's chunks.
func batchStore(t *testing.T, n int) *Store {
	t.Helper()
	s := uploadStore(t, n, 0)
	var lines []upLine
	for i := range n {
		lines = append(lines, upLine{fmt.Sprintf("gs:G%04d", i), domain.S10Number("EA", i+1, "CN")})
	}
	applyLines(t, s, lines)
	return s
}

// records counts the outbox's records and its state rows of state st.
func records(t *testing.T, s *Store, st domain.OutboxState) (recs, rows int) {
	t.Helper()
	if err := s.db.View(func(tx *bolt.Tx) error {
		recs = tx.Bucket(bOutbox).Stats().KeyN
		c := tx.Bucket(bOutboxByState).Cursor()
		for k, _ := c.Seek([]byte{byte(st)}); len(k) == 17 && k[0] == byte(st); k, _ = c.Next() {
			rows++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs, rows
}

func ids(ms []domain.OutboxMessage) []uint64 {
	var out []uint64
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// An upload's shipped messages are filed in batches (a few records and state rows for
// 250 messages), and every reader sees each as a message: by number, the whole outbox,
// an order's messages, the counts, what is due, and the console's windows paged both
// ways from any position, inside a batch too.
func TestShippedBatchesReadAsMessages(t *testing.T) {
	const n = 250
	s := batchStore(t, n)
	all := outboxOf(t, s)
	if len(all) != n+3 {
		t.Fatalf("%d messages, want %d shipped and 3 chunks", len(all), n)
	}
	for i, m := range all {
		if m.ID != uint64(i+1) {
			t.Fatalf("message %d has number %d: numbers must follow each other", i, m.ID)
		}
	}
	recs, rows := records(t, s, domain.OutboxQueued)
	if recs > 10 || rows > 10 {
		t.Fatalf("%d records and %d queued rows for %d messages: the shipped ones are not batched", recs, rows, len(all))
	}
	for _, want := range all {
		got, err := s.OutboxMessage(want.ID)
		if err != nil || got.ID != want.ID || got.Kind != want.Kind || got.Order != want.Order || got.Stage != want.Stage {
			t.Fatalf("message %d by number: %+v %v, want %+v", want.ID, got, err, want)
		}
	}
	if _, err := s.OutboxMessage(uint64(n + 4)); err == nil {
		t.Fatal("a number past the last message was found")
	}
	msgs, err := s.OrderMessages(7)
	if err != nil || len(msgs) != 2 || msgs[0].Kind != domain.KindTrackingUpload || msgs[1].Kind != domain.KindShipped || msgs[1].Order != 7 {
		t.Fatalf("order 7's messages (by number: its chunk, then its shipped): %v %v", ids(msgs), err)
	}
	if c, _ := s.OutboxCounts(t0); c.Queued != n+3 {
		t.Fatalf("queued %d, want %d", c.Queued, n+3)
	}

	var listed []domain.OutboxMessage
	if err := s.ListOutbox([]domain.OutboxState{domain.OutboxQueued}, func(m domain.OutboxMessage) error {
		listed = append(listed, m)
		return nil
	}); err != nil || len(listed) != n+3 {
		t.Fatalf("listed %d: %v", len(listed), err)
	}
	due, err := s.DueOutbox(t0.Add(72*time.Hour), 60)
	if err != nil || len(due) != 60 {
		t.Fatalf("due %d: %v", len(due), err)
	}
	for i := range due {
		if due[i].Msg.ID != listed[i].ID || !due[i].HasOrder {
			t.Fatalf("due %d is %d, listed %d", i, due[i].Msg.ID, listed[i].ID)
		}
	}

	// Page forward and back 7 at a time: the same messages in the list's order.
	q := OutboxQuery{State: domain.OutboxQueued}
	var fwd []domain.OutboxMessage
	var from Pos
	for {
		win, more, err := s.OutboxWindow(context.Background(), q, from, false, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range win {
			fwd = append(fwd, r.Msg)
		}
		if !more {
			break
		}
		from = win[len(win)-1].Pos
	}
	if !slices.Equal(ids(fwd), ids(listed)) {
		t.Fatalf("paged forward:\n%v\nlisted:\n%v", ids(fwd), ids(listed))
	}
	var back []domain.OutboxMessage
	from = nil
	for {
		win, more, err := s.OutboxWindow(context.Background(), q, from, true, 7)
		if err != nil {
			t.Fatal(err)
		}
		back = append(slices.Clone(win2msgs(win)), back...)
		if !more {
			break
		}
		from = win[0].Pos
	}
	if !slices.Equal(ids(back), ids(listed)) {
		t.Fatalf("paged back:\n%v\nlisted:\n%v", ids(back), ids(listed))
	}
	// A filter finds a member of a batch by its order number.
	win, _, err := s.OutboxWindow(context.Background(), OutboxQuery{State: domain.OutboxQueued, Words: []string{"shipped", domain.OrderNumber(150)}}, nil, false, 10)
	if err != nil || len(win) != 1 || win[0].Msg.Order != 150 {
		t.Fatalf("filtered: %+v %v", win, err)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

func win2msgs(rows []OutboxRow) []domain.OutboxMessage {
	var out []domain.OutboxMessage
	for _, r := range rows {
		out = append(out, r.Msg)
	}
	return out
}

// A change to one member of a batch (a send's outcome, a retry, a cancel) splits the
// batch: the member changes alone, the others stay queued, and the counts and the doctor
// agree; repair after it changes nothing.
func TestChangingAMemberSplitsItsBatch(t *testing.T) {
	s := batchStore(t, 120)
	by := Actor{Operator: "cron", Role: domain.RoleSupervisor}
	var shipped []domain.OutboxMessage
	for _, m := range outboxOf(t, s) {
		if m.Kind == domain.KindShipped {
			shipped = append(shipped, m)
		}
	}
	recs, _ := records(t, s, domain.OutboxQueued)
	sent, failed, cancelled := shipped[40].ID, shipped[41].ID, shipped[90].ID
	at := t0.Add(30 * time.Hour)
	if err := s.RecordOutbox([]OutboxResult{{ID: sent, At: at}, {ID: failed, Err: "HTTP 503", At: at}}, 8, at, by); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelOutbox([]uint64{cancelled}, "buyer asked", at, by); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uint64]domain.OutboxState{sent: domain.OutboxSent, failed: domain.OutboxFailed, cancelled: domain.OutboxCancelled,
		shipped[39].ID: domain.OutboxQueued, shipped[42].ID: domain.OutboxQueued, shipped[91].ID: domain.OutboxQueued} {
		m, err := s.OutboxMessage(id)
		if err != nil || m.State != want {
			t.Fatalf("message %d: %v %v, want %v", id, m.State, err, want)
		}
	}
	if after, _ := records(t, s, domain.OutboxQueued); after <= recs {
		t.Fatalf("%d records after the change, %d before: the batch was not split", after, recs)
	}
	c, _ := s.OutboxCounts(at)
	if c.Queued != len(outboxOf(t, s))-3 || c.Failed != 1 || c.Sent24h != 1 {
		t.Fatalf("counts %+v", c)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
	if _, err := s.RetryOutbox([]uint64{failed}, false, at, by); err != nil {
		t.Fatal(err)
	}
	res, err := s.Repair(context.Background(), at, by)
	if err != nil || res.Found != 0 {
		t.Fatalf("repair: %+v %v", res, err)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor after repair: %v", rep.Problems)
	}
}

// A batch member that is not queued at the batch's time is named by the doctor.
func TestDoctorNamesABadBatchMember(t *testing.T) {
	s := batchStore(t, 30)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !isBatch(v) {
				continue
			}
			ms, err := decodeRecord(k, v)
			if err != nil {
				return err
			}
			ms[2].State = domain.OutboxFailed
			return tx.Bucket(bOutbox).Put(k, appendBatch(nil, ms))
		}
		return fmt.Errorf("no batch")
	}); err != nil {
		t.Fatal(err)
	}
	rep := doctorOf(t, s)
	if !strings.Contains(fmt.Sprint(rep.Problems), "that is not queued with the batch") {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// A schema 8 file indexed the shipped messages and the upload lines in outbox_by_event;
// opening it moves them into the orders' lists, and the doctor finds it whole.
func TestMigrationListsToldMessagesInOrders(t *testing.T) {
	s := batchStore(t, 12)
	var want = map[uint64][]domain.Told{}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		orders, ev := tx.Bucket(bOrders), tx.Bucket(bOutboxByEvent)
		c := orders.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			o, seq, err := decodeOrderAt(v)
			if err != nil {
				return err
			}
			told, err := o.Told.Entries()
			if err != nil {
				return err
			}
			want[o.No] = slices.SortedFunc(slices.Values(told), func(a, b domain.Told) int { return int(a.ID) - int(b.ID) })
			for _, e := range told {
				if err := ev.Put(outboxEventKey(o.No, e.Kind, e.Stage), u64(e.ID)); err != nil {
					return err
				}
			}
			o.Told = nil
			if err := orders.Put(k, encodeOrderAt(nil, &o, seq)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s = reopenAsSchema(t, s, 8, nil)
	for no, told := range want {
		o, _, err := s.Order(no)
		got, _ := o.Told.Entries()
		if err != nil || len(told) != 2 || !slices.Equal(got, told) {
			t.Fatalf("%s lists %+v, want %+v (%v)", domain.OrderNumber(no), got, told, err)
		}
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bOutboxByEvent).Stats().KeyN; n != 0 {
			return fmt.Errorf("%d rows left in outbox_by_event", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// The last outbox number is a batch's last member's: the doctor names a sequence behind
// it, and repair moves the sequence past it, so the next message takes a new number.
func TestSequenceIsPastTheLastBatchMember(t *testing.T) {
	s := batchStore(t, 250)
	last := uint64(len(outboxOf(t, s)))
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kOutboxSeq, u64(last-3)) }); err != nil {
		t.Fatal(err)
	}
	if rep := doctorOf(t, s); rep.OK() {
		t.Fatal("the doctor missed the outbox sequence behind the last batch's members")
	}
	sup := Actor{Operator: "sue", Role: domain.RoleSupervisor}
	if _, err := s.Repair(context.Background(), t0, sup); err != nil {
		t.Fatal(err)
	}
	if n, err := s.QueueMessages([]domain.OutboxMessage{{Channel: "gs", Kind: domain.KindLate, Key: "x", To: "a@b.c"}}, t0, sup); err != nil || n != 1 {
		t.Fatalf("queue: %d %v", n, err)
	}
	for id := uint64(1); id <= last+1; id++ {
		if _, err := s.OutboxMessage(id); err != nil {
			t.Fatalf("message %d: %v", id, err)
		}
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// Schema 9's step leaves the row of a shipped message about no order (indexed as before)
// and drops the rows of an order that is gone; the doctor finds the file whole.
func TestMigrationKeepsRowsOfNoOrder(t *testing.T) {
	s := batchStore(t, 3)
	sup := Actor{Operator: "sue", Role: domain.RoleSupervisor}
	if n, err := s.QueueMessages([]domain.OutboxMessage{{Channel: "gs", Kind: domain.KindShipped, Key: "k", To: "a@b.c"}}, t0, sup); err != nil || n != 1 {
		t.Fatalf("queue: %d %v", n, err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { // a schema 8 row of an order that is gone
		return tx.Bucket(bOutboxByEvent).Put(outboxEventKey(77, domain.KindShipped, "EE1"), u64(2))
	}); err != nil {
		t.Fatal(err)
	}
	s = reopenAsSchema(t, s, 8, nil)
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// An order with a told list (record version 4) reads back with its shipment or without
// one (its number undone), named by arrival number or by key; a walk over the orders
// decodes it either way (orderMayBeShipped) and asks the order.
func TestOrderWithToldListReadsBack(t *testing.T) {
	shipped := domain.SalesOrder{No: 5, Status: domain.OrderShipped, CreatedAt: t0, ShipBy: t0, Attention: "look",
		Shipment: domain.Shipment{Carrier: "ems", Number: "EA000000014CN", ShippedAt: t0}}
	shipped.Channel, shipped.TradeID = "tb", "T5"
	shipped.Tell(domain.KindShipped, "EA000000014CN", 9)
	unshipped := shipped
	unshipped.Shipment = domain.Shipment{}
	for _, c := range []struct {
		o    domain.SalesOrder
		seq  uint64
		want bool
	}{{shipped, 3, true}, {shipped, 0, true}, {unshipped, 3, false}, {unshipped, 0, false}} {
		v := encodeOrderAt(nil, &c.o, c.seq)
		if v[0]&^orderAtEntry != orderToldVersion || !orderMayBeShipped(v) {
			t.Fatalf("version %d, want %d, walked over", v[0]&^orderAtEntry, orderToldVersion)
		}
		back, seq, err := decodeOrderAt(v)
		if err != nil || seq != c.seq || back.ToldID(domain.KindShipped, "EA000000014CN") != 9 || back.Shipment.Shipped() != c.want {
			t.Errorf("read back: %+v %d %v", back, seq, err)
		}
	}
}
