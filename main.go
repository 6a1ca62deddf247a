// Command shipdesk is a keyboard-driven terminal console for e-commerce fulfilment
// operators, with non-interactive subcommands for scripts. See README.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"shipdesk/textsafe"
	"strconv"
	"strings"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// Exit codes are a contract with scripts.
const (
	exitOK    = 0
	exitInput = 1 // bad input or refused action; nothing written
	exitUsage = 2
	exitInUse = 3 // another process holds the database
)

const usage = `shipdesk — a terminal console for fulfilment operators

usage:
  shipdesk [--db PATH]                                  the console
  shipdesk --demo                                       the console on a fresh demo database in a temp file
  shipdesk demo --db PATH [--orders N] [--force]        write a demo database
  shipdesk import orders FILE...                        JSON Lines (.jsonl) or CSV (.csv)
  shipdesk import tracking FILE [--dry-run] [--skip-bad]   GSPAY lines or CSV order,carrier,tracking[,shipped_at,eta]
  shipdesk ship REF --carrier C --tracking N [--url U] [--shipped-at T] [--eta T] [--override REASON]
  shipdesk ship REF --no-tracking REASON                REF is SO number, CHANNEL:TRADE_ID, trade ID or payment ref
  shipdesk carriers                                     the carrier registry: codes, formats, tracking pages
  shipdesk pool convert|remove|process [--reason R] KEY...   KEY is CHANNEL:TRADE_ID
  shipdesk pool convert --all-ready
  shipdesk import refunds FILE...                       refund requests, JSON Lines or CSV (- reads standard input)
  shipdesk refund convert|reject|process [--reason R] KEY...   KEY is CHANNEL:REFUND_ID; reject and process need --reason
  shipdesk refund partial ORDER_REF --amount 12.50 --reason R  ORDER_REF as for ship
  shipdesk export pool|orders [--format jsonl|csv]      to stdout
  shipdesk export tracking [--format gspay|csv|jsonl] [--since T]   gspay: chunks of 100 lines
  shipdesk export refunds|outbox [--format jsonl|csv]   the refund queue; write-backs owed to the channels
  shipdesk export audit [--since T] [--format jsonl|csv]   the audit trail, oldest first
  shipdesk status [--json]
  shipdesk fold                                         fold staged index rows into the indexes now
  shipdesk doctor [--repair] [--json]                   check the indexes and counters against the records; --repair rebuilds them
  shipdesk serve [--listen ADDR] [--host-key PATH] [--operators PATH]
                 [--max-sessions N] [--idle-timeout D]  serve the console over SSH to a team

flags accepted everywhere:
  --db PATH         database file (default $SHIPDESK_DB, else $XDG_DATA_HOME/shipdesk/shipdesk.db)
  --tz ZONE         warehouse time zone, e.g. Asia/Shanghai (default $SHIPDESK_TZ, else the machine's)
  --operator NAME   who is acting, for the audit log (default $SHIPDESK_OPERATOR, else $USER)
  --config PATH     key bindings (default $XDG_CONFIG_HOME/shipdesk/config.toml)
  --country CC      warehouse country; parcels elsewhere are international (default $SHIPDESK_COUNTRY, else CN)
  --ship-within D   payment to ship-by for new sales orders, e.g. 7d (default $SHIPDESK_SHIP_WITHIN, else 7d)
  --cpuprofile FILE write a CPU profile (before the subcommand)

FILE may be - for standard input (with --format jsonl|csv, else guessed from the content).
Over SSH (ssh -p PORT HOST COMMAND…) the same commands run with the operator's role;
import reads standard input there: ssh -p 2222 box import orders - < orders.jsonl

exit codes: 0 done, 1 bad input or refused (nothing written), 2 usage, 3 database in use
`

// usageError is a command line that doesn't parse: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// inputError is bad input or a refused action: exit 1.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// env is what every command gets: the common flags, the standard streams, and who is
// acting. A command run over SSH gets the server's open store, the operator's role and
// the session; a local one opens the file itself and acts as a supervisor.
type env struct {
	dbPath   string
	tz       string
	operator string
	config   string
	country  string        // warehouse country: parcels to elsewhere are international
	within   time.Duration // payment to ship-by
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	now      func() time.Time

	store   *storage.Store // already open (the server's); nil: openStore opens dbPath
	role    domain.Role
	session string // SSH session id; empty locally
	remote  bool   // run for an SSH session: no files of the server's, no impersonation
}

