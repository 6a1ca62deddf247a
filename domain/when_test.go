package domain

import (
	"strings"
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	for in, want := range map[string]time.Time{
		"":                     {},
		"2026-11-23":           time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC),
		" 2026-11-23 14:30 ":   time.Date(2026, 11, 23, 11, 30, 0, 0, time.UTC),
		"2026-11-23T14:30":     time.Date(2026, 11, 23, 11, 30, 0, 0, time.UTC),
		"2026-11-23T14:30:00Z": time.Date(2026, 11, 23, 14, 30, 0, 0, time.UTC),
	} {
		got, err := ParseWhen(in, msk)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseWhen(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"tomorrow", "2026-13-01", "23.11.2026"} {
		if _, err := ParseWhen(bad, msk); err == nil {
			t.Errorf("ParseWhen(%q) accepted", bad)
		}
	}
}

func TestImportFilesTakeAByteOrderMark(t *testing.T) {
	line := `{"channel":"tb-main","platform":"taobao","trade_id":"T1001","buyer":"a","consignee":{"name":"A","phone":"1","address":"x","country":"CN"},"trade_status":"paid","payment_ref":"TR1","paid_at":"2026-11-20T10:00:00Z","currency":"CNY","total":"1.00","items":[{"sku":"S","title":"T","qty":1,"price":"1.00"}]}`
	f, err := ParseJSONL("bom.jsonl", strings.NewReader("\ufeff"+line+"\r\n"))
	if err != nil || len(f.Trades) != 1 {
		t.Fatalf("orders JSON Lines with a BOM: %v", err)
	}
	r, err := ParseRefundJSONL("bom.jsonl", strings.NewReader("\ufeff"+`{"channel":"tb-main","refund_id":"R1","trade_id":"T1001","kind":"not_received","amount":"1.00","reason":"lost","requested_at":"2026-11-21T08:00:00Z"}`+"\n"))
	if err != nil || len(r.Claims) != 1 {
		t.Fatalf("refund JSON Lines with a BOM: %v", err)
	}
	c, err := ParseRefundCSV("bom.csv", strings.NewReader("\ufeffchannel,refund_id,trade_id,kind,amount,reason,requested_at\ntb-main,R1,T1001,not_received,1.00,lost,2026-11-21T08:00:00Z\n"))
	if err != nil || len(c.Claims) != 1 {
		t.Fatalf("refund CSV with a BOM: %v", err)
	}
}
