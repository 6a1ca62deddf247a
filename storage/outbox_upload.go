package storage

import (
	"time"

	"shipdesk/domain"
)

// The channels' tracking write-back in chunks (issue 19: "GSPAY lines in chunks of at
// most 100"). The numbers entered or corrected in one write transaction — a bulk
// `import tracking`, a console selection, one `ship` — are collected per channel in the
// order they come (file order for an upload) and, just before the transaction commits,
// written as tracking.upload messages of at most domain.UploadChunkLines lines each, each
// line in the channel's format (domain.UploadLineText). Every chunk is one message with
// its own ID and idempotency key. A chunk is closed with its transaction: a later
// transaction starts new chunks and never adds to a message a sender may already hold.
//
// One message per (order, kind, stage) still holds per line: each line files its own
// outbox_by_event row order | "tracking.upload" 0x00 number → the chunk's ID (the first
// line's row is the message's own row: a chunk's Order, Stage and Note are its first
// line's). A number already uploaded for the order (a re-import of the same numbers, a
// number corrected back to one the channel had) finds its row and queues nothing; a
// corrected number has no row yet and queues one line, with the number it replaced (Old).
// The rows also list a chunk among each of its orders' messages (OrderMessages).

// uploads collects the lines one write transaction owes the channels.
type uploads struct {
	channels []string                       // in the order their first line came
	lines    map[string][]domain.UploadLine // by channel, in the order they came
	last     map[uint64]string              // the number last collected per order
}

// add collects the line of o's current number, correcting old ("" for a new number),
// unless the number was queued for o before (in this transaction or an earlier one).
func (u *uploads) add(w *wtx, o *domain.SalesOrder, old string) {
	n := o.Shipment.Number
	if n == "" || u.queued(w, o.No, n) {
		return
	}
	u.put(o.Channel, domain.UploadLineOf(o, old))
}

func (u *uploads) queued(w *wtx, no uint64, number string) bool {
	if u.last[no] == number && number != "" {
		return true
	}
	return w.get(bOutboxByEvent, outboxEventKey(no, domain.KindTrackingUpload, number)) != nil
}

func (u *uploads) put(channel string, l domain.UploadLine) {
	if u.lines == nil {
		u.lines, u.last = map[string][]domain.UploadLine{}, map[uint64]string{}
	}
	if _, ok := u.lines[channel]; !ok {
		u.channels = append(u.channels, channel)
	}
	u.lines[channel] = append(u.lines[channel], l)
	u.last[l.Order] = l.Number
}

// take collects a tracking.upload message given whole (QueueMessages: the demo, tests)
// as a line when it names an order that is in the file; it says whether it did (or
// found the number queued before). Others queue as they are.
func (u *uploads) take(w *wtx, m domain.OutboxMessage) (bool, error) {
	if m.Kind != domain.KindTrackingUpload || m.Order == 0 || m.Stage == "" || len(m.Lines) > 0 {
		return false, nil
	}
	o, err := w.getOrder(m.Order)
	if err != nil || o == nil {
		return false, err
	}
	if !u.queued(w, o.No, m.Stage) {
		u.put(o.Channel, domain.UploadLine{Order: o.No, Trade: o.TradeID, Number: m.Stage, Old: m.Note,
			Text: domain.UploadLineText(o, m.Stage)})
	}
	return true, nil
}

// close writes the collected lines as chunk messages, channel by channel, and forgets
// them; it returns how many messages it queued. Call it once, just before the commit.
func (u *uploads) close(w *wtx, pol domain.NotifyPolicy, now time.Time) (int, error) {
	n := 0
	for _, ch := range u.channels {
		lines := u.lines[ch]
		for len(lines) > 0 {
			k := min(len(lines), domain.UploadChunkLines)
			chunk := lines[:k:k]
			lines = lines[k:]
			first := chunk[0]
			ok, err := w.queueMessage(domain.OutboxMessage{Channel: ch, Kind: domain.KindTrackingUpload, Key: first.Trade,
				Order: first.Order, Stage: first.Number, Note: first.Old, Lines: chunk}, pol, now)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
	}
	*u = uploads{}
	return n, nil
}
