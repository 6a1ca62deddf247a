package cli

import (
	"bytes"
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
