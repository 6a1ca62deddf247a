package domain

import (
	"strings"
	"testing"
)

func TestParseMoneyRoundTrip(t *testing.T) {
	tests := []struct {
		in, currency string
		minor        int64
		out          string
	}{
		{"144.97", "CNY", 14497, "144.97"},
		{"0.5", "CNY", 50, "0.50"},
		{"-3.10", "CNY", -310, "-3.10"},
		{"1000", "JPY", 1000, "1000"},
		{"0", "USD", 0, "0.00"},
		{"0.01", "USD", 1, "0.01"},
		{"7", "RUB", 700, "7.00"},
		{" 12.3 ", "EUR", 1230, "12.30"},
		{"007.05", "CNY", 705, "7.05"},
		{"-0.00", "CNY", 0, "0.00"},
		{"-42", "KRW", -42, "-42"},
		{"999999999999999.99", "USD", 99999999999999999, "999999999999999.99"},
		{"1.5", "KWD", 1500, "1.500"},
		{"999999999999999.999", "KWD", 999999999999999999, "999999999999999.999"},
		{"0000000000000000000012.34", "CNY", 1234, "12.34"},
		{"-0.001", "BHD", -1, "-0.001"},
	}
	for _, tt := range tests {
		t.Run(tt.in+" "+tt.currency, func(t *testing.T) {
			m, err := ParseMoney(tt.in, tt.currency)
			if err != nil {
				t.Fatalf("ParseMoney(%q, %s): %v", tt.in, tt.currency, err)
			}
			if m.Minor != tt.minor || m.Currency != tt.currency {
				t.Errorf("ParseMoney(%q, %s) = %+v, want %d %s", tt.in, tt.currency, m, tt.minor, tt.currency)
			}
			if got := m.Decimal(); got != tt.out {
				t.Errorf("Decimal() = %q, want %q", got, tt.out)
			}
			if got, want := m.String(), tt.out+" "+tt.currency; got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
			again, err := ParseMoney(m.Decimal(), m.Currency)
			if err != nil || again != m {
				t.Errorf("ParseMoney(Decimal()) = %+v, %v; want %+v", again, err, m)
			}
		})
	}
}

func TestParseMoneyErrors(t *testing.T) {
	tests := []struct {
		in, currency, want string
	}{
		{"1.234", "CNY", "more than 2 decimal places"},
		{"1.5", "JPY", "more than 0 decimal places"},
		{"1.2.3", "CNY", "not a decimal number"},
		{"", "CNY", "empty"},
		{"   ", "CNY", "empty"},
		{"abc", "CNY", "not a decimal number"},
		{"1,50", "CNY", "not a decimal number"},
		{"1.", "CNY", "not a decimal number"},
		{".5", "CNY", "not a decimal number"},
		{"-", "CNY", "not a decimal number"},
		{"+1", "CNY", "not a decimal number"},
		{"1e3", "CNY", "not a decimal number"},
		{"١٢", "CNY", "not a decimal number"}, // Arabic-Indic digits are not ASCII digits
		{"1", "cny", "ISO 4217"},
		{"1", "", "ISO 4217"},
		{"1", "YUAN", "ISO 4217"},
		{"1000000000000000", "CNY", "too large"},
		{"9223372036854775807", "JPY", "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in+" "+tt.currency, func(t *testing.T) {
			m, err := ParseMoney(tt.in, tt.currency)
			if err == nil {
				t.Fatalf("ParseMoney(%q, %q) = %+v, want an error", tt.in, tt.currency, m)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseMoney(%q, %q) error %q, want it to mention %q", tt.in, tt.currency, err, tt.want)
			}
			if m != (Money{}) {
				t.Errorf("ParseMoney(%q, %q) returned %+v with its error, want the zero Money", tt.in, tt.currency, m)
			}
		})
	}
}

func TestMoneyTimes(t *testing.T) {
	tests := []struct {
		m    Money
		n    int
		want Money
	}{
		{Money{14497, "CNY"}, 1, Money{14497, "CNY"}},
		{Money{3100, "CNY"}, 2, Money{6200, "CNY"}},
		{Money{500, "JPY"}, 3, Money{1500, "JPY"}},
		{Money{999, "USD"}, 0, Money{0, "USD"}},
		{Money{-310, "RUB"}, 4, Money{-1240, "RUB"}},
	}
	for _, tt := range tests {
		if got := tt.m.Times(tt.n); got != tt.want {
			t.Errorf("%v.Times(%d) = %v, want %v", tt.m, tt.n, got, tt.want)
		}
	}
}

func TestExponent(t *testing.T) {
	for cur, want := range map[string]int{"CNY": 2, "USD": 2, "RUB": 2, "JPY": 0, "KRW": 0} {
		if got := Exponent(cur); got != want {
			t.Errorf("Exponent(%s) = %d, want %d", cur, got, want)
		}
	}
}
