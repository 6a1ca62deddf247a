package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// chunk trades are written per transaction.
const chunk = 50_000

// orderPath is the sequence of status moves that reaches a demo order's final status.
var orderPath = map[domain.OrderStatus][]domain.OrderStatus{
	domain.OrderShipped:   {domain.OrderShipped},
	domain.OrderDelivered: {domain.OrderShipped, domain.OrderDelivered},
	domain.OrderCompleted: {domain.OrderShipped, domain.OrderDelivered, domain.OrderCompleted},
	domain.OrderReturned:  {domain.OrderShipped, domain.OrderReturned},
	domain.OrderCancelled: {domain.OrderCancelled},
}

// Fill writes n generated orders into s as they stand at now: each trade is imported and
// then removed, processed or converted and moved along to its final status, through the
// same domain rules as the console, one transaction per chunk (storage.Seed). Then the
// refund requests of Generator.Refunds enter the refund queue, the e-voucher orders of
// Vouchers are written in every state, the channels and rebates of FillChannels are set
// up, and the latest shipments' messages fill the outbox (Outbox).
func Fill(s *storage.Store, seed int64, n int, now time.Time) error {
	return FillIn(s, seed, n, now, time.Local)
}

// FillIn is Fill for a warehouse in zone loc, where the settlement cut-offs fall.
func FillIn(s *storage.Store, seed int64, n int, now time.Time, loc *time.Location) error {
	g := New(seed, now)
	recs := make([]storage.SeedRecord, 0, chunk)
	var events []domain.TrackingEvent
	stop := ""
	for start := 0; start < n; start += chunk {
		recs = recs[:0]
		for i := start; i < min(start+chunk, n); i++ {
			f := g.Plan(i)
			at := f.At
			if at.IsZero() {
				at = now
			}
			tr := g.Trade(i)
			path := orderPath[f.Order]
			ship := shipments(i, tr, path, at)
			recs = append(recs, storage.SeedRecord{Trade: tr, Pool: f.Pool, Reason: f.Reason,
				OrderPath: path, Ship: ship, At: at})
			if len(ship) > 0 {
				last := ship[len(ship)-1]
				evs := g.Events(i, last.Number, last.ShippedAt, f.Order)
				events = append(events, evs...)
				if stop == "" && f.Order == domain.OrderShipped && len(evs) > 0 && evs[len(evs)-1].Status == domain.EventInTransit {
					stop = last.Number
				}
			}
		}
		if err := s.Seed(recs, "demo"); err != nil {
			return err
		}
	}
	// The carrier's scans, then one parcel an operator stopped following.
	by := storage.Actor{Operator: "demo", Role: domain.RoleSupervisor}
	for start := 0; start < len(events); start += 4 * chunk {
		batch := storage.EventBatch{Events: events[start:min(start+4*chunk, len(events))], Source: "demo"}
		if _, err := s.ApplyEvents(batch, now, by); err != nil {
			return err
		}
	}
	if stop != "" {
		o, err := s.OrderByTracking(stop)
		if err != nil {
			return err
		}
		if _, err := s.SetTracking(domain.RefTo(o), true, "buyer collected it at the warehouse", now, by); err != nil {
			return err
		}
	}
	if _, err := s.ImportRefunds(g.Refunds(n), now, storage.Actor{Operator: "demo", Role: domain.RoleSupervisor}); err != nil {
		return err
	}
	if err := undoneAndUndoable(s, g, n, now); err != nil {
		return err
	}
	if err := Vouchers(s, now); err != nil {
		return err
	}
	if err := FillChannels(s, g, now, loc); err != nil {
		return err
	}
	if err := Outbox(s, now); err != nil {
		return err
	}
	// The trades of a chunk are paid all over the year, so their index rows were staged:
	// a demo file starts with them folded in.
	_, err := s.Fold(context.Background(), storage.Actor{Operator: "demo", Role: domain.RoleSupervisor})
	return err
}

