package cli

import (
	"flag"
	"fmt"
	"github.com/charmbracelet/x/term"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"shipdesk/calendar"
	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/notify"
	"shipdesk/storage"
)

// env is what every command gets: the common flags, the standard streams, and who is
// acting. A command run over SSH gets the server's open store, the operator's role and
// the session; a local one opens the file itself and acts as a supervisor.
type env struct {
	dbPath   string
	tz       string
	operator string
	config   string
	country  string         // warehouse country: parcels to elsewhere are international
	within   time.Duration  // payment to ship-by
	delivery deliveryFlags  // rules 14–15: stall times, complete-after, order follows
	authWarn time.Duration  // warn of a channel's authorization this long before it lapses
	calendar string         // the working-day calendar file (calendar package)
	notify   *notify.Config // [notify], loaded once (notifyConfig)
	// codeDigits is the length of new voucher codes (0: the default).
	codeDigits int
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	now        func() time.Time

	store   *storage.Store // already open (the server's); nil: openStore opens dbPath
	role    domain.Role
	session string // SSH session id; empty locally
	remote  bool   // run for an SSH session: no files of the server's, no impersonation
	// onScreen: standard output is a terminal (a local one, or the session's PTY), so an
	// export's CSV fields are made safe to draw (textsafe); into a file or a pipe they are
	// written as they are.
	onScreen bool
}

// flags adds the flags every command accepts to fs.
func (e *env) flags(fs *flag.FlagSet) {
	if e.remote {
		// The server decides the database and the operator; a session may not read the
		// server's files (config) or act as someone else.
		// The warehouse's settings are the server's too.
		for _, name := range []string{"db", "operator", "config", "country", "ship-within", "stall", "complete-after", "order-follows", "auth-warn", "calendar", "code-digits"} {
			fs.Var(remoteFlag(name), name, "not accepted over SSH")
		}
	} else {
		fs.StringVar(&e.dbPath, "db", e.dbPath, "database file")
		fs.StringVar(&e.operator, "operator", e.operator, "operator name for the audit log")
		fs.StringVar(&e.config, "config", e.config, "key binding config file")
		fs.StringVar(&e.country, "country", e.country, "warehouse country (ISO code)")
		fs.Var(durationFlag{&e.within}, "ship-within", "payment to ship-by, e.g. 7d or 48h")
		e.delivery.flags(fs)
		fs.Var(digitsFlag{&e.codeDigits}, "code-digits", "length of new voucher codes, 6–11")
		fs.Var(durationFlag{&e.authWarn}, "auth-warn", "warn of a channel's authorization this long before it lapses, e.g. 7d")
		fs.StringVar(&e.calendar, "calendar", e.calendar, "working-day calendar file")
	}
	fs.StringVar(&e.tz, "tz", e.tz, "warehouse time zone")
}

// policy is the warehouse's shipping settings from the flags.
func (e *env) policy() domain.ShipPolicy {
	return domain.ShipPolicy{Country: strings.ToUpper(e.country), ShipWithin: e.within}
}

// durationFlag reads a duration that may also be given in days ("7d").
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := parseDays(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

// parseDays reads a positive duration: a number of days ("7d") or a Go duration ("48h").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration like 7d or 48h", s)
	}
	return d, nil
}

// digitsFlag reads a voucher code length.
type digitsFlag struct{ n *int }

func (f digitsFlag) String() string {
	if f.n == nil {
		return ""
	}
	return strconv.Itoa(*f.n)
}

func (f digitsFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%q is not a number of digits", s)
	}
	if err := domain.CheckCodeDigits(n); err != nil {
		return err
	}
	*f.n = n
	return nil
}

// remoteFlag refuses a flag that only a local command may set.
type remoteFlag string

func (f remoteFlag) String() string { return "" }
func (f remoteFlag) Set(string) error {
	return fmt.Errorf("--%s is not accepted over SSH: the server decides it", string(f))
}

// authWarning is how long before a channel's authorization lapses it is warned of.
func (e *env) authWarning() time.Duration {
	if e.authWarn > 0 {
		return e.authWarn
	}
	return domain.DefaultAuthWarning
}

// workCalendar is mainland China's working-day calendar with the warehouse's calendar
// file over it (default beside the key bindings: calendar.txt).
func (e *env) workCalendar() (domain.WorkCalendar, error) {
	path := e.calendar
	if path == "" {
		path = filepath.Join(filepath.Dir(keymap.DefaultPath()), "calendar.txt")
	}
	c, err := calendar.Load(path)
	if err != nil {
		return nil, inputError{fmt.Errorf("calendar: %w", err)}
	}
	return c, nil
}

// actor is who the command's changes are recorded as.
func (e *env) actor() storage.Actor {
	return storage.Actor{Operator: e.operator, Session: e.session, Role: e.role}
}

// require refuses an action the operator's role may not take (exit 1).
func (e *env) require(a domain.Action) error {
	if err := domain.Require(e.operator, e.role, a); err != nil {
		return inputError{err}
	}
	return nil
}

func (e *env) location() (*time.Location, error) {
	if e.tz == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(e.tz)
	if err != nil {
		return nil, inputError{fmt.Errorf("time zone %q: %v", e.tz, err)}
	}
	return loc, nil
}

// openStore opens the database for a command; read-only commands share the file with
// other readers, but not with a running console or server.
func openStore(e *env, readOnly bool) (*storage.Store, error) {
	if readOnly {
		if err := requireDB(e); err != nil {
			return nil, err
		}
	}
	return openWith(e, storage.Options{ReadOnly: readOnly, ShipWithin: e.within, Delivery: e.delivery.settings(), CodeDigits: e.codeDigits})
}

// openWith opens the database with opt, or shares the server's store inside a session.
func openWith(e *env, opt storage.Options) (*storage.Store, error) {
	if e.store != nil {
		return e.store.Share(), nil
	}
	var pol *domain.NotifyPolicy
	if !opt.ReadOnly {
		// A write may queue messages, due by the [notify] settings.
		cfg, err := e.notifyConfig()
		if err != nil {
			return nil, err
		}
		pol = &cfg.Policy
	}
	s, err := storage.Open(e.dbPath, opt)
	if err == nil && pol != nil {
		s.SetNotifyPolicy(*pol)
	}
	return s, err
}

// requireDB refuses a command that has nothing to do on a database that is not there,
// rather than creating an empty one (a mistyped --db).
func requireDB(e *env) error {
	if e.store != nil {
		return nil
	}
	if _, err := os.Stat(e.dbPath); err != nil {
		return inputError{fmt.Errorf("no database at %s — create one with `shipdesk demo --db %s` or `shipdesk import orders FILE`", e.dbPath, e.dbPath)}
	}
	return nil
}

// foldAfter is how long the console and the server wait after the last write before they
// fold the staged index rows into the indexes (storage.Store.Fold).
const foldAfter = 3 * time.Second

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// isTerminal reports whether w is a terminal of this process.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
