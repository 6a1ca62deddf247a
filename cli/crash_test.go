package cli

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The crash test: the binary is killed (SIGKILL) at random moments of an import, a
// conversion of every ready entry and a tracking import, a bounded number of seeded
// rounds; after each kill the file opens, the doctor finds it whole, and the batch the
// killed command was writing is wholly there or wholly absent.
func TestCLICrashMidWriteLeavesWholeBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the binary mid-write: not in -short")
	}
	const rounds, perBatch = 4, 3000
	rng := rand.New(rand.NewPCG(22, 2026))
	dir := t.TempDir()
	db := filepath.Join(dir, "crash.db")

	ordersFile := func(round int) string {
		var b bytes.Buffer
		for j := range perBatch {
			fmt.Fprintf(&b, `{"channel":"tb","platform":"taobao","trade_id":"C%d-%d","buyer":"b","consignee":{"name":"N","phone":"1","address":"A","country":"CN"},"trade_status":"paid","payment_ref":"P%d-%d","paid_at":"2026-11-20T10:00:00Z","currency":"CNY","total":"2.00","items":[{"sku":"S","title":"T","qty":1,"price":"2.00"}]}`+"\n", round, j, round, j)
		}
		p := filepath.Join(dir, fmt.Sprintf("orders%d.jsonl", round))
		if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// trackingFile ships every order awaiting shipment with an SF number.
	trackingFile := func(round int) (string, int) {
		r := shipdesk(t, db, "export", "orders")
		want(t, r, 0)
		var b strings.Builder
		b.WriteString("order,carrier,tracking\n")
		n := 0
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if !strings.Contains(line, `"status":"awaiting_shipment"`) {
				continue
			}
			i := strings.Index(line, `"order_no":"`)
			no := line[i+12 : i+22]
			fmt.Fprintf(&b, "%s,sf,SF%013d\n", no, round*1_000_000+n)
			n++
		}
		p := filepath.Join(dir, fmt.Sprintf("tracking%d.csv", round))
		if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return p, n
	}
	// killAt runs the command and kills it after d; it reports whether it finished first.
	killAt := func(d time.Duration, args ...string) (finished bool) {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "SHIPDESK_DB="+db, "SHIPDESK_TZ=UTC", "SHIPDESK_OPERATOR=crash")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%v finished with %v: %s", args, err, out.String())
			}
			return true
		case <-time.After(d):
			_ = cmd.Process.Kill()
			<-done
			return false
		}
	}
	timed := func(args ...string) time.Duration {
		start := time.Now()
		if !killAt(time.Minute, args...) {
			t.Fatalf("%v took over a minute", args)
		}
		return time.Since(start)
	}
	whole := func(when string) status {
		t.Helper()
		want(t, shipdesk(t, db, "doctor"), 0, "ok")
		return statusOf(t, db)
	}
	countBatch := func(round int) int {
		r := shipdesk(t, db, "export", "pool")
		want(t, r, 0)
		return strings.Count(r.stdout, fmt.Sprintf(`"key":"tb:C%d-`, round))
	}

	// How long each command takes whole, on this machine: the kills fall within that (and
	// a little beyond, so some runs finish).
	realDB := db
	db = filepath.Join(dir, "calibrate.db")
	dImport := timed("import", "orders", ordersFile(0))
	dConvert := timed("pool", "convert", "--all-ready")
	tf, _ := trackingFile(0)
	dTrack := timed("import", "tracking", tf)
	db = realDB
	within := func(d time.Duration) time.Duration { return time.Duration(rng.Int64N(int64(d)*5/4 + 1)) }

	killed := 0
	for round := 1; round <= rounds; round++ {
		if !killAt(within(dImport), "import", "orders", ordersFile(round)) {
			killed++
		}
		whole("import")
		if n := countBatch(round); n != 0 && n != perBatch {
			t.Fatalf("round %d: %d of the %d trades of the killed import are in the pool", round, n, perBatch)
		}

		before := whole("before convert")
		if !killAt(within(dConvert), "pool", "convert", "--all-ready") {
			killed++
		}
		after := whole("convert")
		switch {
		case after.Pool["ready"] == before.Pool["ready"] && after.Orders["awaiting_shipment"] == before.Orders["awaiting_shipment"]:
		case after.Pool["ready"] == 0 && after.Orders["awaiting_shipment"] == before.Orders["awaiting_shipment"]+before.Pool["ready"]:
		default:
			t.Fatalf("round %d: a killed conversion left ready %d → %d, awaiting shipment %d → %d", round,
				before.Pool["ready"], after.Pool["ready"], before.Orders["awaiting_shipment"], after.Orders["awaiting_shipment"])
		}

		tf, n := trackingFile(round)
		if n == 0 {
			continue
		}
		if !killAt(within(dTrack), "import", "tracking", tf) {
			killed++
		}
		shipped := whole("tracking").Orders["shipped"]
		if shipped != after.Orders["shipped"] && shipped != after.Orders["shipped"]+n {
			t.Fatalf("round %d: a killed tracking import of %d lines left shipped %d → %d", round, n, after.Orders["shipped"], shipped)
		}
	}
	if killed == 0 {
		t.Fatalf("no command was killed mid-run in %d rounds: the moments are not random enough", rounds)
	}
	t.Logf("%d of %d commands killed before they finished (whole runs: import %v, convert %v, tracking %v)", killed, 3*rounds, dImport, dConvert, dTrack)
}
