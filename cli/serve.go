package cli

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/notify"
	"shipdesk/server"
	"shipdesk/storage"
	"shipdesk/tui"
)

// shutdownGrace is how long a shutdown waits for sessions to finish their work.
const shutdownGrace = 15 * time.Second

// cmdServe: shipdesk serve [--listen ADDR] [--host-key PATH] [--operators PATH]
// [--max-sessions N] [--max-per-operator N] [--idle-timeout D]. One process owns the database and serves the
// console and the commands to every operator over SSH until SIGTERM or SIGINT; SIGHUP
// re-reads the operators file.
func cmdServe(e *env, args []string) error {
	fs := newFlagSet("serve")
	e.flags(fs)
	listen := fs.String("listen", "127.0.0.1:2222", "address to listen on")
	hostKey := fs.String("host-key", "", "host key file (default: ssh_host_ed25519_key beside the database)")
	operators := fs.String("operators", "", "operators file (default: operators beside the database)")
	maxSessions := fs.Int("max-sessions", 32, "sessions at once")
	perOperator := fs.Int("max-per-operator", 8, "sessions one operator may hold at once")
	idle := fs.Duration("idle-timeout", 30*time.Minute, "close a console after this long without a key")
	hookListen := fs.String("webhook-listen", "", "address for carrier webhooks over HTTP (off unless given)")
	hookSecret := fs.String("webhook-secret-file", "", "file holding the webhooks' shared secret (mode 0600)")
	backupDir := fs.String("backup-dir", "", "keep rotated, checked backups in this folder")
	backupEvery := 6 * time.Hour
	fs.Var(durationFlag{&backupEvery}, "backup-every", "time between backups, e.g. 6h or 1d")
	backupKeep := fs.Int("backup-keep", 28, "rotated backups to keep")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments, only flags")
	}
	if *maxSessions < 1 {
		return usagef("--max-sessions must be at least 1")
	}
	if *perOperator < 1 {
		return usagef("--max-per-operator must be at least 1")
	}
	if *idle < 0 {
		return usagef("--idle-timeout must not be negative")
	}
	if *backupKeep < 1 {
		return usagef("--backup-keep must be at least 1")
	}
	if *backupDir != "" {
		if err := backupDirUsable(*backupDir); err != nil {
			return inputError{err}
		}
	}
	if (*hookListen == "") != (*hookSecret == "") {
		return usagef("--webhook-listen and --webhook-secret-file go together")
	}
	var secret []byte
	if *hookSecret != "" {
		if secret, err = readWebhookSecret(*hookSecret); err != nil {
			return inputError{err}
		}
	}
	dir := filepath.Dir(e.dbPath)
	if *hostKey == "" {
		*hostKey = filepath.Join(dir, "ssh_host_ed25519_key")
	}
	if *operators == "" {
		*operators = filepath.Join(dir, "operators")
	}
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
	ncfg, err := e.notifyConfig()
	if err != nil {
		return err
	}
	store, err := storage.Open(e.dbPath, storage.Options{ShipWithin: e.within, FoldAfter: foldAfter, Delivery: e.delivery.settings(), CodeDigits: e.codeDigits})
	if err != nil {
		return err
	}
	storeOpen := true
	defer func() {
		if storeOpen {
			store.Close()
		}
	}()
	logger := log.New(e.stderr, "shipdesk serve: ", log.LstdFlags)
	// The one sender: it holds the outbox lease while serve runs (a cron `outbox send`
	// meanwhile is refused) and sends what is due every senderEvery.
	host, _ := os.Hostname()
	snd, err := notify.NewSender(store, ncfg, serveActor, fmt.Sprintf("serve %d@%s", os.Getpid(), host))
	if err != nil {
		return inputError{err}
	}
	snd.Now = e.now
	sendCtx, stopSender := context.WithCancel(context.Background())
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		snd.Run(sendCtx, senderEvery, func(r notify.Report, err error) {
			if err != nil {
				logger.Printf("outbox: %v", err)
				return
			}
			logger.Printf("outbox: sent %d, failed %d", r.Sent, r.Failed)
		})
	}()
	defer func() { stopSender(); <-senderDone }()
	if *backupDir != "" {
		stop := backupEveryWhile(store, *backupDir, backupEvery, *backupKeep, e.now, logger)
		defer stop() // before the store closes
	}
	srv, err := server.New(server.Config{
		Listen: *listen, HostKeyPath: *hostKey, OperatorsPath: *operators,
		MaxSessions: *maxSessions, MaxPerOperator: *perOperator, IdleTimeout: *idle, Log: logger,
		Command: func(s *server.Session, args []string) int {
			return runSession(e, store, s, args)
		},
		Console: func(s *server.Session) tea.Model {
			return tui.New(tui.Config{
				Store: store, Keys: keys, Operator: s.Operator.Name, Role: s.Operator.Role, Session: s.ID,
				Location: loc, Now: e.now, DBLabel: e.dbPath, Renderer: s.Renderer, Context: s.Context,
				Policy: e.policy(), Notify: &ncfg, AuthWarning: e.authWarning(),
			})
		},
	})
	if err != nil {
		return inputError{err}
	}
	addr := srv.Addr().String()
	if err := writeServeFile(e.dbPath, addr); err != nil {
		return err
	}
	defer os.Remove(serveFile(e.dbPath))
	logger.Printf("serving %s on %s to %d operator keys (from %s); connect with: %s", e.dbPath, addr, srv.Operators(), *operators, sshCommand(addr))
	var hooks *webhookServer
	if *hookListen != "" {
		if hooks, err = startWebhooks(*hookListen, &webhook{store: store, secret: secret, log: logger, now: e.now}); err != nil {
			_ = srv.Shutdown(context.Background())
			return inputError{err}
		}
		logger.Printf("webhooks on http://%s: POST /hooks/aftership, POST /hooks/events (bodies up to %d bytes)", hooks.addr(), MaxWebhookBody)
	}
	stopClock := completeOnTheClock(store, e.now, logger)
	defer stopClock()

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	// Vouchers past their valid-until expire (with their refunds) within a minute.
	expireVouchers(store, e.now(), logger)
	expiry := time.NewTicker(time.Minute)
	defer expiry.Stop()
	for {
		select {
		case err := <-served:
			return err
		case <-expiry.C:
			expireVouchers(store, e.now(), logger)
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				_ = srv.Reload()
				continue
			}
			logger.Printf("%v: telling %d sessions and shutting down", sig, srv.Sessions())
			// Shutdown returns once no session's work runs (a command still running at
			// the end of the grace is let finish, and the log says so): only then is the
			// database closed.
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			if hooks != nil {
				_ = hooks.shutdown(ctx)
			}
			err := srv.Shutdown(ctx)
			cancel()
			if err != nil {
				logger.Print(err)
			}
			<-served
			storeOpen = false
			if err := store.Close(); err != nil {
				logger.Printf("stopped; closing the database: %v", err)
				return err
			}
			logger.Printf("stopped; database closed")
			return nil
		}
	}
}

