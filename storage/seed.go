package storage

import (
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// SeedRecord is a trade together with what an operator did to it, for writing a demo
// database: import at At, then remove, process (with Reason) or convert it, and move the
// order through OrderPath. Every step goes through the same domain rules as the console.
type SeedRecord struct {
	Trade     domain.Trade
	Pool      domain.PoolState // Removed, Processed, Converted; anything else leaves it open
	Reason    string
	OrderPath []domain.OrderStatus
	// Ship is the shipment entered when the order reaches shipped: the first entry ships
	// it, later ones correct the number (and are kept in its history).
	Ship []domain.ShipInput
	At   time.Time
}

// Seed applies records in one transaction. It is the bulk path behind `shipdesk demo`:
// one transaction per chunk instead of one per action.
func (s *Store) Seed(recs []SeedRecord, operator string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newWtx(tx, len(recs))
		for i := range recs {
			if err := w.seedOne(&recs[i], s.shipWithin, operator); err != nil {
				return fmt.Errorf("seed %s: %w", recs[i].Trade.Key, err)
			}
		}
		if err := w.audit(AuditEvent{At: time.Now(), Action: "demo.seed",
			Detail: map[string]string{"trades": strconv.Itoa(len(recs))}}, Actor{Operator: operator}); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil {
		s.publish(Change{Kind: "import", N: len(recs)})
	}
	return err
}

func (w *wtx) seedOne(r *SeedRecord, shipWithin time.Duration, operator string) error {
	old, err := w.getEntry(r.Trade.Key)
	if err != nil {
		return err
	}
	next, _, _ := domain.ApplyImport(old, r.Trade, r.At)
	var order *domain.SalesOrder
	switch r.Pool {
	case domain.PoolRemoved:
		next, err = domain.Remove(next, r.At)
	case domain.PoolProcessed:
		next, err = domain.Process(next, r.Reason, r.At)
	case domain.PoolConverted:
		var no uint64
		if no, err = nextSeq(w.tx, kOrderSeq); err != nil {
			return err
		}
		var o domain.SalesOrder
		if next, o, err = domain.Convert(next, no, r.At, shipWithin); err != nil {
			return err
		}
		for _, to := range r.OrderPath {
			if to == domain.OrderShipped && len(r.Ship) > 0 {
				for _, in := range r.Ship {
					if o, _, err = domain.Ship(o, in, r.At, domain.ShipPolicy{}); err != nil {
						return err
					}
				}
				continue
			}
			if o, err = domain.Advance(o, to); err != nil {
				return err
			}
		}
		order = &o
	}
	if err != nil {
		return err
	}
	next.StateBy, next.StateAt = operator, r.At
	if err := w.putEntry(old, &next); err != nil {
		return err
	}
	if order != nil {
		return w.putOrder(nil, order)
	}
	return nil
}
