package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shipdesk/domain"
	"shipdesk/storage"
)

// Exit codes follow the errors' types, wherever they are wrapped, never their text.
func TestExitCodeByType(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
	}{
		{nil, exitOK},
		{flag.ErrHelp, exitOK},
		{usagef("pool needs an action"), exitUsage},
		{fmt.Errorf("parsing: %w", usagef("bad flag")), exitUsage},
		{usagef("the database is in use"), exitUsage},
		{inputError{errors.New("every entry was refused")}, exitInput},
		{inputError{&tooLargeError{name: "standard input", what: "orders", limit: 1 << 30}}, exitInput},
		{fmt.Errorf("open s.db: %w", storage.ErrInUse), exitInUse},
		{inputError{fmt.Errorf("nothing imported: %w", storage.ErrInUse)}, exitInUse},
		{errors.New(storage.ErrInUse.Error()), exitInput}, // the same words are not the error
		{errors.New("flag provided but not defined: -x"), exitInput},
	} {
		if got := exitCode(c.err); got != c.code {
			t.Errorf("exitCode(%v) = %d, want %d", c.err, got, c.code)
		}
	}
}

// An import lists every bad source before it refuses; anything else stops it at once.
// Sources are told apart by the errors' types.
func TestBadSourceByType(t *testing.T) {
	_, notThere := os.Open(filepath.Join(t.TempDir(), "missing.jsonl"))
	_, unknown := importKind("orders.txt")
	if !errors.Is(unknown, errUnknownFileType) || unknown.Error() != "orders.txt: unknown file type; name it .jsonl (JSON Lines) or .csv" {
		t.Fatalf("importKind: %v", unknown)
	}
	for _, c := range []struct {
		err error
		bad bool
	}{
		{domain.ImportErrors{{File: "a.jsonl", Line: 2, Reason: "qty 0"}}, true},
		{notThere, true},
		{unknown, true},
		{fmt.Errorf("refunds: %w", &tooLargeError{name: "a.csv", what: "refunds", limit: 10}), true},
		{errors.New("a.txt: unknown file type; name it .jsonl (JSON Lines) or .csv"), false},
		{errors.New("a.csv is larger than 10 bytes, the limit of import refunds; split it"), false},
		{storage.ErrInUse, false},
	} {
		if got := badSource(c.err); got != c.bad {
			t.Errorf("badSource(%v) = %v, want %v", c.err, got, c.bad)
		}
	}
}

// Every verb runs from the table, parsing its own flags; the ones that touch the
// server's files are refused over SSH.
func TestVerbsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range verbs() {
		if seen[v.name] {
			t.Fatalf("verb %q twice", v.name)
		}
		seen[v.name] = true
		e := &env{remote: true, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
		err := dispatch(e, []string{v.name, "--no-such-flag"})
		switch {
		case v.local && !strings.Contains(fmt.Sprint(err), "is not available over SSH"):
			t.Errorf("%s over SSH: %v", v.name, err)
		case v.name == "help" && !errors.Is(err, flag.ErrHelp):
			t.Errorf("help: %v", err)
		case !v.local && v.name != "help" && (exitCode(err) != exitUsage || !strings.Contains(err.Error(), "no-such-flag")):
			t.Errorf("%s --no-such-flag: %v (exit %d), want its flags parsed", v.name, err, exitCode(err))
		}
	}
	r := runMain(strings.NewReader(""), "help")
	want(t, r, 0, "exit codes: 0 done")
	want(t, runMain(strings.NewReader(""), "frobnicate"), 2, `unknown command "frobnicate"`)
}
