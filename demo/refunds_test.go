package demo

import (
	"path/filepath"
	"strings"
	"testing"

	"shipdesk/domain"
	"shipdesk/storage"
)

func TestFillWritesARefundQueue(t *testing.T) {
	s, err := storage.Open(filepath.Join(t.TempDir(), "d.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := Fill(s, 1, 3000, testNow); err != nil {
		t.Fatal(err)
	}
	c, err := s.Counts(testNow, testNow.Location())
	if err != nil {
		t.Fatal(err)
	}
	r := c.Refunds
	if r.Pending < 10 || r.Overdue == 0 || r.DueSoon == 0 || r.Overdue+r.DueSoon == r.Pending {
		t.Fatalf("queue should hold overdue, due-soon and later requests: %+v", r)
	}
	// Every pending request but the two lost ones names a sales order that a convert
	// accepts (the voucher request the platform refunded at import is converted already).
	var keys []domain.RefundKey
	if err := s.EachRefund(func(q domain.RefundRequest) error {
		if q.State == domain.RefundPending {
			keys = append(keys, q.RefundKey)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	res, err := s.ConvertRefunds(keys, testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	var refused []string
	for _, row := range res.Rows {
		if !row.Done {
			refused = append(refused, row.Reason)
		}
	}
	if len(refused) != 2 || !strings.Contains(refused[0], "is not in shipdesk") {
		t.Fatalf("refused %d of %d: %q", len(refused), len(res.Rows), refused)
	}
}
