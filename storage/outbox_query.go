package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// OutboxQuery selects the messages of one state for the console's outbox list, with
// words that must all be in the kind, channel, order number, receiver or last error.
type OutboxQuery struct {
	State domain.OutboxState
	Words []string
}

// OutboxRow is one row of an outbox window.
type OutboxRow struct {
	Msg domain.OutboxMessage
	Pos Pos
}

func (q OutboxQuery) matches(m *domain.OutboxMessage) bool {
	if len(q.Words) == 0 {
		return true
	}
	parts := []string{m.Kind, m.Channel, domain.OrderNumber(m.Order), m.Key, m.Stage, m.To, m.Transport, m.LastError}
	for _, l := range m.Lines { // a chunk is found by any of its orders and numbers
		parts = append(parts, domain.OrderNumber(l.Order), l.Trade, l.Number)
	}
	text := strings.ToLower(strings.Join(parts, " "))
	for _, w := range q.Words {
		if !strings.Contains(text, strings.ToLower(w)) {
			return false
		}
	}
	return true
}

// OutboxWindow reads up to limit messages of q's state by time (the next attempt, or when
// sent), starting after from (or at the first when from is nil); with back it reads the
// messages before from (or the last), still returned in time order. A batch's row stands
// for its members: each is a row of the window, at the position its own row would have
// (state, time, its number), so a window may start or end inside a batch.
func (s *Store) OutboxWindow(ctx context.Context, q OutboxQuery, from Pos, back bool, limit int) (rows []OutboxRow, more bool, err error) {
	prefix := []byte{byte(q.State)}
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutboxByState).Cursor()
		var k []byte
		step := c.Next
		switch {
		case from == nil && !back:
			k, _ = c.Seek(prefix)
		case from == nil:
			step = c.Prev
			k, _ = c.Seek([]byte{byte(q.State) + 1})
			if k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		case !back:
			// From the last row at or before from: a batch's row there may hold members
			// after it.
			k, _ = c.Seek(from)
			if !bytes.Equal(k, from) {
				if k == nil {
					k, _ = c.Last()
				} else {
					k, _ = c.Prev()
				}
				if len(k) != 17 || k[0] != byte(q.State) {
					k, _ = c.Seek(from)
				}
			}
		default:
			step = c.Prev
			k, _ = c.Seek(from)
			if k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		for n := 0; k != nil && len(k) == 17 && k[0] == byte(q.State); k, _ = step() {
			if n++; n&255 == 1 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			ms, err := messagesAt(tx, binary.BigEndian.Uint64(k[9:]))
			if err != nil {
				return err
			}
			if back {
				slices.Reverse(ms)
			}
			for i := range ms {
				pos := binary.BigEndian.AppendUint64(append(Pos{}, k[:9]...), ms[i].ID)
				if from != nil && (!back && bytes.Compare(pos, from) <= 0 || back && bytes.Compare(pos, from) >= 0) {
					continue
				}
				if !q.matches(&ms[i]) {
					continue
				}
				if len(rows) == limit {
					more = true
					return nil
				}
				rows = append(rows, OutboxRow{Msg: ms[i], Pos: pos})
			}
		}
		return nil
	})
	if back {
		slices.Reverse(rows)
	}
	return rows, more, err
}

// OutboxCount is the number of messages of q's state, from its counter, when q has no
// words.
func (s *Store) OutboxCount(q OutboxQuery) (n int, exact bool, err error) {
	if len(q.Words) > 0 {
		return 0, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		n = int(counter(tx, outboxCounter(q.State)))
		return nil
	})
	return n, true, err
}

// EachOutbox streams the outbox in the order its messages were queued.
func (s *Store) EachOutbox(fn func(seq uint64, m domain.OutboxMessage) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
			ms, err := decodeRecord(k, v)
			if err != nil {
				return fmt.Errorf("outbox message %x: %w", k, err)
			}
			for _, m := range ms {
				if err := fn(m.ID, m); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// ListOutbox streams the messages of the given states (all when none) through the state
// index: state by state in the order given (dead and failed first by default), each by
// time.
func (s *Store) ListOutbox(states []domain.OutboxState, fn func(domain.OutboxMessage) error) error {
	if len(states) == 0 {
		states = domain.OutboxStates
	}
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutboxByState).Cursor()
		for _, st := range states {
			for k, _ := c.Seek([]byte{byte(st)}); len(k) == 17 && k[0] == byte(st); k, _ = c.Next() {
				ms, err := messagesAt(tx, binary.BigEndian.Uint64(k[9:]))
				if err != nil {
					return err
				}
				for _, m := range ms {
					if err := fn(m); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// OrderMessages is every message queued about an order: those its record lists (the
// shipped messages, the tracking.upload chunks it has a line in) and those of
// outbox_by_event, by number.
func (s *Store) OrderMessages(no uint64) ([]domain.OutboxMessage, error) {
	var out []domain.OutboxMessage
	err := s.db.View(func(tx *bolt.Tx) error {
		out = nil
		var ids []uint64
		if v := tx.Bucket(bOrders).Get(u64(no)); v != nil {
			o, err := decodeOrder(v)
			if err != nil {
				return fmt.Errorf("%s: %w", domain.OrderNumber(no), err)
			}
			told, err := o.Told.Entries()
			if err != nil {
				return fmt.Errorf("%s: %w", domain.OrderNumber(no), err)
			}
			for _, t := range told {
				ids = append(ids, t.ID)
			}
		}
		prefix := u64(no)
		c := tx.Bucket(bOutboxByEvent).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(v) == 8 {
				ids = append(ids, binary.BigEndian.Uint64(v))
			}
		}
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			m, err := outboxByID(tx, id)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// OutboxCounts is the outbox's part of the quick status.
type OutboxCounts struct {
	Queued    int `json:"queued"`
	Failed    int `json:"failed"`
	Dead      int `json:"dead"`
	Sent24h   int `json:"sent_24h"`
	Sent      int `json:"-"`
	Cancelled int `json:"-"`
}

// OutboxCounts reads the counters, and the sent index since a day before now.
func (s *Store) OutboxCounts(now time.Time) (c OutboxCounts, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		c = outboxCounts(tx, now)
		return nil
	})
	return c, err
}

func outboxCounts(tx *bolt.Tx, now time.Time) OutboxCounts {
	get := func(st domain.OutboxState) int { return int(counter(tx, outboxCounter(st))) }
	c := OutboxCounts{Queued: get(domain.OutboxQueued), Failed: get(domain.OutboxFailed), Dead: get(domain.OutboxDead),
		Sent: get(domain.OutboxSent), Cancelled: get(domain.OutboxCancelled)}
	cur := tx.Bucket(bOutboxByState).Cursor()
	from := timeKey([]byte{byte(domain.OutboxSent)}, now.Add(-24*time.Hour))
	for k, _ := cur.Seek(from); len(k) == 17 && k[0] == byte(domain.OutboxSent); k, _ = cur.Next() {
		c.Sent24h++
	}
	return c
}
