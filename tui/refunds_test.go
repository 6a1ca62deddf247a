package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

func refundClaim(ch, id, trade string, kind domain.RefundKind, minor int64, respondIn time.Duration, reason string) domain.RefundClaim {
	return domain.RefundClaim{
		RefundKey: domain.RefundKey{Channel: ch, RefundID: id}, TradeID: trade, Kind: kind,
		Amount: domain.Money{Minor: minor, Currency: "CNY"}, Reason: reason,
		RequestedAt: testNow.Add(respondIn - domain.DefaultRespondWithin),
	}
}

// refundsFixture has SO00000001 tb:A (awaiting shipment) and SO00000002 tb:B (shipped
// with EMS), both 144.97 CNY, and four pending requests: LATE (overdue, on B), SOON (due
// in 5 hours, on A), FAR (3 days left, on a trade shipdesk does not have) and EVIL (2 days,
// on B, with escape sequences in its reason).
func refundsFixture(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, []domain.Trade{
		trade("tb", "A", "alice", testNow.Add(-2*24*time.Hour), 1),
		trade("tb", "B", "bob", testNow.Add(-3*24*time.Hour), 1),
	}, 120, 30)
	if res, err := h.store.Convert([]domain.Key{{Channel: "tb", TradeID: "A"}, {Channel: "tb", TradeID: "B"}}, testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil || res.Done() != 2 {
		t.Fatalf("convert: %v %+v", err, res)
	}
	if _, _, err := h.store.Ship(orderRef("tb:B"), domain.ShipInput{Carrier: "ems", Number: "EE040293660CN"}, domain.ShipPolicy{Country: "CN"}, testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ImportRefunds([]domain.RefundClaim{
		refundClaim("tb", "FAR", "GONE", domain.RefundNotReceived, 1000, 3*24*time.Hour, "never came"),
		refundClaim("tb", "SOON", "A", domain.RefundNotReceived, 14497, 5*time.Hour, "changed my mind"),
		refundClaim("tb", "LATE", "B", domain.RefundReceivedNoReturn, 2000, -26*time.Hour, "cup cracked"),
		refundClaim("tb", "EVIL", "B", domain.RefundAfterSale, 100, 2*24*time.Hour, "evil\x1b[2J\x1b]0;pwned\x07text"),
	}, testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("5")
	return h
}

// dashRow is a dashboard count as drawn.
func dashRow(label string, n int) string { return fmt.Sprintf("%-17s %6d", label, n) }

func (h *harness) refundIDs() []string {
	var ids []string
	for _, r := range h.refunds().list.win.rows {
		ids = append(ids, r.Request.RefundID)
	}
	return ids
}

func (h *harness) refund(id string) domain.RefundRequest {
	h.t.Helper()
	r, found, err := h.store.Refund(domain.RefundKey{Channel: "tb", RefundID: id})
	if err != nil || !found {
		h.t.Fatalf("refund %s: found=%v err=%v", id, found, err)
	}
	return r
}

func TestRefundQueueByRespondBy(t *testing.T) {
	h := refundsFixture(t)
	if got := h.refundIDs(); !slices.Equal(got, []string{"LATE", "SOON", "EVIL", "FAR"}) {
		t.Fatalf("queue %v, want overdue first, then by respond-by", got)
	}
	h.mustShow("Refund queue", "row 1 of 4")
	if l := h.lineWith("LATE "); !strings.Contains(l, "OVERDUE 1d 2h") || !strings.Contains(l, "SO00000002") || !strings.Contains(l, "received_no_return") || !strings.Contains(l, "20.00 CNY") {
		t.Errorf("overdue row: %q", l)
	}
	if l := h.lineWith("SOON "); !strings.Contains(l, "5h 0m left") || strings.Contains(l, "OVERDUE") {
		t.Errorf("due-soon row: %q", l)
	}
	if l := h.lineWith("FAR "); !strings.Contains(l, "no order") || !strings.Contains(l, "3d 0h left") {
		t.Errorf("row without an original order: %q", l)
	}
	if v := h.view(); strings.Contains(v, "\x1b") || strings.Contains(v, "\x07") {
		t.Fatalf("escape sequence reached the terminal:\n%q", v)
	}
	h.mustShow("eviltext")

	h.press("S")
	if got := h.refundIDs(); !slices.Equal(got, []string{"FAR", "EVIL", "SOON", "LATE"}) {
		t.Fatalf("reversed %v", got)
	}
	h.press("S", "/")
	h.typeText("cup")
	if got := h.refundIDs(); !slices.Equal(got, []string{"LATE"}) {
		t.Fatalf("filter cup: %v", got)
	}
	h.press("ctrl+u")
	h.typeText("state:proc")
	if got := h.refundIDs(); len(got) != 0 {
		t.Fatalf("state:processed: %v", got)
	}
	h.mustShow("no refund requests match the filter")
	h.press("esc")
	if got := h.refundIDs(); len(got) != 4 {
		t.Fatalf("after clearing the filter: %v", got)
	}
	h.press("a")
	h.mustShow("● 4 selected", "selected 4 requests")
	h.press("A")
	h.mustNotShow("● 4 selected")

	h.press("1")
	h.mustShow("Refund queue", dashRow("pending", 4), dashRow("due within 24 h", 1), dashRow("overdue", 1)+" ◀ LATE")
}

func TestRefundConvertAndRejectFromTheQueue(t *testing.T) {
	h := refundsFixture(t)
	// Select SOON and FAR: one converts, the other has no original order.
	h.press("j", " ", "j", "j", " ")
	h.mustShow("● 2 selected")
	h.press("c")
	h.mustShow("Convert 2 refund requests to refunds?")
	h.press("y")
	h.mustShow("Convert: converted 1, skipped 1",
		"tb:SOON: SO00000001 cancelled, refunded 144.97 CNY",
		"skipped: tb:FAR: original order tb:GONE is not in shipdesk — import and convert it first")
	h.press("esc")
	if got := h.refundIDs(); !slices.Equal(got, []string{"LATE", "EVIL", "FAR"}) {
		t.Fatalf("queue after convert: %v", got)
	}
	h.mustShow("● 1 selected") // the refused one stays selected
	if o, _, _ := h.store.Order(1); o.Status != domain.OrderCancelled {
		t.Fatalf("order after convert: %+v", o)
	}

	// Reject the row under the cursor: a reason is required.
	h.press("A", "home", "r")
	h.mustShow("Reject 1 refund request (tb:LATE)?")
	h.press("enter")
	h.mustShow("a reason is required")
	h.typeText("photos show no crack")
	h.press("enter")
	h.mustShow("Reject: rejected 1, skipped 0", "tb:LATE: rejected, write-back to tb queued")
	h.press("esc")
	if r := h.refund("LATE"); r.State != domain.RefundRejected || r.Decision != "photos show no crack" || r.Operator != "tester" {
		t.Fatalf("rejected request: %+v", r)
	}
	n := 0
	if err := h.store.EachOutbox(func(_ uint64, m domain.OutboxMessage) error {
		n++
		if m.Key != "LATE" || m.Body != "photos show no crack" {
			t.Errorf("outbox: %+v", m)
		}
		return nil
	}); err != nil || n != 1 {
		t.Fatalf("outbox: %d %v", n, err)
	}

	// Mark processed asks for a reason too.
	h.press("p")
	h.mustShow("Mark 1 refund request (tb:EVIL) processed")
	h.press("esc")
	if h.refund("EVIL").State != domain.RefundPending {
		t.Fatal("cancelled prompt processed the request")
	}

	h.press("1")
	h.mustShow(dashRow("pending", 2), dashRow("converted", 1), dashRow("rejected", 1), "refunded CNY      144.97")
}

func TestRefundDetailShowsOrderShipmentAndRefunds(t *testing.T) {
	h := refundsFixture(t)
	h.press("enter")
	h.mustShow("Refund request tb:LATE", "received_no_return", "cup cracked", "OVERDUE",
		"Original order SO00000002", "shipped", "ems EE040293660CN", "Refunds — 0 refunds: 0.00 CNY of 144.97 CNY refunded, 144.97 CNY left")
	h.press("c", "y")
	h.mustShow("tb:LATE: SO00000002 refunded 20.00 CNY")
	h.press("esc")
	h.mustShow("Refund request tb:LATE", "converted", "20.00 CNY on SO00000002",
		"Refunds — 1 refund: 20.00 CNY of 144.97 CNY refunded, 124.97 CNY left", "tb:LATE")
	h.press("esc")
	h.mustShow("Refund queue")

	h.press("end", "enter")
	h.mustShow("Refund request tb:FAR", "tb:GONE is not in shipdesk")
}

func TestPartialRefundForm(t *testing.T) {
	h := refundsFixture(t)
	h.press("3")
	if got := h.orderIDs(); !slices.Equal(got, []string{"A"}) {
		t.Fatalf("orders %v", got)
	}
	h.press("R")
	h.mustShow("Partial refund — SO00000001", "paid 144.97 CNY · refunded so far 0.00 CNY · left to refund 144.97 CNY", "up to 144.97 CNY")
	h.typeText("200")
	h.mustShow("exceeds what is left to refund on SO00000001: 144.97 CNY")
	h.press("ctrl+s")
	h.mustShow("✗ refund of 200.00 CNY exceeds")
	h.press("ctrl+u")
	h.typeText("100")
	h.mustShow("✓ will refund 100.00 CNY, leaving 44.97 CNY")
	h.press("enter", "enter")
	h.mustShow("needs a reason")
	h.typeText("scratched box")
	h.press("enter")
	h.mustShow("SO00000001: refunded 100.00 CNY; left to refund 44.97 CNY")
	if h.orders().refundOpen {
		t.Fatal("form still open after saving")
	}

	// The detail lists it; a second form decided on a stale view is refused by storage.
	h.press("enter")
	h.mustShow("Refunds — 1 refund: 100.00 CNY of 144.97 CNY refunded, 44.97 CNY left", "partial", "scratched box")
	h.press("R")
	h.mustShow("left to refund 44.97 CNY")
	if _, err := h.store.PartialRefund(orderRef("SO00000001"), amountOf("40"), "another session", testNow, storage.Actor{Operator: "ann", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.typeText("44.97")
	h.press("tab")
	h.typeText("late")
	h.press("enter")
	h.mustShow("✗ refund of 44.97 CNY exceeds what is left to refund on SO00000001: 4.97 CNY", "left to refund 4.97 CNY")
	h.press("esc")
	if h.orders().refundOpen {
		t.Fatal("esc did not close the form")
	}
	rs, _ := h.store.OrderRefunds(1)
	if len(rs) != 2 {
		t.Fatalf("refunds: %+v", rs)
	}
}
