package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"shipdesk/domain"
	"shipdesk/storage"
)

// doctor says ok on a sound file (opened read-only, beside a reader), names a row
// deleted behind its back (exit 1), and --repair rebuilds it: exit 0, and a later
// doctor says ok.
func TestCLIDoctorFindsAndRepairs(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	want(t, shipdesk(t, db, "demo", "--db", db, "--orders", "400"), 0, "wrote 400 demo orders")
	func() { // a reader holds the file: the check shares it
		ro, err := storage.Open(db, storage.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		want(t, shipdesk(t, db, "doctor"), 0, "ok: nothing found", "pool_by_state", "orders_by_status")
	}()

	// Delete the first order's status row, as a damaged file might lack it.
	bdb, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var gone string
	if err := bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("orders_by_status"))
		k, _ := b.Cursor().First()
		gone = domain.OrderNumber(beUint64(k[9:17]))
		return b.Delete(bytes.Clone(k))
	}); err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}

	r := shipdesk(t, db, "doctor")
	want(t, r, 1, "orders_by_status: "+gone+" has no row", "1 problem found", "doctor --repair")
	if strings.Contains(r.stdout, "ok:") {
		t.Fatalf("a damaged file reads ok:\n%s", r.stdout)
	}
	r = shipdesk(t, db, "doctor", "--json")
	want(t, r, 1)
	var rep struct {
		OK       bool     `json:"ok"`
		Problems []string `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.OK || len(rep.Problems) != 1 {
		t.Fatalf("doctor --json: %v %+v\n%s", err, rep, r.stdout)
	}

	want(t, shipdesk(t, db, "doctor", "--repair"), 0, "repaired: 1 problem found before", "orders_by_status", "ok: nothing found")
	want(t, shipdesk(t, db, "doctor"), 0, "ok: nothing found")
	want(t, shipdesk(t, db, "export", "audit"), 0, "doctor.repair", "cli-test")
	want(t, shipdesk(t, db, "doctor", "extra"), 2, "doctor takes no arguments")
	want(t, shipdesk(t, filepath.Join(t.TempDir(), "missing.db"), "doctor"), 1, "no database at")
}

func beUint64(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}

// Over SSH the doctor, and its repair, need the supervisor's role.
func TestDoctorOverSSHNeedsTheSupervisor(t *testing.T) {
	s, err := storage.Open(filepath.Join(t.TempDir(), "s.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	session := func(role domain.Role, args ...string) (string, error) {
		var out, errb bytes.Buffer
		e := &env{operator: "vic", stdout: &out, stderr: &errb, now: time.Now, store: s, role: role, session: "s1", remote: true}
		err := dispatch(e, args)
		return out.String(), err
	}
	for _, args := range [][]string{{"doctor"}, {"doctor", "--repair"}} {
		if _, err := session(domain.RoleOperator, args...); err == nil || !strings.Contains(err.Error(), "needs the supervisor role; vic is an operator") {
			t.Fatalf("%v by an operator: %v", args, err)
		}
	}
	out, err := session(domain.RoleSupervisor, "doctor", "--repair")
	if err != nil || !strings.Contains(out, "repaired: 0 problems") || !strings.Contains(out, "ok: nothing found") {
		t.Fatalf("a supervisor's repair: %v\n%s", err, out)
	}
}
