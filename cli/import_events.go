package cli

import (
	"errors"
	"fmt"
	"strings"

	"shipdesk/domain"
	"shipdesk/storage"
)

// importEvents: shipdesk import events FILE... — every file is read and checked first;
// any bad line in any file imports nothing. All files are one transaction.
func importEvents(e *env, files []string, format string) error {
	if len(files) == 0 {
		return usagef("import events needs at least one FILE (.jsonl or .csv, - for standard input)")
	}
	if format != "" && format != "jsonl" && format != "csv" {
		return usagef("--format must be jsonl or csv, not %q", format)
	}
	if err := e.require(domain.ActionEvents); err != nil {
		return err
	}
	srcs, err := importSources(e, "events", files, format)
	if err != nil {
		return err
	}
	var batch storage.EventBatch
	var where []string // FILE:LINE of each event
	var bad []string
	for _, src := range srcs {
		f, err := parseSource(src, "events", domain.ParseEventJSONL, domain.ParseEventCSV)
		if err != nil {
			if !badSource(err) {
				return err
			}
			bad = append(bad, err.Error())
			continue
		}
		batch.Events = append(batch.Events, f.Events...)
		batch.IDs = append(batch.IDs, f.IDs...)
		for _, l := range f.Lines {
			where = append(where, fmt.Sprintf("%s:%d", src.name, l))
		}
	}
	if len(bad) > 0 {
		return inputError{fmt.Errorf("nothing imported:\n%s", strings.Join(bad, "\n"))}
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	batch.Source = "import " + strings.Join(files, " ")
	now := e.now()
	res, err := s.ApplyEvents(batch, now, e.actor())
	var refused storage.EventRefusedError
	if errors.As(err, &refused) {
		lines := make([]string, len(refused))
		for i, r := range refused {
			lines[i] = where[r.Index] + ": " + r.Reason
		}
		return inputError{fmt.Errorf("nothing imported:\n%s", strings.Join(lines, "\n"))}
	}
	if err != nil {
		return err
	}
	completed, err := s.CompleteDue(now, e.actor())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "read %d events: %d new, %d duplicates, %d for unknown numbers (skipped)", len(batch.Events), res.New, res.Duplicates, res.Unknown)
	if res.Replayed > 0 {
		fmt.Fprintf(e.stdout, ", %d with ids applied before", res.Replayed)
	}
	fmt.Fprintf(e.stdout, "; %d parcels changed status\n", res.Changed())
	moved := map[domain.OrderStatus]int{}
	for _, c := range res.Changes {
		if c.OrderTo != c.OrderFrom {
			moved[c.OrderTo]++
		}
	}
	if len(moved) > 0 || completed > 0 {
		fmt.Fprintf(e.stdout, "orders: %d delivered, %d returned, %d completed\n", moved[domain.OrderDelivered], moved[domain.OrderReturned], moved[domain.OrderCompleted]+completed)
	}
	if len(res.UnknownNumbers) > 0 {
		more := ""
		if res.Unknown > len(res.UnknownNumbers) {
			more = " …"
		}
		fmt.Fprintf(e.stdout, "unknown numbers: %s%s\n", strings.Join(res.UnknownNumbers, " "), more)
	}
	return nil
}
