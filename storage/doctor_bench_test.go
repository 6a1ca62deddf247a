package storage_test

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkDoctor checks the whole demo database (every index, staged row, hashed slot,
// counter and last number against the records), as `shipdesk doctor` does. The demo
// file is sound, so the check must find nothing. Reported as records checked a second.
func BenchmarkDoctor(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		rep, err := s.Doctor(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			b.Fatalf("%d problems in the demo database:\n%s", rep.Found(), strings.Join(rep.Problems, "\n"))
		}
		records = 0
		for _, c := range rep.Checked {
			if c.What == "records" {
				records += c.N
			}
		}
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
}
