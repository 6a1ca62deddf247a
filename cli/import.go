package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"shipdesk/domain"
)

// cmdImport: shipdesk import orders FILE... | import refunds FILE... |
// import tracking FILE [--dry-run] [--skip-bad]; FILE - is standard input.
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
	if len(pos) > 0 && pos[0] == "events" && !*dryRun && !*skipBad {
		return importEvents(e, pos[1:], *format)
	}
	if len(pos) == 0 || pos[0] != "orders" {
		return usagef("import what? usage: shipdesk import orders FILE... | import refunds FILE... | import events FILE... | import tracking FILE [--dry-run] [--skip-bad]")
	}
	if *dryRun || *skipBad {
		return usagef("--dry-run and --skip-bad are for import tracking")
	}
	return importOrders(e, pos[1:], *format)
}

// importOrders: shipdesk import orders FILE... [--format jsonl|csv]
func importOrders(e *env, files []string, format string) error {
	if len(files) == 0 {
		return usagef("import orders needs at least one FILE (.jsonl or .csv, or - for standard input)")
	}
	if format != "" && format != "jsonl" && format != "csv" {
		return usagef("--format must be jsonl or csv, not %q", format)
	}
	if err := e.require(domain.ActionImport); err != nil {
		return err
	}
	srcs, err := importSources(e, "orders", files, format)
	if err != nil {
		return err
	}
	defer closeSources(srcs)
	for i := range srcs {
		if srcs[i].data != nil {
			continue
		}
		if srcs[i].kind, err = importKind(srcs[i].name); err != nil {
			return inputError{fmt.Errorf("nothing imported: %w", err)}
		}
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
	// in any file, or a file over the limit, rolls the whole transaction back, after
	// every file has been checked.
	loc, err := e.location()
	if err != nil {
		return err
	}
	var bad []string
	seen := channelSet{}
	res, err := s.ImportFromSized(func(write func([]domain.Trade) error) error {
		// A voucher valid until a date is valid to the end of that day here.
		add := seen.watch(func(ts []domain.Trade) error {
			for i := range ts {
				domain.ResolveVoucherDays(&ts[i], loc)
			}
			return write(ts)
		})
		for _, src := range srcs {
			if err := feedImport(src, add, len(bad) == 0); err != nil {
				if !badSource(err) {
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
	return warnChannels(e, s, seen)
}

// badSource says err is about one source (bad lines, a file that cannot be opened, of
// an unknown type or over the limit), to be listed with the others' before the import
// is refused; any other error stops the import at once.
func badSource(err error) bool {
	var ie domain.ImportErrors
	var over *tooLargeError
	return errors.As(err, &ie) || errors.As(err, &over) || errors.Is(err, errUnknownFileType) || errors.Is(err, errNotAFile) ||
		errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission)
}

// expectTrades guesses how many trades the sources hold from their sizes (about 400
// bytes a JSON line or CSV row), for sizing the import's tables; 0 if it cannot tell.
func expectTrades(srcs []importSource) int { return int(importSize(srcs) / 400) }

// importSize is the sources' size in bytes, as far as it can tell.
func importSize(srcs []importSource) int64 {
	n := int64(0)
	for _, src := range srcs {
		if src.data != nil {
			n += src.data.size()
		} else if fi, err := os.Stat(src.name); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// feedImport parses one source, handing its orders to add while write is true (after a
// bad file the rest are only checked).
func feedImport(src importSource, add func([]domain.Trade) error, write bool) error {
	if !write {
		add = func([]domain.Trade) error { return nil }
	}
	return src.read("orders", func(r io.Reader) error {
		if src.kind == "jsonl" {
			return domain.ScanJSONL(src.name, r, add)
		}
		parsed, err := domain.ParseCSV(src.name, r)
		if err != nil {
			return err
		}
		return add(parsed.Trades)
	})
}
