package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/server"
	"shipdesk/storage"
)

// setLimit lowers the limit of import what for one test, so that a test need not feed
// gigabytes.
func setLimit(t *testing.T, what string, n int64) {
	t.Helper()
	old, ok := inputLimits[what]
	if !ok {
		t.Fatalf("no limit for import %s", what)
	}
	inputLimits[what] = n
	t.Cleanup(func() { inputLimits[what] = old })
}

// runMain runs a command line in this process, as the binary's main does.
func runMain(stdin io.Reader, args ...string) result {
	var out, errb bytes.Buffer
	code := Main(args, stdin, &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// snapshot is all a database shows: every export and the status.
func snapshot(t *testing.T, db string) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"export", "pool"}, {"export", "orders"}, {"export", "tracking", "--format", "jsonl"},
		{"export", "refunds"}, {"export", "outbox"}, {"export", "audit"}, {"status", "--json"}} {
		r := shipdesk(t, db, args...)
		want(t, r, 0)
		fmt.Fprintf(&b, "%s:\n%s", strings.Join(args, " "), r.stdout)
	}
	return b.String()
}

// repeat is a reader of text over and over without end, counting what was read.
type repeat struct {
	text string
	off  int
	read int64
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.text[r.off:])
		n += c
		r.off = (r.off + c) % len(r.text)
	}
	r.read += int64(n)
	return n, nil
}

