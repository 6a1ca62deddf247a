package server

// A session's terminal and input: the console over a session's PTY (window sizes clamped,
// the session's own renderer, an idle timeout) and a command's standard input, which a
// shutdown can cut.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"
)

// errShuttingDown is what a command reading its standard input reads once a shutdown's
// grace is over.
var errShuttingDown = errors.New("the server is shutting down: standard input was cut off before its end; send it again when the server is back")

// cutReader is a command's standard input, which ends with errShuttingDown once cut is
// closed, even while a read is waiting for the client.
type cutReader struct {
	r       io.Reader
	cut     <-chan struct{}
	once    sync.Once
	chunks  chan cutChunk
	pending []byte
	err     error
}

type cutChunk struct {
	b   []byte
	err error
}

func (c *cutReader) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	if c.err != nil {
		return 0, c.err
	}
	c.once.Do(func() {
		c.chunks = make(chan cutChunk)
		go c.pump()
	})
	select {
	case <-c.cut:
		c.err = errShuttingDown
		return 0, c.err
	case k := <-c.chunks:
		n := copy(p, k.b)
		c.pending, c.err = k.b[n:], k.err
		if n == 0 && k.err != nil {
			return 0, k.err
		}
		return n, nil
	}
}

// pump reads the client's stream for Read, until it ends or the input is cut.
func (c *cutReader) pump() {
	for {
		b := make([]byte, 32<<10)
		n, err := c.r.Read(b)
		select {
		case c.chunks <- cutChunk{b[:n], err}:
		case <-c.cut:
			return
		}
		if err != nil {
			return
		}
	}
}

// console runs the session's own Bubble Tea program until the operator quits, the
// client goes away, the session is idle too long or the server shuts down.
func (s *Server) console(sess ssh.Session, info *Session, l *live) int {
	pty, winch, ok := sess.Pty()
	if !ok {
		fmt.Fprintln(sess.Stderr(), "shipdesk: the console needs a terminal: connect with ssh -t, or give a command (ssh … status)")
		return 1
	}
	info.Renderer = sessionRenderer(sess, pty.Term)
	in := &idleReader{r: sess}
	in.touch()
	info.Stdin = in
	p := tea.NewProgram(s.cfg.Console(info),
		tea.WithInput(in), tea.WithOutput(sess),
		tea.WithAltScreen(),
		tea.WithContext(sess.Context()),
		// The server handles its own signals; a session's program must not.
		tea.WithoutSignalHandler(),
		tea.WithEnvironment(append(sess.Environ(), "TERM="+pty.Term)),
	)
	s.mu.Lock()
	l.program = p
	closing := s.closing.Load()
	revoked, _ := l.why.Load().(string)
	s.mu.Unlock()
	if closing {
		// Shutdown began before there was a program to quit.
		fmt.Fprintf(sess.Stderr(), "shipdesk: %s\n", shutdownWhy)
		return 1
	}
	if revoked != "" {
		// A reload revoked the key before there was a program to quit.
		fmt.Fprintf(sess.Stderr(), "shipdesk: %s\n", revoked)
		return 1
	}
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case w, ok := <-winch:
				if !ok {
					return
				}
				w.Width, w.Height = clampWindow(w.Width, w.Height)
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	if s.cfg.IdleTimeout > 0 {
		go s.idle(ctx, p, in, l)
	}
	_, err := p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		s.log.Printf("session %s: console: %v", l.id, err)
	}
	if why, _ := l.why.Load().(string); why != "" {
		fmt.Fprintf(sess.Stderr(), "\nshipdesk: %s\n", why)
		return 1
	}
	return 0
}

// clampWindow is the size a console draws for a window of w×h: at most MaxWidth ×
// MaxHeight, and 80×24 for a client that cannot tell its size (ssh -tt from a script says
// 0×0).
func clampWindow(w, h int) (int, int) {
	if w <= 0 || h <= 0 {
		return 80, 24
	}
	return min(w, MaxWidth), min(h, MaxHeight)
}

// sessionRenderer is a lipgloss renderer for the session's terminal: its colour profile
// comes from the client's TERM and environment, not the server's. It is what wish's
// bubbletea.MakeRenderer builds, less the background-colour query: a client whose
// terminal does not answer it (a script with ssh -tt) would leave the console waiting
// for the first key, and swallow it. The console's palette is the 16 ANSI colours,
// which follow the operator's own theme, so the background does not matter.
func sessionRenderer(sess ssh.Session, term string) *lipgloss.Renderer {
	env := sessionEnv(append(sess.Environ(), "TERM="+term))
	return lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
}

// sessionEnv is the session's environment as termenv reads it.
type sessionEnv []string

func (e sessionEnv) Environ() []string { return e }

func (e sessionEnv) Getenv(k string) string {
	for i := len(e) - 1; i >= 0; i-- {
		if name, v, ok := strings.Cut(e[i], "="); ok && name == k {
			return v
		}
	}
	return ""
}

// idle quits the console when no key has been pressed for the idle timeout.
func (s *Server) idle(ctx context.Context, p *tea.Program, in *idleReader, l *live) {
	step := min(s.cfg.IdleTimeout/4, time.Second)
	t := time.NewTicker(step)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if time.Since(in.last()) >= s.cfg.IdleTimeout {
				l.why.Store(fmt.Sprintf("no key pressed for %s: session closed. Connect again to go on.", s.cfg.IdleTimeout))
				p.Quit()
				return
			}
		}
	}
}

// idleReader remembers when the operator last typed.
type idleReader struct {
	r  io.Reader
	at atomic.Int64 // unix nanoseconds of the last read
}

func (r *idleReader) touch() { r.at.Store(time.Now().UnixNano()) }

func (r *idleReader) last() time.Time { return time.Unix(0, r.at.Load()) }
