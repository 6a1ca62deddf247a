package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// exportsOf is every export of a database, for comparing a restored copy with its source.
func exportsOf(t *testing.T, db string) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"export", "pool"}, {"export", "orders"}, {"export", "tracking", "--format", "jsonl"},
		{"export", "refunds"}, {"export", "outbox"}, {"export", "audit"}} {
		r := shipdesk(t, db, args...)
		want(t, r, 0)
		b.WriteString(strings.Join(args, " ") + "\n" + r.stdout)
	}
	return b.String()
}

// A backup to a file and one to standard output, restored as the README says (put the
// copy in place, doctor, start), give byte-identical exports.
func TestCLIBackupAndRestore(t *testing.T) {
	db := shippingDB(t)
	want(t, shipdesk(t, db, "ship", "T1001", "--carrier", "ems", "--tracking", "EE040293660CN"), 0)
	dir := t.TempDir()
	copyFile := filepath.Join(dir, "copy.db")
	want(t, shipdesk(t, db, "backup", copyFile), 0, "backup written to", "checked: ok")
	r := shipdesk(t, db, "backup", "-")
	want(t, r, 0)
	if !strings.Contains(r.stderr, "checked: ok") || len(r.stdout) < 4096 {
		t.Fatalf("backup -: %d bytes, stderr %s", len(r.stdout), r.stderr)
	}
	streamed := filepath.Join(dir, "streamed.db")
	if err := os.WriteFile(streamed, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	source := exportsOf(t, db)
	for _, c := range []string{copyFile, streamed} {
		restored := filepath.Join(t.TempDir(), "shipdesk.db")
		data, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(restored, data, 0o600); err != nil {
			t.Fatal(err)
		}
		want(t, shipdesk(t, restored, "doctor"), 0, "ok")
		if got := exportsOf(t, restored); got != source {
			t.Fatalf("exports of the restored %s differ from the source", filepath.Base(c))
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("backup folder holds %d files, want the two copies", len(ents))
	}
	want(t, shipdesk(t, db, "backup"), 2, "backup FILE|-")
	want(t, shipdesk(t, db, "backup", db), 1, "overwrite the database")
	want(t, shipdesk(t, filepath.Join(dir, "none.db"), "backup", filepath.Join(dir, "x.db")), 1)
}

// Undo from the command line: the operator's last action by default, the kept objects
// named, twice refused, and an import never.
func TestCLIUndo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0)
	want(t, shipdesk(t, db, "pool", "convert", "--all-ready"), 0, "SO00000001", "SO00000002")
	want(t, shipdesk(t, db, "ship", "SO00000001", "--carrier", "ems", "--tracking", "EE040293660CN"), 0)
	before := statusOf(t, db)
	want(t, shipdesk(t, db, "undo", "--dry-run"), 0, "would undo action 2 (pool.convert", "kept tb-main:T1001", "has shipped")
	if after := statusOf(t, db); after.Pool["ready"] != before.Pool["ready"] {
		t.Fatal("a dry run undid something")
	}
	want(t, shipdesk(t, db, "undo", "--operator", "someone-else"), 1, "nothing to undo")
	want(t, shipdesk(t, db, "undo"), 0, "undid action 2", "1 of 2 objects", "kept tb-main:T1001", "SO00000001 has shipped", "recorded as audit event 4")
	after := statusOf(t, db)
	if after.Pool["ready"] != before.Pool["ready"]+1 || after.Orders["awaiting_shipment"] != before.Orders["awaiting_shipment"]-1 {
		t.Fatalf("status after undo: %+v (before %+v)", after, before)
	}
	want(t, shipdesk(t, db, "doctor"), 0)
	want(t, shipdesk(t, db, "export", "audit"), 0, `"action":"undo"`, `"undoes":"2"`)
	want(t, shipdesk(t, db, "undo", "2"), 1, "already undone by event 4")
	want(t, shipdesk(t, db, "undo", "1"), 1, "cannot be undone")
	want(t, shipdesk(t, db, "undo", "99"), 1, "no action 99")
	want(t, shipdesk(t, db, "undo", "x"), 2, "not an audit event number")
}

// Over SSH: a supervisor streams a backup while two sessions write; the copy opens and
// passes the doctor. A viewer may not; a local backup of the file the server holds says
// to use SSH. The server's scheduled backups are logged and rotated.
func TestServeBackupOverSSHWhileWriting(t *testing.T) {
	backups := filepath.Join(t.TempDir(), "backups")
	s := startServer(t, "--backup-dir", backups, "--backup-every", "1h", "--backup-keep", "2")
	waitFor(t, s.log, 0, "backup written to", 15*time.Second)
	var wg sync.WaitGroup
	for i, who := range []string{"ana", "bob"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range 5 {
				var lines bytes.Buffer
				for j := range 200 {
					lines.WriteString(`{"channel":"tb-main","platform":"taobao","trade_id":"W` + string(rune('0'+i)) + "-" + itoa(b) + "-" + itoa(j) + `","buyer":"x","consignee":{"name":"A","phone":"1","address":"B","country":"CN"},"trade_status":"paid","payment_ref":"","paid_at":"2026-11-20T10:00:00Z","currency":"CNY","total":"1.00","items":[{"sku":"S","title":"T","qty":1,"price":"1.00"}]}` + "\n")
				}
				if r := s.ssh(who, lines.String(), "import", "orders", "-", "--format", "jsonl"); r.code != 0 {
					t.Errorf("%s import: %d %s", who, r.code, r.stderr)
				}
			}
		}()
	}
	r := s.ssh("ana", "", "backup", "-")
	wg.Wait()
	want(t, r, 0)
	copyDB := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyDB, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, shipdesk(t, copyDB, "doctor"), 0, "ok")
	want(t, s.ssh("vic", "", "backup", "-"), 1, "needs the supervisor role")
	want(t, s.ssh("ana", "", "backup", "x.db"), 2, "standard output")
	want(t, shipdesk(t, s.db, "backup", filepath.Join(t.TempDir(), "b.db")), 3, "ssh")
	st := s.ssh("ana", "", "status", "--json")
	want(t, st, 0, `"backup":{`, `"ok":true`)
	if ents, _ := os.ReadDir(backups); len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), "shipdesk-") {
		t.Errorf("backup folder: %v", ents)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