// orderLines is n valid orders as JSON Lines, trade IDs prefix1… .
func orderLines(prefix string, n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"channel":"tb-main","platform":"taobao","trade_id":"%s%d","buyer":"b","consignee":{"name":"N","phone":"1","address":"A","country":"CN"},"trade_status":"paid","payment_ref":"P%s%d","paid_at":"2026-11-20T10:00:00Z","currency":"CNY","total":"1.00","items":[{"sku":"S","title":"tea","qty":1,"price":"1.00"}]}`+"\n",
			prefix, i, prefix, i)
	}
	return b.String()
}

const gspayLine = "TR1223370463258:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EE040293660CN\n"

func TestBoundedReaderStopsOneBytePastTheLimit(t *testing.T) {
	setLimit(t, "tracking", 10)
	for _, c := range []struct {
		in   string
		over bool
	}{{"", false}, {"123456789", false}, {"1234567890", false}, {"12345678901", true}, {strings.Repeat("x", 100), true}} {
		r := &repeat{text: c.in}
		var src io.Reader = strings.NewReader(c.in)
		if c.over {
			src = r // a source that never ends behaves as a long one
		}
		b := bound(src, "upload", "tracking")
		data, err := io.ReadAll(b)
		var over *tooLargeError
		if got := errors.As(err, &over); got != c.over {
			t.Fatalf("%q: over the limit %v (%v), want %v", c.in, got, err, c.over)
		}
		if got := b.tripped() != nil; got != c.over {
			t.Fatalf("%q: tripped %v, want %v", c.in, got, c.over)
		}
		if !c.over && (err != nil || string(data) != c.in) {
			t.Fatalf("%q: read %q, %v", c.in, data, err)
		}
		if c.over {
			if len(data) != 10 || r.read > 11 {
				t.Fatalf("%q: gave %d bytes and read %d, want 10 and at most 11", c.in, len(data), r.read)
			}
			if msg := over.Error(); msg != "upload is larger than 10 bytes, the limit of import tracking; split it" {
				t.Fatalf("message %q", msg)
			}
		}
	}
}

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{1 << 30: "1 GiB", 64 << 20: "64 MiB", 3 << 30: "3 GiB", 1536 << 20: "1536 MiB",
		4 << 10: "4 KiB", 1000: "1000 bytes", 1: "1 bytes"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}

// The usage text documents the limits in force.
func TestUsageNamesTheLimits(t *testing.T) {
	for _, s := range []string{sizeText(maxOrdersInput) + " of orders", sizeText(maxTrackingInput) + " of tracking",
		sizeText(maxRefundsInput) + " of refund requests"} {
		if !strings.Contains(strings.Join(strings.Fields(usage), " "), s) {
			t.Errorf("the usage text does not say %q", s)
		}
	}
	for what, limit := range map[string]int64{"orders": maxOrdersInput, "tracking": maxTrackingInput, "refunds": maxRefundsInput} {
		if inputLimits[what] != limit {
			t.Errorf("import %s: limit %d in force, %d documented", what, inputLimits[what], limit)
		}
	}
}

// Standard input or a file over its import's limit is refused naming the limit, and
// the database is as it was; a source of exactly the limit is imported.
func TestImportOverTheLimitIsRefusedAndWritesNothing(t *testing.T) {
	db := refundDB(t)
	dir := t.TempDir()
	orders := orderLines("L", 40)
	tracking := strings.Repeat(gspayLine, 100)
	refunds := strings.Repeat(refundLine("tb-main", "R9001", "T1001", "not_received", "1", 1)+"\n", 40)
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := snapshot(t, db)
	for _, c := range []struct {
		what, stdin string
		args        []string
		name        string // named in the message
	}{
		{"orders", orders, []string{"import", "orders", "-"}, "standard input"},
		{"orders", "", []string{"import", "orders", "testdata/orders.jsonl", file("big.jsonl", orders)}, filepath.Join(dir, "big.jsonl")},
		{"orders", "", []string{"import", "orders", file("big.csv", "channel,platform\n"+strings.Repeat("x,y\n", 2000))}, filepath.Join(dir, "big.csv")},
		{"tracking", tracking, []string{"import", "tracking", "-"}, "standard input"},
		{"tracking", tracking, []string{"import", "tracking", "-", "--skip-bad"}, "standard input"},
		{"tracking", "", []string{"import", "tracking", file("big.txt", tracking)}, filepath.Join(dir, "big.txt")},
		{"refunds", refunds, []string{"import", "refunds", "-"}, "standard input"},
		{"refunds", "", []string{"import", "refunds", file("big-refunds.jsonl", refunds)}, filepath.Join(dir, "big-refunds.jsonl")},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			setLimit(t, c.what, 4<<10)
			r := runMain(strings.NewReader(c.stdin), append([]string{"--db", db}, c.args...)...)
			want(t, r, 1, "nothing imported", c.name+" is larger than 4 KiB, the limit of import "+c.what+"; split it")
			if after := snapshot(t, db); after != before {
				t.Fatalf("a refused import changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}

	// Exactly the limit is imported.
	setLimit(t, "orders", int64(len(orders)))
	want(t, runMain(strings.NewReader(orders), "--db", db, "import", "orders", "-"), 0, "imported 40 orders: 40 new")
}

// A command an SSH session runs reads the session's standard input under the same
// limits, and stops reading there: an upload that never ends is not read on.
func TestSessionImportOverTheLimitStopsReading(t *testing.T) {
	db := refundDB(t)
	before := snapshot(t, db)
	store, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := &env{dbPath: db, tz: "UTC", country: "CN", now: func() time.Time { return time.Now().UTC() }}
	for what, text := range map[string]string{"orders": orderLines("S", 10), "tracking": gspayLine, "refunds": refundLine("tb-main", "R1", "T1001", "not_received", "1", 1) + "\n"} {
		setLimit(t, what, 64<<10)
		in := &repeat{text: text}
		var out, errb bytes.Buffer
		s := &server.Session{ID: "s1", Operator: server.Operator{Name: "bob", Role: domain.RoleOperator}, Stdin: in, Stdout: &out, Stderr: &errb}
		code := runSession(base, store, s, []string{"import", what, "-"})
		want(t, result{code: code, stdout: out.String(), stderr: errb.String()}, 1,
			"standard input is larger than 64 KiB, the limit of import "+what)
		if in.read > 64<<10+1 {
			t.Errorf("import %s read %d bytes of standard input, past the limit of %d", what, in.read, 64<<10)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, db); after != before {
		t.Fatalf("a refused session import changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestGuessKind(t *testing.T) {
	for _, c := range []struct {
		data string
		kind string
	}{
		{"", "csv"},
		{"channel,platform\n", "csv"},
		{`{"channel":"tb"}`, "jsonl"},
		{"\xef\xbb\xbf \r\n\t{", "jsonl"},
		{"\n\n   \n{", "jsonl"},
		{strings.Repeat("\n", 100_000) + "{", "jsonl"},
		{"\nx,{", "csv"},
	} {
		if got := guessKind(strings.NewReader(c.data)); got != c.kind {
			t.Errorf("guessKind(%.20q) = %s, want %s", c.data, got, c.kind)
		}
	}
}

// Standard input is spooled to a file, not held in memory, and read back as it came.
func TestReadStdinHoldsItAll(t *testing.T) {
	in := strings.Repeat(orderLines("C", 7), 1500) // about 2 MiB
	dir := t.TempDir()
	data, err := readStdin(&env{dbPath: filepath.Join(dir, "s.db"), stdin: strings.NewReader(in)}, "orders")
	if err != nil {
		t.Fatal(err)
	}
	defer data.close()
	if data.size() != int64(len(in)) {
		t.Fatalf("%d bytes held, want %d", data.size(), len(in))
	}
	if fi, err := data.f.Stat(); err != nil || fi.Size() != int64(len(in)) {
		t.Fatalf("the spool file: %v, %v", fi, err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("the spool file is left in the folder: %v", left)
	}
	for range 2 { // read back twice: each reader starts at the start
		back, err := io.ReadAll(data.reader())
		if err != nil || string(back) != in {
			t.Fatalf("read back %d bytes (%v), not what came in", len(back), err)
		}
	}
	if data, err := readStdin(&env{stdin: strings.NewReader("")}, "orders"); err != nil || data == nil || data.size() != 0 {
		t.Fatalf("empty standard input: %v, %v", data, err)
	}
	// A line past domain.MaxLine is refused as it is read.
	src := &repeat{text: "x"}
	if _, err := readStdin(&env{stdin: src}, "orders"); err == nil || !strings.Contains(err.Error(), "standard input:1: line is longer than 1 MiB") {
		t.Fatalf("an endless line: %v", err)
	}
	if src.read > 2*domain.MaxLine {
		t.Fatalf("read %d bytes of an endless line", src.read)
	}
}
