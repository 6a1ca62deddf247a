package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The audit trail: one JSON event per committed change, keyed by a sequence number, so
// newest first is a cursor walking backwards from the last key.

// AuditQuery selects audit events. Empty fields select everything.
type AuditQuery struct {
	Operator string    // exactly this operator
	Action   string    // this action, or actions starting with it ("pool." …)
	Key      string    // events that touched this object (CHANNEL:TRADE_ID or an order number)
	Words    []string  // lower-case words that must all occur in operator, session, action or objects
	Since    time.Time // events at or after this time
}

func (q AuditQuery) empty() bool {
	return q.Operator == "" && q.Action == "" && q.Key == "" && len(q.Words) == 0 && q.Since.IsZero()
}

func (q AuditQuery) matches(ev *AuditEvent) bool {
	if q.Operator != "" && ev.Operator != q.Operator {
		return false
	}
	if q.Action != "" && !strings.HasPrefix(ev.Action, q.Action) {
		return false
	}
	if !q.Since.IsZero() && ev.At.Before(q.Since) {
		return false
	}
	if q.Key != "" && !slices.Contains(ev.Objects, q.Key) {
		return false
	}
	if len(q.Words) > 0 {
		text := strings.ToLower(ev.Operator + "\x00" + ev.Session + "\x00" + ev.Action + "\x00" + strings.Join(ev.Objects, "\x00"))
		for _, w := range q.Words {
			if !strings.Contains(text, w) {
				return false
			}
		}
	}
	return true
}

// auditHead is an event without its field changes: what a list shows and filters on.
// Decoding skips the changes, which a batch of thousands makes large.
type auditHead struct {
	Seq      uint64            `json:"seq"`
	At       time.Time         `json:"at"`
	Operator string            `json:"operator"`
	Session  string            `json:"session"`
	Action   string            `json:"action"`
	Objects  []string          `json:"objects"`
	Detail   map[string]string `json:"detail"`
}

// AuditRow is one row of an audit window: the event without its changes, and at most
// auditRowObjects of its objects (ObjectCount says how many it has).
type AuditRow struct {
	Event       AuditEvent
	ObjectCount int
	Pos         Pos
}

const auditRowObjects = 8

// AuditWindow reads up to limit events of q newest first, starting after from (or at the
// newest when from is nil); with back it reads the newer events before from (or the
// oldest), still returned newest first. It reads one window, never the whole trail,
// unless a filter matches rarely; then it stops early when ctx is cancelled.
func (s *Store) AuditWindow(ctx context.Context, q AuditQuery, from Pos, back bool, limit int) (rows []AuditRow, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bAudit).Cursor()
		var k, v []byte
		// Display order is newest first: forward walks the keys downwards.
		step := c.Prev
		switch {
		case from == nil && !back:
			k, v = c.Last()
		case from == nil:
			k, v = c.First()
			step = c.Next
		case !back:
			k, v = c.Seek(from)
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		default:
			step = c.Next
			k, v = c.Seek(from)
			if bytes.Equal(k, from) {
				k, v = c.Next()
			}
		}
		for n := 0; k != nil; k, v = step() {
			if n++; n&255 == 1 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var h auditHead
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("audit event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			ev := AuditEvent{Seq: h.Seq, At: h.At, Operator: h.Operator, Session: h.Session, Action: h.Action, Objects: h.Objects, Detail: h.Detail}
			if !q.matches(&ev) {
				continue
			}
			if len(rows) == limit {
				more = true
				return nil
			}
			row := AuditRow{Event: ev, ObjectCount: len(ev.Objects), Pos: append(Pos{}, k...)}
			if len(ev.Objects) > auditRowObjects {
				row.Event.Objects = slices.Clip(ev.Objects[:auditRowObjects])
			}
			rows = append(rows, row)
		}
		return nil
	})
	if back {
		slices.Reverse(rows)
	}
	return rows, more, err
}

// DetailText is the event's detail as "key=value" pairs in key order.
func (ev AuditEvent) DetailText() string {
	keys := make([]string, 0, len(ev.Detail))
	for k := range ev.Detail {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + ev.Detail[k]
	}
	return strings.Join(parts, " ")
}

// AuditCount is the number of events when it is known without a scan (no filter):
// events are never deleted, so it is the last sequence number.
func (s *Store) AuditCount(q AuditQuery) (n int, exact bool, err error) {
	if !q.empty() {
		return 0, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kAuditSeq); len(v) == 8 {
			n = int(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return n, true, err
}

// AuditEventAt reads one whole event, with its changes.
func (s *Store) AuditEventAt(seq uint64) (ev AuditEvent, found bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bAudit).Get(u64(seq))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &ev)
	})
	return ev, found, err
}

// EachAudit streams the events of q oldest first, whole (for export).
func (s *Store) EachAudit(q AuditQuery, fn func(AuditEvent) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bAudit).ForEach(func(k, v []byte) error {
			var ev AuditEvent
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("audit event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if !q.matches(&ev) {
				return nil
			}
			return fn(ev)
		})
	})
}
