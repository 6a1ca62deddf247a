package domain

import (
	"strings"
	"testing"
)

func TestParseOrderRef(t *testing.T) {
	for in, want := range map[string]OrderRef{
		"SO00000042":   {No: 42},
		" so4 ":        {No: 4},
		"tb-main:T101": {Key: Key{Channel: "tb-main", TradeID: "T101"}},
		"T101":         {Bare: "T101"},
		"TR125221":     {Bare: "TR125221"},
		"SO":           {Bare: "SO"},
		"SOX1":         {Bare: "SOX1"},
		"SO0":          {Bare: "SO0"},
	} {
		got, err := ParseOrderRef(in)
		if err != nil || got != want {
			t.Errorf("ParseOrderRef(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if err == nil && strings.TrimSpace(in) != "" && got.String() == "" {
			t.Errorf("%+v prints as nothing", got)
		}
	}
	for in, why := range map[string]string{"": "empty", "  ": "empty", ":T1": "not a key", "tb:": "not a key"} {
		if _, err := ParseOrderRef(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseOrderRef(%q) err = %v, want %q", in, err, why)
		}
	}
}

func TestAmountIn(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		minor   int64
		err     string
	}{
		{"12.50", "CNY", 1250, ""},
		{"12", "CNY", 1200, ""},
		{"0.5", "CNY", 50, ""},
		{"1.234", "KWD", 1234, ""},
		{"1.234", "CNY", 0, "more than 2 decimal places for CNY"},
		{"1500", "JPY", 1500, ""},
		{"1.5", "JPY", 0, "more than 0 decimal places for JPY"},
		{"999999999999999.99", "CNY", 99999999999999999, ""},
		{"abc", "CNY", 0, "not a decimal number"},
		{"1.2345", "CNY", 0, "more than 3 decimal places"},
	} {
		a, err := ParseAmount(c.in)
		var m Money
		if err == nil {
			m, err = a.In(c.cur)
		}
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s in %s: err = %v, want %q", c.in, c.cur, err, c.err)
		case c.err == "" && (err != nil || m != Money{Minor: c.minor, Currency: c.cur}):
			t.Errorf("%s in %s = %v, %v; want %d", c.in, c.cur, m, err, c.minor)
		}
	}
}
