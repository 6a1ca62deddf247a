// Package server serves the shipdesk console and its commands over SSH, one process
// owning the database for every operator (SPEC §4). Operators are known by their public
// keys (the operators file); each session gets its own Bubble Tea program, renderer and
// styles, or runs one command without a console.
//
// Identity is resolved from the key the session proved (session.PublicKey()), after the
// handshake; the public-key callback only lets known keys try.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"

	"shipdesk/domain"
)

// Config is what a server needs. Command and Console are the application: the server
// knows SSH, sessions and operators, not shipdesk's commands.
type Config struct {
	Listen        string // host:port; port 0 picks a free one (see Addr)
	HostKeyPath   string
	OperatorsPath string
	MaxSessions   int // sessions at once; further ones are turned away
	// MaxPerOperator is how many sessions one operator may hold at once (default 8): one
	// key cannot take every slot. The last slot of MaxSessions (when it is 2 or more) is
	// kept for a supervisor.
	MaxPerOperator int
	IdleTimeout    time.Duration // a console without a key pressed this long is closed
	PollEvery      time.Duration // how often the operators file is checked for changes; default 1s
	Log            *log.Logger   // connection and reload messages; nil: discarded

	// Command runs one command line for a session, with the session's streams, and
	// returns its exit code.
	Command func(s *Session, args []string) int
	// Console builds the console of a session.
	Console func(s *Session) tea.Model
}

// Session is what the application learns of one SSH session.
type Session struct {
	ID       string // short random id, recorded in the audit trail and the log
	Operator Operator
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	Context  context.Context // done when the client goes away or the server closes it
	// Renderer is built from the session's terminal, for its styles (console only).
	Renderer *lipgloss.Renderer
	// Terminal: the client asked for a terminal (a PTY), so what the session prints is
	// drawn on a screen rather than saved.
	Terminal bool
}

// Server is a running SSH server.
type Server struct {
	cfg     Config
	ssh     *ssh.Server
	ln      net.Listener
	reg     *registry
	log     *log.Logger
	closing atomic.Bool
	stop    chan struct{} // closed by Shutdown: ends the file watcher
	cut     chan struct{} // closed when a shutdown's grace is over: commands' input ends

	mu       sync.Mutex
	sessions map[string]*live
	wg       sync.WaitGroup // one per session handler
}

// live is a session in progress, for limits and shutdown.
type live struct {
	id       string
	cmd      []string // nil for a console
	operator string
	role     domain.Role
	key      string       // the proven key, marshalled: what a reload looks up again
	program  *tea.Program // nil for a command
	ended    chan struct{}
	why      atomic.Value // string: why the server ended it
}

// shutdownWhy is what every session is told when the server shuts down.
const shutdownWhy = "the server is shutting down; your work is saved. Connect again when it is back."

// ErrServerFull is returned to a client when MaxSessions are in progress.
var ErrServerFull = errors.New("the server is full")

// New reads the host key (creating it on first start) and the operators file, and
// listens. A malformed operators file or an unreadable key stops it here.
func New(cfg Config) (*Server, error) {
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 32
	}
	if cfg.MaxPerOperator <= 0 {
		cfg.MaxPerOperator = 8
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	if cfg.Command == nil || cfg.Console == nil {
		return nil, errors.New("server: Command and Console are required")
	}
	reg, err := newRegistry(cfg.OperatorsPath)
	if err != nil {
		return nil, err
	}
	signer, created, err := HostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	if created {
		cfg.Log.Printf("created host key %s (%s)", cfg.HostKeyPath, fingerprint(signer.PublicKey()))
	}
	s := &Server{cfg: cfg, reg: reg, log: cfg.Log, stop: make(chan struct{}), cut: make(chan struct{}), sessions: map[string]*live{}}
	srv, err := wish.NewServer(
		wish.WithAddress(cfg.Listen),
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		// Only keys of the operators file may try; which operator a session is, is
		// decided from the key it proved (handle).
		wish.WithPublicKeyAuth(func(ctx ssh.Context, key ssh.PublicKey) bool {
			_, ok := s.reg.lookup(key)
			if !ok {
				s.log.Printf("refused key %s of %s from %s", fingerprint(key), ctx.User(), ctx.RemoteAddr())
			}
			return ok
		}),
		// A connection without a session, or whose client stopped answering, is closed
		// a while after the idle time; a console's own idle check (no key pressed)
		// comes first and says why.
		wish.WithIdleTimeout(connIdle(cfg.IdleTimeout)),
	)
	if err != nil {
		return nil, err
	}
	// No password or keyboard-interactive handler: those methods are never offered.
	srv.PasswordHandler, srv.KeyboardInteractiveHandler = nil, nil
	srv.Handler = s.handle
	s.ssh = srv
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	s.ln = ln
	return s, nil
}

