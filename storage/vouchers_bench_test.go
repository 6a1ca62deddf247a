package storage

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"shipdesk/domain"
)

// benchVouchers is a store of n converted voucher orders of 3 units each, with its codes.
func benchVouchers(b *testing.B, n int) (*Store, []string) {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "v.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	trades := make([]domain.Trade, n)
	keys := make([]domain.Key, n)
	for i := range trades {
		trades[i] = voucherTrade(fmt.Sprintf("V%06d", i), 3, "50.00", terms(30+i%60, 9000, true, false))
		keys[i] = trades[i].Key
	}
	if _, err := s.Import(trades, t0, sup); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Convert(keys, t0, sup); err != nil {
		b.Fatal(err)
	}
	var codes []string
	s.EachVoucher(func(v domain.Voucher) error { codes = append(codes, v.Codes[0].Code); return nil })
	return s, codes
}

// BenchmarkRedeem is one redemption at the counter (one unit of three: the code is voided
// and a new one issued) among 10,000 voucher orders.
func BenchmarkRedeem(b *testing.B) {
	s, codes := benchVouchers(b, 10_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		code := codes[i%len(codes)]
		res, err := s.Redeem(domain.RedeemInput{Code: code, Phone4: "8000", Units: 1}, t0.Add(time.Duration(i)*time.Second), opr)
		if err != nil {
			b.Fatal(err)
		}
		codes[i%len(codes)] = res.Redemption.NewCode
		if res.Redemption.NewCode == "" { // used up: start that order's slot again elsewhere
			codes[i%len(codes)] = codes[(i+1)%len(codes)]
		}
	}
}

// BenchmarkVoucherViews is the vouchers list's first window (a filter matching one SKU)
// and the status block, among 10,000 voucher orders.
func BenchmarkVoucherViews(b *testing.B) {
	s, _ := benchVouchers(b, 10_000)
	b.Run("list", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if rows, _, err := s.VoucherWindow(b.Context(), VoucherQuery{State: domain.CodeLive, SKU: "cake", Now: t0}, nil, false, 500); err != nil || len(rows) != 500 {
				b.Fatal(err, len(rows))
			}
		}
	})
	b.Run("counts", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.Counts(t0, time.UTC); err != nil {
				b.Fatal(err)
			}
		}
	})
}
