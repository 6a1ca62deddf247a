package storage

// The outbox's records and index rows: the binary record (and the JSON of earlier
// write-backs), the state and event keys, the counters.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"shipdesk/domain"
)

// outboxRecord is the JSON form of the refund write-backs queued before the outbox was
// delivered (read, never written now); a record without a state is queued, due when it
// was created.
type outboxRecord struct {
	Channel     string             `json:"channel"`
	Kind        string             `json:"kind"`
	Key         string             `json:"key"`
	Body        string             `json:"body"`
	CreatedAt   time.Time          `json:"created_at"`
	Order       uint64             `json:"order,omitempty"`
	Stage       string             `json:"stage,omitempty"`
	Note        string             `json:"note,omitempty"`
	Transport   string             `json:"transport,omitempty"`
	To          string             `json:"to,omitempty"`
	State       string             `json:"state,omitempty"`
	Attempts    int                `json:"attempts,omitempty"`
	NextAttempt time.Time          `json:"next_attempt"`
	LastError   string             `json:"last_error,omitempty"`
	SentAt      time.Time          `json:"sent_at"`
	Tries       []domain.OutboxTry `json:"tries,omitempty"`
}

// outboxVersion is the binary form of an outbox record; a record that starts with '{' is
// the JSON of a write-back queued before the outbox was delivered. outboxLinesVersion is
// the same with the lines of a tracking.upload chunk (order, trade, number, old, text
// each) after the tries, before the optional event time; a message without lines is
// still written as outboxVersion.
const (
	outboxVersion      = 2
	outboxLinesVersion = 3
)

// encodeOutbox writes the binary form: a tenth the size of the JSON, which matters when a
// tracking upload of 10,000 orders queues 20,000 messages.
func encodeOutbox(m *domain.OutboxMessage) ([]byte, error) {
	return appendOutbox(make([]byte, 0, outboxSize(m)), m), nil
}

// outboxSize is about the size of m's record.
func outboxSize(m *domain.OutboxMessage) int {
	size := 64 + len(m.Channel) + len(m.Kind) + len(m.Key) + len(m.Body) + len(m.Stage) + len(m.Note) + len(m.To) + len(m.LastError)
	for _, l := range m.Lines {
		size += 24 + len(l.Trade) + len(l.Number) + len(l.Old) + len(l.Text)
	}
	return size
}

// appendOutbox appends m's record to dst (encodeOutbox).
func appendOutbox(dst []byte, m *domain.OutboxMessage) []byte {
	w := enc{b: dst}
	if len(m.Lines) > 0 {
		w.byte(outboxLinesVersion)
	} else {
		w.byte(outboxVersion)
	}
	w.byte(uint8(m.State))
	w.s(m.Kind)
	w.s(m.Channel)
	w.s(m.Key)
	w.s(m.Body)
	w.t(m.CreatedAt)
	w.u(m.Order)
	w.s(m.Stage)
	w.s(m.Note)
	w.s(m.Transport)
	w.s(m.To)
	w.u(uint64(m.Attempts))
	w.t(m.NextAttempt)
	w.s(m.LastError)
	w.t(m.SentAt)
	w.u(uint64(len(m.Tries)))
	for _, t := range m.Tries {
		w.t(t.At)
		w.s(t.Error)
	}
	if len(m.Lines) > 0 {
		w.u(uint64(len(m.Lines)))
		for _, l := range m.Lines {
			w.u(l.Order)
			w.s(l.Trade)
			w.s(l.Number)
			w.s(l.Old)
			w.u(uint64(l.Change))
			w.s(l.Text)
		}
	}
	if !m.EventAt.IsZero() {
		w.t(m.EventAt) // optional and last: a record without it reads as before
	}
	return w.b
}

func decodeOutboxBinary(id uint64, v []byte) (domain.OutboxMessage, error) {
	d := dec{b: v}
	m := domain.OutboxMessage{ID: id}
	version := d.byte()
	if version != outboxVersion && version != outboxLinesVersion {
		return m, errCorrupt
	}
	m.State = domain.OutboxState(d.byte())
	m.Kind = d.s()
	m.Channel = d.s()
	m.Key = d.s()
	m.Body = d.s()
	m.CreatedAt = d.t()
	m.Order = d.u()
	m.Stage = d.s()
	m.Note = d.s()
	m.Transport = d.s()
	m.To = d.s()
	m.Attempts = int(d.u())
	m.NextAttempt = d.t()
	m.LastError = d.s()
	m.SentAt = d.t()
	n := d.u()
	if d.err != nil || n > uint64(len(d.b)) {
		return m, errCorrupt
	}
	for range n {
		m.Tries = append(m.Tries, domain.OutboxTry{At: d.t(), Error: d.s()})
	}
	if version == outboxLinesVersion {
		n := d.u()
		if d.err != nil || n == 0 || n > uint64(len(d.b)) {
			return m, errCorrupt
		}
		m.Lines = make([]domain.UploadLine, n)
		for i := range m.Lines {
			m.Lines[i] = domain.UploadLine{Order: d.u(), Trade: d.s(), Number: d.s(), Old: d.s(), Change: int(d.u()), Text: d.s()}
		}
	}
	if d.err == nil && len(d.b) > 0 {
		m.EventAt = d.t()
	}
	if d.err == nil && (m.State < domain.OutboxQueued || m.State > domain.OutboxCancelled) {
		return m, fmt.Errorf("state %d: %w", m.State, errCorrupt)
	}
	return m, d.err
}

