package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"shipdesk/domain"
	"shipdesk/storage"
)

// A bulk upload of 150 numbers to a GSPAY channel reaches a real HTTP receiver as two
// signed posts, of 100 and 50 lines: each body carries its lines (orders in file order,
// with their GSPAY text) and the text is those lines as GSPAY reads them; a corrected
// number arrives alone, saying which number it replaces.
func TestWebhookGetsTrackingChunks(t *testing.T) {
	s, err := storage.Open(filepath.Join(t.TempDir(), "u.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.SetNotifyPolicy(domain.NotifyPolicy{MaxAttempts: 8})
	const n = 150
	var trades []domain.Trade
	var lines []domain.TrackingLine
	for i := range n {
		id := fmt.Sprintf("G%04d", i)
		trades = append(trades, domain.Trade{Key: domain.Key{Channel: "gs", TradeID: id}, Platform: "gspay", Buyer: "b",
			Consignee:   domain.Consignee{Name: "N", Phone: "1380000", Address: "1 Road", Country: "CN"},
			TradeStatus: domain.TradePaid, PaymentRef: "TR" + id, PaidAt: t0, Total: domain.Money{Minor: 100, Currency: "USD"},
			Items: []domain.Item{{SKU: "S", Title: "Tea", Qty: 1, Price: domain.Money{Minor: 100, Currency: "USD"}}}})
		// File order runs backwards through the orders.
		lines = append(lines, domain.TrackingLine{Line: i + 1, Ref: fmt.Sprintf("gs:G%04d", n-1-i), Carrier: "ems", Number: domain.S10Number("EA", i, "CN")})
	}
	if _, err := s.Import(trades, t0, sup); err != nil {
		t.Fatal(err)
	}
	if res, err := s.ConvertAllReady(t0, sup); err != nil || res.Done() != n {
		t.Fatalf("convert: %v", err)
	}
	if _, err := s.ApplyTracking(lines, 0, domain.ShipPolicy{Country: "CN"}, false, t0, sup); err != nil {
		t.Fatal(err)
	}
	fixed := domain.S10Number("EC", 1, "CN")
	if _, _, err := s.Ship(domain.OrderRef{Key: domain.Key{Channel: "gs", TradeID: "G0149"}}, domain.ShipInput{Carrier: "ems", Number: fixed}, domain.ShipPolicy{Country: "CN"}, t0, sup); err != nil {
		t.Fatal(err)
	}
	srv, hits := hook(t, 0)
	secret := []byte("k3y")
	snd := testSender(t, s, Config{Webhook: WebhookConfig{URL: srv.URL, Secret: secret}})
	if _, err := snd.SendDue(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	var uploads []WebhookBody
	for _, h := range hits() {
		if h.sig != Signature(secret, h.body) {
			t.Fatalf("signature %q does not verify", h.sig)
		}
		var b WebhookBody
		if err := json.Unmarshal(h.body, &b); err != nil {
			t.Fatal(err)
		}
		if b.Kind == domain.KindTrackingUpload {
			if h.key != b.IdempotencyKey || b.ID == 0 {
				t.Fatalf("key %q body %+v", h.key, b)
			}
			uploads = append(uploads, b)
		}
	}
	if len(uploads) != 3 {
		t.Fatalf("%d tracking uploads arrived, want 100 + 50 lines and the correction", len(uploads))
	}
	// The sender posts several at once: put them back in queue order.
	byID := map[uint64]WebhookBody{}
	for _, b := range uploads {
		byID[b.ID] = b
	}
	var ids []uint64
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	first, second, fix := byID[ids[0]], byID[ids[1]], byID[ids[2]]
	if len(first.Lines) != 100 || len(second.Lines) != 50 || len(fix.Lines) != 1 {
		t.Fatalf("lines %d, %d, %d", len(first.Lines), len(second.Lines), len(fix.Lines))
	}
	all := append(append([]WebhookLine{}, first.Lines...), second.Lines...)
	for i, l := range all {
		want := fmt.Sprintf("G%04d", n-1-i)
		if l.Trade != want || l.Number != lines[i].Number || !strings.HasPrefix(l.Text, "TR"+want+":: http") || !strings.HasSuffix(l.Text, ":: Tracking ID="+l.Number) {
			t.Fatalf("line %d: %+v, want trade %s number %s", i+1, l, want, lines[i].Number)
		}
	}
	for _, b := range []WebhookBody{first, second} {
		if b.Order != b.Lines[0].Order || b.To != "gs" || b.Channel != "gs" {
			t.Fatalf("body order %q to %q channel %q, first line %+v", b.Order, b.To, b.Channel, b.Lines[0])
		}
		f, err := domain.ParseTracking("post", strings.NewReader(b.Text), nil)
		if err != nil || f.Format != domain.TrackingGSPAY || len(f.Lines) != len(b.Lines) || len(f.Errors) > 0 {
			t.Fatalf("the text is not the chunk's GSPAY lines: %v %+v %q", err, f.Errors, b.Text)
		}
		for i, l := range f.Lines {
			if l.Ref != "TR"+b.Lines[i].Trade || domain.NormalizeTracking(l.Number) != b.Lines[i].Number {
				t.Fatalf("text line %d %+v, body line %+v", i+1, l, b.Lines[i])
			}
		}
	}
	if l := fix.Lines[0]; l.Trade != "G0149" || l.Number != fixed || l.Replaces != lines[0].Number {
		t.Fatalf("the correction's line: %+v", l)
	}
	// The buyers' shipped messages were queued in batches: each arrives once, on its own,
	// with its order's number, and the outbox has them all sent.
	told := map[string]string{}
	for _, h := range hits() {
		var b WebhookBody
		if err := json.Unmarshal(h.body, &b); err != nil {
			t.Fatal(err)
		}
		if b.Kind != domain.KindShipped {
			continue
		}
		if _, twice := told[b.Stage]; twice || h.key != b.IdempotencyKey || !strings.Contains(b.Text, b.Stage) {
			t.Fatalf("shipped message %d (%s) arrived twice or without its number: %q", b.ID, b.Stage, b.Text)
		}
		told[b.Stage] = b.Order
	}
	if len(told) != n+1 {
		t.Fatalf("%d shipped messages arrived, want %d and the correction's", len(told), n)
	}
	if c, err := s.OutboxCounts(t0); err != nil || c.Queued != 0 || c.Failed != 0 || c.Sent != n+4 {
		t.Fatalf("outbox after the send: %+v %v", c, err)
	}
}
