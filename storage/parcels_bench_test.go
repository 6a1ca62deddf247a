package storage_test

import (
	"context"
	"testing"
	"time"

	"shipdesk/demo"
	"shipdesk/domain"
	"shipdesk/storage"
)

// BenchmarkApplyEvents is the storage half of `import events`: 100,000 new carrier
// events (a scan for each of up to 100,000 shipped orders of the demo database, several
// per order on a smaller one) in one transaction, with fsync, each moving its parcel.
// Reported as events/s; the budget is 50,000.
func BenchmarkApplyEvents(b *testing.B) {
	s := privateCopy(b)
	var numbers []string
	err := s.EachParcel(demo.BenchNow, func(r storage.ParcelRow) error {
		if r.Order.Shipment.Number != "" && len(numbers) < 100_000 {
			numbers = append(numbers, r.Order.Shipment.Number)
		}
		return nil
	})
	if err != nil || len(numbers) == 0 {
		b.Fatalf("numbers: %v %d", err, len(numbers))
	}
	const n = 100_000
	round := 0
	var total time.Duration
	for range b.N {
		round++
		evs := make([]domain.TrackingEvent, n)
		for i := range evs {
			st := domain.EventInTransit
			if i%7 == 0 {
				st = domain.EventAtPickup
			}
			evs[i] = domain.TrackingEvent{Tracking: numbers[i%len(numbers)], Status: st, Location: "Shenzhen sorting centre", Text: "departed",
				At: demo.BenchNow.Add(-time.Duration(round*n+i) * time.Second)}
		}
		start := time.Now()
		res, err := s.ApplyEvents(storage.EventBatch{Events: evs, Source: "bench"}, demo.BenchNow, storage.Actor{Operator: "bench", Role: domain.RoleSupervisor})
		total += time.Since(start)
		if err != nil || res.New != n {
			b.Fatalf("applied %d: %v", res.New, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "events/s")
}

// BenchmarkParcelsFirstWindow is the parcels view's first screen: 60 rows, the loudest
// statuses first.
func BenchmarkParcelsFirstWindow(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		got := 0
		for _, st := range storage.LoudFirst() {
			rows, _, err := s.ParcelStatusWindow(context.Background(), storage.ParcelStatusQuery{Status: st, Now: demo.BenchNow}, nil, false, 60-got)
			if err != nil {
				b.Fatal(err)
			}
			if got += len(rows); got == 60 {
				break
			}
		}
	}
}

// BenchmarkDeliveryCounts is the "delivery" block of `status --json` alone.
func BenchmarkDeliveryCounts(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := s.DeliveryCounts(demo.BenchNow); err != nil {
			b.Fatal(err)
		}
	}
}
