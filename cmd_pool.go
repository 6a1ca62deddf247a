package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// cmdImport: shipdesk import orders FILE... (FILE - is standard input)
func cmdImport(e *env, args []string) error {
	fs := newFlagSet("import")
	e.flags(fs)
	dryRun := fs.Bool("dry-run", false, "tracking: show the verdicts, write nothing")
	skipBad := fs.Bool("skip-bad", false, "tracking: apply the good lines even if some are bad")
	format := fs.String("format", "", "jsonl or csv, for standard input (default: guessed from the content)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 && pos[0] == "tracking" {
		return importTracking(e, pos[1:], *dryRun, *skipBad)
	}
	if len(pos) > 0 && pos[0] == "refunds" && !*dryRun && !*skipBad {
		return importRefunds(e, pos[1:])
	}
	if len(pos) == 0 || pos[0] != "orders" {
		return usagef("import what? usage: shipdesk import orders FILE... | import refunds FILE... | import tracking FILE [--dry-run] [--skip-bad]")
	}
	if *dryRun || *skipBad {
		return usagef("--dry-run and --skip-bad are for import tracking")
	}
	files := pos[1:]
	if len(files) == 0 {
		return usagef("import orders needs at least one FILE (.jsonl or .csv, or - for standard input)")
	}
	if *format != "" && *format != "jsonl" && *format != "csv" {
		return usagef("--format must be jsonl or csv, not %q", *format)
	}
	if err := e.require(domain.ActionImport); err != nil {
		return err
	}
	srcs := make([]importSource, 0, len(files))
	stdinUsed := false
	for _, name := range files {
		src := importSource{name: name}
		switch {
		case name == "-" && stdinUsed:
			return usagef("standard input (-) can be imported once per command")
		case name == "-":
			stdinUsed = true
			// Read it all before the write transaction: a slow upload over SSH must not
			// hold the database's one writer while it trickles in.
			if src, err = readStdinImport(e.stdin, *format); err != nil {
				return err
			}
		case e.remote:
			return usagef("over SSH, import reads standard input: ssh … import orders - < %s", name)
		default:
			if src.kind, err = importKind(name); err != nil {
				return inputError{fmt.Errorf("nothing imported: %v", err)}
			}
		}
		srcs = append(srcs, src)
	}
	if e.store == nil && !e.remote { // a process of its own, not a server's session
		defer readyBulkMemory(importSize(srcs))()
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	// Files are parsed while the transaction writes what they hold so far; any bad line
	// in any file rolls the whole transaction back, after every file has been checked.
	var bad []string
	res, err := s.ImportFromSized(func(add func([]domain.Trade) error) error {
		for _, src := range srcs {
			if err := feedImport(src, add, len(bad) == 0); err != nil {
				var ie domain.ImportErrors
				if !errors.As(err, &ie) && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) {
					return err
				}
				bad = append(bad, err.Error())
			}
		}
		if len(bad) > 0 {
			return inputError{fmt.Errorf("nothing imported:\n%s", strings.Join(bad, "\n"))}
		}
		return nil
	}, expectTrades(srcs), e.now(), e.actor())
	if err != nil {
		return err
	}
	n := res.New + res.Updated + res.Unchanged + res.Readded + res.Suppressed + res.Skipped
	fmt.Fprintf(e.stdout, "imported %d orders: %d new, %d updated, %d unchanged, %d re-added after removal, %d suppressed (processed earlier), %d skipped (already converted)\n",
		n, res.New, res.Updated, res.Unchanged, res.Readded, res.Suppressed, res.Skipped)
	if res.Flagged > 0 {
		fmt.Fprintf(e.stdout, "%d sales orders flagged for attention: the channel reports their trade cancelled after conversion\n", res.Flagged)
	}
	return nil
}

// expectTrades guesses how many trades the sources hold from their sizes (about 400
// bytes a JSON line or CSV row), for sizing the import's tables; 0 if it cannot tell.
func expectTrades(srcs []importSource) int { return int(importSize(srcs) / 400) }

// importSize is the sources' size in bytes, as far as it can tell.
func importSize(srcs []importSource) int64 {
	n := int64(0)
	for _, src := range srcs {
		if src.data != nil {
			n += int64(len(src.data))
		} else if fi, err := os.Stat(src.name); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// importSource is one file to import: a named file, read while the transaction runs, or
// standard input, read beforehand (data).
type importSource struct {
	name string
	kind string // jsonl or csv
	data []byte // standard input's content; nil for a file
}

// maxStdinImport bounds what an import from standard input holds in memory.
const maxStdinImport = 1 << 30

// readStdinImport reads standard input whole; kind is format, else guessed: JSON Lines
// start with "{", anything else is CSV.
func readStdinImport(r io.Reader, format string) (importSource, error) {
	src := importSource{name: "stdin", kind: format}
	data, err := io.ReadAll(io.LimitReader(r, maxStdinImport+1))
	if err != nil {
		return src, inputError{fmt.Errorf("nothing imported: reading standard input: %v", err)}
	}
	if len(data) > maxStdinImport {
		return src, inputError{fmt.Errorf("nothing imported: standard input is larger than %d MB; split it", maxStdinImport>>20)}
	}
	if src.kind == "" {
		src.kind = "csv"
		if t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n"); len(t) > 0 && t[0] == '{' {
			src.kind = "jsonl"
		}
	}
	src.data = data
	return src, nil
}

// importKind says how a file is read, by its name.
func importKind(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson", ".json":
		return "jsonl", nil
	case ".csv":
		return "csv", nil
	}
	return "", fmt.Errorf("%s: unknown file type; name it .jsonl (JSON Lines) or .csv", name)
}

