package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// BenchmarkOutboxSend10k sends 10,000 queued messages to a local webhook (in this process,
// sharing its processors): read in batches, rendered, posted signed, and recorded one
// write transaction per batch. Budget: ≥ 500 messages/s.
func BenchmarkOutboxSend10k(b *testing.B) {
	const n = 10_000
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
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
		msgs := make([]domain.OutboxMessage, n)
		for i := range msgs {
			msgs[i] = domain.OutboxMessage{Channel: "gspay", Kind: domain.KindTrackingUpload, Key: fmt.Sprintf("G%06d", i),
				Stage: domain.S10Number("EA", i, "CN")}
		}
		if q, err := s.QueueMessages(msgs, now, by); err != nil || q != n {
			b.Fatalf("queue: %d %v", q, err)
		}
		snd := &Sender{Store: s, Config: Config{Lang: "en", Policy: domain.NotifyPolicy{MaxAttempts: 8},
			Webhook: WebhookConfig{URL: srv.URL, Secret: []byte("k")}}, Templates: tp, Webhook: NewWebhook([]byte("k")),
			By: by, Holder: "bench", Now: func() time.Time { return now }}
		b.StartTimer()
		rep, err := snd.SendDue(context.Background(), false)
		b.StopTimer()
		if err != nil || rep.Sent != n {
			b.Fatalf("sent %d of %d: %v %v", rep.Sent, n, err, rep.Errors)
		}
		s.Close()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkOutboxSendShipped10k sends the buyers' shipped messages of a 10,000-line
// upload (queued in batches of up to 100, which the sender's first write splits) to a
// local webhook.
func BenchmarkOutboxSendShipped10k(b *testing.B) {
	const n = 10_000
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	by := storage.Actor{Operator: "bench", Role: domain.RoleSupervisor}
	tp, err := LoadTemplates("")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
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
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		s, err := storage.Open(filepath.Join(b.TempDir(), fmt.Sprintf("send%d.db", it)), storage.Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.SetNotifyPolicy(domain.NotifyPolicy{MaxAttempts: 8})
		if _, err := s.Import(trades, now, by); err != nil {
			b.Fatal(err)
		}
		if res, err := s.ConvertAllReady(now, by); err != nil || res.Done() != n {
			b.Fatalf("convert: %v", err)
		}
		if _, err := s.ApplyTracking(lines, 0, domain.ShipPolicy{Country: "CN"}, false, now, by); err != nil {
			b.Fatal(err)
		}
		snd := &Sender{Store: s, Config: Config{Lang: "en", Policy: domain.NotifyPolicy{MaxAttempts: 8},
			Webhook: WebhookConfig{URL: srv.URL, Secret: []byte("k")}}, Templates: tp, Webhook: NewWebhook([]byte("k")),
			By: by, Holder: "bench", Now: func() time.Time { return now }}
		b.StartTimer()
		rep, err := snd.SendDue(context.Background(), false)
		b.StopTimer()
		if err != nil || rep.Sent != n+n/100 {
			b.Fatalf("sent %d of %d: %v %v", rep.Sent, n+n/100, err, rep.Errors)
		}
		s.Close()
	}
	b.ReportMetric(float64((n+n/100)*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