// shipments is the tracking entered for demo order i when its path ships it: SF Express
// or China EMS at home, EMS abroad; one in 97 leaves without a number and one in 50 has
// its number corrected once. Numbers are unique per i and valid for their carrier.
func shipments(i int, t domain.Trade, path []domain.OrderStatus, at time.Time) []domain.ShipInput {
	if len(path) == 0 || path[0] != domain.OrderShipped {
		return nil
	}
	shipped := t.PaidAt.Add(time.Duration(6+i%40) * time.Hour)
	if shipped.After(at) || t.PaidAt.IsZero() {
		shipped = at
	}
	days := 3
	if t.Consignee.Country != "CN" {
		days = 12
	}
	eta := shipped.Add(time.Duration(days) * 24 * time.Hour)
	if i%97 == 0 {
		return []domain.ShipInput{{NoTracking: "courier collected without a label", ShippedAt: shipped, ETA: eta}}
	}
	in := domain.ShipInput{Carrier: "ems", Number: domain.S10Number("EA", i, "CN"), ShippedAt: shipped, ETA: eta, Operator: "demo"}
	if t.Consignee.Country == "CN" && i%5 < 3 {
		in.Carrier, in.Number = "sf", fmt.Sprintf("SF%013d", 1_000_000_000_000+i)
	}
	if i%50 == 1 {
		first := in
		first.Carrier, first.Number = "ems", domain.S10Number("EB", i, "CN")
		return []domain.ShipInput{first, in}
	}
	return []domain.ShipInput{in}
}

// Cached returns the path of a demo database of n orders as they stand at now, kept in
// the temporary folder so benchmarks of every package share one file and write it once.
func Cached(n int, now time.Time) (string, error) {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("shipdesk-bench-v%d-p%d-ev1-%d-%d.db", storage.SchemaVersion, storage.PageSize>>10, n, now.Unix()))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	scratch := path + ".part"
	os.Remove(scratch)
	defer os.Remove(scratch)
	s, err := storage.Open(scratch, storage.Options{NoSync: true})
	if err != nil {
		return "", err
	}
	defer s.Close()
	if err := Fill(s, 1, n, now); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	if err := s.CompactTo(tmp); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// BenchNow is the clock the benchmark database is written at.
var BenchNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// BenchSize is how many orders the benchmarks run on: SHIPDESK_BENCH_ORDERS, else a million.
func BenchSize() int {
	if n, err := strconv.Atoi(os.Getenv("SHIPDESK_BENCH_ORDERS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// CachedBench is Cached at BenchSize and BenchNow, the database every package's
// benchmarks share; logf hears how long writing it took when it had to be written.
func CachedBench(logf func(format string, args ...any)) (string, error) {
	start := time.Now()
	path, err := Cached(BenchSize(), BenchNow)
	if d := time.Since(start); err == nil && d > time.Second {
		logf("wrote %d demo orders in %s", BenchSize(), d)
	}
	return path, err
}

// undoneAndUndoable leaves an undo record in each state: a removal of two ready entries
// that was undone (they are ready again), and a removal of a third that can still be
// undone (`shipdesk undo --operator demo`, or u in the pool as demo).
func undoneAndUndoable(s *storage.Store, g *Generator, n int, now time.Time) error {
	var ready []domain.Key
	for i := 0; i < n && len(ready) < 3; i++ {
		if g.Plan(i).Pool == domain.PoolReady {
			ready = append(ready, g.Trade(i).Key)
		}
	}
	if len(ready) < 3 {
		return nil
	}
	by := storage.Actor{Operator: "demo", Role: domain.RoleOperator}
	if _, err := s.Remove(ready[:2], now, by); err != nil {
		return err
	}
	if _, err := s.Undo(0, now, by); err != nil {
		return err
	}
	_, err := s.Remove(ready[2:], now, by)
	return err
}
