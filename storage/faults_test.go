package storage

import (
	"testing"

	"shipdesk/domain"
)

// An import that changes nothing (an empty file, blank lines or a header-only CSV give no
// trades; identical orders or requests again) writes no audit event.
func TestImportsThatChangeNothingWriteNoAuditEvent(t *testing.T) {
	s := refundStore(t)
	by := Actor{Operator: "ivy", Role: domain.RoleOperator}
	events := func() int {
		n, _, err := s.AuditCount(AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tr := []domain.Trade{trade("tb", "N1", t0, 1), trade("tb", "N2", t0, 2)}
	if _, err := s.Import(tr, t0, by); err != nil {
		t.Fatal(err)
	}
	c := claim("tb", "R7", "T2", domain.RefundNotReceived, 100, t0)
	mustImportRefunds(t, s, t0, c)
	before := events()
	if res, err := s.Import(nil, t0, by); err != nil || res != (ImportResult{}) {
		t.Fatalf("an empty import: %+v %v", res, err)
	}
	if res, err := s.Import(tr, t0, by); err != nil || res.Unchanged != 2 {
		t.Fatalf("the same orders again: %+v %v", res, err)
	}
	if _, err := s.ImportRefunds(nil, t0, by); err != nil {
		t.Fatal(err)
	}
	if res, err := s.ImportRefunds([]domain.RefundClaim{c}, t0, by); err != nil || res.Unchanged != 1 {
		t.Fatalf("the same request again: %+v %v", res, err)
	}
	if after := events(); after != before {
		t.Fatalf("imports that changed nothing wrote %d audit events", after-before)
	}
	// One that changes something still writes its event.
	if _, err := s.Import([]domain.Trade{trade("tb", "N3", t0, 1)}, t0, by); err != nil {
		t.Fatal(err)
	}
	if after := events(); after != before+1 {
		t.Fatalf("an import of a new order wrote %d audit events, want 1", after-before)
	}
}
