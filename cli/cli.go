// Package cli is shipdesk's command line: the console, the server and the commands for
// scripts, one file per verb. Main runs a command line for the shipdesk binary; the SSH
// server runs an operator's command line through the same dispatch (serve.go).
//
// A new verb is a file holding its function, func(e *env, args []string) error, and one
// line in verbs. It parses its own flags after the common ones (newFlagSet, e.flags,
// parseInterleaved), returns usagef(…) for a command line that does not parse (exit 2),
// inputError{err} for bad input or a refused action (exit 1), and opens the database with
// openStore.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
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
  shipdesk voucher redeem CODE --phone4 NNNN [--units N] [--pos ID]   redeem e-voucher units at the counter
  shipdesk voucher resend REF                           send the live codes again (once a day)
  shipdesk voucher extend REF --until DATE              move valid-until later (supervisor)
  shipdesk voucher expire                               expire codes past valid-until (refunds by the formula)
  shipdesk voucher report [--json]                      units per SKU and per order
  shipdesk export pool|orders [--format jsonl|csv]      to stdout
  shipdesk export tracking [--format gspay|csv|jsonl] [--since T]   gspay: chunks of 100 lines
                 [--channel C] [--mark-uploaded]       record the exported numbers as uploaded to their channels
  shipdesk export refunds|outbox [--format jsonl|csv]   the refund queue; the outbox with state, attempts, last error
  shipdesk import events FILE...                        carrier events, JSON Lines or CSV (- reads stdin)
  shipdesk track stop REF --reason R                    stop following a parcel (REF as for ship)
  shipdesk track resume REF
  shipdesk export parcels [--format jsonl|csv]          every parcel: delivery status, days at pickup, last event
  shipdesk export events [--since T] [--format jsonl|csv]   the carrier events, by order
  shipdesk export audit [--since T] [--format jsonl|csv]   the audit trail, oldest first
  shipdesk outbox send                                  send the messages due now (for cron; exit 1 if a send failed)
  shipdesk outbox list [--state S] [--json]             the messages: dead and failed first
  shipdesk outbox retry ID... | --dead                  due now again, attempts keep counting (supervisor)
  shipdesk outbox cancel ID... --reason R               call messages off (supervisor)
  shipdesk notify preview KIND REF                      what a message of KIND about order REF would say
  shipdesk export vouchers [--format jsonl|csv]         one row per voucher code
  shipdesk export redemptions [--since T] [--by NAME] [--pos ID] [--day DATE] [--format jsonl|csv]
                                                        the redemption log, oldest first
  shipdesk channel set NAME [--platform P] [--shop S] [--language L] [--auth-expires DATE]
                          [--settlement weekly:fri|monthly:1|none] [--cut-off HH:MM]
  shipdesk channel reauth NAME --until DATE             a re-authorization, recorded with the old expiry
  shipdesk channel list [--json]                        authorization state, days left, next settlement cut-off
  shipdesk rebate add --channel C --order ID --ordered DATE --amount A [--confirmed DATE] [--wait 5wd|30d|2m|1y]
  shipdesk rebate confirm|claim|paid ID [--at DATE]     confirm takes --at: when confirmed on the platform
  shipdesk rebate list [--json]                         subscription rebates and when each becomes claimable
  shipdesk status [--json]
  shipdesk fold                                         fold staged index rows into the indexes now
  shipdesk doctor [--repair] [--json]                   check the indexes and counters against the records; --repair rebuilds them
  shipdesk backup FILE|-                                a checked copy of the database while in use; - to stdout (ssh … backup - > copy.db)
  shipdesk undo [ACTION-ID] [--dry-run] [--json]        undo a bulk action (ACTION-ID: the seq of export audit; none: your last)
  shipdesk serve [--listen ADDR] [--host-key PATH] [--operators PATH]
                 [--max-sessions N] [--max-per-operator N] [--idle-timeout D]
                 [--webhook-listen ADDR --webhook-secret-file PATH]
                                                        serve the console over SSH to a team,
                                                        and take carrier events over HTTP
                 [--backup-dir DIR --backup-every 6h --backup-keep 28]   rotated, checked backups

