package storage

import (
	bolt "go.etcd.io/bbolt"
)

// migrations[v] brings a file of schema v to v+1 inside the opening transaction.
var migrations = map[uint64]func(*bolt.Tx) error{
	1: buildRefIndex,
}

func migrate(tx *bolt.Tx, from uint64) error {
	for v := from; v < SchemaVersion; v++ {
		if m := migrations[v]; m != nil {
			if err := m(tx); err != nil {
				return err
			}
		}
	}
	if from < SchemaVersion {
		return tx.Bucket(bMeta).Put(kSchema, u64(SchemaVersion))
	}
	return nil
}

// buildRefIndex (schema 1 → 2) indexes every order by trade ID and payment reference, and
// by tracking number, from the primary records. It is also how the indexes are rebuilt.
func buildRefIndex(tx *bolt.Tx) error {
	w := newWtx(tx, 1024)
	err := tx.Bucket(bOrders).ForEach(func(_, v []byte) error {
		o, err := loadOrder(v, txGetter(tx))
		if err != nil {
			return err
		}
		w.indexRefs(&o)
		if o.Shipment.Number != "" {
			w.put(bOrdersByTrack, []byte(o.Shipment.Number), u64(o.No))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.commit()
}
