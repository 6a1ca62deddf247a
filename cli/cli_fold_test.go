package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A backfill paid between the hours of an earlier import stages its index rows: status
// counts them, lists read the same, and `shipdesk fold` moves them into the indexes.
func TestCLIFoldMovesStagedRows(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write := func(name string, odd int) string {
		var b strings.Builder
		for i := range 1500 {
			paid := start.Add(time.Duration(2*i+odd) * 5 * time.Hour).Format(time.RFC3339)
			fmt.Fprintf(&b, `{"channel":"tb","platform":"taobao","trade_id":"T%d-%d","buyer":"b%d","consignee":{"name":"N","phone":"1","address":"A","country":"CN"},"trade_status":"paid","payment_ref":"P%d-%d","paid_at":%q,"currency":"CNY","total":"1.00","items":[{"sku":"S","title":"tea","qty":1,"price":"1.00"}]}`+"\n",
				odd, i, i, odd, i, paid)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	want(t, shipdesk(t, db, "import", "orders", write("even.jsonl", 0)), 0, "1500 new")
	want(t, shipdesk(t, db, "import", "orders", write("odd.jsonl", 1)), 0, "1500 new")
	staged := func() int {
		t.Helper()
		r := shipdesk(t, db, "status", "--json")
		want(t, r, 0)
		var s struct {
			Index struct{ Staged int } `json:"index"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
			t.Fatal(err)
		}
		return s.Index.Staged
	}
	if n := staged(); n < 3000 {
		t.Fatalf("%d index rows staged after a backfill between the rows of the first import", n)
	}
	want(t, shipdesk(t, db, "status"), 0, "rows staged")
	before := exportedPool(t, db)
	if len(before) != 3000 {
		t.Fatalf("export lists %d entries, want 3000", len(before))
	}
	want(t, shipdesk(t, db, "fold"), 0, "folded ", "staged rows")
	if n := staged(); n != 0 {
		t.Fatalf("%d rows still staged after fold", n)
	}
	if r := shipdesk(t, db, "status"); strings.Contains(r.stdout, "staged") {
		t.Fatalf("status still mentions staged rows:\n%s", r.stdout)
	}
	if after := exportedPool(t, db); !reflect.DeepEqual(after, before) {
		t.Fatal("the fold changed what export lists")
	}
	want(t, shipdesk(t, db, "fold", "extra"), 2, "fold takes no arguments")
	// A mistyped --db is refused, not created empty.
	missing := filepath.Join(dir, "missing.db")
	want(t, shipdesk(t, missing, "fold"), 1, "no database at")
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("fold on a missing database created it (%v)", err)
	}
}
