package demo

import (
	"context"
	"path/filepath"
	"testing"

	"shipdesk/domain"
	"shipdesk/storage"
)

func TestFillWritesVouchersInEveryState(t *testing.T) {
	s, err := storage.Open(filepath.Join(t.TempDir(), "d.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := Fill(s, 1, 300, testNow); err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	orders := map[string]int{}
	if err := s.EachVoucher(func(v domain.Voucher) error {
		orders[v.Tally().OrderState()]++
		for i := range v.Codes {
			states[v.Codes[i].StateAt(testNow)]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"live", "used", "void", "expired", "refunded", "locked"} {
		if states[st] == 0 {
			t.Errorf("no %s code in the demo: %v", st, states)
		}
	}
	for _, st := range []string{"available", "used", "unavailable"} {
		if orders[st] == 0 {
			t.Errorf("no %s voucher order: %v", st, orders)
		}
	}
	c, err := s.Counts(testNow, testNow.Location())
	if err != nil {
		t.Fatal(err)
	}
	if c.Vouchers.Live == 0 || c.Vouchers.Expiring7d == 0 {
		t.Errorf("status block: %+v", c.Vouchers)
	}
	rep, err := s.Doctor(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("doctor on the demo: %v %v", rep.Problems, err)
	}
}
