package tui

import (
	"strings"
	"testing"

	"shipdesk/domain"
	"shipdesk/storage"
)

// The outbox view lists dead messages first, opens one with its rendered text and its
// attempts, and retries the selection.
func TestOutboxViewRetry(t *testing.T) {
	h := outboxHarness(t, storage.OutboxResult{ID: 2, Err: "HTTP 500: boom", At: testNow})
	h.press("O")
	h.mustShow("Outbox", "dead", "refund.reject", "HTTP 500: boom", "queued", "tracking.upload")
	if l := h.lineWith("refund.reject"); l == "" || h.lineWith("tracking.upload") == "" {
		t.Fatal("rows missing")
	}
	h.press("enter")
	h.mustShow("Message 2", "attempts", "HTTP 500: boom", "refund R9 rejected: no damage", "shipdesk-2-refund.reject")
	if help := h.lineWith("esc back"); strings.Count(help, "r retry") != 1 || strings.Count(help, "x cancel message") != 1 {
		t.Fatalf("the detail's help names each key once: %q", help)
	}
	h.press("r")
	h.mustShow("Retry 1 message")
	h.press("y")
	h.mustShow("Retry: due again 1, skipped 0")
	if m, _ := h.store.OutboxMessage(2); m.State != domain.OutboxQueued || m.Attempts != 1 {
		t.Fatalf("after retry: %+v", m)
	}
}

// Retry on a selection holding a message that was sent retries the others and skips the
// sent one, saying why; it stays selected, the retried one leaves the selection.
func TestOutboxRetrySkipsTheSentOne(t *testing.T) {
	h := outboxHarness(t, storage.OutboxResult{ID: 1, At: testNow}, storage.OutboxResult{ID: 2, Err: "HTTP 500: boom", At: testNow})
	h.press("O")
	h.mustShow("dead", "sent")
	h.press("a") // every message listed
	h.press("r")
	h.mustShow("Retry 2 messages")
	h.press("y")
	h.mustShow("Retry: due again 1, skipped 1", "message 2: due again", "skipped: message 1: it was sent")
	h.press("esc")
	h.mustShow("● 1 selected")
	if m, _ := h.store.OutboxMessage(2); m.State != domain.OutboxQueued {
		t.Fatalf("the dead one: %+v", m)
	}
	if m, _ := h.store.OutboxMessage(1); m.State != domain.OutboxSent {
		t.Fatalf("the sent one: %+v", m)
	}
}

// outboxHarness is a console with two messages queued (1: a tracking.upload of order 1,
// 2: a refund rejection) and the attempts results recorded (one attempt allowed: a
// failure is dead).
func outboxHarness(t *testing.T, results ...storage.OutboxResult) *harness {
	t.Helper()
	h := newHarness(t, manyTrades(2), 140, 40)
	by := storage.Actor{Operator: "cron", Role: domain.RoleSupervisor}
	if _, err := h.store.ConvertAllReady(testNow, by); err != nil { // the upload's order
		t.Fatal(err)
	}
	if _, err := h.store.QueueMessages([]domain.OutboxMessage{
		{Channel: "tb", Kind: domain.KindTrackingUpload, Key: "T1", Order: 1, Stage: "EE1"},
		{Channel: "tb", Kind: domain.OutboxRefundReject, Key: "R9", Body: "no damage", Stage: "tb:R9"},
	}, testNow, by); err != nil {
		t.Fatal(err)
	}
	if err := h.store.RecordOutbox(results, 1, testNow, by); err != nil {
		t.Fatal(err)
	}
	return h
}