func (e *env) flags(fs *flag.FlagSet) {
	if e.remote {
		// The server decides the database and the operator; a session may not read the
		// server's files (config) or act as someone else.
		// The warehouse's settings are the server's too.
		for _, name := range []string{"db", "operator", "config", "country", "ship-within"} {
			fs.Var(remoteFlag(name), name, "not accepted over SSH")
		}
	} else {
		fs.StringVar(&e.dbPath, "db", e.dbPath, "database file")
		fs.StringVar(&e.operator, "operator", e.operator, "operator name for the audit log")
		fs.StringVar(&e.config, "config", e.config, "key binding config file")
		fs.StringVar(&e.country, "country", e.country, "warehouse country (ISO code)")
		fs.Var(durationFlag{&e.within}, "ship-within", "payment to ship-by, e.g. 7d or 48h")
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

// remoteFlag refuses a flag that only a local command may set.
type remoteFlag string

func (f remoteFlag) String() string { return "" }
func (f remoteFlag) Set(string) error {
	return fmt.Errorf("--%s is not accepted over SSH: the server decides it", string(f))
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

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{
		dbPath:   os.Getenv("SHIPDESK_DB"),
		tz:       os.Getenv("SHIPDESK_TZ"),
		operator: firstNonEmpty(os.Getenv("SHIPDESK_OPERATOR"), os.Getenv("USER"), "operator"),
		country:  firstNonEmpty(os.Getenv("SHIPDESK_COUNTRY"), "CN"),
		stdin:    stdin, stdout: stdout, stderr: stderr,
		now:  func() time.Time { return time.Now().UTC() },
		role: domain.RoleSupervisor, // the invoking user owns the file
	}
	if e.dbPath == "" {
		e.dbPath = storage.DefaultPath()
	}
	if v := os.Getenv("SHIPDESK_SHIP_WITHIN"); v != "" {
		d, err := parseDays(v)
		if err != nil {
			return report(stderr, usagef("SHIPDESK_SHIP_WITHIN: %v", err), e.dbPath)
		}
		e.within = d
	}
	err := dispatch(e, args)
	return report(stderr, err, e.dbPath)
}

// report prints err for an operator and maps it to the exit code. dbPath is the
// database the command meant, to say how to reach a server that holds it.
func report(stderr io.Writer, err error, dbPath string) int {
	if err == nil {
		return exitOK
	}
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stderr, usage)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "shipdesk: %s\n\n%s", textsafe.Lines(err.Error()), usage)
		return exitUsage
	case errors.Is(err, storage.ErrInUse):
		if how := serveHint(dbPath); how != "" {
			fmt.Fprintf(stderr, "shipdesk: %v\n%s\n", err, how)
		} else {
			fmt.Fprintf(stderr, "shipdesk: %v\nAnother shipdesk (a console or `shipdesk serve`) has it open. Close it, or when it is a server, connect to it over SSH instead.\n", err)
		}
		return exitInUse
	}
	// Errors quote what came from outside (files, channels, other operators' reasons).
	fmt.Fprintf(stderr, "shipdesk: %s\n", textsafe.Lines(err.Error()))
	return exitInput
}

func dispatch(e *env, args []string) error {
	// Common flags may come before the subcommand.
	fs := newFlagSet("shipdesk")
	e.flags(fs)
	demoConsole, cpuProfile := new(bool), new(string)
	if !e.remote {
		fs.BoolVar(demoConsole, "demo", false, "run the console on a fresh demo database")
		fs.StringVar(cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) to this file")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rest := fs.Args()
	if e.remote && len(rest) > 0 {
		switch rest[0] {
		case "demo", "serve":
			return usagef("%s is not available over SSH", rest[0])
		}
	}
	if len(rest) == 0 {
		if e.remote {
			return usagef("give a command, or connect without one for the console (ssh -t)")
		}
		if *demoConsole {
			return runDemoConsole(e)
		}
		return runConsole(e)
	}
	cmd, rest := rest[0], rest[1:]
	switch cmd {
	case "demo":
		return cmdDemo(e, rest)
	case "import":
		return cmdImport(e, rest)
	case "pool":
		return cmdPool(e, rest)
	case "export":
		return cmdExport(e, rest)
	case "status":
		return cmdStatus(e, rest)
	case "fold":
		return cmdFold(e, rest)
	case "doctor":
		return cmdDoctor(e, rest)
	case "ship":
		return cmdShip(e, rest)
	case "carriers":
		return cmdCarriers(e, rest)
	case "serve":
		return cmdServe(e, rest)
	case "refund":
		return cmdRefund(e, rest)
	case "help":
		return flag.ErrHelp
	}
	return usagef("unknown command %q", cmd)
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseInterleaved lets flags and arguments mix (`pool process KEY --reason R`).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// openStore opens the database for a command; read-only commands share the file with
// other readers, but not with a running console or server.
func openStore(e *env, readOnly bool) (*storage.Store, error) {
	if readOnly {
		if err := requireDB(e); err != nil {
			return nil, err
		}
	}
	return openWith(e, storage.Options{ReadOnly: readOnly, ShipWithin: e.within})
}

// openWith opens the database with opt, or shares the server's store inside a session.
func openWith(e *env, opt storage.Options) (*storage.Store, error) {
	if e.store != nil {
		return e.store.Share(), nil
	}
	return storage.Open(e.dbPath, opt)
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
