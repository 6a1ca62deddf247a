package storage

import (
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// SetOrderStatus moves orders along their life cycle in one transaction; orders that may
// not make the move are reported with the reason (domain.CheckTransition).
func (s *Store) SetOrderStatus(nos []uint64, to domain.OrderStatus, now time.Time, by Actor) (BatchResult, error) {
	var res BatchResult
	if err := by.may(domain.ActionOrderStatus); err != nil {
		return res, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = BatchResult{}
		w := newWtx(tx, len(nos))
		for _, no := range nos {
			o, err := w.getOrder(no)
			if err != nil {
				return err
			}
			if o == nil {
				res.Rows = append(res.Rows, RowResult{OrderNo: no, Reason: "no such order " + domain.OrderNumber(no)})
				continue
			}
			next, err := domain.Advance(*o, to)
			if err != nil {
				res.Rows = append(res.Rows, RowResult{Key: o.Key, OrderNo: no, Reason: err.Error()})
				continue
			}
			if err := w.putOrder(o, &next); err != nil {
				return err
			}
			w.changed(domain.OrderNumber(no), domain.DiffOrder(o, &next)...)
			res.Rows = append(res.Rows, RowResult{Key: o.Key, OrderNo: no, Done: true})
		}
		if res.Done() == 0 {
			return nil
		}
		if err := w.audit(AuditEvent{At: now, Action: string(domain.ActionOrderStatus), Detail: map[string]string{"to": to.String()}}, by); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
		return BatchResult{}, err
	}
	if n := res.Done(); n > 0 {
		s.publish(Change{Kind: "order", N: n})
	}
	return res, nil
}