// feedImport parses one source, handing its orders to add while write is true (after a
// bad file the rest are only checked).
func feedImport(src importSource, add func([]domain.Trade) error, write bool) error {
	var r io.Reader = bytes.NewReader(src.data)
	if src.data == nil {
		f, err := os.Open(src.name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	if !write {
		add = func([]domain.Trade) error { return nil }
	}
	if src.kind == "jsonl" {
		return domain.ScanJSONL(src.name, r, add)
	}
	parsed, err := domain.ParseCSV(src.name, r)
	if err != nil {
		return err
	}
	return add(parsed.Trades)
}

// cmdPool: shipdesk pool convert|remove|process [--reason R] KEY... | convert --all-ready
func cmdPool(e *env, args []string) error {
	fs := newFlagSet("pool")
	e.flags(fs)
	reason := fs.String("reason", "", "why the entries are marked processed")
	allReady := fs.Bool("all-ready", false, "convert every ready entry")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("pool needs an action: convert, remove or process")
	}
	action, rawKeys := pos[0], pos[1:]
	switch action {
	case "convert", "remove", "process":
	default:
		return usagef("unknown pool action %q: want convert, remove or process", action)
	}
	if *allReady && (action != "convert" || len(rawKeys) > 0) {
		return usagef("--all-ready goes with `pool convert` and no keys")
	}
	if !*allReady && len(rawKeys) == 0 {
		return usagef("pool %s needs at least one KEY (CHANNEL:TRADE_ID)", action)
	}
	if action == "process" && strings.TrimSpace(*reason) == "" {
		return usagef("pool process needs --reason, e.g. --reason \"buyer cancelled\"")
	}
	if err := e.require(poolActions[action]); err != nil {
		return err
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	var keys []domain.Key
	for _, r := range rawKeys {
		k, err := domain.ParseKey(r)
		if err != nil {
			return inputError{err}
		}
		keys = append(keys, k)
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	now, by := e.now(), e.actor()
	var res storage.BatchResult
	switch {
	case *allReady:
		res, err = s.ConvertAllReady(now, by)
	case action == "convert":
		res, err = s.Convert(keys, now, by)
	case action == "remove":
		res, err = s.Remove(keys, now, by)
	default:
		res, err = s.Process(keys, *reason, now, by)
	}
	var unknown storage.ErrUnknownKeys
	if errors.As(err, &unknown) {
		return inputError{fmt.Errorf("nothing changed: %v", unknown)}
	}
	if err != nil {
		return err
	}
	printBatch(e.stdout, action, res, loc)
	if res.Done() == 0 && len(res.Rows) > 0 {
		return inputError{fmt.Errorf("nothing %s: every entry was refused", pastTense(action))}
	}
	return nil
}

// poolActions maps the pool command's actions to their role rules.
var poolActions = map[string]domain.Action{
	"convert": domain.ActionConvert, "remove": domain.ActionRemove, "process": domain.ActionProcess,
}

func pastTense(action string) string {
	switch action {
	case "convert":
		return "converted"
	case "remove":
		return "removed"
	}
	return "processed"
}

// printBatch lists every row's outcome, then a summary line. A row someone else closed
// first says who and when, in the warehouse's time zone.
func printBatch(w io.Writer, action string, res storage.BatchResult, loc *time.Location) {
	for _, r := range res.Rows {
		switch {
		case r.Done && r.OrderNo != 0:
			fmt.Fprintf(w, "%s %s -> %s\n", pastTense(action), r.Key, domain.OrderNumber(r.OrderNo))
		case r.Done:
			fmt.Fprintf(w, "%s %s\n", pastTense(action), r.Key)
		case r.By != "":
			fmt.Fprintf(w, "skipped %s: %s — by %s at %s\n", r.Key, r.Reason, r.By, r.At.In(loc).Format("2006-01-02 15:04 MST"))
		default:
			fmt.Fprintf(w, "skipped %s: %s\n", r.Key, r.Reason)
		}
	}
	fmt.Fprintf(w, "%d %s, %d skipped\n", res.Done(), pastTense(action), len(res.Skipped()))
}
