package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// Channels (SPEC rules 28–29, seed 004): the channel records, their subscription rebates
// and the settlement cut-off's two lists. A channel's record is looked up by one function,
// Channel, for every reader (the outbox reads its address and language through it).
// Channels and rebates are few (tens), so their summaries read their buckets whole; the
// cut-off's counts are counters kept by every order write (countSettlement), never a
// scan of the orders.

// The settlement counters, total and per channel ("settle/no_tracking@tb-main"): shipped
// (in transit) orders without a tracking number, and those whose number has not been
// uploaded to their channel.
const (
	kSettleNoTracking  = "settle/no_tracking"
	kSettleNotUploaded = "settle/not_uploaded"
)

var kRebateSeq = []byte("seq/rebate")

// ErrNoChannel is a channel without a record; ErrNoRebate a rebate number not found.
var (
	ErrNoChannel = errors.New("no such channel")
	ErrNoRebate  = errors.New("no such rebate")
)

// countSettlement counts an order in the cut-off's lists; every order write calls it
// through countOrder, and doctor recounts it the same way.
func countSettlement(w *wtx, o *domain.SalesOrder, sign int64) {
	if o.Status != domain.OrderShipped {
		return
	}
	name := kSettleNoTracking
	if n := o.Shipment.Number; n != "" {
		if uploadedNumber(w, o.No) == n {
			return
		}
		name = kSettleNotUploaded
	}
	w.add(name, "", sign)
	w.add(name, o.Channel, sign)
}

// uploadedNumber is the tracking number last recorded as uploaded for order no ("" for
// none). A record is the upload's time (8 bytes) and the number.
func uploadedNumber(w *wtx, no uint64) string {
	v := w.get(bUploads, u64(no)) // nil in a file without the bucket too
	if len(v) < 8 {
		return ""
	}
	return string(v[8:])
}

// MarkUploaded records the current tracking number of each order as uploaded to its
// channel (`export tracking --mark-uploaded`): they leave the cut-off's "not uploaded"
// list. Orders without a number, or whose number is already marked, are left alone. It
// returns how many were marked.
func (s *Store) MarkUploaded(nos []uint64, now time.Time, by Actor) (int, error) {
	if err := by.may(domain.ActionUploaded); err != nil {
		return 0, err
	}
	marked := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		marked = 0
		w := newWtx(tx, len(nos))
		for _, no := range nos {
			o, err := w.getOrder(no)
			if err != nil {
				return err
			}
			if o == nil || o.Shipment.Number == "" || uploadedNumber(w, no) == o.Shipment.Number {
				continue
			}
			countSettlement(w, o, -1)
			v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(o.Shipment.Number)), uint64(now.Unix()))
			w.put(bUploads, u64(no), append(v, o.Shipment.Number...))
			countSettlement(w, o, 1)
			marked++
		}
		if marked == 0 {
			return nil
		}
		if err := w.audit(AuditEvent{At: now, Action: string(domain.ActionUploaded), Detail: map[string]string{"shipments": fmt.Sprint(marked)}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil && marked > 0 {
		s.publish(Change{Kind: "channel", N: marked})
	}
	return marked, err
}

// Channel is the record of channel name; found is false for a channel not set up.
func (s *Store) Channel(name string) (c domain.Channel, found bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		c, found, err = getChannel(tx, name)
		return err
	})
	return c, found, err
}

func getChannel(tx *bolt.Tx, name string) (c domain.Channel, found bool, err error) {
	b := tx.Bucket(bChannels)
	if b == nil {
		return c, false, nil
	}
	v := b.Get([]byte(name))
	if v == nil {
		return c, false, nil
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return c, false, fmt.Errorf("channel %s: %w", name, err)
	}
	return c, true, nil
}

func putChannel(tx *bolt.Tx, c *domain.Channel) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.Bucket(bChannels).Put([]byte(c.Name), v)
}

// ChannelChange is what `channel set` changes; nil fields stay as they are.
type ChannelChange struct {
	Platform, Shop, Language *string
	AuthExpires              *time.Time
	Settlement               *domain.Settlement // its At is kept unless CutOff is set
	CutOff                   *time.Duration
}

