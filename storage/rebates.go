package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// RebateInput is a platform subscription order to record (rule 29).
type RebateInput struct {
	Channel     string
	Order       string // the platform's order number
	OrderedAt   time.Time
	Amount      domain.Money
	Wait        domain.Wait // for a platform without a set waiting time; none: claimed by hand
	ConfirmedAt time.Time   // zero: not confirmed yet
}

func rebateObject(id uint64) string { return "rebate:" + strconv.FormatUint(id, 10) }

func getRebate(tx *bolt.Tx, id uint64) (domain.Rebate, error) {
	var r domain.Rebate
	b := tx.Bucket(bRebates)
	var v []byte
	if b != nil {
		v = b.Get(u64(id))
	}
	if v == nil {
		return r, fmt.Errorf("%w %d", ErrNoRebate, id)
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("rebate %d: %w", id, err)
	}
	r.ID = id
	return r, nil
}

func putRebate(tx *bolt.Tx, r *domain.Rebate) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bRebates).Put(u64(r.ID), v)
}

func eachRebate(tx *bolt.Tx, fn func(r domain.Rebate) error) error {
	b := tx.Bucket(bRebates)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		var r domain.Rebate
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("rebate %x: %w", k, err)
		}
		if len(k) == 8 {
			r.ID = binary.BigEndian.Uint64(k)
		}
		return fn(r)
	})
}

