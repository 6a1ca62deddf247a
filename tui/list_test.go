package tui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"shipdesk/domain"
	"shipdesk/storage"
)

func TestOrdersSortByShipByOrStatusAndReverse(t *testing.T) {
	h := ordersFixture(t) // LATE, TODAY, LATER by ship-by, all awaiting
	if _, _, err := h.store.Ship(orderRef("jd:TODAY"), domain.ShipInput{Carrier: "ems", Number: goodS10}, domain.ShipPolicy{Country: "CN"}, testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("/")
	h.typeText("state:all")
	h.press("enter")
	for _, step := range []struct {
		key, header string
		want        []string
	}{
		{"", "ship by ↑", []string{"LATE", "TODAY", "LATER"}},
		{"s", "status ↑", []string{"LATE", "LATER", "TODAY"}}, // awaiting by ship-by, then shipped
		{"S", "status ↓", []string{"TODAY", "LATER", "LATE"}},
		{"s", "ship by ↓", []string{"LATER", "TODAY", "LATE"}},
		{"S", "ship by ↑", []string{"LATE", "TODAY", "LATER"}},
	} {
		if step.key != "" {
			h.press(step.key)
		}
		if got := h.orderIDs(); !slices.Equal(got, step.want) {
			t.Fatalf("after %q: orders %v, want %v", step.key, got, step.want)
		}
		h.mustShow("sort: "+step.header, "row 1 of 3")
		// The arrow stands on the sorted column's title too.
		if l := h.lineWith("trade ID"); !strings.Contains(l, step.header) {
			t.Fatalf("after %q: column titles %q lack %q", step.key, l, step.header)
		}
	}
}

func TestRefundsSortByRespondByOrStateAndReverse(t *testing.T) {
	h := refundsFixture(t) // pending LATE, SOON, EVIL, FAR by respond-by
	if _, err := h.store.ProcessRefunds([]domain.RefundKey{{Channel: "tb", RefundID: "SOON"}}, "asked twice", testNow, storage.Actor{Operator: "test", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	h.press("/")
	h.typeText("state:pending,processed")
	h.press("enter")
	for _, step := range []struct {
		key, header string
		want        []string
	}{
		{"", "respond-by ↑", []string{"LATE", "SOON", "EVIL", "FAR"}},
		{"s", "state ↑", []string{"LATE", "EVIL", "FAR", "SOON"}}, // pending, then processed
		{"S", "state ↓", []string{"SOON", "FAR", "EVIL", "LATE"}},
		{"s", "respond-by ↓", []string{"FAR", "EVIL", "SOON", "LATE"}},
	} {
		if step.key != "" {
			h.press(step.key)
		}
		if got := h.refundIDs(); !slices.Equal(got, step.want) {
			t.Fatalf("after %q: queue %v, want %v", step.key, got, step.want)
		}
		h.mustShow("sort: "+step.header, "time left "+step.header[len(step.header)-3:])
	}
	// Select-all reads the same source: every row of the filter, in either sort.
	h.press("a")
	h.mustShow("● 4 selected", "selected 4 requests")
}

func TestAuditReadsOldestFirstToo(t *testing.T) {
	h := newHarness(t, manyTrades(3), 140, 30)
	h.press("2", "c", "y", "esc", "7")
	h.mustShow("newest first", "row 1 of 2")
	h.press("S")
	h.mustShow("oldest first", "row 1 of 2")
	if v := h.view(); strings.Index(v, "pool.import") > strings.Index(v, "pool.convert") {
		t.Fatalf("oldest first shows the convert above the import:\n%s", v)
	}
	h.press("s")
	h.mustShow("Audit log: no other sort")
	h.press("S")
	h.mustShow("newest first")
}

// inTurn pages through parts as one list, forwards, backwards and from any row.
func TestInTurnReadsPartAfterPart(t *testing.T) {
	type row struct {
		n   int
		pos storage.Pos
	}
	part := func(ns ...int) source[row] {
		return source[row]{
			fetch: func(_ context.Context, from storage.Pos, back bool, limit int) ([]row, bool, error) {
				var out []row
				idx := slices.IndexFunc(ns, func(n int) bool { return from != nil && int(from[0]) == n })
				lo, hi := 0, len(ns)
				switch {
				case from != nil && back:
					hi = idx
				case from != nil:
					lo = idx + 1
				}
				sel := ns[lo:hi]
				more := len(sel) > limit
				if back && more {
					sel = sel[len(sel)-limit:]
				} else if more {
					sel = sel[:limit]
				}
				for _, n := range sel {
					out = append(out, row{n: n, pos: storage.Pos{byte(n)}})
				}
				return out, more, nil
			},
			count: func() (int, bool, error) { return len(ns), true, nil },
		}
	}
	src := inTurn([]source[row]{part(1, 2, 3), part(), part(4, 5)}, func(r *row) *storage.Pos { return &r.pos })
	nums := func(rs []row) []int {
		var out []int
		for _, r := range rs {
			out = append(out, r.n)
		}
		return out
	}
	ctx := context.Background()
	rows, more, err := src.fetch(ctx, nil, false, 2)
	if err != nil || !slices.Equal(nums(rows), []int{1, 2}) || !more {
		t.Fatalf("first page %v more %v err %v", nums(rows), more, err)
	}
	rows, more, _ = src.fetch(ctx, rows[1].pos, false, 2) // crosses the empty part
	if !slices.Equal(nums(rows), []int{3, 4}) || !more {
		t.Fatalf("second page %v more %v", nums(rows), more)
	}
	rows, more, _ = src.fetch(ctx, rows[1].pos, false, 2)
	if !slices.Equal(nums(rows), []int{5}) || more {
		t.Fatalf("last page %v more %v", nums(rows), more)
	}
	rows, more, _ = src.fetch(ctx, nil, true, 3) // the end, still in display order
	if !slices.Equal(nums(rows), []int{3, 4, 5}) || !more {
		t.Fatalf("last rows %v more %v", nums(rows), more)
	}
	rows, more, _ = src.fetch(ctx, rows[1].pos, true, 5) // before 4
	if !slices.Equal(nums(rows), []int{1, 2, 3}) || more {
		t.Fatalf("rows before 4: %v more %v", nums(rows), more)
	}
	if n, exact, _ := src.count(); n != 5 || !exact {
		t.Fatalf("count %d exact %v", n, exact)
	}
	keys, err := allKeys(ctx, src, func(r row) storage.Pos { return r.pos }, func(r row) int { return r.n })
	if err != nil || !slices.Equal(keys, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("every key: %v %v", keys, err)
	}
}

func TestTrackingForTheSelectionOneOrderAfterAnother(t *testing.T) {
	h := shippingHarness(t)
	h.press(" ", "j", " ") // SO1 and SO3
	h.mustShow("● 2 selected")
	h.press("t")
	h.mustShow("Tracking for the selection — order 1 of 2", "Tracking — SO00000001")
	h.typeText("ems")
	h.press("enter")
	h.typeText(goodS10)
	h.press("ctrl+s")
	// The next selected order, not the next on the list; the carrier is kept.
	h.mustShow("order 2 of 2", "Tracking — SO00000003")
	h.mustNotShow("Tracking — SO00000002")
	h.typeText(goodS10b)
	h.press("ctrl+s")
	h.mustShow("Tracking: saved 2, skipped 0", "SO00000001 shipped with ems "+goodS10, "SO00000003 shipped with ems "+goodS10b)
	for no, want := range map[uint64]string{1: goodS10, 3: goodS10b} {
		if o := h.order(no); o.Status != domain.OrderShipped || o.Shipment.Number != want {
			t.Errorf("SO%d: %v %+v, want shipped with %s", no, o.Status, o.Shipment, want)
		}
	}
	if o := h.order(2); o.Status != domain.OrderAwaitingShipment {
		t.Errorf("SO2 outside the selection is %v", o.Status)
	}
	if n := len(h.orders().selected.set); n != 0 {
		t.Errorf("%d orders still selected after they were shipped", n)
	}
	h.press("esc")
	if got := h.orderIDs(); !slices.Equal(got, []string{"T0002"}) {
		t.Fatalf("awaiting after the run: %v", got)
	}
}

func TestTrackingForTheSelectionSkipsAndStops(t *testing.T) {
	h := shippingHarness(t)
	h.press("a")
	h.mustShow("selected 3 orders")
	h.press("t")
	h.mustShow("order 1 of 3", "Tracking — SO00000001", "ctrl+n skip order")
	h.press("ctrl+n")
	h.mustShow("order 2 of 3", "Tracking — SO00000002")
	h.press("esc")
	h.mustShow("Tracking: saved 0, skipped 3", "skipped: SO00000001: skipped, no tracking entered",
		"skipped: SO00000002: left as it was: the run was stopped", "skipped: SO00000003: left as it was")
	h.press("esc")
	h.mustShow("● 3 selected", "Sales orders")
	for no := uint64(1); no <= 3; no++ {
		if o := h.order(no); o.Status != domain.OrderAwaitingShipment {
			t.Errorf("SO%d was changed by a skipped run: %v", no, o.Status)
		}
	}
	// Without a selection, t is the single form of the order under the cursor.
	h.press("A", "t")
	h.mustShow("Tracking — SO00000001")
	h.mustNotShow("Tracking for the selection")
}

func TestExportTheSelection(t *testing.T) {
	h := shippingHarness(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "picked.jsonl")
	h.press("j", " ", " ") // SO2 and SO3
	h.press("e")
	h.mustShow("Export 2 orders as JSON Lines?", "file: orders-20240510-200000.jsonl")
	h.press("ctrl+u")
	h.typeText(path)
	h.press("enter")
	h.mustShow("Export: exported 2 orders to "+path, "SO00000002 tb:T0002", "SO00000003 tb:T0003")

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", len(got)+1, err, sc.Text())
		}
		got = append(got, line)
	}
	if len(got) != 2 {
		t.Fatalf("%d lines, want 2", len(got))
	}
	for i, id := range []string{"T0002", "T0003"} {
		l := got[i]
		items, _ := l["items"].([]any)
		item, _ := items[0].(map[string]any)
		consignee, _ := l["consignee"].(map[string]any)
		if l["order_no"] != fmt.Sprintf("SO0000000%d", i+2) || l["key"] != "tb:"+id || l["status"] != "awaiting_shipment" ||
			l["trade_id"] != id || l["channel"] != "tb" || l["total"] != "144.97" || l["currency"] != "CNY" ||
			l["ship_by"] == "" || l["paid_at"] == "" || len(items) != 1 || item["sku"] != "SKU-"+id || consignee["name"] != "Consignee "+id {
			t.Errorf("line %d: %v", i+1, l)
		}
	}

	// An existing file is never overwritten.
	h.press("esc", "e", "ctrl+u")
	h.typeText(path)
	h.press("enter")
	if st := h.model().status; !st.err || !strings.Contains(st.text, path+" exists already") {
		t.Fatalf("second export to the same file: status %+v", st)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("the first export was touched: %v", err)
	}
}
