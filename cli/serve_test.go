package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// These tests start `shipdesk serve` on a free loopback port and talk to it with the
// real OpenSSH client (ssh), as operators do, and, where a test must set the terminal
// size or read the screen as it changes, with an SSH client in Go.

// operatorKey is a test operator's key pair.
type operatorKey struct {
	name, role string
	keyFile    string // private key, OpenSSH format, mode 0600
	signer     gossh.Signer
	line       string // the operators file line
}

func newOperatorKey(t *testing.T, dir, name, role string) operatorKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, name)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+"_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, _ := gossh.NewPublicKey(pub)
	line := fmt.Sprintf("%s %s %s", name, role, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sshPub))))
	return operatorKey{name: name, role: role, keyFile: path, signer: signer, line: line + " " + name + "@test"}
}

type testServer struct {
	t         *testing.T
	dir, db   string
	operators string
	addr      string
	keys      map[string]operatorKey
	cmd       *exec.Cmd
	log       *lockedBuffer
	exited    chan struct{}
	exitErr   error
}

func needSSH(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("the OpenSSH client (ssh) is not installed; .ci/run installs it")
	}
}

// startServer imports the test orders into a fresh database, writes keys for ana
// (supervisor), bob (operator) and vic (viewer) to the operators file (eve has a key
// but is not in it), and starts serve with extra flags.
func startServer(t *testing.T, flags ...string) *testServer {
	t.Helper()
	db := filepath.Join(t.TempDir(), "shipdesk.db")
	want(t, shipdesk(t, db, "import", "orders", "testdata/orders.jsonl"), 0)
	return startServerOn(t, db, flags...)
}