// AddRebate records a subscription order on a channel that is set up (its platform sets
// the waiting time); the claimable date is worked out now with the calendar, and a date
// the calendar does not cover is refused. The same platform order twice is refused.
func (s *Store) AddRebate(in RebateInput, cal domain.WorkCalendar, loc *time.Location, now time.Time, by Actor) (domain.Rebate, error) {
	var out domain.Rebate
	if err := by.may(domain.ActionRebate); err != nil {
		return out, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, found, err := getChannel(tx, in.Channel)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w %q: set it up first (channel set %s --platform P), its platform sets the waiting time", ErrNoChannel, in.Channel, in.Channel)
		}
		r, err := domain.NewRebate(c.Name, c.Platform, in.Order, in.OrderedAt.UTC(), in.Amount, in.Wait, cal, loc)
		if err != nil {
			return err
		}
		if !in.ConfirmedAt.IsZero() {
			if r, err = r.Confirm(in.ConfirmedAt.UTC()); err != nil {
				return err
			}
		}
		err = eachRebate(tx, func(o domain.Rebate) error {
			if o.Channel == r.Channel && o.Order == r.Order {
				return fmt.Errorf("order %s of %s is already rebate %d", r.Order, r.Channel, o.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if r.ID, err = nextSeq(tx, kRebateSeq); err != nil {
			return err
		}
		if err := putRebate(tx, &r); err != nil {
			return err
		}
		out = r
		w := newWtx(tx, 1)
		w.changed(rebateObject(r.ID))
		ev := AuditEvent{At: now, Action: "rebate.add", Detail: map[string]string{"channel": r.Channel, "order": r.Order,
			"amount": r.Amount.String(), "claimable_on": dateOnly(r.ClaimableOn)}}
		if err := w.audit(ev, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil {
		s.publish(Change{Kind: "rebate", N: 1})
	}
	return out, err
}

func dateOnly(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// ConfirmRebate records that the subscription order was confirmed on the platform at at.
func (s *Store) ConfirmRebate(id uint64, at, now time.Time, by Actor) (domain.Rebate, error) {
	return s.changeRebate(id, "rebate.confirm", "confirmed_at", now, by, func(r domain.Rebate) (domain.Rebate, string, string, error) {
		n, err := r.Confirm(at.UTC())
		return n, "", domain.ISOTime(n.ConfirmedAt), err
	})
}

// ClaimRebate records the claim of a claimable rebate; today is the warehouse's date in loc.
func (s *Store) ClaimRebate(id uint64, loc *time.Location, now time.Time, by Actor) (domain.Rebate, error) {
	return s.changeRebate(id, "rebate.claim", "claimed_at", now, by, func(r domain.Rebate) (domain.Rebate, string, string, error) {
		n, err := r.Claim(now.UTC(), domain.CivilDate(now.In(loc)))
		return n, "", domain.ISOTime(n.ClaimedAt), err
	})
}

// PayRebate records that a claimed rebate was paid.
func (s *Store) PayRebate(id uint64, now time.Time, by Actor) (domain.Rebate, error) {
	return s.changeRebate(id, "rebate.paid", "paid_at", now, by, func(r domain.Rebate) (domain.Rebate, string, string, error) {
		n, err := r.Paid(now.UTC())
		return n, "", domain.ISOTime(n.PaidAt), err
	})
}

func (s *Store) changeRebate(id uint64, action, field string, now time.Time, by Actor, fn func(domain.Rebate) (domain.Rebate, string, string, error)) (domain.Rebate, error) {
	var out domain.Rebate
	if err := by.may(domain.ActionRebate); err != nil {
		return out, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		r, err := getRebate(tx, id)
		if err != nil {
			return err
		}
		next, before, after, err := fn(r)
		if err != nil {
			return err
		}
		if err := putRebate(tx, &next); err != nil {
			return err
		}
		out = next
		w := newWtx(tx, 1)
		obj := rebateObject(id)
		w.changed(obj, domain.FieldChange{Key: obj, Field: field, Before: before, After: after})
		if err := w.audit(AuditEvent{At: now, Action: action}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil {
		s.publish(Change{Kind: "rebate", N: 1})
	}
	return out, err
}

// Rebates lists every rebate by number.
func (s *Store) Rebates() ([]domain.Rebate, error) {
	var out []domain.Rebate
	err := s.db.View(func(tx *bolt.Tx) error {
		out = nil
		return eachRebate(tx, func(r domain.Rebate) error {
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// ChannelSummary is what the dashboard and `status` say of the channels at a moment.
type ChannelSummary struct {
	Expiring, Expired, NotSetUp []string // channel names
	Unconfirmed, Claimable      int      // rebates
	// The nearest settlement cut-off, the channels that have it, and their counts.
	NextCutOff      time.Time
	CutOffChannels  []string
	MissingTracking int
	NotUploaded     int
}

// ChannelSummary reads the channels and rebates (few) and the cut-off counters.
func (s *Store) ChannelSummary(now time.Time, warn time.Duration, loc *time.Location) (ChannelSummary, error) {
	var sum ChannelSummary
	rows, err := s.Channels()
	if err != nil {
		return sum, err
	}
	for _, r := range rows {
		switch r.State(now, warn) {
		case domain.AuthExpiring:
			sum.Expiring = append(sum.Expiring, r.Name)
		case domain.AuthExpired:
			sum.Expired = append(sum.Expired, r.Name)
		case domain.AuthNotSetUp:
			sum.NotSetUp = append(sum.NotSetUp, r.Name)
		}
		if !r.SetUp {
			continue
		}
		next := r.Settlement.NextCutOff(now, loc)
		switch {
		case next.IsZero():
		case sum.NextCutOff.IsZero() || next.Before(sum.NextCutOff):
			sum.NextCutOff, sum.CutOffChannels = next, []string{r.Name}
			sum.MissingTracking, sum.NotUploaded = r.NoTracking, r.NotUploaded
		case next.Equal(sum.NextCutOff):
			sum.CutOffChannels = append(sum.CutOffChannels, r.Name)
			sum.MissingTracking += r.NoTracking
			sum.NotUploaded += r.NotUploaded
		}
	}
	today := domain.CivilDate(now.In(loc))
	rebates, err := s.Rebates()
	for _, r := range rebates {
		switch r.State(today) {
		case domain.RebateOrdered:
			sum.Unconfirmed++
		case domain.RebateClaimable:
			sum.Claimable++
		}
	}
	return sum, err
}
