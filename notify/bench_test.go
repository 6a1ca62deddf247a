package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// benchSend times SendDue of what fill queues into a new store (untimed) to a local
// webhook (in this process, sharing its processors), b.N times, and reports msgs/s;
// want is how many messages each run must send.
func benchSend(b *testing.B, want int, fill func(s *storage.Store, now time.Time, by storage.Actor) error) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	by := storage.Actor{Operator: "bench", Role: domain.RoleSupervisor}
	tp, err := LoadTemplates("")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		s, err := storage.Open(filepath.Join(b.TempDir(), fmt.Sprintf("send%d.db", it)), storage.Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.SetNotifyPolicy(domain.NotifyPolicy{MaxAttempts: 8})
		if err := fill(s, now, by); err != nil {
			b.Fatal(err)
		}
		snd := &Sender{Store: s, Config: Config{Lang: "en", Policy: domain.NotifyPolicy{MaxAttempts: 8},
			Webhook: WebhookConfig{URL: srv.URL, Secret: []byte("k")}}, Templates: tp, Webhook: NewWebhook([]byte("k")),
			By: by, Holder: "bench", Now: func() time.Time { return now }}
		b.StartTimer()
		rep, err := snd.SendDue(context.Background(), false)
		b.StopTimer()
		if err != nil || rep.Sent != want {
			b.Fatalf("sent %d of %d: %v %v", rep.Sent, want, err, rep.Errors)
		}
		s.Close()
	}
	b.ReportMetric(float64(want*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkOutboxSend10k sends 10,000 queued messages to a local webhook: read in
// batches, rendered, posted signed, and recorded one write transaction per batch.
// Budget: ≥ 500 messages/s.
func BenchmarkOutboxSend10k(b *testing.B) {
	const n = 10_000
	benchSend(b, n, func(s *storage.Store, now time.Time, by storage.Actor) error {
		msgs := make([]domain.OutboxMessage, n)
		for i := range msgs {
			msgs[i] = domain.OutboxMessage{Channel: "gspay", Kind: domain.KindTrackingUpload, Key: fmt.Sprintf("G%06d", i),
				Stage: domain.S10Number("EA", i, "CN")}
		}
		if q, err := s.QueueMessages(msgs, now, by); err != nil || q != n {
			return fmt.Errorf("queue: %d %v", q, err)
		}
		return nil
	})
}

// BenchmarkOutboxSendShipped10k sends what a 10,000-line upload queues: the buyers'
// shipped messages (in batches of up to 100, which the sender's first write of each
// splits) and the channel's 100 chunks.
func BenchmarkOutboxSendShipped10k(b *testing.B) {
	const n = 10_000
	benchSend(b, n+n/100, func(s *storage.Store, now time.Time, by storage.Actor) error {
		trades := make([]domain.Trade, n)
		lines := make([]domain.TrackingLine, n)
		for i := range trades {
			id := fmt.Sprintf("G%06d", i)
			trades[i] = domain.Trade{Key: domain.Key{Channel: "gs", TradeID: id}, Platform: "gspay", Buyer: "b",
				Consignee:   domain.Consignee{Name: "N", Phone: "1380000", Address: "1 Road", Country: "CN"},
				TradeStatus: domain.TradePaid, PaymentRef: "TR" + id, PaidAt: now.Add(-time.Hour), Total: domain.Money{Minor: 100, Currency: "USD"},
				Items: []domain.Item{{SKU: "S", Title: "Tea", Qty: 1, Price: domain.Money{Minor: 100, Currency: "USD"}}}}
			lines[i] = domain.TrackingLine{Line: i + 1, Ref: "gs:" + id, Carrier: "ems", Number: domain.S10Number("EA", i, "CN")}
		}
		if _, err := s.Import(trades, now, by); err != nil {
			return err
		}
		if res, err := s.ConvertAllReady(now, by); err != nil || res.Done() != n {
			return fmt.Errorf("convert: %v", err)
		}
		_, err := s.ApplyTracking(lines, 0, domain.ShipPolicy{Country: "CN"}, false, now, by)
		return err
	})
}
