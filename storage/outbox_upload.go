package storage

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"shipdesk/domain"
)

// The channels' tracking write-back in chunks (issue 19: "GSPAY lines in chunks of at
// most 100"). The numbers entered or corrected in one write transaction — a bulk
// `import tracking`, a console selection, one `ship` — go into their channel's open chunk
// in the order they come (file order for an upload), each line in the channel's format
// (domain.UploadLineText); a chunk is a tracking.upload message of at most
// domain.UploadChunkLines lines, with its own ID and idempotency key, its number taken
// when its first line comes. A chunk is closed (its record written) when it has its 100
// lines or when its transaction closes (uploads.close, just before the commit): a later
// transaction starts new chunks and never adds to a message a sender may already hold.
//
// One message per (order, kind, stage) still holds per line: each line is listed in its
// order's told list (domain.SalesOrder.Told) as tracking.upload, its stage and the
// chunk's ID, where the stage is the number, and after a correction the number and the
// shipment's count of corrections (domain.UploadLine.Stage); a chunk's Order, Stage and
// Note are its first line's. A re-import of the same numbers finds the entry and queues
// nothing; every change of number — a number corrected back to one the channel had as
// well — has a stage of its own and queues one line, with the number it replaced (Old).
// The buyer's shipped message is listed the same way. The lists also give an order's
// messages (OrderMessages). They live in the order because every change of number
// rewrites it anyway: an index row per line and per shipped message was what queueing
// cost a bulk upload most (PERFORMANCE.md).

// Everything a transaction's shipments owe goes through one uploads (queueShipment):
// the buyers' shipped messages go into batches (outbox_batch.go), the no_tracking ones
// are written at once, the lines as they come (listed in their orders at once, the
// chunk's record when it is full or at close). It is built to cost a bulk upload
// little: outbox numbers are taken from the sequence 1,024 at a time (reserve); records
// and keys are packed into the transaction's arena; each state's counter is added once.

// uploads is what one write transaction queues for its shipments.
type uploads struct {
	pol      domain.NotifyPolicy
	now      time.Time
	due      map[string]time.Time // by kind
	next     uint64               // the next outbox number; 0 until the sequence is read
	end      uint64               // the last number of the block taken (reserve)
	shipped  batch                // the buyers' shipped messages (outbox_batch.go)
	queued   int64                // messages filed
	channels []string             // with an open chunk, in the order their first line came
	open     map[string]*chunk
	key      []byte // scratch for lookups
}

// chunk is a channel's open tracking.upload message: its number and lines so far.
type chunk struct {
	id    uint64
	lines []domain.UploadLine
}

func newUploads(pol domain.NotifyPolicy, now time.Time) *uploads {
	return &uploads{pol: pol, now: now.UTC()}
}

// reserveBlock is how many outbox numbers uploads takes from the sequence at a time.
const reserveBlock = 1024

// reserve takes the next outbox number. Numbers are taken from the sequence a block at a
// time (meta seq/outbox moves to the block's end at once, so a queueMessage in the same
// transaction takes numbers past it, never one of the block's); close gives back what
// the last block did not use, if nothing took a number after it.
func (u *uploads) reserve(w *wtx) (uint64, error) {
	if u.next == 0 || u.next > u.end {
		meta := w.tx.Bucket(bMeta)
		var last uint64
		if v := meta.Get(kOutboxSeq); len(v) == 8 {
			last = binary.BigEndian.Uint64(v)
		}
		u.next, u.end = last+1, last+reserveBlock
		if err := meta.Put(kOutboxSeq, u64(u.end)); err != nil {
			return 0, err
		}
	}
	u.next++
	return u.next - 1, nil
}

func (u *uploads) dueAt(kind string) time.Time {
	at, ok := u.due[kind]
	if !ok {
		if u.due == nil {
			u.due = map[string]time.Time{}
		}
		at = u.pol.DueAt(kind, u.now).UTC()
		u.due[kind] = at
	}
	return at
}

// seen says whether (no, kind, stage) was queued, in this transaction or before, for the
// kinds indexed in outbox_by_event (not domain.ToldKind: the order's Told says those).
func (u *uploads) seen(w *wtx, no uint64, kind, stage string) bool {
	u.key = outboxEventKeyTo(u.key[:0], no, kind, stage)
	return w.get(bOutboxByEvent, u.key) != nil
}

