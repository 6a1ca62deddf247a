package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// An export's CSV drawn on a terminal carries no escape sequence from outside text (a
// carrier's location here); into a file or a pipe the text is written as it came.
func TestCSVExportOnScreenIsSafe(t *testing.T) {
	db := parcelDB(t)
	events := writeFile(t, "e.jsonl", fmt.Sprintf(`{"tracking":%q,"at":%q,"status":"at_pickup","location":"Moscow \u001b[31mred\u001b]0;pwned\u0007","text":"ready"}`+"\n", parcelA, at(-time.Hour)))
	want(t, shipdesk(t, db, "import", "events", events), 0, "1 new")
	// An unknown number is listed without what a terminal would act on.
	unknown := writeFile(t, "u.jsonl", fmt.Sprintf(`{"tracking":"ZZ\u001b[2J01","at":%q,"status":"in_transit"}`+"\n", at(-time.Hour)))
	if r := shipdesk(t, db, "import", "events", unknown); r.code != 0 || !strings.Contains(r.stdout, "unknown numbers: ZZ01") || strings.Contains(r.stdout, "\x1b") {
		t.Fatalf("unknown numbers: %d %q", r.code, r.stdout)
	}
	s, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, args := range [][]string{
		{"export", "parcels", "--format", "csv"},
		{"export", "events", "--format", "csv"},
	} {
		for _, onScreen := range []bool{false, true} {
			var out, errb bytes.Buffer
			e := &env{operator: "vic", tz: "UTC", country: "CN", stdout: &out, stderr: &errb, now: time.Now, store: s,
				role: domain.RoleSupervisor, session: "s1", remote: true, onScreen: onScreen}
			if err := dispatch(e, args); err != nil {
				t.Fatalf("%v: %v %s", args, err, errb.String())
			}
			raw := strings.Contains(out.String(), "\x1b")
			if !strings.Contains(out.String(), "Moscow") || raw == onScreen {
				t.Fatalf("%v on screen %v: escape written %v:\n%q", args, onScreen, raw, out.String())
			}
		}
	}
}

// failingWriter takes a few bytes, then fails, as a full disk or a closed pipe does.
type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, errors.New("no space left on device")
	}
	w.left -= len(p)
	return len(p), nil
}

// An export whose output cannot be written fails: a cut-off file never reads as whole.
func TestExportFailsWhenItsOutputDoes(t *testing.T) {
	db := parcelDB(t)
	s, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, format := range []string{"csv", "jsonl"} {
		e := &env{operator: "vic", tz: "UTC", country: "CN", stdout: &failingWriter{left: 20}, stderr: &bytes.Buffer{}, now: time.Now, store: s,
			role: domain.RoleSupervisor, session: "s1", remote: true}
		if err := dispatch(e, []string{"export", "parcels", "--format", format}); err == nil || !strings.Contains(err.Error(), "no space left") {
			t.Fatalf("%s: %v", format, err)
		}
	}
}