// connIdle is how long a connection may pass no bytes at all.
func connIdle(idle time.Duration) time.Duration {
	if idle <= 0 {
		return 0
	}
	return idle + 30*time.Second
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Operators is how many keys are in force.
func (s *Server) Operators() int {
	s.reg.mu.RLock()
	defer s.reg.mu.RUnlock()
	return len(s.reg.byKey)
}

// Serve accepts connections until Shutdown; it returns nil after a shutdown.
func (s *Server) Serve() error {
	go s.watch()
	err := s.ssh.Serve(s.ln)
	if errors.Is(err, ssh.ErrServerClosed) || s.closing.Load() {
		return nil
	}
	return err
}

// Reload reads the operators file again. New connections use the new file; sessions
// whose key it no longer lists, or lists with another name or role, are ended
// (endRevoked); the others go on. On an error the operators in force stay, and the error
// is returned.
func (s *Server) Reload() error {
	n, err := s.reg.reload()
	if err != nil {
		s.log.Printf("operators file not reloaded, the previous one stays in force: %v", err)
		return err
	}
	s.log.Printf("operators file reloaded: %d keys", n)
	s.endRevoked()
	return nil
}

// endRevoked ends the consoles of keys the operators file no longer lists as they were
// (removed, or given to another name or role): each quits and tells the operator why,
// as at shutdown. A command in progress finishes what it was doing (it is one
// transaction); the log names it.
func (s *Server) endRevoked() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.sessions {
		var why string
		switch op, ok := s.reg.lookupMarshalled(l.key); {
		case !ok:
			why = "your key was removed from the operators file: session closed."
		case op.Name != l.operator || op.Role != l.role:
			why = fmt.Sprintf("the operators file now lists your key as %s, %s: session closed. Connect again to go on.", op.Name, op.Role)
		default:
			continue
		}
		if cur, _ := l.why.Load().(string); cur != "" {
			continue // already ending
		}
		l.why.Store(why)
		if l.program == nil {
			s.log.Printf("session %s: %s (%s): key revoked; a command in progress finishes, a console starting is refused", l.id, l.operator, l.role)
			continue
		}
		s.log.Printf("session %s: %s (%s): key revoked, console closed", l.id, l.operator, l.role)
		l.program.Quit()
	}
}

// watch reloads the operators file when it changes (polling its time, size and inode:
// no watcher dependency, and an editor's save-by-rename is seen too).
func (s *Server) watch() {
	t := time.NewTicker(s.cfg.PollEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if s.reg.changed() {
				_ = s.Reload()
			}
		}
	}
}

// Sessions is how many sessions are in progress.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Shutdown stops accepting connections, tells every session that the server is going
// away (consoles quit, then read a line saying so) and waits for commands in progress to
// finish until ctx is done. A command still running then is let finish, never abandoned:
// its standard input is cut (a command still reading it fails, saying the server is
// shutting down, and writes nothing) and one as long again later the connections of any
// left are closed, which fails their reads and writes, and it waits on for them; a write
// transaction under way commits or rolls back as its command decides. Shutdown returns
// once no session's work runs, every client having been sent its command's exit status
// where the connection still stood, so the caller may close the store after it. The log
// names the commands still running at the end of the grace and how each ended.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.closing.CompareAndSwap(false, true) {
		return nil
	}
	began := time.Now()
	close(s.stop)
	_ = s.ln.Close()
	s.mu.Lock()
	for _, l := range s.sessions {
		l.why.Store(shutdownWhy)
		if l.program != nil {
			l.program.Quit()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		running := s.running()
		s.log.Printf("grace over after %s: %d sessions still running, let finish (standard input cut): %s",
			time.Since(began).Round(time.Millisecond), len(running), strings.Join(running, "; "))
		close(s.cut)
		err = fmt.Errorf("%d sessions were still running at the end of the grace and were let finish", len(running))
		select {
		case <-done:
		case <-time.After(max(time.Since(began), time.Second)):
			running := s.running()
			s.log.Printf("closing the connections of %d sessions still running; their commands finish what they are doing: %s",
				len(running), strings.Join(running, "; "))
			_ = s.ssh.Close()
			<-done
		}
		s.log.Printf("every session has ended")
	}
	if cerr := s.ssh.Close(); cerr != nil && err == nil && !errors.Is(cerr, ssh.ErrServerClosed) && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}

// running names the sessions in progress, for the log.
func (s *Server) running() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, l := range s.sessions {
		names = append(names, fmt.Sprintf("session %s: %s (%s) %s", l.id, l.operator, l.role, describe(l.cmd)))
	}
	slices.Sort(names)
	return names
}

