package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

// shutdownServer serves command for ana and returns the server, ana's signer, the log
// and a channel Serve's result arrives on.
func shutdownServer(t *testing.T, command func(s *Session, args []string) int) (*Server, gossh.Signer, *syncBuffer, chan error) {
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
	logs := &syncBuffer{}
	srv, err := New(Config{
		Listen: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "host_key"), OperatorsPath: filepath.Join(dir, "operators"),
		Command: command, Console: func(*Session) tea.Model { return quitModel{} }, Log: log.New(logs, "", 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	return srv, signer, logs, served
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// start runs cmd in a session of its own, returning a channel with its exit code (-1:
// the connection closed without one) and standard error.
func start(t *testing.T, srv *Server, signer gossh.Signer, cmd string, stdin io.Reader) chan [2]string {
	t.Helper()
	c, err := gossh.Dial("tcp", srv.Addr().String(), &gossh.ClientConfig{
		User: "ana", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	sess.Stderr, sess.Stdin = &errb, stdin
	res := make(chan [2]string, 1)
	go func() {
		defer c.Close()
		err := sess.Run(cmd)
		var ee *gossh.ExitError
		code := "0"
		switch {
		case errors.As(err, &ee):
			code = fmt.Sprint(ee.ExitStatus())
		case err != nil:
			code = "-1: " + err.Error()
		}
		res <- [2]string{code, errb.String()}
	}()
	return res
}

// A command that ends during the shutdown's grace gets its exit status to the client,
// every time: the session is let go only after the status is sent.
func TestShutdownSendsTheExitStatusOfCommandsThatFinish(t *testing.T) {
	for i := range 40 {
		began := make(chan struct{})
		srv, signer, _, served := shutdownServer(t, func(s *Session, args []string) int {
			close(began)
			time.Sleep(time.Duration(i%8) * 3 * time.Millisecond)
			fmt.Fprintln(s.Stdout, "imported 3 orders")
			return 0
		})
		res := start(t, srv, signer, "import orders -", strings.NewReader(""))
		<-began
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := srv.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		<-served
		if r := <-res; r[0] != "0" {
			t.Fatalf("run %d: the client got %s, want the command's exit 0", i, r[0])
		}
	}
}

// At the end of the grace, a command still reading its standard input has its input cut
// (it fails and says so, writing nothing), and a command still working is let finish:
// each client gets its command's own exit status, and Shutdown returns only once no
// command runs, so the store can be closed after it. The log says so.
func TestShutdownLetsCommandsFinishAndTellsTheClient(t *testing.T) {
	var finished atomic.Bool
	reading, working := make(chan struct{}), make(chan struct{})
	srv, signer, logs, served := shutdownServer(t, func(s *Session, args []string) int {
		if args[0] == "read" {
			close(reading)
			_, err := io.ReadAll(s.Stdin)
			if err != nil {
				fmt.Fprintf(s.Stderr, "shipdesk: nothing imported: %v\n", err)
				return 1
			}
			return 0
		}
		close(working)
		time.Sleep(900 * time.Millisecond) // a transaction under way
		finished.Store(true)
		return 0
	})
	pr, pw := io.Pipe() // a client that sends nothing and does not close
	defer pw.Close()
	readRes := start(t, srv, signer, "read", pr)
	workRes := start(t, srv, signer, "work", strings.NewReader(""))
	<-reading
	<-working
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := srv.Shutdown(ctx)
	if !finished.Load() {
		t.Fatal("Shutdown returned while a command was still working")
	}
	if err == nil || !strings.Contains(err.Error(), "let finish") {
		t.Fatalf("Shutdown: %v, want it to say commands were let finish", err)
	}
	<-served
	if r := <-readRes; r[0] != "1" || !strings.Contains(r[1], "the server is shutting down") {
		t.Fatalf("the reading command: exit %s, %q", r[0], r[1])
	}
	if r := <-workRes; r[0] != "0" {
		t.Fatalf("the working command: exit %s, want 0 (it finished)", r[0])
	}
	l := logs.String()
	if !strings.Contains(l, "still running") || !strings.Contains(l, `"work"`) {
		t.Fatalf("the log does not name the commands still running:\n%s", l)
	}
}
