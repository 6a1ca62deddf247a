package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shipdesk/domain"
)

// An import that changes nothing (an empty file, blank lines or a header-only CSV give no
// trades; identical orders or requests again) writes no audit event.
func TestImportsThatChangeNothingWriteNoAuditEvent(t *testing.T) {
	s := refundStore(t)
	by := Actor{Operator: "ivy", Role: domain.RoleOperator}
	events := func() int {
		n, _, err := s.AuditCount(AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tr := []domain.Trade{trade("tb", "N1", t0, 1), trade("tb", "N2", t0, 2)}
	if _, err := s.Import(tr, t0, by); err != nil {
		t.Fatal(err)
	}
	c := claim("tb", "R7", "T2", domain.RefundNotReceived, 100, t0)
	mustImportRefunds(t, s, t0, c)
	before := events()
	if res, err := s.Import(nil, t0, by); err != nil || res != (ImportResult{}) {
		t.Fatalf("an empty import: %+v %v", res, err)
	}
	if res, err := s.Import(tr, t0, by); err != nil || res.Unchanged != 2 {
		t.Fatalf("the same orders again: %+v %v", res, err)
	}
	if _, err := s.ImportRefunds(nil, t0, by); err != nil {
		t.Fatal(err)
	}
	if res, err := s.ImportRefunds([]domain.RefundClaim{c}, t0, by); err != nil || res.Unchanged != 1 {
		t.Fatalf("the same request again: %+v %v", res, err)
	}
	if after := events(); after != before {
		t.Fatalf("imports that changed nothing wrote %d audit events", after-before)
	}
	// One that changes something still writes its event.
	if _, err := s.Import([]domain.Trade{trade("tb", "N3", t0, 1)}, t0, by); err != nil {
		t.Fatal(err)
	}
	if after := events(); after != before+1 {
		t.Fatalf("an import of a new order wrote %d audit events, want 1", after-before)
	}
}

// damagedFiles writes a database of some hundred orders, packed as `shipdesk demo`
// writes it, and returns it with damaged copies of it by name.
func damagedFiles(t *testing.T) (good string, bad map[string]string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "src.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var tr []domain.Trade
	for i := range 400 {
		tr = append(tr, trade("tb", fmt.Sprintf("T%04d", i), t0, 3))
	}
	mustImport(t, s, tr...)
	good = filepath.Join(dir, "good.db")
	if err := s.CompactTo(good); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 8*PageSize {
		t.Fatalf("the packed file is only %d bytes", len(data))
	}
	// The newest meta page is the one of the higher transaction id (at byte 64 of the
	// page); bbolt falls back to the other when it is damaged.
	newest := 0
	if binary.LittleEndian.Uint64(data[PageSize+64:]) > binary.LittleEndian.Uint64(data[64:]) {
		newest = PageSize
	}
	metaDamaged := bytes.Clone(data)
	copy(metaDamaged[newest+16:], "XXXX")
	bad = map[string]string{}
	for name, content := range map[string][]byte{
		"48k.db":     data[:48<<10],
		"half.db":    data[:len(data)/2],
		"meta.db":    metaDamaged,
		"zero.db":    {},
		"garbage.db": bytes.Repeat([]byte("not a database "), 5000),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		bad[name] = p
	}
	return good, bad
}

// A damaged file is refused, read-only or writable, with a clear error that advises a
// backup, and is left as it was: never initialised, never a crash.
func TestDamagedFilesAreRefused(t *testing.T) {
	good, bad := damagedFiles(t)
	for name, p := range bad {
		before, _ := os.ReadFile(p)
		for _, ro := range []bool{true, false} {
			s, err := Open(p, Options{ReadOnly: ro})
			if err == nil {
				s.Close()
				t.Fatalf("%s (read-only %v) opened", name, ro)
			}
			t.Logf("%s: %v", name, err)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "backup") {
				t.Fatalf("%s (read-only %v): %v, want ErrDamaged with the advice", name, ro, err)
			}
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
			t.Fatalf("%s was changed by the refused opens", name)
		}
	}
	s, err := Open(good, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the undamaged file: %v", err)
	}
	s.Close()
	// A file grown by a transaction that was cut off before its commit (a crash in a big
	// import) is larger than its meta reaches, with both meta pages whole: it opens.
	f, err := os.OpenFile(good, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	if err := f.Truncate(fi.Size() + 64<<20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s, err = Open(good, Options{})
	if err != nil {
		t.Fatalf("a file grown by an uncommitted transaction: %v", err)
	}
	mustImport(t, s, trade("tb", "after", t0, 1))
	s.Close()
	// A new file is created and initialised.
	s, err = Open(filepath.Join(t.TempDir(), "new.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// A file whose very first transaction was cut off (killed while shipdesk made it) has
// bbolt's first pages and the dead transaction's pages past them, and no transaction
// ever committed: it is as new and is initialised. One where a transaction did commit,
// but never shipdesk's schema, is refused.
func TestAFileKilledInItsFirstTransactionIsNew(t *testing.T) {
	dir := t.TempDir()
	bare := func(name string, commit bool) string {
		p := filepath.Join(dir, name)
		db, err := bolt.Open(p, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err }); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		if err := f.Truncate(fi.Size() + 1<<20); err != nil { // the dead transaction's pages
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	s, err := Open(bare("killed.db", false), Options{})
	if err != nil {
		t.Fatalf("a file killed in its first transaction: %v", err)
	}
	mustImport(t, s, trade("tb", "T1", t0, 1))
	s.Close()
	if _, err := Open(bare("foreign.db", true), Options{}); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a committed file without the schema: %v, want ErrDamaged", err)
	}
}
