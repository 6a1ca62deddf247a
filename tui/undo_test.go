package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
)

// `u` in the pool offers this operator's last action there, with its count and what
// cannot be undone, and undoes it on yes; the same action is not offered twice.
func TestUndoKeyInThePool(t *testing.T) {
	h := newHarness(t, manyTrades(3), 120, 30)
	h.press("2", "u")
	h.mustShow("nothing of yours to undo here")
	h.press("C", "enter")
	h.mustShow("converted 3, skipped 0")
	h.press("esc")
	// Another session ships one of the orders meanwhile.
	if _, _, err := h.store.Ship(orderRef("tb:T0002"), domain.ShipInput{Carrier: "ems", Number: "EE040293660CN"}, domain.ShipPolicy{Country: "CN"},
		testNow, storage.Actor{Operator: "bob", Role: domain.RoleOperator}); err != nil {
		t.Fatal(err)
	}
	h.press("u")
	h.mustShow("Undo your convert of", "2 of 3 can be undone", "tb:T0002", "has shipped")
	h.press("n")
	if h.entry("tb", "T0001").State != domain.PoolConverted {
		t.Fatal("n undid the conversion")
	}
	h.press("u", "y")
	h.mustShow("undid 2 of action", "kept 1")
	if e := h.entry("tb", "T0001"); e.State != domain.PoolReady {
		t.Fatalf("T0001 after undo: %s", e.State)
	}
	if e := h.entry("tb", "T0002"); e.State != domain.PoolConverted {
		t.Fatalf("T0002 (shipped) after undo: %s", e.State)
	}
	h.press("esc", "u")
	h.mustShow("nothing of yours to undo here")
	if rep, err := h.store.Doctor(t.Context()); err != nil || !rep.OK() {
		t.Fatalf("doctor after a console undo: %v %v", err, rep.Problems)
	}
}

// A viewer is refused before anything is read; the refund queue offers only its own
// actions.
func TestUndoKeyRolesAndLists(t *testing.T) {
	h := newHarness(t, manyTrades(2), 120, 30, func(c *Config) { c.Role = domain.RoleViewer })
	h.press("2", "u")
	h.mustShow("undo needs the operator role")

	h = newHarness(t, manyTrades(2), 120, 30)
	h.press("2", "C", "enter", "esc", "5", "u")
	if v := h.view(); !strings.Contains(v, "nothing of yours to undo here") {
		t.Fatalf("the refund queue offered the pool's conversion:\n%s", v)
	}
}

// A failed scheduled backup is loud on a supervisor's dashboard, and not shown to an
// operator.
func TestDashboardShowsAFailedBackupToSupervisors(t *testing.T) {
	h := newHarness(t, manyTrades(1), 160, 40)
	h.store.SetBackupStatus(storage.BackupStatus{At: testNow, Err: "backup: no space left on device"})
	h.send(tea.KeyMsg{Type: tea.KeyCtrlR})
	h.mustShow("BACKUP FAILED", "no space left on device")
	o := newHarness(t, manyTrades(1), 160, 40, func(c *Config) { c.Role = domain.RoleOperator })
	o.store.SetBackupStatus(storage.BackupStatus{At: testNow, Err: "backup: no space left on device"})
	o.send(tea.KeyMsg{Type: tea.KeyCtrlR})
	o.mustNotShow("BACKUP FAILED")
}