// senderEvery is how often serve's sender looks for messages due.
const senderEvery = 30 * time.Second

// runSession runs one command line for an SSH session through the same dispatch as a
// local one: on the server's store, with its settings and clock, as the session's
// operator with their role, on the session's streams.
func runSession(e *env, store *storage.Store, s *server.Session, args []string) int {
	se := &env{
		dbPath: e.dbPath, tz: e.tz, operator: s.Operator.Name, country: e.country, within: e.within, delivery: e.delivery,
		authWarn: e.authWarn, calendar: e.calendar,
		stdin: s.Stdin, stdout: s.Stdout, stderr: s.Stderr, now: e.now,
		store: store, role: s.Operator.Role, session: s.ID, remote: true, config: e.config, notify: e.notify,
		onScreen: s.Terminal,
	}
	return report(s.Stderr, dispatch(se, args), "")
}

// serveFile sits beside the database while a server holds it, saying where it listens,
// so that a local shipdesk that finds the file locked can say how to connect.
func serveFile(dbPath string) string { return dbPath + ".serve" }

// writeServeFile writes the file whole under a temporary name and renames it, so a reader
// never sees it half written.
func writeServeFile(dbPath, addr string) error {
	body := fmt.Sprintf("%s\npid %d\n", addr, os.Getpid())
	tmp := serveFile(dbPath) + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", serveFile(dbPath), err)
	}
	if err := os.Rename(tmp, serveFile(dbPath)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", serveFile(dbPath), err)
	}
	return nil
}

// serveHint reads the serve file beside the database: how to reach the server that holds
// it, or "" when there is none (or its process is gone).
func serveHint(dbPath string) string {
	if dbPath == "" {
		return ""
	}
	data, err := os.ReadFile(serveFile(dbPath))
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	addr := strings.TrimSpace(lines[0])
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return ""
	}
	pid := 0
	if len(lines) > 1 {
		pid, _ = strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(lines[1]), "pid "))
	}
	if pid > 0 {
		if p, err := os.FindProcess(pid); err == nil && errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone) {
			return ""
		}
	}
	return fmt.Sprintf("`shipdesk serve` (pid %d) holds it and serves the console over SSH. Connect with:\n  %s", pid, sshCommand(addr))
}

// sshCommand is how an operator reaches a server listening on addr.
func sshCommand(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "ssh " + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil {
			host = name
		}
	}
	if port == "22" {
		return "ssh " + host
	}
	return "ssh -p " + port + " " + host
}

// completeOnTheClock completes delivered orders as their complete-after passes (rule 15)
// every few minutes while the server runs; the returned func stops it.
func completeOnTheClock(store *storage.Store, now func() time.Time, logger *log.Logger) func() {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Minute)
		defer tick.Stop()
		for {
			if n, err := store.CompleteDue(now(), serveActor); err != nil {
				logger.Printf("completing delivered orders: %v", err)
			} else if n > 0 {
				logger.Printf("completed %d delivered orders (complete-after passed)", n)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done) }
}

// serveActor is who the server's own jobs act as in the audit trail.
var serveActor = storage.Actor{Operator: "shipdesk serve", Role: domain.RoleSupervisor}

// expireVouchers runs the vouchers' expiry (idempotent) and logs what it did.
func expireVouchers(store *storage.Store, now time.Time, logger *log.Logger) {
	res, err := store.ExpireVouchers(now, serveActor)
	switch {
	case err != nil:
		logger.Printf("voucher expiry: %v", err)
	case res.Codes > 0:
		logger.Print(expireLine(res))
	}
}