func decodeOutbox(k, v []byte) (domain.OutboxMessage, error) {
	var r outboxRecord
	if len(k) != 8 {
		return domain.OutboxMessage{}, errCorrupt
	}
	if len(v) > 0 && v[0] != '{' {
		return decodeOutboxBinary(binary.BigEndian.Uint64(k), v)
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return domain.OutboxMessage{}, err
	}
	m := domain.OutboxMessage{ID: binary.BigEndian.Uint64(k), Channel: r.Channel, Kind: r.Kind, Key: r.Key,
		Body: r.Body, CreatedAt: r.CreatedAt, Order: r.Order, Stage: r.Stage, Note: r.Note,
		Transport: r.Transport, To: r.To, Attempts: r.Attempts, NextAttempt: r.NextAttempt,
		LastError: r.LastError, SentAt: r.SentAt, Tries: r.Tries, State: domain.OutboxQueued}
	if r.State != "" {
		st, err := domain.ParseOutboxState(r.State)
		if err != nil {
			return m, err
		}
		m.State = st
	}
	if m.NextAttempt.IsZero() && m.State.Pending() {
		m.NextAttempt = m.CreatedAt
	}
	if m.Transport == "" {
		m.Transport = domain.TransportFor(m.Kind, m.To)
	}
	if m.Stage == "" && m.Kind == domain.OutboxRefundReject {
		m.Stage = m.Channel + ":" + m.Key
	}
	return m, nil
}

// outboxTime is the time a message files under in the state index.
func outboxTime(m *domain.OutboxMessage) time.Time {
	if m.State == domain.OutboxSent {
		return m.SentAt
	}
	return m.NextAttempt
}

func outboxStateKey(st domain.OutboxState, t time.Time, id uint64) []byte {
	k := make([]byte, 0, 17)
	k = timeKey(append(k, byte(st)), t)
	return binary.BigEndian.AppendUint64(k, id)
}

func outboxEventKey(order uint64, kind, stage string) []byte {
	return outboxEventKeyTo(make([]byte, 0, 9+len(kind)+len(stage)), order, kind, stage)
}

// outboxEventKeyTo appends the event key to dst.
func outboxEventKeyTo(dst []byte, order uint64, kind, stage string) []byte {
	k := append(binary.BigEndian.AppendUint64(dst, order), kind...)
	return append(append(k, 0), stage...)
}

// outboxRows are the index rows of a message; ek is nil for one listed in its order
// instead (listedInOrder).
func outboxRows(m *domain.OutboxMessage) (sk, ek, ev []byte) {
	sk, ev = outboxStateKey(m.State, outboxTime(m), m.ID), u64(m.ID)
	if listedInOrder(m) {
		return sk, nil, ev
	}
	return sk, outboxEventKey(m.Order, m.Kind, m.Stage), ev
}

// listedInOrder says whether m is found through its order's Told list rather than an
// outbox_by_event row: a shipped message, or a tracking.upload chunk (each of whose lines
// is listed in the line's order).
func listedInOrder(m *domain.OutboxMessage) bool {
	return domain.ToldKind(m.Kind) && m.Order != 0
}

// toldAt is one place a message listed in orders is listed: an order and the stage.
type toldAt struct {
	order uint64
	stage string
}

// listedAt is where m is listed: its order under its stage, and a tracking.upload
// chunk's each later line's order under the line's stage (a chunk's Order and Stage are
// its first line's).
func listedAt(m *domain.OutboxMessage) []toldAt {
	at := []toldAt{{m.Order, m.Stage}}
	for _, l := range m.Lines[min(1, len(m.Lines)):] {
		at = append(at, toldAt{l.Order, l.Stage()})
	}
	return at
}

func outboxCounter(st domain.OutboxState) string { return "outbox/" + st.String() }
