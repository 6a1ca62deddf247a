package domain

import (
	"errors"
	"testing"
	"time"
)

func TestRequire(t *testing.T) {
	cases := []struct {
		role   Role
		action Action
		err    string
	}{
		{RoleViewer, ActionConvert, "convert needs the operator role; ana is a viewer"},
		{RoleViewer, ActionImport, "import needs the operator role; ana is a viewer"},
		{RoleViewer, ActionProcess, "mark processed needs the operator role; ana is a viewer"},
		{RoleOperator, ActionConvert, ""},
		{RoleOperator, ActionRemove, ""},
		{RoleOperator, ActionShip, ""},
		{RoleOperator, ActionPartial, "a partial refund needs the supervisor role; ana is an operator"},
		{RoleOperator, ActionRefund, "deciding a refund needs the supervisor role; ana is an operator"},
		{RoleOperator, ActionOverride, "overriding tracking validation needs the supervisor role; ana is an operator"},
		{RoleSupervisor, ActionPartial, ""},
		{RoleSupervisor, ActionConvert, ""},
		{RoleSupervisor, Action("something.new"), ""},
		{RoleOperator, Action("something.new"), "something new needs the supervisor role; ana is an operator"},
		{0, ActionConvert, "convert needs the operator role; ana is a role(0)"},
	}
	for _, c := range cases {
		err := Require("ana", c.role, c.action)
		got := ""
		if err != nil {
			got = err.Error()
			var re *RoleError
			if !errors.As(err, &re) || re.Needs != MinRole(c.action) {
				t.Errorf("%v %s: not a RoleError naming the role: %#v", c.role, c.action, err)
			}
		}
		if got != c.err {
			t.Errorf("Require(%v, %s) = %q, want %q", c.role, c.action, got, c.err)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		got, err := ParseRole(r.String())
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r, got, err)
		}
	}
	for _, bad := range []string{"", "admin", "view", "Supervisor", "operator "} {
		if _, err := ParseRole(bad); err == nil {
			t.Errorf("ParseRole(%q) accepted", bad)
		}
	}
}

func TestDiffEntry(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	cny := func(m int64) Money { return Money{Minor: m, Currency: "CNY"} }
	before := PoolEntry{
		Trade: Trade{Key: Key{"tb", "T1"}, Buyer: "a", TradeStatus: TradePaid, PaidAt: t0, Total: cny(100),
			Items: []Item{{SKU: "S1", Qty: 1, Price: cny(100)}}},
		State: PoolReady, ImportedAt: t0, UpdatedAt: t0,
	}
	after := before
	after.Items = []Item{{SKU: "S1", Qty: 2, Price: cny(50)}}
	after.Buyer, after.Changed, after.UpdatedAt = "b", true, t0.Add(time.Hour)
	got := DiffEntry(&before, &after)
	want := []FieldChange{
		{"tb:T1", "changed", "false", "true"},
		{"tb:T1", "buyer", "a", "b"},
		{"tb:T1", "items", "S1×1@1.00", "S1×2@0.50"},
	}
	if len(got) != len(want) {
		t.Fatalf("diff %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("diff %+v, want %+v", got, want)
		}
	}
	if d := DiffEntry(&before, &before); len(d) != 0 {
		t.Fatalf("no change gave %+v", d)
	}
	created := DiffEntry(nil, &before)
	if created[0] != (FieldChange{"tb:T1", "state", "", "ready"}) {
		t.Fatalf("new entry diff starts %+v", created[0])
	}
}
