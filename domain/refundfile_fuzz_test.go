package domain

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"
)

// rawRefund is the wire form of a claim, as a channel would send it.
func rawRefund(c RefundClaim) RawRefund {
	return RawRefund{Channel: c.Channel, RefundID: c.RefundID, TradeID: c.TradeID, Kind: c.Kind.String(),
		Amount: c.Amount.Decimal(), Currency: c.Amount.Currency, Reason: c.Reason, RequestedAt: c.RequestedAt.Format(time.RFC3339Nano)}
}

// checkRefundImport asserts what every refund parser result must satisfy: either an
// error listing bad lines and no claims, or valid claims, one per key, that survive being
// written out again in both formats.
func checkRefundImport(t *testing.T, f RefundFile, err error) {
	t.Helper()
	if err != nil {
		var ie ImportErrors
		if !errors.As(err, &ie) || len(ie) == 0 {
			t.Fatalf("error %v (%T) is not a non-empty ImportErrors", err, err)
		}
		for _, le := range ie {
			if le.Line < 1 || le.Reason == "" {
				t.Fatalf("line error %+v lacks a line or a reason", le)
			}
		}
		if len(f.Claims) != 0 {
			t.Fatalf("%d claims returned with an error", len(f.Claims))
		}
		return
	}
	seen := map[RefundKey]bool{}
	var jsonl bytes.Buffer
	var csvText strings.Builder
	cw := csv.NewWriter(&csvText)
	if err := cw.Write(RefundCSVColumns); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Claims {
		if k, err := ParseRefundKey(c.RefundKey.String()); err != nil || k != c.RefundKey {
			t.Fatalf("key %q does not round-trip: %v, %v", c.RefundKey.String(), k, err)
		}
		if _, err := ParseKey(c.OrderKey().String()); err != nil {
			t.Fatalf("order key %q: %v", c.OrderKey(), err)
		}
		if seen[c.RefundKey] {
			t.Fatalf("key %s returned twice", c.RefundKey)
		}
		seen[c.RefundKey] = true
		if c.Kind.String() == "" {
			t.Fatalf("claim %s has no kind: %d", c.RefundKey, c.Kind)
		}
		if c.Amount.Minor < 0 || (c.Amount.Currency != "" && !ValidCurrency(c.Amount.Currency)) {
			t.Fatalf("claim %s asks for %+v", c.RefundKey, c.Amount)
		}
		if c.RequestedAt.Location() != time.UTC {
			t.Fatalf("claim %s requested_at %v is not UTC", c.RefundKey, c.RequestedAt)
		}
		line, err := json.Marshal(rawRefund(c))
		if err != nil {
			t.Fatal(err)
		}
		jsonl.Write(append(line, '\n'))
		r := rawRefund(c)
		if err := cw.Write([]string{r.Channel, r.RefundID, r.TradeID, r.Kind, r.Amount, r.Currency, r.Reason, r.RequestedAt}); err != nil {
			t.Fatal(err)
		}
	}
	cw.Flush()
	again, err := ParseRefundJSONL("again.jsonl", &jsonl)
	if err != nil {
		t.Fatalf("claims written as JSON Lines do not parse again: %v", err)
	}
	sameClaims(t, "JSON Lines", again.Claims, f.Claims)
	// encoding/csv turns \r\n inside a quoted field into \n, so a reason holding \r
	// cannot survive CSV: compare the rest.
	if !strings.Contains(csvText.String(), "\r") {
		again, err = ParseRefundCSV("again.csv", strings.NewReader(csvText.String()))
		if err != nil {
			t.Fatalf("claims written as CSV do not parse again: %v\n%s", err, csvText.String())
		}
		sameClaims(t, "CSV", again.Claims, f.Claims)
	}
}

func sameClaims(t *testing.T, how string, got, want []RefundClaim) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s round trip gave %d claims, want %d", how, len(got), len(want))
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("%s round trip of claim %d = %+v, want %+v", how, i, got[i], want[i])
		}
	}
}

func FuzzParseRefundJSONL(f *testing.F) {
	f.Add([]byte(readFixture(f, "refunds_ok.jsonl")))
	f.Add([]byte(refundLine + "\n" + otherRefundLine + "\n" + refundLine))
	f.Add([]byte(strings.Replace(refundLine, `"144.97"`, `"144.975"`, 1) + "\n{\n"))
	f.Add([]byte(strings.Replace(refundLine, `"parcel lost"`, `"\u001b[2J\r\n\u0000"`, 1)))
	f.Add([]byte("null\n[]\n{\"amount\":1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseRefundJSONL("fuzz.jsonl", bytes.NewReader(data))
		checkRefundImport(t, file, err)
	})
}

func FuzzParseRefundCSV(f *testing.F) {
	f.Add([]byte(readFixture(f, "refunds_ok.csv")))
	f.Add([]byte(refundCSVHeader + "\n" + refundRow1 + "\n" + refundRow2 + "\n"))
	f.Add([]byte("channel,refund_id,trade_id,kind,amount,reason,requested_at\n" + "a,b,c,after_sale,1,\"x\ny\",2026-01-01T00:00:00Z\n"))
	f.Add([]byte(refundCSVHeader + "\nt\"b,\"x\n"))
	f.Add([]byte("channel\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseRefundCSV("fuzz.csv", bytes.NewReader(data))
		checkRefundImport(t, file, err)
	})
}