// startServerOn is startServer on an existing database.
func startServerOn(t *testing.T, db string, flags ...string) *testServer {
	t.Helper()
	needSSH(t)
	dir := filepath.Dir(db) // the operators file and host key beside the database, where serve looks
	s := &testServer{t: t, dir: dir, db: db, keys: map[string]operatorKey{}, log: &lockedBuffer{}, exited: make(chan struct{})}
	var lines []string
	for _, k := range [][2]string{{"ana", "supervisor"}, {"bob", "operator"}, {"vic", "viewer"}, {"eve", "operator"}} {
		key := newOperatorKey(t, dir, k[0], k[1])
		s.keys[k[0]] = key
		if k[0] != "eve" {
			lines = append(lines, key.line)
		}
	}
	s.operators = filepath.Join(dir, "operators")
	if err := os.WriteFile(s.operators, []byte("# test team\n"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(binary, append([]string{"serve", "--listen", "127.0.0.1:0"}, flags...)...)
	s.cmd.Env = append(os.Environ(), "SHIPDESK_DB="+s.db, "SHIPDESK_TZ=UTC", "XDG_CONFIG_HOME="+dir)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exitErr = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(20 * time.Second):
				_ = s.cmd.Process.Kill()
				t.Errorf("serve did not stop on SIGTERM:\n%s", s.log)
			}
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.log)
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if data, err := os.ReadFile(s.db + ".serve"); err == nil {
			if addr, _, complete := strings.Cut(string(data), "\n"); complete && addr != "" {
				s.addr = addr
				return s
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("serve exited at start (%v):\n%s", s.exitErr, s.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *testServer) port() string {
	_, port, _ := net.SplitHostPort(s.addr)
	return port
}

// sshArgs are the OpenSSH client's options for this server and key file.
func (s *testServer) sshArgs(keyFile string, extra ...string) []string {
	args := []string{"-p", s.port(),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=10", "-F", "/dev/null", "-i", keyFile}
	return append(args, extra...)
}

// ssh runs `ssh -p PORT 127.0.0.1 ARGS…` as the named operator, with stdin.
func (s *testServer) ssh(who, stdin string, args ...string) result {
	s.t.Helper()
	// "--" ends ssh's own options: a command may start with a flag (--tz …).
	full := append(s.sshArgs(s.keys[who].keyFile), append([]string{"127.0.0.1", "--"}, args...)...)
	cmd := exec.Command("ssh", full...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// sshTerminal runs a command with a terminal (ssh -tt) and returns what it printed.
func (s *testServer) sshTerminal(who string, args ...string) string {
	s.t.Helper()
	full := append(s.sshArgs(s.keys[who].keyFile, "-tt"), append([]string{"127.0.0.1", "--"}, args...)...)
	cmd := exec.Command("ssh", full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("ssh -tt %v: %v %s", args, err, errb.String())
	}
	return out.String()
}

func (s *testServer) status(who string) status {
	s.t.Helper()
	r := s.ssh(who, "", "status", "--json")
	want(s.t, r, 0)
	var st status
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		s.t.Fatalf("status --json over ssh: %v\n%s", err, r.stdout)
	}
	return st
}

// lockedBuffer collects a stream that is read while it is written.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Len()
}

// waitFor waits until what was written after offset from contains sub.
func waitFor(t *testing.T, b *lockedBuffer, from int, sub string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if s := b.String(); strings.Contains(s[min(from, len(s)):], sub) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %q within %v in:\n%q", sub, timeout, tail(b.String(), 3000))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// console is a console session opened with the Go SSH client, which sets the terminal
// size and reads the screen as it is drawn.
type console struct {
	t      *testing.T
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser
	out    *lockedBuffer
	errOut *lockedBuffer
	done   chan error
}

func (s *testServer) console(who string, width, height int) *console {
	s.t.Helper()
	client, err := gossh.Dial("tcp", s.addr, &gossh.ClientConfig{
		User:            who,
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(s.keys[who].signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), // a test server's fresh key
		Timeout:         10 * time.Second,
	})
	if err != nil {
		s.t.Fatalf("%s: dial: %v", who, err)
	}
	sess, err := client.NewSession()
	if err != nil {
		s.t.Fatal(err)
	}
	c := &console{t: s.t, client: client, sess: sess, out: &lockedBuffer{}, errOut: &lockedBuffer{}, done: make(chan error, 1)}
	sess.Stdout, sess.Stderr = c.out, c.errOut
	if c.in, err = sess.StdinPipe(); err != nil {
		s.t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", height, width, gossh.TerminalModes{}); err != nil {
		s.t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		s.t.Fatal(err)
	}
	go func() { c.done <- sess.Wait() }()
	s.t.Cleanup(func() { client.Close() })
	return c
}

func (c *console) send(keys string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, keys); err != nil {
		c.t.Fatalf("send %q: %v", keys, err)
	}
}

// ended waits for the session to end and returns its exit status.
func (c *console) ended(timeout time.Duration) int {
	c.t.Helper()
	select {
	case err := <-c.done:
		var ee *gossh.ExitError
		if errors.As(err, &ee) {
			return ee.ExitStatus()
		}
		if err != nil {
			c.t.Fatalf("session: %v", err)
		}
		return 0
	case <-time.After(timeout):
		c.t.Fatalf("session did not end within %v:\n%q", timeout, tail(c.out.String(), 2000))
		return -1
	}
}

func TestServeCommandsOverSSH(t *testing.T) {
	s := startServer(t)
	st := s.status("vic")
	if st.Pool["ready"] != 3 || st.Pool["awaiting_detail"] != 1 {
		t.Fatalf("status over ssh: %+v", st)
	}
	r := s.ssh("ana", "", "export", "pool", "--format", "csv")
	want(t, r, 0, "key,state,changed", "tb-main:T1001,ready")

	// Import reads standard input; the format is guessed, or given.
	csvData, err := os.ReadFile("testdata/orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	want(t, s.ssh("bob", string(csvData), "import", "orders", "-"), 0, "imported 1 orders: 1 new")
	jsonl, _ := os.ReadFile("testdata/orders.jsonl")
	want(t, s.ssh("bob", string(jsonl), "import", "orders", "--format", "jsonl", "-"), 0, "4 unchanged")
	want(t, s.ssh("bob", "", "import", "orders", "testdata/orders.jsonl"), 2, "over SSH, import reads standard input")
	bad, _ := os.ReadFile("testdata/bad.jsonl")
	want(t, s.ssh("bob", string(bad), "import", "orders", "-"), 1, "stdin:2:", "nothing imported")

	// A hostile buyer name: an export into a pipe keeps it as it came; one drawn on the
	// session's terminal (ssh -tt: a PTY) carries nothing the terminal would act on.
	hostile := "channel,platform,trade_id,buyer,consignee_name,consignee_phone,address,country,trade_status,payment_ref,paid_at,currency,total,sku,title,qty,price\n" +
		"jd-store,jd,J901,\x1b[31mMallory\x1b[0m,M,13700000000,Beijing,CN,paid,JD-PAY-901,2026-11-21T09:00:00Z,CNY,10.00,SKU-A,tea,1,10.00\n"
	want(t, s.ssh("bob", hostile, "import", "orders", "-"), 0, "1 new")
	if r := s.ssh("ana", "", "export", "pool", "--format", "csv"); !strings.Contains(r.stdout, "\x1b[31mMallory") {
		t.Fatalf("export into a pipe changed the text: %q", tail(r.stdout, 400))
	}
	tty := s.sshTerminal("ana", "export", "pool", "--format", "csv")
	if !strings.Contains(tty, "Mallory") || strings.Contains(tty, "\x1b") {
		t.Fatalf("export on the session's terminal: %q", tail(tty, 400))
	}

	// The viewer reads but may not change anything.
	r = s.ssh("vic", "", "pool", "convert", "tb-main:T1001")
	want(t, r, 1, "convert needs the operator role; vic is a viewer")
	want(t, s.ssh("vic", string(csvData), "import", "orders", "-"), 1, "import needs the operator role; vic is a viewer")
	if st := s.status("vic"); st.Pool["converted"] != 0 {
		t.Fatalf("the viewer's convert changed the pool: %+v", st)
	}

	// The server's files and console-only commands stay out of reach.
	want(t, s.ssh("ana", "", "status", "--db", "/etc/passwd"), 2, "--db is not accepted over SSH")
	want(t, s.ssh("ana", "", "--operator", "bob", "status"), 2, "--operator is not accepted over SSH")
	want(t, s.ssh("ana", "", "demo", "--db", "x.db"), 2, "demo is not available over SSH")
	want(t, s.ssh("ana", "", "serve"), 2, "serve is not available over SSH")
	want(t, s.ssh("ana", ""), 1, "the console needs a terminal")
	want(t, s.ssh("ana", "", "--cpuprofile", "/tmp/x", "status"), 2, "flag provided but not defined: -cpuprofile")
	want(t, s.ssh("ana", "", "--config", "/etc/shadow", "status"), 2, "--config is not accepted over SSH")

	// Every change is in the audit trail with its operator and session.
	want(t, s.ssh("bob", "", "pool", "convert", "tb-main:T1001"), 0, "converted tb-main:T1001 -> SO00000001")
	r = s.ssh("vic", "", "export", "audit", "--format", "jsonl")
	want(t, r, 0)
	var convert map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if ev["action"] == "pool.convert" {
			convert = ev
		}
	}
	if convert == nil || convert["operator"] != "bob" || convert["session"] == "" || convert["session"] == nil {
		t.Fatalf("convert event: %v", convert)
	}
	r = s.ssh("vic", "", "export", "audit", "--format", "csv", "--since", "1h")
	want(t, r, 0, "seq,at,operator,session,action", ",bob,", "pool.convert", "tb-main:T1001,state,ready,converted")
	if !strings.Contains(s.log.String(), "bob (operator)") {
		t.Fatalf("server log does not name sessions' operators:\n%s", s.log)
	}

	// A local shipdesk says within a second how to reach the server.
	start := time.Now()
	r = shipdesk(t, s.db, "status")
	want(t, r, 3, "in use", "ssh -p "+s.port()+" 127.0.0.1")
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v to report the database in use", d)
	}
}

func TestServeRefusesUnknownKeysAndPasswords(t *testing.T) {
	s := startServer(t)
	r := s.ssh("eve", "", "status")
	if r.code != 255 || !strings.Contains(r.stderr, "Permission denied (publickey)") {
		t.Fatalf("unknown key: exit %d\n%s", r.code, r.stderr)
	}
	// Password and keyboard-interactive are never offered: the server lists publickey only.
	for _, method := range []string{"password", "keyboard-interactive"} {
		args := append(s.sshArgs(s.keys["ana"].keyFile, "-o", "PreferredAuthentications="+method, "-o", "PubkeyAuthentication=no"), "127.0.0.1", "status")
		out, err := exec.Command("ssh", args...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 255 || !strings.Contains(string(out), "Permission denied (publickey)") {
			t.Fatalf("%s login: %v\n%s", method, err, out)
		}
	}
	_, err := gossh.Dial("tcp", s.addr, &gossh.ClientConfig{
		User: "ana", Auth: []gossh.AuthMethod{gossh.Password("hunter2")},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("password login: %v", err)
	}
	// The host key was made on first start, for the owner only.
	fi, err := os.Stat(filepath.Join(s.dir, "ssh_host_ed25519_key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v", fi, err)
	}
}

func TestServeTwoSessionsConvertOnce(t *testing.T) {
	s := startServer(t)
	var wg sync.WaitGroup
	results := map[string]result{}
	var mu sync.Mutex
	for _, who := range []string{"ana", "bob"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.ssh(who, "", "pool", "convert", "tb-main:T1001")
			mu.Lock()
			results[who] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	var winner, loser string
	for who, r := range results {
		if r.code == 0 {
			winner = who
		} else {
			loser = who
		}
	}
	if winner == "" || loser == "" {
		t.Fatalf("want one convert and one refusal: %+v", results)
	}
	want(t, results[winner], 0, "converted tb-main:T1001 -> SO00000001")
	want(t, results[loser], 1, "skipped tb-main:T1001:", "already converted to sales order SO00000001", "— by "+winner+" at ")
	if st := s.status("vic"); st.Orders["awaiting_shipment"] != 1 || st.Pool["converted"] != 1 {
		t.Fatalf("after two converts: %+v", st)
	}
}

func TestServeConsoleSeesOtherSessionsLive(t *testing.T) {
	s := startServer(t)
	c := s.console("vic", 120, 30)
	waitFor(t, c.out, 0, "3 ready", 10*time.Second)
	if !strings.Contains(c.out.String(), "Dashboard") {
		t.Fatalf("no console:\n%q", tail(c.out.String(), 2000))
	}
	// The viewer's console refuses convert and names the role it needs.
	c.send("2")
	waitFor(t, c.out, 0, "Pending pool", 5*time.Second)
	mark := c.out.Len()
	c.send("c")
	waitFor(t, c.out, mark, "needs the operator role", 5*time.Second)

	// Another session converts; this console shows it without a key pressed.
	mark = c.out.Len()
	want(t, s.ssh("bob", "", "pool", "convert", "tb-main:T1001"), 0)
	done := time.Now()
	waitFor(t, c.out, mark, "2 ready", 5*time.Second)
	// The change is pushed at commit and shows in milliseconds; the bound is loose for a
	// loaded machine under -race and only catches waiting for the 30-second clock tick.
	if d := time.Since(done); d > 3*time.Second {
		t.Fatalf("the change took %v to show in the other session", d)
	}
	// Window resize redraws at the new size.
	if err := c.sess.WindowChange(20, 60); err != nil {
		t.Fatal(err)
	}
	mark = c.out.Len()
	waitFor(t, c.out, mark, "Pool", 5*time.Second)
	c.send("q")
	if code := c.ended(10 * time.Second); code != 0 {
		t.Fatalf("console exit %d", code)
	}
}

func TestServeConsoleWithOpenSSH(t *testing.T) {
	s := startServer(t)
	cmd := exec.Command("ssh", append(s.sshArgs(s.keys["ana"].keyFile, "-tt"), "127.0.0.1")...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitFor(t, out, 0, "Dashboard", 10*time.Second)
	waitFor(t, out, 0, "ana", 5*time.Second)
	mark := out.Len()
	io.WriteString(stdin, "2")
	waitFor(t, out, mark, "Pending pool", 5*time.Second)
	io.WriteString(stdin, "q")
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("ssh -tt console: %v\n%q", err, tail(out.String(), 2000))
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("console did not quit on q:\n%q", tail(out.String(), 2000))
	}
}

func TestServeReloadsOperatorsWithoutDroppingSessions(t *testing.T) {
	s := startServer(t)
	c := s.console("ana", 100, 30)
	waitFor(t, c.out, 0, "Dashboard", 10*time.Second)
	want(t, s.ssh("eve", "", "status"), 255, "Permission denied")

	// A malformed edit is refused and the keys in force stay.
	if err := os.WriteFile(s.operators, []byte(s.keys["ana"].line+"\nbroken line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s.log, 0, "operators:2: want NAME ROLE KEYTYPE BASE64", 10*time.Second)
	want(t, s.ssh("vic", "", "status"), 0)

	// Adding eve lets her in, without a restart; removing vic shuts her out.
	body := s.keys["ana"].line + "\n" + s.keys["eve"].line + "\n"
	if err := os.WriteFile(s.operators+".new", []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.operators+".new", s.operators); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s.log, 0, "operators file reloaded: 2 keys", 10*time.Second)
	want(t, s.ssh("eve", "", "status"), 0)
	want(t, s.ssh("vic", "", "status"), 255, "Permission denied")

	// SIGHUP reloads too.
	mark := s.log.Len()
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s.log, mark, "operators file reloaded: 2 keys", 10*time.Second)

	// The console opened before all this is still there.
	mark = c.out.Len()
	c.send("2")
	waitFor(t, c.out, mark, "Pending pool", 5*time.Second)
	c.send("q")
	c.ended(10 * time.Second)
}

func TestServeReloadEndsTheConsolesOfRevokedKeys(t *testing.T) {
	s := startServer(t)
	vic := s.console("vic", 100, 30)
	ana := s.console("ana", 100, 30)
	bob := s.console("bob", 100, 30)
	for _, c := range []*console{vic, ana, bob} {
		waitFor(t, c.out, 0, "Dashboard", 10*time.Second)
	}
	// vic's key goes, ana is made a viewer, bob stays as he was.
	demoted := strings.Replace(s.keys["ana"].line, "supervisor", "viewer", 1)
	if demoted == s.keys["ana"].line {
		t.Fatalf("ana's line has no role to change: %q", demoted)
	}
	body := demoted + "\n" + s.keys["bob"].line + "\n"
	if err := os.WriteFile(s.operators+".new", []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.operators+".new", s.operators); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s.log, 0, "operators file reloaded: 2 keys", 10*time.Second)
	if code := vic.ended(10 * time.Second); code != 1 {
		t.Fatalf("vic's console: exit %d, want 1", code)
	}
	waitFor(t, vic.errOut, 0, "your key was removed from the operators file", 5*time.Second)
	if code := ana.ended(10 * time.Second); code != 1 {
		t.Fatalf("ana's console: exit %d, want 1", code)
	}
	waitFor(t, ana.errOut, 0, "now lists your key as ana, viewer", 5*time.Second)
	waitFor(t, s.log, 0, "key revoked, console closed", 5*time.Second)

	// bob's console goes on; ana connects again, as a viewer.
	mark := bob.out.Len()
	bob.send("2")
	waitFor(t, bob.out, mark, "Pending pool", 5*time.Second)
	want(t, s.ssh("ana", "", "pool", "convert", "tb-main:T1001"), 1, "needs the operator role")
	bob.send("q")
	if code := bob.ended(10 * time.Second); code != 0 {
		t.Fatalf("bob's console: exit %d", code)
	}
}

func TestServeLimits(t *testing.T) {
	s := startServer(t, "--max-sessions", "1", "--idle-timeout", "2s")
	c := s.console("ana", 100, 30)
	waitFor(t, c.out, 0, "Dashboard", 10*time.Second)
	want(t, s.ssh("bob", "", "status"), 1, "the server is full (1 sessions)")
	// Keys keep the console open past the idle time; silence closes it.
	for range 3 {
		time.Sleep(time.Second)
		c.send("j")
	}
	if code := c.ended(10 * time.Second); code != 1 {
		t.Fatalf("idle console exit %d", code)
	}
	if !strings.Contains(c.errOut.String(), "no key pressed for 2s") {
		t.Fatalf("idle close not explained: %q", c.errOut.String())
	}
	want(t, s.ssh("bob", "", "status"), 0)
}

func TestServeShutsDownCleanly(t *testing.T) {
	s := startServer(t)
	c := s.console("ana", 100, 30)
	waitFor(t, c.out, 0, "Dashboard", 10*time.Second)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	c.ended(10 * time.Second)
	if !strings.Contains(c.errOut.String(), "the server is shutting down") {
		t.Fatalf("session not told: %q", c.errOut.String())
	}
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not exit:\n%s", s.log)
	}
	if s.exitErr != nil {
		t.Fatalf("serve exit: %v\n%s", s.exitErr, s.log)
	}
	if _, err := os.Stat(s.db + ".serve"); !os.IsNotExist(err) {
		t.Fatalf("serve file left behind: %v", err)
	}
	// The database is closed: a local command opens it at once.
	want(t, shipdesk(t, s.db, "status"), 0, "3 ready")
}

func TestServeRefusesMalformedOperatorsFile(t *testing.T) {
	needSSH(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	key := newOperatorKey(t, dir, "ana", "supervisor")
	ops := filepath.Join(dir, "ops")
	if err := os.WriteFile(ops, []byte("# team\n"+key.line+"\nbob boss ssh-ed25519 AAAA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := shipdesk(t, db, "serve", "--listen", "127.0.0.1:0", "--operators", ops)
	want(t, r, 1, ops+":3:", `role "boss" is not one of viewer, operator, supervisor`)
	if time.Since(start) > 10*time.Second {
		t.Fatal("serve took long to refuse")
	}
	if _, err := os.Stat(db + ".serve"); !os.IsNotExist(err) {
		t.Fatalf("a refused serve left its serve file: %v", err)
	}
}

func TestServeHint(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	if got := serveHint(db); got != "" {
		t.Fatalf("no serve file: %q", got)
	}
	if err := writeServeFile(db, "127.0.0.1:2299"); err != nil {
		t.Fatal(err)
	}
	if got := serveHint(db); !strings.Contains(got, "ssh -p 2299 127.0.0.1") || !strings.Contains(got, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("hint %q", got)
	}
	// A serve file left by a server that died says nothing.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db+".serve", []byte(fmt.Sprintf("127.0.0.1:2299\npid %d\n", gone.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := serveHint(db); got != "" {
		t.Fatalf("stale serve file gave %q", got)
	}
	host, _ := os.Hostname()
	for addr, want := range map[string]string{
		"127.0.0.1:22": "ssh 127.0.0.1",
		"0.0.0.0:2222": "ssh -p 2222 " + host,
		"[::]:2222":    "ssh -p 2222 " + host,
		"[::1]:2222":   "ssh -p 2222 ::1",
		"box.lan:2222": "ssh -p 2222 box.lan",
	} {
		if got := sshCommand(addr); got != want {
			t.Errorf("sshCommand(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestServeShippingUsesTheServersSettingsAndRoles(t *testing.T) {
	s := startServer(t)
	want(t, s.ssh("bob", "", "pool", "convert", "--all-ready"), 0, "SO00000002")
	// The warehouse is in CN (the server's default): RU is international, so an
	// arrival date is required where the carrier has none.
	want(t, s.ssh("bob", "", "ship", "R-77", "--carrier", "other", "--tracking", "X1", "--url", "https://courier.example/X1"), 1,
		"international parcel to RU")
	want(t, s.ssh("bob", "", "ship", "R-77", "--country", "RU", "--carrier", "other", "--tracking", "X1", "--url", "https://courier.example/X1"), 2,
		"--country is not accepted over SSH")
	// An operator ships; overriding a bad number needs a supervisor; a viewer may not ship.
	want(t, s.ssh("vic", "", "ship", "T1001", "--carrier", "ems", "--tracking", "EE040293660CN"), 1, "needs the operator role")
	want(t, s.ssh("bob", "", "ship", "T1001", "--carrier", "ems", "--tracking", "EB084456702CN", "--override", "'post office label'"), 1,
		"needs the supervisor role")
	want(t, s.ssh("bob", "", "ship", "T1001", "--carrier", "ems", "--tracking", "EE040293660CN"), 0, "SO00000001 shipped with ems")
	want(t, s.ssh("ana", "", "ship", "T1001", "--carrier", "ems", "--tracking", "EB084456702CN", "--override", "'post office label'"), 0, "corrected")
	// Bulk tracking reads standard input over SSH, never the server's files.
	want(t, s.ssh("bob", "", "import", "tracking", "/etc/passwd"), 2, "over SSH, import reads standard input")
	up := "SO1:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EB084456702CN\n"
	want(t, s.ssh("bob", up, "import", "tracking", "-", "--dry-run"), 0, "unchanged", "dry run")
	want(t, s.ssh("vic", up, "import", "tracking", "-"), 1, "needs the operator role")
	r := s.ssh("ana", "", "export", "audit", "--format", "jsonl")
	want(t, r, 0, `"action":"order.ship"`, `"action":"tracking.correct"`, `"operator":"ana"`, `"field":"tracking"`)
}

// Over SSH an upload has the same limit as locally, and a larger one is refused while it
// arrives, with nothing written.
func TestServeRefusesStandardInputOverTheLimit(t *testing.T) {
	s := startServer(t)
	before := s.ssh("ana", "", "export", "audit")
	want(t, before, 0)
	line := "SO1:: http://www.ems.com.cn/english-main.jsp:: Tracking ID=EB084456702CN\n"
	big := strings.Repeat(line, int(maxTrackingInput)/len(line)+1)
	start := time.Now()
	want(t, s.ssh("bob", big, "import", "tracking", "-"), 1, "standard input is larger than 8 MiB, the limit of import tracking")
	if d := time.Since(start); d > 60*time.Second {
		t.Fatalf("took %v to refuse", d)
	}
	if after := s.ssh("ana", "", "export", "audit"); after.stdout != before.stdout {
		t.Fatalf("a refused upload changed the audit trail:\n%s", after.stdout)
	}
	want(t, s.ssh("bob", "", "status"), 0, "0 shipped")
}
