package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"shipdesk/domain"
	"shipdesk/storage"
)

// cmdImport: shipdesk import orders FILE...
func cmdImport(e *env, args []string) error {
	fs := newFlagSet("import")
	e.flags(fs)
	dryRun := fs.Bool("dry-run", false, "tracking: show the verdicts, write nothing")
	skipBad := fs.Bool("skip-bad", false, "tracking: apply the good lines even if some are bad")
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
		return usagef("import orders needs at least one FILE (.jsonl or .csv)")
	}
	for _, name := range files {
		if _, err := importKind(name); err != nil {
			return inputError{fmt.Errorf("nothing imported: %v", err)}
		}
	}
	// A bulk import allocates a great deal that lives until the commit; collecting less
	// often saves a third of the time, and this process ends right after.
	debug.SetGCPercent(400)
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	// Files are parsed while the transaction writes what they hold so far; any bad line
	// in any file rolls the whole transaction back, after every file has been checked.
	var bad []string
	res, err := s.ImportFrom(func(add func([]domain.Trade) error) error {
		for _, name := range files {
			if err := feedImportFile(name, add, len(bad) == 0); err != nil {
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
	}, e.now(), e.operator)
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

// feedImportFile parses one file, handing its orders to add while write is true (after a
// bad file the rest are only checked).
func feedImportFile(name string, add func([]domain.Trade) error, write bool) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if !write {
		add = func([]domain.Trade) error { return nil }
	}
	if kind, _ := importKind(name); kind == "jsonl" {
		return domain.ScanJSONL(name, f, add)
	}
	parsed, err := domain.ParseCSV(name, f)
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
	now := e.now()
	var res storage.BatchResult
	switch {
	case *allReady:
		res, err = s.ConvertAllReady(now, e.operator)
	case action == "convert":
		res, err = s.Convert(keys, now, e.operator)
	case action == "remove":
		res, err = s.Remove(keys, now, e.operator)
	default:
		res, err = s.Process(keys, *reason, now, e.operator)
	}
	var unknown storage.ErrUnknownKeys
	if errors.As(err, &unknown) {
		return inputError{fmt.Errorf("nothing changed: %v", unknown)}
	}
	if err != nil {
		return err
	}
	printBatch(e.stdout, action, res)
	if res.Done() == 0 && len(res.Rows) > 0 {
		return inputError{fmt.Errorf("nothing %s: every entry was refused", pastTense(action))}
	}
	return nil
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

// printBatch lists every row's outcome, then a summary line.
func printBatch(w io.Writer, action string, res storage.BatchResult) {
	for _, r := range res.Rows {
		switch {
		case r.Done && r.OrderNo != 0:
			fmt.Fprintf(w, "%s %s -> %s\n", pastTense(action), r.Key, domain.OrderNumber(r.OrderNo))
		case r.Done:
			fmt.Fprintf(w, "%s %s\n", pastTense(action), r.Key)
		default:
			fmt.Fprintf(w, "skipped %s: %s\n", r.Key, r.Reason)
		}
	}
	fmt.Fprintf(w, "%d %s, %d skipped\n", res.Done(), pastTense(action), len(res.Skipped()))
}
