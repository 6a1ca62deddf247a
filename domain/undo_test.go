package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestUndoRow(t *testing.T) {
	cases := []struct {
		action string
		facts  UndoFacts
		why    string // "" = may be undone
	}{
		{string(ActionConvert), UndoFacts{OrderNo: 7}, ""},
		{string(ActionConvert), UndoFacts{OrderNo: 7, Shipped: true}, "SO00000007 has shipped"},
		{string(ActionConvert), UndoFacts{OrderNo: 7, Refunds: 1}, "SO00000007 has a refund"},
		{string(ActionConvert), UndoFacts{OrderNo: 7, Missing: true}, "is gone"},
		{string(ActionConvert), UndoFacts{OrderNo: 7, OrderChanged: true}, "SO00000007 was changed by a later action"},
		{string(ActionConvert), UndoFacts{OrderNo: 7, ChangedSince: true}, "changed by a later action"},
		{string(ActionRemove), UndoFacts{}, ""},
		{string(ActionProcess), UndoFacts{ChangedSince: true}, "later action"},
		{"refund.reject", UndoFacts{}, ""},
		{"refund.reject", UndoFacts{WrittenBack: true}, "written back"},
		{"refund.process", UndoFacts{}, ""},
		{string(ActionTracking), UndoFacts{}, ""},
		{string(ActionTracking), UndoFacts{Refunds: 2}, "has a refund"},
		{string(ActionTracking), UndoFacts{NumberNowOf: 9}, "now SO00000009's"},
	}
	for _, c := range cases {
		err := UndoRow(c.action, c.facts)
		switch {
		case c.why == "" && err != nil:
			t.Errorf("%s %+v: %v, want undoable", c.action, c.facts, err)
		case c.why != "" && (err == nil || !errors.Is(err, ErrUndoRefused) || !strings.Contains(err.Error(), c.why)):
			t.Errorf("%s %+v: %v, want a refusal saying %q", c.action, c.facts, err, c.why)
		}
	}
}

func TestUndoable(t *testing.T) {
	for _, a := range []string{"pool.convert", "pool.remove", "pool.process", "tracking.import", "refund.reject", "refund.process"} {
		if !Undoable(a) {
			t.Errorf("%s should be undoable", a)
		}
	}
	// Money and imports never: a refund conversion, a partial refund, an order import.
	for _, a := range []string{"refund.convert", "refund.partial", "pool.import", "refund.import", "order.ship", "undo"} {
		if Undoable(a) {
			t.Errorf("%s should not be undoable", a)
		}
	}
}

func TestMayUndo(t *testing.T) {
	if err := MayUndo("ana", RoleOperator, "ana"); err != nil {
		t.Errorf("own action: %v", err)
	}
	if err := MayUndo("bob", RoleOperator, "ana"); err == nil || !strings.Contains(err.Error(), "only ana or a supervisor") {
		t.Errorf("another's action: %v", err)
	}
	if err := MayUndo("cho", RoleSupervisor, "ana"); err != nil {
		t.Errorf("supervisor: %v", err)
	}
	var re *RoleError
	if err := MayUndo("vic", RoleViewer, "vic"); !errors.As(err, &re) {
		t.Errorf("viewer: %v", err)
	}
}
