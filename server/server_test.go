package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

// quitModel is a console that quits on any key.
type quitModel struct{}

func (quitModel) Init() tea.Cmd { return nil }
func (m quitModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		return m, tea.Quit
	}
	return m, nil
}
func (quitModel) View() string { return "console" }

// serveTest starts a server whose commands print who ran them (and "boom" panics), for
// one operator, ana, whose signer it returns.
func serveTest(t *testing.T) (*Server, gossh.Signer) {
	t.Helper()
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := "ana operator " + string(gossh.MarshalAuthorizedKey(signer.PublicKey()))
	if err := os.WriteFile(filepath.Join(dir, "operators"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{
		Listen: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "host_key"), OperatorsPath: filepath.Join(dir, "operators"),
		Command: func(s *Session, args []string) int {
			if args[0] == "boom" {
				panic("a bug in a command")
			}
			fmt.Fprintf(s.Stdout, "%s %s %s %q", s.Operator.Name, s.Operator.Role, s.ID, args)
			return 3
		},
		Console: func(*Session) tea.Model { return quitModel{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve after Shutdown: %v", err)
		}
	})
	return srv, signer
}

func run(t *testing.T, srv *Server, signer gossh.Signer, cmd string) (stdout, stderr string, code int) {
	t.Helper()
	c, err := gossh.Dial("tcp", srv.Addr().String(), &gossh.ClientConfig{
		User: "ana", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errb
	err = sess.Run(cmd)
	var ee *gossh.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestSessionsRunAsTheirOperator(t *testing.T) {
	srv, signer := serveTest(t)
	out, _, code := run(t, srv, signer, "status --json")
	if code != 3 || !strings.HasPrefix(out, "ana operator ") || !strings.HasSuffix(out, `["status" "--json"]`) {
		t.Fatalf("exit %d, output %q", code, out)
	}
	// A panic ends its session, not the server.
	_, errOut, code := run(t, srv, signer, "boom")
	if code != 1 || !strings.Contains(errOut, "internal error") {
		t.Fatalf("panic: exit %d, %q", code, errOut)
	}
	if _, _, code := run(t, srv, signer, "status"); code != 3 {
		t.Fatalf("after a panic: exit %d", code)
	}
	if n := srv.Sessions(); n != 0 {
		t.Fatalf("%d sessions left registered", n)
	}
}
