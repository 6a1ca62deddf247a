package cli

import (
	"bytes"
	be "encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// sessionRun runs a command line as an SSH session of the given role on an open store.
func sessionRun(t *testing.T, s *storage.Store, role domain.Role, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{operator: "vic", tz: "UTC", country: "CN", stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		now: time.Now, store: s, role: role, session: "s1", remote: true}
	err := dispatch(e, args)
	return out.String(), err
}

// fold writes (it moves index rows), so a viewer may not run it.
func TestFoldNeedsTheOperatorRole(t *testing.T) {
	s, err := storage.Open(filepath.Join(t.TempDir(), "s.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := sessionRun(t, s, domain.RoleViewer, "", "fold"); err == nil || !strings.Contains(err.Error(), "needs the operator role; vic is a viewer") {
		t.Fatalf("fold by a viewer: %v", err)
	}
	if out, err := sessionRun(t, s, domain.RoleOperator, "", "fold"); err != nil || !strings.Contains(out, "folded 0") {
		t.Fatalf("fold by an operator: %v %s", err, out)
	}
}

// A reason with control characters is refused on input, whichever command takes it; a
// reason or name stored before (or by another path) is printed through textsafe; the
// local --operator name is checked too.
func TestEscapesNeverReachAnotherOperatorsTerminal(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0)
	before := snapshot(t, db)
	evil := "cancel\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2J"
	r := shipdesk(t, db, "pool", "process", "insales-ru:R-77", "--reason", evil)
	want(t, r, 1, "control or invisible characters")
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07") {
		t.Fatalf("raw escape in the output: %q", r.stdout+r.stderr)
	}
	r = shipdesk(t, db, "--operator", "eve\x1b[2J", "pool", "remove", "tb-main:T1002")
	want(t, r, 2, "--operator")
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b") {
		t.Fatalf("raw escape in the output: %q", r.stdout+r.stderr)
	}
	if after := snapshot(t, db); after != before {
		t.Fatal("a refused reason or name changed the database")
	}

	// What is printed from stored text goes through textsafe.
	var out bytes.Buffer
	printBatch(&out, "convert", storage.BatchResult{Rows: []storage.RowResult{
		{Key: domain.Key{Channel: "tb", TradeID: "T\x1b[2J1"}, Reason: "marked processed (" + evil + ")", By: "eve\x1b]0;x\x07", At: time.Now()},
		{Key: domain.Key{Channel: "tb", TradeID: "T\x1b[2J2"}, Reason: evil},
		{Key: domain.Key{Channel: "tb", TradeID: "T\x1b[2J3"}, Done: true},
	}}, time.UTC)
	if strings.ContainsAny(out.String(), "\x1b\x07") {
		t.Fatalf("printBatch printed a raw escape: %q", out.String())
	}
}

// The domain refuses a pool reason with control characters, as it does ship and refund
// reasons.
func TestPoolProcessRefusesControlCharacters(t *testing.T) {
	s, err := storage.Open(filepath.Join(t.TempDir(), "s.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Import([]domain.Trade{{Key: domain.Key{Channel: "tb", TradeID: "T1"}}}, time.Now(), storage.Actor{Operator: "a", Role: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Process([]domain.Key{{Channel: "tb", TradeID: "T1"}}, "x\x1b[2J", time.Now(), storage.Actor{Operator: "a", Role: domain.RoleSupervisor})
	if err == nil || !strings.Contains(err.Error(), "control or invisible characters") {
		t.Fatalf("storage.Process with an escape in the reason: %v", err)
	}
}

// A flag the command line does not know, or one without its value, is a usage error
// wherever it stands: before the command as after it.
func TestFlagErrorsBeforeTheCommandAreUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	for _, args := range [][]string{{"--bogus", "status"}, {"status", "--bogus"}, {"--tz"}, {"--ship-within", "soon", "status"}} {
		r := runMain(strings.NewReader(""), append([]string{"--db", db}, args...)...)
		want(t, r, 2, "usage:")
	}
}

// An import that changes nothing writes no audit event: an empty file, blank lines, a
// header-only CSV, the same orders again.
func TestImportOfNothingWritesNoAuditEvent(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0)
	before := shipdesk(t, db, "export", "audit").stdout
	header := writeFile(t, "h.csv", strings.Join(domain.CSVColumns, ",")+"\n")
	blank := writeFile(t, "b.jsonl", "\n  \n\n")
	empty := writeFile(t, "e.jsonl", "")
	for _, f := range []string{header, blank, empty, "testdata/orders.jsonl"} {
		want(t, shipdesk(t, db, "import", "orders", f), 0, "0 new")
	}
	if after := shipdesk(t, db, "export", "audit").stdout; after != before {
		t.Fatalf("imports of nothing wrote audit events:\n%s", strings.TrimPrefix(after, before))
	}
}

// A damaged database (cut short, its newest meta page damaged, empty) is refused by every
// command with exit 1, a clear message and the advice to restore a backup: never a
// crash, never initialised as a new database.
func TestDamagedDatabasesAreRefused(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo.db")
	want(t, shipdesk(t, demo, "demo", "--db", demo, "--orders", "300"), 0)
	data, err := os.ReadFile(demo)
	if err != nil {
		t.Fatal(err)
	}
	ps := int(be.LittleEndian.Uint32(data[16+8:]))
	newest := 0
	if be.LittleEndian.Uint64(data[ps+64:]) > be.LittleEndian.Uint64(data[64:]) {
		newest = ps
	}
	// Half of what the meta reaches (a small file is grown past it to a power of two).
	reach := int(be.LittleEndian.Uint64(data[newest+56:])) * ps
	meta := bytes.Clone(data)
	copy(meta[newest+16:], "XXXX")
	orders := writeFile(t, "o.jsonl", orderLines("D", 3))
	for name, content := range map[string][]byte{"48k": data[:48<<10], "half": data[:reach/2], "meta": meta, "zero": {}} {
		db := filepath.Join(dir, name+".db")
		if err := os.WriteFile(db, content, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"status"}, {"export", "orders"}, {"import", "orders", orders}, {"doctor"}, {"fold"}} {
			r := shipdesk(t, db, args...)
			want(t, r, 1, "damaged", "restore the database from a backup")
			if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
				t.Fatalf("%s %v crashed:\n%s", name, args, r.stderr)
			}
		}
		if after, _ := os.ReadFile(db); !bytes.Equal(after, content) {
			t.Fatalf("%s: a refused command changed the file", name)
		}
	}
}
