package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// uploadStore has n converted GSPAY orders on channel gs (trade G<i>, payment TR<i>) and m
// taobao orders on channel tb (trade B<i>).
func uploadStore(t *testing.T, n, m int) *Store {
	t.Helper()
	s := openTemp(t)
	var trades []domain.Trade
	for i := range n {
		tr := trade("gs", fmt.Sprintf("G%04d", i), t0, 1)
		tr.Platform, tr.PaymentRef = "gspay", fmt.Sprintf("TR%06d", i)
		trades = append(trades, tr)
	}
	for i := range m {
		trades = append(trades, trade("tb", fmt.Sprintf("B%04d", i), t0, 1))
	}
	mustImport(t, s, trades...)
	if res, err := s.ConvertAllReady(t0, Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil || res.Done() != n+m {
		t.Fatalf("convert: %v %d", err, res.Done())
	}
	s.SetNotifyPolicy(domain.NotifyPolicy{MaxAttempts: 8})
	return s
}

// uploadLine is one line of a tracking file: GSPAY for the gs channel, CSV-like for tb.
type upLine struct {
	ref, number string
}

func applyLines(t *testing.T, s *Store, lines []upLine) domain.TrackingPlan {
	t.Helper()
	var tl []domain.TrackingLine
	for i, l := range lines {
		tl = append(tl, domain.TrackingLine{Line: i + 1, Ref: l.ref, Carrier: "ems", Number: l.number})
	}
	p, err := s.ApplyTracking(tl, 0, cn, false, t0, Actor{Operator: "ana", Role: domain.RoleOperator})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return p
}

func uploadsOf(t *testing.T, s *Store) []domain.OutboxMessage {
	t.Helper()
	var out []domain.OutboxMessage
	for _, m := range outboxOf(t, s) {
		if m.Kind == domain.KindTrackingUpload {
			out = append(out, m)
		}
	}
	return out
}

// A 250-line upload to one GSPAY channel queues three tracking.upload messages of 100, 100
// and 50 GSPAY lines, in file order (not order-number order), each its own message.
func TestTrackingUploadChunksOf100InFileOrder(t *testing.T) {
	s := uploadStore(t, 250, 0)
	perm := rand.New(rand.NewPCG(1, 2)).Perm(250)
	var lines []upLine
	for j, i := range perm {
		lines = append(lines, upLine{fmt.Sprintf("gs:G%04d", i), domain.S10Number("EA", 1000+j, "CN")})
	}
	applyLines(t, s, lines)
	ups := uploadsOf(t, s)
	if len(ups) != 3 || len(ups[0].Lines) != 100 || len(ups[1].Lines) != 100 || len(ups[2].Lines) != 50 {
		t.Fatalf("want 3 chunks of 100/100/50 lines, got %d: %v", len(ups), chunkSizes(ups))
	}
	j := 0
	keys := map[string]bool{}
	for _, m := range ups {
		keys[m.IdempotencyKey()] = true
		if m.Channel != "gs" || m.Order != m.Lines[0].Order || m.Stage != m.Lines[0].Number || m.Transport != domain.TransportWebhook {
			t.Errorf("chunk %d: channel %q order %d stage %q transport %q", m.ID, m.Channel, m.Order, m.Stage, m.Transport)
		}
		for _, l := range m.Lines {
			want := fmt.Sprintf("TR%06d:: ", perm[j])
			if l.Number != lines[j].number || !strings.HasPrefix(l.Text, want) || !strings.HasSuffix(l.Text, ":: Tracking ID="+lines[j].number) || l.Old != "" {
				t.Fatalf("line %d of the file: %+v, want %s… %s", j+1, l, want, lines[j].number)
			}
			j++
		}
	}
	if len(keys) != 3 {
		t.Errorf("idempotency keys %v: want one per chunk", keys)
	}
	// Every GSPAY line reads back as the upload format it is.
	text := domain.UploadText(ups[2].Lines)
	f, err := domain.ParseTracking("chunk", strings.NewReader(text), nil)
	if err != nil || f.Format != domain.TrackingGSPAY || len(f.Lines) != 50 || len(f.Errors) != 0 {
		t.Fatalf("the chunk does not read back as GSPAY: %v %+v", err, f.Errors)
	}
	// Each order lists the chunk that carries its line.
	mid := ups[1].Lines[57].Order
	if got, _ := s.OrderMessages(mid); !hasMessage(got, ups[1].ID) {
		t.Errorf("order %d's messages %+v lack chunk %d", mid, got, ups[1].ID)
	}
	if c, _ := s.OutboxCounts(t0); c.Queued != 250+3 {
		t.Errorf("queued %d, want 250 shipped and 3 chunks", c.Queued)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// Lines for two channels go to separate messages, each in its channel's format; a
// re-import of the same numbers queues nothing; a corrected number queues one line that
// says which number it replaced, and a number corrected back to one the channel had is
// written back too (the channel has the other one by then).
func TestTrackingUploadPerChannelReimportCorrection(t *testing.T) {
	s := uploadStore(t, 120, 30)
	var lines []upLine
	for i := range 150 { // interleaved: every fifth line is tb's
		if i%5 == 4 {
			lines = append(lines, upLine{fmt.Sprintf("tb:B%04d", i/5), domain.S10Number("EB", i, "CN")})
		} else {
			lines = append(lines, upLine{fmt.Sprintf("gs:G%04d", i-i/5), domain.S10Number("EA", i, "CN")})
		}
	}
	applyLines(t, s, lines)
	ups := uploadsOf(t, s)
	if len(ups) != 3 {
		t.Fatalf("want gs 100 + 20 and tb 30 in 3 messages, got %v", chunkSizes(ups))
	}
	per := map[string][]int{}
	for _, m := range ups {
		per[m.Channel] = append(per[m.Channel], len(m.Lines))
		for _, l := range m.Lines {
			gspay := strings.Contains(l.Text, ":: Tracking ID=")
			if (m.Channel == "gs") != gspay {
				t.Errorf("%s line %q is in the wrong format", m.Channel, l.Text)
			}
			if ems, _ := domain.CarrierByCode("ems"); m.Channel == "tb" && l.Text != l.Trade+","+ems.Name+","+l.Number {
				t.Errorf("tb line %q", l.Text)
			}
		}
	}
	if fmt.Sprint(per["gs"]) != "[100 20]" || fmt.Sprint(per["tb"]) != "[30]" {
		t.Fatalf("lines per channel: %v", per)
	}
	before := len(outboxOf(t, s))
	applyLines(t, s, lines) // the same file again
	if after := len(outboxOf(t, s)); after != before {
		t.Fatalf("a re-import queued %d messages", after-before)
	}
	fixed := domain.S10Number("EC", 7, "CN")
	applyLines(t, s, []upLine{{"gs:G0000", fixed}})
	ups = uploadsOf(t, s)
	last := ups[len(ups)-1]
	if len(ups) != 4 || len(last.Lines) != 1 || last.Lines[0].Number != fixed || last.Lines[0].Old != lines[0].number || last.Note != lines[0].number {
		t.Fatalf("a correction queued %v, last %+v", chunkSizes(ups), last)
	}
	applyLines(t, s, []upLine{{"gs:G0000", lines[0].number}}) // back to the first number: the channel has fixed now
	ups = uploadsOf(t, s)
	last = ups[len(ups)-1]
	if len(ups) != 5 || len(last.Lines) != 1 || last.Lines[0].Number != lines[0].number || last.Lines[0].Old != fixed {
		t.Fatalf("a number corrected back was not written back: %v, last %+v", chunkSizes(ups), last)
	}
	applyLines(t, s, []upLine{{"gs:G0000", fixed}}) // and forth again: a third change, written back too
	applyLines(t, s, lines[:1])                     // and back; then the same file once more changes nothing
	applyLines(t, s, lines[:1])
	if n := len(uploadsOf(t, s)); n != 7 {
		t.Fatalf("each change of number is one write-back: %d uploads, want 7", n)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// One ship is a chunk of one line; the doctor names a chunk's missing line row, and
// repair files it again.
func TestTrackingUploadShipAndDoctor(t *testing.T) {
	s := uploadStore(t, 3, 0)
	applyLines(t, s, []upLine{{"gs:G0000", domain.S10Number("EA", 1, "CN")}, {"gs:G0001", domain.S10Number("EA", 2, "CN")}})
	if _, _, err := s.Ship(orderRef("gs:G0002"), domain.ShipInput{Carrier: "ems", Number: domain.S10Number("EA", 3, "CN")}, cn, t0, Actor{Operator: "ana", Role: domain.RoleOperator}); err != nil {
		t.Fatal(err)
	}
	ups := uploadsOf(t, s)
	if fmt.Sprint(chunkSizes(ups)) != "[2 1]" {
		t.Fatalf("chunks %v, want a 2-line upload and a 1-line ship", chunkSizes(ups))
	}
	// Drop the second line from its order's list, and list a message that is not there
	// in the first order: the doctor must name both, and repair list them as the outbox
	// has them.
	second, first := ups[0].Lines[1].Order, ups[0].Lines[0].Order
	rewrite := func(no uint64, change func(o *domain.SalesOrder)) {
		t.Helper()
		if err := s.db.Update(func(tx *bolt.Tx) error {
			o, seq, err := decodeOrderAt(tx.Bucket(bOrders).Get(u64(no)))
			if err != nil {
				return err
			}
			change(&o)
			return tx.Bucket(bOrders).Put(u64(no), encodeOrderAt(nil, &o, seq))
		}); err != nil {
			t.Fatal(err)
		}
	}
	rewrite(second, func(o *domain.SalesOrder) {
		told, _ := o.Told.Entries()
		o.Told = nil
		for _, t := range told {
			if t.Kind != domain.KindTrackingUpload {
				o.Tell(t.Kind, t.Stage, t.ID)
			}
		}
	})
	rewrite(first, func(o *domain.SalesOrder) { o.Tell(domain.KindShipped, "EE999", 999) })
	rep := doctorOf(t, s)
	want := []string{fmt.Sprintf("outbox message %d (tracking.upload %q) is not listed in %s", ups[0].ID, ups[0].Lines[1].Number, domain.OrderNumber(second)),
		fmt.Sprintf("%s lists outbox message 999 (shipped), which is not there", domain.OrderNumber(first))}
	for _, w := range want {
		if !strings.Contains(fmt.Sprint(rep.Problems), w) {
			t.Fatalf("doctor missed %q: %v", w, rep.Problems)
		}
	}
	if _, err := s.Repair(context.Background(), t0, Actor{Operator: "sue", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("after repair: %v", rep.Problems)
	}
	o, _, err := s.Order(second)
	if err != nil || o.ToldID(domain.KindTrackingUpload, ups[0].Lines[1].Number) != ups[0].ID {
		t.Fatalf("repair did not list the line again: %+v %v", o.Told, err)
	}
}

func chunkSizes(ms []domain.OutboxMessage) []int {
	var out []int
	for _, m := range ms {
		out = append(out, len(m.Lines))
	}
	return out
}

func hasMessage(ms []domain.OutboxMessage, id uint64) bool {
	for _, m := range ms {
		if m.ID == id {
			return true
		}
	}
	return false
}

// A message queued the one-by-one way (queueMessage) in the same transaction as a
// shipment's messages takes a number of its own: the numbers uploads took from the
// sequence are not handed out twice, and the sequence ends past every message.
func TestUploadsShareTheSequence(t *testing.T) {
	s := uploadStore(t, 3, 0)
	pol := domain.NotifyPolicy{MaxAttempts: 8}
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newWtx(tx, 16)
		up := newUploads(pol, t0)
		for no := uint64(1); no <= 3; no++ {
			o, err := w.getOrder(no)
			if err != nil {
				return err
			}
			next := *o
			next.Shipment.Carrier, next.Shipment.Number = "ems", domain.S10Number("EA", int(no), "CN")
			if err := w.queueShipment(o, &next, up); err != nil {
				return err
			}
			if err := w.putOrder(o, &next); err != nil {
				return err
			}
			if no == 2 {
				if _, err := w.queueMessage(domain.OutboxMessage{Channel: "gs", Kind: domain.KindLate, Order: no}, pol, t0); err != nil {
					return err
				}
			}
		}
		if _, err := up.close(w); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := outboxOf(t, s)
	seen := map[uint64]bool{}
	var last uint64
	for _, m := range msgs {
		if seen[m.ID] {
			t.Fatalf("number %d twice: %+v", m.ID, msgs)
		}
		seen[m.ID], last = true, max(last, m.ID)
	}
	if len(msgs) != 3+1+1 {
		t.Fatalf("%d messages, want 3 shipped, 1 late, 1 chunk", len(msgs))
	}
	var seq uint64
	s.db.View(func(tx *bolt.Tx) error { seq = binary.BigEndian.Uint64(tx.Bucket(bMeta).Get(kOutboxSeq)); return nil })
	if seq < last {
		t.Fatalf("sequence %d is behind message %d", seq, last)
	}
	if n, err := s.QueueMessages([]domain.OutboxMessage{{Channel: "gs", Kind: domain.KindLate, Order: 3}}, t0, Actor{Operator: "t", Role: domain.RoleSupervisor}); err != nil || n != 1 {
		t.Fatalf("queue after: %d %v", n, err)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}

// A chunk given whole (QueueMessages) files its lines' rows by their stages, as the
// doctor reads them: a correction's line too.
func TestWholeChunkFilesItsLinesByStage(t *testing.T) {
	s := uploadStore(t, 2, 0)
	by := Actor{Operator: "cron", Role: domain.RoleSupervisor}
	m := domain.OutboxMessage{Channel: "gs", Kind: domain.KindTrackingUpload, Order: 1, Stage: "EA1", Lines: []domain.UploadLine{
		{Order: 1, Trade: "G1", Number: "EA1", Text: "G1 EA1"},
		{Order: 2, Trade: "G2", Number: "EB2", Old: "EA2", Change: 2, Text: "G2 EB2"},
	}}
	if n, err := s.QueueMessages([]domain.OutboxMessage{m}, t0, by); err != nil || n != 1 {
		t.Fatalf("queue: %d %v", n, err)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
	// The same chunk again queues nothing; one whose later line was queued before is
	// refused whole, and nothing is written.
	if n, err := s.QueueMessages([]domain.OutboxMessage{m}, t0, by); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
	m.Stage, m.Lines[0].Number = "EA9", "EA9"
	if n, err := s.QueueMessages([]domain.OutboxMessage{m}, t0, by); err == nil || !strings.Contains(err.Error(), "was queued before") {
		t.Fatalf("a repeated line: %d %v", n, err)
	}
	if got := len(outboxOf(t, s)); got != 1 {
		t.Fatalf("%d messages after the refused chunk, want 1", got)
	}
	if rep := doctorOf(t, s); !rep.OK() {
		t.Fatalf("doctor: %v", rep.Problems)
	}
}