// handle is every session: who it is (from the proven key), whether there is room, then
// a console or one command.
func (s *Server) handle(sess ssh.Session) {
	op, l, err := s.admit(sess.PublicKey())
	if err != nil {
		if errors.Is(err, ErrServerFull) {
			err = fmt.Errorf("%w (%d sessions); try again later", err, s.cfg.MaxSessions)
		}
		fmt.Fprintf(sess.Stderr(), "shipdesk: %v\n", err)
		_ = sess.Exit(1)
		return
	}
	_, _, pty := sess.Pty()
	info := &Session{
		ID: l.id, Operator: op, Stdin: sess, Stdout: sess, Stderr: sess.Stderr(), Context: sess.Context(), Terminal: pty,
	}
	cmd := sess.Command()
	if len(cmd) > 0 {
		// A command's standard input ends when a shutdown's grace is over.
		info.Stdin = &cutReader{r: sess, cut: s.cut}
	}
	s.mu.Lock()
	l.cmd = cmd
	s.mu.Unlock()
	s.log.Printf("session %s: %s (%s) from %s with key %s: %s", l.id, op.Name, op.Role, sess.RemoteAddr(), op.Fingerprint(), describe(cmd))
	start := time.Now()
	code := s.guard(sess, l, func() int {
		if len(cmd) == 0 {
			return s.console(sess, info, l)
		}
		return s.cfg.Command(info, cmd)
	})
	s.log.Printf("session %s: ended after %s, exit %d", l.id, time.Since(start).Round(time.Millisecond), code)
	// Make room before the exit status reaches the client (what it runs next has room),
	// but count the session as running until the status is sent: a shutdown closes the
	// connections only after that, so the client always learns the outcome.
	s.unregister(l)
	if err := sess.Exit(code); err != nil {
		s.log.Printf("session %s: exit %d could not be sent: %v", l.id, code, err)
	}
	s.done(l)
}

// guard runs a session's work so that a bug in it ends that session, not the server
// and every other operator's.
func (s *Server) guard(sess ssh.Session, l *live, work func() int) (code int) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Printf("session %s: panic: %v\n%s", l.id, r, debug.Stack())
			fmt.Fprintf(sess.Stderr(), "shipdesk: internal error (session %s); the server log has the details\n", l.id)
			code = 1
		}
	}()
	return work()
}

func describe(cmd []string) string {
	if len(cmd) == 0 {
		return "console"
	}
	return fmt.Sprintf("command %q", cmd)
}

// admit finds the operator of the session's key and registers the session, unless the
// key is not in the operators file (removed after the handshake, or never proved), or
// the server is full or closing. The key is looked up under the sessions' lock, which a
// reload's endRevoked takes after replacing the file's keys: a session is either seen
// by it or admitted under the new file, never neither.
func (s *Server) admit(key ssh.PublicKey) (Operator, *live, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := s.reg.lookup(key)
	switch {
	case !ok:
		return Operator{}, nil, errors.New("this key is not in the operators file")
	case s.closing.Load():
		return Operator{}, nil, errors.New("the server is shutting down")
	}
	if err := s.room(op); err != nil {
		return Operator{}, nil, err
	}
	l := &live{id: newID(), operator: op.Name, role: op.Role, key: string(op.Key.Marshal()), ended: make(chan struct{})}
	s.sessions[l.id] = l
	s.wg.Add(1)
	return op, l, nil
}

// room says whether op may open one more session (s.mu held): not past MaxSessions, not
// past MaxPerOperator of their own, and not in the last slot unless a supervisor (so that
// a supervisor can always connect to see what is going on and act).
func (s *Server) room(op Operator) error {
	mine := 0
	for _, l := range s.sessions {
		if l.operator == op.Name {
			mine++
		}
	}
	limit := s.cfg.MaxSessions
	if op.Role < domain.RoleSupervisor && limit >= 2 {
		limit-- // the supervisor's slot
	}
	switch {
	case len(s.sessions) >= limit:
		return ErrServerFull
	case s.cfg.MaxPerOperator > 0 && mine >= s.cfg.MaxPerOperator:
		return fmt.Errorf("%s already has %d sessions open, the most one operator may have; close one", op.Name, mine)
	}
	return nil
}

// unregister frees the session's slot; done then ends it for Shutdown.
func (s *Server) unregister(l *live) {
	s.mu.Lock()
	delete(s.sessions, l.id)
	s.mu.Unlock()
}

func (s *Server) done(l *live) {
	close(l.ended)
	s.wg.Done()
}

func newID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// The largest window a console draws: a client that says it is larger gets a screen of
// this size (a 65535×65535 window would make every key cost tens of MB of output).
const (
	MaxWidth  = 500
	MaxHeight = 200
)

func (r *idleReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.touch()
	}
	return n, err
}

func fingerprint(key ssh.PublicKey) string {
	if key == nil {
		return "(none)"
	}
	return gossh.FingerprintSHA256(key)
}
