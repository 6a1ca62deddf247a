package domain

import (
	"strings"
	"testing"
)

// consignee.email is optional in both formats: read when given, empty when not.
func TestConsigneeEmailInBothFormats(t *testing.T) {
	line := `{"channel":"tb","platform":"taobao","trade_id":"T1","buyer":"b","consignee":{"name":"n","phone":"1","address":"a","country":"CN","email":"b@example.com"},"trade_status":"paid","payment_ref":"P","paid_at":"2026-11-20T10:00:00Z","currency":"CNY","total":"1.00"}` + "\n" +
		`{"channel":"tb","platform":"taobao","trade_id":"T2","buyer":"b","consignee":{"name":"n","phone":"1","address":"a","country":"CN"},"trade_status":"paid","payment_ref":"P2","paid_at":"2026-11-20T10:00:00Z","currency":"CNY","total":"1.00"}` + "\n"
	f, err := ParseJSONL("o.jsonl", strings.NewReader(line))
	if err != nil || len(f.Trades) != 2 || f.Trades[0].Consignee.Email != "b@example.com" || f.Trades[1].Consignee.Email != "" {
		t.Fatalf("jsonl: %v %+v", err, f.Trades)
	}
	head := strings.Join(CSVColumns, ",")
	row := "tb,taobao,T1,b,n,1,a,CN,paid,P,2026-11-20T10:00:00Z,CNY,1.00,S,t,1,1.00"
	f, err = ParseCSV("o.csv", strings.NewReader(head+",consignee_email\n"+row+",c@example.com\n"))
	if err != nil || len(f.Trades) != 1 || f.Trades[0].Consignee.Email != "c@example.com" {
		t.Fatalf("csv with email: %v %+v", err, f.Trades)
	}
	f, err = ParseCSV("o.csv", strings.NewReader(head+"\n"+row+"\n"))
	if err != nil || len(f.Trades) != 1 || f.Trades[0].Consignee.Email != "" {
		t.Fatalf("csv without email: %v %+v", err, f.Trades)
	}
}
