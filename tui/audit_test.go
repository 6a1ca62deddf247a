package tui

import (
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

func asRole(r domain.Role) harnessOpt { return func(c *Config) { c.Role = r } }

func TestViewerIsRefusedWithTheRoleNeeded(t *testing.T) {
	h := newHarness(t, manyTrades(3), 120, 30, asRole(domain.RoleViewer))
	h.press("2")
	for _, k := range []string{"c", "x", "p", "C"} {
		h.press(k)
		if h.pool().list.overlay != noOverlay {
			t.Fatalf("%q opened a dialog for a viewer", k)
		}
		if !strings.Contains(h.model().status.text, "needs the operator role; tester is a viewer") {
			t.Fatalf("%q: status %q", k, h.model().status.text)
		}
	}
	h.mustShow("tester (viewer)")
	if c := h.model().counts; c.Pool[domain.PoolReady] != 3 {
		t.Fatalf("a viewer's keys changed the pool: %+v", c.Pool)
	}
	// An operator may convert.
	h2 := newHarness(t, manyTrades(1), 120, 30, asRole(domain.RoleOperator))
	h2.press("2", "c")
	h2.mustShow("Convert 1 entry")
}

func TestConvertAfterAnotherSessionNamesWhoWasFirst(t *testing.T) {
	h := newHarness(t, manyTrades(2), 120, 30)
	h.press("2")
	first := h.poolIDs()[0]
	// Another session converts the row under the cursor before this one confirms.
	key := domain.Key{Channel: "tb", TradeID: first}
	if _, err := h.store.Convert([]domain.Key{key}, testNow.Add(-30*time.Minute), storage.Actor{Operator: "ana", Session: "x1", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("c", "y")
	h.mustShow("skipped: tb:" + first + " is already converted to sales order SO00000001 — by ana at 05-10 19:30")
	if c := h.model().counts; c.Orders[domain.OrderAwaitingShipment] != 1 {
		t.Fatalf("converted twice: %+v", c.Orders)
	}
}

func TestAuditView(t *testing.T) {
	h := newHarness(t, manyTrades(3), 140, 30)
	h.press("2", "c", "y", "esc")
	h.press("7")
	h.mustShow("Audit log", "newest first", "pool.convert", "pool.import", "tester")
	// Newest first: the convert is above the import.
	v := h.view()
	if strings.Index(v, "pool.convert") > strings.Index(v, "pool.import") {
		t.Fatalf("audit not newest first:\n%s", v)
	}
	// Enter shows every change before → after.
	h.press("enter")
	h.mustShow("Audit event #2", "operator", "tester", "session", "local", "state", "ready → converted", "SO00000001", "awaiting_shipment")
	h.press("esc")

	// Filters: operator, action, key.
	h.press("/")
	h.typeText("action:pool.imp")
	h.press("enter")
	h.mustShow("pool.import")
	h.mustNotShow("pool.convert")
	h.press("ctrl+l", "/")
	h.typeText("operator:nobody")
	h.press("enter")
	h.mustShow("no events match the filter")
	h.press("ctrl+l", "/")
	h.typeText("key:SO00000001")
	h.press("enter")
	h.mustShow("pool.convert")
	h.mustNotShow("pool.import")
	h.press("ctrl+l", "/")
	h.typeText("colour:red")
	h.mustShow(`unknown term "colour:"`)
}

func TestAuditViewFollowsNewEventsLive(t *testing.T) {
	h := newHarness(t, manyTrades(2), 140, 30, live)
	h.press("7")
	h.waitFor("the import event", func() bool { return strings.Contains(h.view(), "pool.import") })
	if _, err := h.store.Convert([]domain.Key{{Channel: "tb", TradeID: "T0001"}}, testNow, storage.Actor{Operator: "zoe", Session: "ab12cd34", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the other session's convert", func() bool {
		return strings.Contains(h.view(), "zoe") && strings.Contains(h.view(), "ab12cd34")
	})
}

func TestAuditTextIsSanitised(t *testing.T) {
	hostile := trade("tb", "T1", "x", testNow.Add(-time.Hour), 1)
	h := newHarness(t, []domain.Trade{hostile}, 140, 30)
	evil := hostile
	evil.Buyer = "\x1b]0;pwned\x07\x1b[2Jbad"
	if _, err := h.store.Import([]domain.Trade{evil}, testNow, storage.Actor{Operator: "ana", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("7", "enter")
	h.mustShow("buyer", "bad")
	if strings.Contains(h.view(), "\x1b]0;") || strings.Contains(h.view(), "\x1b[2J") {
		t.Fatalf("escape sequence from a channel reached the screen: %q", h.view())
	}
}
