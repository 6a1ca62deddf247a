package demo

import (
	"path/filepath"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

func TestFillHasParcelsInEveryDeliveryStatus(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s, err := storage.Open(filepath.Join(t.TempDir(), "d.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := Fill(s, 1, 3000, now); err != nil {
		t.Fatal(err)
	}
	c, err := s.DeliveryCounts(now)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range domain.DeliveryStatuses {
		if c[st] == 0 {
			t.Errorf("no demo parcel is %s: %v", st, c)
		}
	}
}