// queue files m unless its (order, kind, stage) was queued before (queueMessage's rules)
// and says whether it did. A shipped or tracking.upload message about an order is
// listed in the order (tell).
func (u *uploads) queue(w *wtx, m domain.OutboxMessage) (bool, error) {
	if domain.ToldKind(m.Kind) && m.Order != 0 {
		return u.tell(w, m)
	}
	unique := m.Order == 0 && m.Stage == ""
	if !unique && u.seen(w, m.Order, m.Kind, m.Stage) {
		return false, nil
	}
	_, err := u.put(w, m, unique)
	return true, err
}

// put numbers m, files it as queued and returns its number.
func (u *uploads) put(w *wtx, m domain.OutboxMessage, unique bool) (uint64, error) {
	id, err := u.reserve(w)
	if err != nil {
		return 0, err
	}
	m.ID = id
	if unique {
		m.Stage = "#" + strconv.FormatUint(m.ID, 10)
	}
	u.newQueued(&m)
	w.putNewOutbox(&m)
	w.lastOutbox = m.ID
	u.queued++
	return id, nil
}

// newQueued makes m a new queued message, due when the policy says.
func (u *uploads) newQueued(m *domain.OutboxMessage) {
	m.State, m.Attempts, m.CreatedAt, m.NextAttempt = domain.OutboxQueued, 0, u.now, u.dueAt(m.Kind)
	if m.Transport == "" {
		m.Transport = domain.TransportFor(m.Kind, m.To)
	}
}

// tell queues a shipped or tracking.upload message given whole (QueueMessages: the
// demo, tests) about orders that must be there, unless its order lists its stage; each
// order it is about (a chunk's each line's) is written back with it listed.
func (u *uploads) tell(w *wtx, m domain.OutboxMessage) (bool, error) {
	var id uint64
	for i, at := range listedAt(&m) {
		o, err := w.getOrder(at.order)
		if err != nil {
			return false, err
		}
		if o == nil {
			return false, fmt.Errorf("a %s message about %s: no such order", m.Kind, domain.OrderNumber(at.order))
		}
		switch {
		case i == 0 && o.ToldID(m.Kind, m.Stage) != 0:
			return false, nil
		case i == 0:
			if id, err = u.put(w, m, false); err != nil {
				return false, err
			}
		case o.ToldID(m.Kind, at.stage) != 0:
			return false, fmt.Errorf("a %s message's line for %s: its stage %q was queued before", m.Kind, domain.OrderNumber(at.order), at.stage)
		}
		next := *o
		next.Tell(m.Kind, at.stage, id)
		if err := w.putOrder(o, &next); err != nil {
			return false, err
		}
	}
	return true, nil
}

// ship queues the buyer's shipped message of o's current number (note: the number it
// replaced), unless o lists it for the same change, and lists it in o.
func (u *uploads) ship(w *wtx, o *domain.SalesOrder, note string) error {
	if o.Shipment.Number == "" {
		return nil
	}
	m := domain.OutboxMessage{Channel: o.Channel, Kind: domain.KindShipped, Key: o.TradeID,
		Order: o.No, Stage: o.Shipment.Number, Note: note, To: o.Consignee.Email}
	if o.ToldID(m.Kind, m.Stage) != 0 {
		if note == "" {
			return nil
		}
		// Corrected back to a number the buyer was told before: the buyer has the other
		// one now, so this change is told too (the stage names the correction).
		m.Stage += "#" + strconv.Itoa(o.Shipment.Replaced)
		if o.ToldID(m.Kind, m.Stage) != 0 {
			return nil
		}
	}
	u.newQueued(&m)
	id, err := u.shipped.add(w, u, m)
	if err == nil {
		o.Tell(m.Kind, m.Stage, id)
	}
	return err
}

// add collects the line of o's current number, correcting old ("" for a new number),
// unless o lists the number's line (queued in this transaction or an earlier one).
func (u *uploads) add(w *wtx, o *domain.SalesOrder, old string) error {
	if o.Shipment.Number == "" {
		return nil
	}
	l := domain.UploadLineOf(o, old)
	if o.ToldID(domain.KindTrackingUpload, l.Stage()) != 0 {
		return nil
	}
	return u.line(w, o, l)
}