// SetChannel sets up channel name or changes its record. A new expiry given here is a
// correction, not a re-authorization (Reauthorize records those).
func (s *Store) SetChannel(name string, ch ChannelChange, now time.Time, by Actor) (domain.Channel, error) {
	var out domain.Channel
	if err := by.may(domain.ActionChannel); err != nil {
		return out, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, found, err := getChannel(tx, name)
		if err != nil {
			return err
		}
		c := old
		c.Name = name
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = *src
			}
		}
		set(&c.Platform, ch.Platform)
		set(&c.Shop, ch.Shop)
		set(&c.Language, ch.Language)
		if ch.AuthExpires != nil {
			c.AuthExpires = ch.AuthExpires.UTC()
		}
		if ch.Settlement != nil {
			at := c.Settlement.At
			c.Settlement = *ch.Settlement
			if at != 0 && c.Settlement.Kind != domain.SettleNone {
				c.Settlement.At = at
			}
		}
		if ch.CutOff != nil {
			c.Settlement.At = *ch.CutOff
		}
		if err := c.Validate(); err != nil {
			return err
		}
		c.UpdatedAt = now.UTC()
		w := newWtx(tx, 1)
		w.changed("channel:"+name, channelDiff(name, old, c, found)...)
		action := "channel.set"
		if !found {
			action = "channel.add"
		}
		if err := putChannel(tx, &c); err != nil {
			return err
		}
		out = c
		if err := w.audit(AuditEvent{At: now, Action: action}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil {
		s.publish(Change{Kind: "channel", N: 1})
	}
	return out, err
}

func channelDiff(name string, a, b domain.Channel, found bool) []domain.FieldChange {
	key := "channel:" + name
	var out []domain.FieldChange
	add := func(field, before, after string) {
		if before != after || !found {
			out = append(out, domain.FieldChange{Key: key, Field: field, Before: before, After: after})
		}
	}
	add("platform", a.Platform, b.Platform)
	add("shop", a.Shop, b.Shop)
	add("language", a.Language, b.Language)
	add("auth_expires", domain.ISOTime(a.AuthExpires), domain.ISOTime(b.AuthExpires))
	add("settlement", a.Settlement.String(), b.Settlement.String())
	return out
}

// Reauthorize records a re-authorization of channel name until until: who, when, the
// old and the new expiry.
func (s *Store) Reauthorize(name string, until, now time.Time, by Actor) (domain.Channel, error) {
	var out domain.Channel
	if err := by.may(domain.ActionChannel); err != nil {
		return out, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, found, err := getChannel(tx, name)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w %q: set it up first (channel set %s --platform P)", ErrNoChannel, name, name)
		}
		next, err := c.Reauthorize(until.UTC(), now.UTC(), by.Operator)
		if err != nil {
			return err
		}
		if err := putChannel(tx, &next); err != nil {
			return err
		}
		w := newWtx(tx, 1)
		w.changed("channel:"+name, domain.FieldChange{Key: "channel:" + name, Field: "auth_expires",
			Before: domain.ISOTime(c.AuthExpires), After: domain.ISOTime(next.AuthExpires)})
		out = next
		if err := w.audit(AuditEvent{At: now, Action: "channel.reauth"}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil {
		s.publish(Change{Kind: "channel", N: 1})
	}
	return out, err
}

// ChannelRow is one channel of the list: its record (only the name when not set up) and
// its cut-off counts.
type ChannelRow struct {
	domain.Channel
	SetUp       bool
	NoTracking  int // shipped orders without a tracking number
	NotUploaded int // shipments whose number is not uploaded to the channel
}

// State is the row's authorization state at now.
func (r ChannelRow) State(now time.Time, warn time.Duration) domain.AuthState {
	if !r.SetUp {
		return domain.AuthNotSetUp
	}
	return r.Channel.State(now, warn)
}

// Channels lists every channel by name: those set up, and those seen in imports (or with
// shipments) but not set up.
func (s *Store) Channels() ([]ChannelRow, error) {
	var rows []ChannelRow
	err := s.db.View(func(tx *bolt.Tx) error {
		rows = nil
		seen := map[string]bool{}
		if b := tx.Bucket(bChannels); b != nil {
			err := b.ForEach(func(k, v []byte) error {
				var c domain.Channel
				if err := json.Unmarshal(v, &c); err != nil {
					return fmt.Errorf("channel %s: %w", k, err)
				}
				seen[c.Name] = true
				rows = append(rows, ChannelRow{Channel: c, SetUp: true})
				return nil
			})
			if err != nil {
				return err
			}
		}
		for _, name := range poolChannels(tx) {
			if !seen[name] && name != "" {
				seen[name] = true
				rows = append(rows, ChannelRow{Channel: domain.Channel{Name: name}})
			}
		}
		for i := range rows {
			rows[i].NoTracking = int(counter(tx, kSettleNoTracking+"@"+rows[i].Name))
			rows[i].NotUploaded = int(counter(tx, kSettleNotUploaded+"@"+rows[i].Name))
		}
		return nil
	})
	slices.SortFunc(rows, func(a, b ChannelRow) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return rows, err
}
