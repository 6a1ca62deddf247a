package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shipdesk/storage"
)

// These tests run the built binary (the shipdesk main package, one folder up), as
// scripts will.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shipdesk-cli-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "shipdesk")
	if out, err := exec.Command("go", "build", "-o", binary, "shipdesk").CombinedOutput(); err != nil {
		panic("build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func shipdesk(t *testing.T, db string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "SHIPDESK_DB="+db, "SHIPDESK_TZ=UTC", "SHIPDESK_OPERATOR=cli-test")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func want(t *testing.T, r result, code int, contains ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, c := range contains {
		if !strings.Contains(r.stdout+r.stderr, c) {
			t.Fatalf("output lacks %q\nstdout: %s\nstderr: %s", c, r.stdout, r.stderr)
		}
	}
}

type status struct {
	Pool     map[string]int `json:"pool"`
	Orders   map[string]int `json:"orders"`
	Tracking map[string]int `json:"tracking"`
}

func statusOf(t *testing.T, db string) status {
	t.Helper()
	r := shipdesk(t, db, "status", "--json")
	want(t, r, 0)
	var s status
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	return s
}

func exportedPool(t *testing.T, db string) map[string]map[string]any {
	t.Helper()
	r := shipdesk(t, db, "export", "pool")
	want(t, r, 0)
	rows := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		rows[m["key"].(string)] = m
	}
	return rows
}

func TestCLIPoolLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl", "testdata/orders.csv"), 0, "5 new")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0, "0 new", "4 unchanged")

	s := statusOf(t, db)
	if s.Pool["ready"] != 4 || s.Pool["awaiting_detail"] != 1 || s.Pool["changed"] != 0 {
		t.Fatalf("status after import: %+v", s)
	}

	// Convert: one eligible, one header-only, one unpaid.
	r := shipdesk(t, db, "pool", "convert", "tb-main:T1001", "tb-main:T1002", "shopify-us:S-5")
	want(t, r, 0, "converted tb-main:T1001 -> SO00000001", "skipped tb-main:T1002: ", "no line items", "skipped shopify-us:S-5", "not paid")

	// Remove brings back on the next import; processed suppresses it.
	want(t, shipdesk(t, db, "pool", "remove", "tb-main:T1002"), 0, "removed tb-main:T1002")
	want(t, shipdesk(t, db, "pool", "process", "insales-ru:R-77"), 2, "--reason")
	want(t, shipdesk(t, db, "pool", "process", "insales-ru:R-77", "--reason", "buyer cancelled"), 0, "processed insales-ru:R-77")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0,
		"1 re-added after removal", "1 suppressed", "1 skipped (already converted)")

	rows := exportedPool(t, db)
	if rows["tb-main:T1001"]["state"] != "converted" || rows["tb-main:T1001"]["order_no"] != "SO00000001" {
		t.Fatalf("converted row: %v", rows["tb-main:T1001"])
	}
	if rows["tb-main:T1002"]["state"] != "awaiting_detail" {
		t.Fatalf("re-added row: %v", rows["tb-main:T1002"])
	}
	if rows["insales-ru:R-77"]["state"] != "processed" || rows["insales-ru:R-77"]["reason"] != "buyer cancelled" {
		t.Fatalf("processed row: %v", rows["insales-ru:R-77"])
	}

	// --all-ready converts the rest and names the unpaid skip.
	want(t, shipdesk(t, db, "pool", "convert", "--all-ready"), 0, "converted jd-store:J900 -> SO00000002", "skipped shopify-us:S-5")
	s = statusOf(t, db)
	if s.Orders["awaiting_shipment"] != 2 || s.Pool["ready"] != 1 {
		t.Fatalf("status after all-ready: %+v", s)
	}

	r = shipdesk(t, db, "export", "orders", "--format", "csv")
	want(t, r, 0, "order_no,key,status,ship_by", "SO00000002,jd-store:J900,awaiting_shipment,2026-11-28T09:00:00Z")
	if n := strings.Count(r.stdout, "SO00000002,"); n != 2 {
		t.Fatalf("two-item order should have two CSV rows, got %d\n%s", n, r.stdout)
	}
	r = shipdesk(t, db, "export", "orders")
	want(t, r, 0, `"order_no":"SO00000001"`, `"status":"awaiting_shipment"`, `"ship_by":"2026-11-27T10:00:00Z"`)
}

func TestCLIRejectsBadInputAndWritesNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0)
	before := exportedPool(t, db)

	r := shipdesk(t, db, "import", "orders", "testdata/bad.jsonl")
	want(t, r, 1, "testdata/bad.jsonl:2:", "qty 0", "testdata/bad.jsonl:3:", "nothing imported")
	if strings.Contains(r.stderr, "bad.jsonl:1:") {
		t.Fatalf("good line reported as bad: %s", r.stderr)
	}
	after := exportedPool(t, db)
	if len(after) != len(before) {
		t.Fatalf("rejected import changed the pool: %d → %d entries", len(before), len(after))
	}
	if _, ok := after["tb-main:T2001"]; ok {
		t.Fatal("good line of a rejected file was imported")
	}

	want(t, shipdesk(t, db, "pool", "convert", "tb-main:T1001", "tb-main:NOPE"), 1, "nothing changed", "tb-main:NOPE")
	if exportedPool(t, db)["tb-main:T1001"]["state"] != "ready" {
		t.Fatal("batch with an unknown key converted something")
	}
	want(t, shipdesk(t, db, "pool", "convert", "T1001"), 1, "CHANNEL:TRADE_ID")
	want(t, shipdesk(t, db, "pool", "convert", "tb-main:T1002"), 1, "no line items", "every entry was refused")
	want(t, shipdesk(t, db, "pool", "explode", "tb-main:T1001"), 2, "unknown pool action")
	want(t, shipdesk(t, db, "frobnicate"), 2, "unknown command")
	want(t, shipdesk(t, db, "export", "pool", "--format", "xml"), 2, "--format")
	want(t, shipdesk(t, db, "import", "orders", "testdata/nope.txt"), 1, "nothing imported")
}

func TestCLIDatabaseInUse(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0)
	// This test process holds the database, as a running console would.
	s, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	r := shipdesk(t, db, "status")
	want(t, r, 3, "in use", "SSH")
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v to report the database in use", d)
	}
	want(t, shipdesk(t, db, "pool", "convert", "--all-ready"), 3, "in use")
}

func TestCLIUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "status"), 1, "no database")
	want(t, shipdesk(t, db, "import"), 2, "usage")
	want(t, shipdesk(t, db, "pool", "convert"), 2, "KEY")
	want(t, shipdesk(t, db, "pool", "convert", "--all-ready", "tb:1"), 2, "--all-ready")
}