// line adds l, a line of order o, to its channel's open chunk (opening one), lists the
// chunk in o, and files the chunk when it is full.
func (u *uploads) line(w *wtx, o *domain.SalesOrder, l domain.UploadLine) error {
	channel := o.Channel
	c := u.open[channel]
	if c == nil {
		if u.open == nil {
			u.open = map[string]*chunk{}
		}
		id, err := u.reserve(w)
		if err != nil {
			return err
		}
		c = &chunk{id: id, lines: make([]domain.UploadLine, 0, domain.UploadChunkLines)}
		u.open[channel] = c
		u.channels = append(u.channels, channel)
	}
	c.lines = append(c.lines, l)
	o.Tell(domain.KindTrackingUpload, l.Stage(), c.id)
	if len(c.lines) == domain.UploadChunkLines {
		u.file(w, channel, c)
		delete(u.open, channel)
	}
	return nil
}

// file writes a chunk's record and state row (its lines' rows are filed already).
func (u *uploads) file(w *wtx, channel string, c *chunk) {
	first := c.lines[0]
	m := domain.OutboxMessage{ID: c.id, Channel: channel, Kind: domain.KindTrackingUpload, Key: first.Trade,
		Order: first.Order, Stage: first.Stage(), Note: first.Old, Lines: c.lines, State: domain.OutboxQueued,
		CreatedAt: u.now, NextAttempt: u.dueAt(domain.KindTrackingUpload), Transport: domain.TransportWebhook}
	w.putNewOutbox(&m)
	w.lastOutbox = max(w.lastOutbox, c.id)
	u.queued++
}

// take collects a tracking.upload message given whole (QueueMessages: the demo, tests)
// as a line when it names an order that is in the file, and writes the order back with
// the line listed; it says whether it did (or found the number listed before). Others
// are queued as they are.
func (u *uploads) take(w *wtx, m domain.OutboxMessage) (bool, error) {
	if m.Kind != domain.KindTrackingUpload || m.Order == 0 || m.Stage == "" || len(m.Lines) > 0 {
		return false, nil
	}
	o, err := w.getOrder(m.Order)
	if err != nil || o == nil {
		return false, err
	}
	if o.ToldID(domain.KindTrackingUpload, m.Stage) != 0 {
		return true, nil
	}
	next := *o
	if err := u.line(w, &next, domain.UploadLine{Order: o.No, Trade: o.TradeID, Number: m.Stage, Old: m.Note,
		Text: domain.UploadLineText(o, m.Stage)}); err != nil {
		return true, err
	}
	return true, w.putOrder(o, &next)
}

// close files the open chunks, in the order their channels' first lines came, writes the
// outbox sequence and counts the messages; it returns how many it queued. Call it once,
// just before the commit.
func (u *uploads) close(w *wtx) (int, error) {
	for _, ch := range u.channels {
		if c := u.open[ch]; c != nil {
			u.file(w, ch, c)
			delete(u.open, ch)
		}
	}
	u.shipped.file(w, u)
	n := u.queued
	if u.next != 0 && u.next <= u.end { // give back the block's unused numbers
		meta := w.tx.Bucket(bMeta)
		if v := meta.Get(kOutboxSeq); len(v) == 8 && binary.BigEndian.Uint64(v) == u.end {
			if err := meta.Put(kOutboxSeq, u64(u.next-1)); err != nil {
				return 0, err
			}
		}
	}
	w.add(outboxCounter(domain.OutboxQueued), "", n)
	*u = uploads{pol: u.pol, now: u.now}
	return int(n), nil
}

// putStateRow files m's outbox_by_state row, its key built in the transaction's arena.
func (w *wtx) putStateRow(m *domain.OutboxMessage) {
	sk := append(w.room(17), byte(m.State))
	sk = binary.BigEndian.AppendUint64(timeKey(sk, outboxTime(m)), m.ID)
	w.put(bOutboxByState, w.keep(sk), []byte{})
}

// putNewOutbox files a new message's record and rows (those of putOutboxMsg), built in
// the transaction's arena; the caller counts it.
func (w *wtx) putNewOutbox(m *domain.OutboxMessage) {
	id := w.keep(binary.BigEndian.AppendUint64(w.room(8), m.ID))
	w.put(bOutbox, id, w.keep(appendOutbox(w.room(outboxSize(m)), m)))
	w.putStateRow(m)
	if !listedInOrder(m) {
		w.put(bOutboxByEvent, w.keep(outboxEventKeyTo(w.room(9+len(m.Kind)+len(m.Stage)), m.Order, m.Kind, m.Stage)), id)
	}
}