flags accepted everywhere:
  --db PATH         database file (default $SHIPDESK_DB, else $XDG_DATA_HOME/shipdesk/shipdesk.db)
  --tz ZONE         warehouse time zone, e.g. Asia/Shanghai (default $SHIPDESK_TZ, else the machine's)
  --operator NAME   who is acting, for the audit log (default $SHIPDESK_OPERATOR, else $USER)
  --config PATH     key bindings and [notify] (default $XDG_CONFIG_HOME/shipdesk/config.toml)
  --country CC      warehouse country; parcels elsewhere are international (default $SHIPDESK_COUNTRY, else CN)
  --ship-within D   payment to ship-by for new sales orders, e.g. 7d (default $SHIPDESK_SHIP_WITHIN, else 7d)
  --stall C=D[,C=D] stall time per carrier before a parcel is stuck, e.g. ems=7d (default 5d; $SHIPDESK_STALL)
  --complete-after D a delivered order completes this long after delivery (default 10d; $SHIPDESK_COMPLETE_AFTER)
  --order-follows=false  delivery does not move the order status (default true; $SHIPDESK_ORDER_FOLLOWS)
  --code-digits N   length of new e-voucher codes, 6–11 (default $SHIPDESK_CODE_DIGITS, else 10)
  --auth-warn D     warn of a channel's authorization this long before it lapses (default $SHIPDESK_AUTH_WARN, else 7d)
  --calendar PATH   working-day calendar file (default $SHIPDESK_CALENDAR, else calendar.txt beside the key bindings)
  --cpuprofile FILE write a CPU profile (before the subcommand)

FILE may be - for standard input (with --format jsonl|csv, else guessed from the content).
Each FILE or standard input may hold at most 1 GiB of orders, 8 MiB of tracking or
64 MiB of refund requests, and lines of at most 1 MiB; a larger one is refused and
nothing is imported. Standard input is spooled to disk beside the database first.
T (--since, --shipped-at, --eta) is 2026-11-20 or "2026-11-20 08:00" in the warehouse's
zone, or RFC 3339; --since also takes a time back from now such as 24h or 7d.
Over SSH (ssh -p PORT HOST COMMAND…) the same commands run with the operator's role;
import reads standard input there: ssh -p 2222 box import orders - < orders.jsonl

exit codes: 0 done, 1 bad input or refused (nothing written), 2 usage (a bad flag included),
3 database in use
`

// verb is one subcommand.
type verb struct {
	name  string
	run   func(e *env, args []string) error
	local bool // not over SSH: it writes the server's files or starts a server
}

// verbs is the table of subcommands: a new verb is a file with its function and one line
// here.
func verbs() []verb {
	return []verb{
		{name: "demo", run: cmdDemo, local: true},
		{name: "import", run: cmdImport},
		{name: "pool", run: cmdPool},
		{name: "export", run: cmdExport},
		{name: "status", run: cmdStatus},
		{name: "fold", run: cmdFold},
		{name: "doctor", run: cmdDoctor},
		{name: "ship", run: cmdShip},
		{name: "carriers", run: cmdCarriers},
		{name: "serve", run: cmdServe, local: true},
		{name: "refund", run: cmdRefund},
		{name: "outbox", run: cmdOutbox},
		{name: "notify", run: cmdNotify},
		{name: "track", run: cmdTrack},
		{name: "backup", run: cmdBackup},
		{name: "undo", run: cmdUndo},
		{name: "voucher", run: cmdVoucher},
		{name: "channel", run: cmdChannel},
		{name: "rebate", run: cmdRebate},
		{name: "help", run: func(*env, []string) error { return flag.ErrHelp }},
	}
}

// Main runs one shipdesk command line as the invoking user, with the environment's
// settings, and returns its exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{
		dbPath:   os.Getenv("SHIPDESK_DB"),
		tz:       os.Getenv("SHIPDESK_TZ"),
		operator: firstNonEmpty(os.Getenv("SHIPDESK_OPERATOR"), os.Getenv("USER"), "operator"),
		country:  firstNonEmpty(os.Getenv("SHIPDESK_COUNTRY"), "CN"),
		stdin:    stdin, stdout: stdout, stderr: stderr, onScreen: isTerminal(stdout),
		now:  func() time.Time { return time.Now().UTC() },
		role: domain.RoleSupervisor, // the invoking user owns the file
	}
	if e.dbPath == "" {
		e.dbPath = storage.DefaultPath()
	}
	if err := e.delivery.fromEnv(); err != nil {
		return report(stderr, usagef("%v", err), e.dbPath)
	}
	if v := os.Getenv("SHIPDESK_SHIP_WITHIN"); v != "" {
		d, err := parseDays(v)
		if err != nil {
			return report(stderr, usagef("SHIPDESK_SHIP_WITHIN: %v", err), e.dbPath)
		}
		e.within = d
	}
	if v := os.Getenv("SHIPDESK_CODE_DIGITS"); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil {
			err = domain.CheckCodeDigits(n)
		}
		if err != nil {
			return report(stderr, usagef("SHIPDESK_CODE_DIGITS: %v", err), e.dbPath)
		}
		e.codeDigits = n
	}
	if v := os.Getenv("SHIPDESK_AUTH_WARN"); v != "" {
		d, err := parseDays(v)
		if err != nil {
			return report(stderr, usagef("SHIPDESK_AUTH_WARN: %v", err), e.dbPath)
		}
		e.authWarn = d
	}
	e.calendar = os.Getenv("SHIPDESK_CALENDAR")
	return report(stderr, dispatch(e, args), e.dbPath)
}

// usageError is a command line that doesn't parse: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// inputError is bad input or a refused action: exit 1.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// exitCode is the exit code for what a command returned, told apart by the error's type.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, storage.ErrInUse):
		return exitInUse
	}
	return exitInput
}

// report prints err for an operator and maps it to the exit code. dbPath is the
// database the command meant, to say how to reach a server that holds it.
func report(stderr io.Writer, err error, dbPath string) int {
	code := exitCode(err)
	switch {
	case err == nil:
	case code == exitOK: // help
		fmt.Fprint(stderr, usage)
	case code == exitUsage:
		fmt.Fprintf(stderr, "shipdesk: %s\n\n%s", textsafe.Lines(err.Error()), usage)
	case code == exitInUse:
		if how := serveHint(dbPath); how != "" {
			fmt.Fprintf(stderr, "shipdesk: %v\n%s\n", err, how)
		} else {
			fmt.Fprintf(stderr, "shipdesk: %v\nAnother shipdesk (a console or `shipdesk serve`) has it open. Close it, or when it is a server, connect to it over SSH instead.\n", err)
		}
	default:
		// Errors quote what came from outside (files, channels, other operators' reasons).
		fmt.Fprintf(stderr, "shipdesk: %s\n", textsafe.Lines(err.Error()))
	}
	return code
}

// dispatch parses the common flags and runs the console or the verb the command line
// names.
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
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err) // exit 2, as a flag error after the command
	}
	if err := checkOperator(e); err != nil {
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
	if len(rest) == 0 {
		if e.remote {
			return usagef("give a command, or connect without one for the console (ssh -t)")
		}
		if *demoConsole {
			return runDemoConsole(e)
		}
		return runConsole(e)
	}
	name, rest := rest[0], rest[1:]
	for _, v := range verbs() {
		if v.name != name {
			continue
		}
		if v.local && e.remote {
			return usagef("%s is not available over SSH", name)
		}
		return v.run(e, rest)
	}
	return usagef("unknown command %q", name)
}

// checkOperator refuses a local operator name (--operator, $SHIPDESK_OPERATOR, $USER)
// that would carry control or invisible characters into the audit trail and onto other
// operators' screens. A session's name comes from the operators file.
func checkOperator(e *env) error {
	if e.remote {
		return nil
	}
	e.operator = strings.TrimSpace(e.operator)
	if e.operator == "" || !domain.TypedTextOK(e.operator) {
		return usagef("--operator %q: a name may not be empty or hold control or invisible characters", e.operator)
	}
	return nil
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// onlyFlags refuses a flag of the command's own (own) that the action (what) does not
// take (allowed): a flag ignored without a word would leave the operator thinking it
// applied. The common flags (--db, --tz …) are not the action's to refuse.
func onlyFlags(fs *flag.FlagSet, what string, own, allowed []string) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err == nil && slices.Contains(own, f.Name) && !slices.Contains(allowed, f.Name) {
			err = usagef("--%s does not go with %s", f.Name, what)
		}
	})
	return err
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
