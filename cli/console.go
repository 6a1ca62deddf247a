package cli

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/keymap"
	"shipdesk/storage"
	"shipdesk/tui"
)

// runConsole opens the database and runs the console in the terminal.
func runConsole(e *env) error {
	loc, err := e.location()
	if err != nil {
		return err
	}
	if e.config == "" {
		e.config = keymap.DefaultPath()
	}
	keys, err := keymap.Load(e.config)
	if err != nil {
		return inputError{err}
	}
	s, err := openConsoleStore(e)
	if err != nil {
		return err
	}
	defer s.Close()
	m := tui.New(tui.Config{
		Store: s, Keys: keys, Operator: e.operator, Role: e.role, Location: loc, Now: e.now, DBLabel: e.dbPath,
		Policy: e.policy(), AuthWarning: e.authWarning(),
	})
	p := tea.NewProgram(m, tea.WithAltScreen())
	defer quitOnHangup(p)()
	_, err = p.Run()
	return err
}

// quitOnHangup quits the console when its terminal goes away (SIGHUP: the window or the
// SSH connection closed), so that it ends as if the operator had quit: the database is
// closed and a demo's temporary folder removed. Bubble Tea itself handles SIGINT and
// SIGTERM. The returned function stops listening.
func quitOnHangup(p *tea.Program) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case <-hup:
			p.Quit()
		case <-done:
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
	}
}

// runDemoConsole writes a demo database to a temporary file and opens the console on it.
func runDemoConsole(e *env) error {
	dir, err := os.MkdirTemp("", "shipdesk-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e.dbPath = filepath.Join(dir, "demo.db")
	fmt.Fprintf(e.stderr, "writing a demo database of %d orders to %s …\n", demoConsoleOrders, e.dbPath)
	if err := writeDemo(e, demoConsoleOrders); err != nil {
		return err
	}
	return runConsole(e)
}

// openConsoleStore opens the database for the console: as a command would, and folding
// staged index rows while the operator is not writing (a server's store already does).
func openConsoleStore(e *env) (*storage.Store, error) {
	return openWith(e, storage.Options{ShipWithin: e.within, FoldAfter: foldAfter, CodeDigits: e.codeDigits})
}
