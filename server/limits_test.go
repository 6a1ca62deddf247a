package server

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"shipdesk/domain"
)

// A client's window size is clamped, so one key never costs a screen of 65535×65535.
func TestWindowSizeIsClamped(t *testing.T) {
	for _, c := range []struct{ w, h, ww, wh int }{
		{65535, 65535, MaxWidth, MaxHeight}, {0, 0, 80, 24}, {120, 40, 120, 40}, {-1, 30, 80, 24}, {1000, 50, MaxWidth, 50},
	} {
		if w, h := clampWindow(c.w, c.h); w != c.ww || h != c.wh {
			t.Errorf("clampWindow(%d, %d) = %d×%d, want %d×%d", c.w, c.h, w, h, c.ww, c.wh)
		}
	}
	if MaxWidth > 1000 || MaxHeight > 500 {
		t.Fatalf("the clamp %d×%d does not bound the output", MaxWidth, MaxHeight)
	}
}

// One operator cannot hold every session: each has a cap, and the last slot is a
// supervisor's.
func TestSessionsPerOperatorAndASupervisorsSlot(t *testing.T) {
	s := &Server{cfg: Config{MaxSessions: 6, MaxPerOperator: 3}, sessions: map[string]*live{}}
	vic := Operator{Name: "vic", Role: domain.RoleViewer}
	add := func(op Operator) error {
		if err := s.room(op); err != nil {
			return err
		}
		id := fmt.Sprint(len(s.sessions))
		s.sessions[id] = &live{id: id, operator: op.Name, role: op.Role}
		return nil
	}
	for i := range 3 {
		if err := add(vic); err != nil {
			t.Fatalf("vic's session %d: %v", i+1, err)
		}
	}
	if err := add(vic); err == nil || !strings.Contains(err.Error(), "3 sessions") {
		t.Fatalf("vic's fourth session: %v", err)
	}
	for _, name := range []string{"ana", "bob"} {
		if err := add(Operator{Name: name, Role: domain.RoleOperator}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// Five of six: the last is kept for a supervisor.
	if err := add(Operator{Name: "cat", Role: domain.RoleOperator}); !errors.Is(err, ErrServerFull) {
		t.Fatalf("an operator in the supervisor's slot: %v", err)
	}
	if err := add(Operator{Name: "sue", Role: domain.RoleSupervisor}); err != nil {
		t.Fatalf("the supervisor: %v", err)
	}
	if err := add(Operator{Name: "sam", Role: domain.RoleSupervisor}); !errors.Is(err, ErrServerFull) {
		t.Fatalf("past the limit: %v", err)
	}
}
