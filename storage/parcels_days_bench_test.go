package storage

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
)

// BenchmarkDeliveryCountsSilent is the "delivery" block of `status --json` on a file
// where old parcels pile up: 10,000 parcels of the last 30 days in every aging phase,
// and 0 to 100,000 more whose last event (in transit or at pickup) is 61 to 400 days
// old (no_info). by-days is the count as it is read (the day histogram); walk is the walk
// it replaced, over every row past the first boundary, for comparison. The by-days time
// stays flat as the silent parcels grow.
//
//	go test ./storage -run '^$' -bench DeliveryCountsSilent -benchtime 200x
func BenchmarkDeliveryCountsSilent(b *testing.B) {
	now := t0
	for _, silent := range []int{0, 10_000, 100_000} {
		s, err := Open(filepath.Join(b.TempDir(), "b.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		carriers := []string{"ems", "cdek", "sf", "yunexpress"}
		err = s.db.Update(func(tx *bolt.Tx) error {
			w := newWtx(tx, 10_000+silent)
			for i := range 10_000 + silent {
				no := uint64(i + 1)
				age := time.Duration(i) * 30 * domain.Day / 10_000
				if i >= 10_000 {
					age = 61*domain.Day + time.Duration(i-10_000)*(339*domain.Day/time.Duration(max(silent, 1)))
				}
				at := now.Add(-age - time.Duration(i%3600)*time.Second)
				sh := domain.Shipment{Carrier: carriers[i%len(carriers)], Number: "N", ShippedAt: at}
				var p domain.ParcelState
				switch i % 4 {
				case 1:
					p.Latest = domain.TrackingEvent{At: at, Status: domain.EventInTransit}
				case 2:
					p.Latest = domain.TrackingEvent{At: at, Status: domain.EventAtPickup}
				case 3:
					p.Latest = domain.TrackingEvent{At: at, Status: domain.EventOutForDelivery}
				}
				w.fileParcel(no, nil, nil, &sh, &p)
			}
			return w.commit()
		})
		if err != nil {
			b.Fatal(err)
		}
		set := s.DeliverySettings()
		for _, way := range []struct {
			name  string
			count func(*bolt.Tx, domain.DeliverySettings, time.Time) map[domain.DeliveryStatus]int
		}{{"by-days", deliveryCounts}, {"walk", walkDeliveryCounts}} {
			b.Run(fmt.Sprintf("silent=%d/%s", silent, way.name), func(b *testing.B) {
				for b.Loop() {
					var c map[domain.DeliveryStatus]int
					s.db.View(func(tx *bolt.Tx) error { c = way.count(tx, set, now); return nil })
					if c[domain.DeliveryNoInfo] < silent {
						b.Fatalf("no_info %d, want at least %d", c[domain.DeliveryNoInfo], silent)
					}
				}
			})
		}
		s.Close()
	}
}
