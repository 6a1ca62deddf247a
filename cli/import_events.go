package cli

import (
	"errors"
	"fmt"
	"strings"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
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
	defer closeSources(srcs)
	if e.store == nil && !e.remote { // a process of its own, not a server's session
		defer readyBulkMemory(importSize(srcs))()
	}
	var batch storage.EventBatch
	// where names an event of the batch as FILE:LINE (asked only of refused events).
	type part struct {
		name  string
		first int // index of the file's first event in the batch
		lines []int
	}
	var parts []part
	where := func(i int) string {
		p := parts[len(parts)-1]
		for j := len(parts) - 1; parts[j].first > i; j-- {
			p = parts[j-1]
		}
		return fmt.Sprintf("%s:%d", p.name, p.lines[i-p.first])
	}
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
		parts = append(parts, part{name: src.name, first: len(batch.Events), lines: f.Lines})
		if batch.Events == nil { // one file (the usual): its events are the batch's
			batch.Events, batch.IDs = f.Events, f.IDs
		} else {
			batch.Events = append(batch.Events, f.Events...)
			batch.IDs = append(batch.IDs, f.IDs...)
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
	read := len(batch.Events) // batch is not kept: ApplyEvents lets its events go before its commit
	res, err := s.ApplyEvents(batch, now, e.actor())
	var refused storage.EventRefusedError
	if errors.As(err, &refused) {
		lines := make([]string, len(refused))
		for i, r := range refused {
			lines[i] = where(r.Index) + ": " + r.Reason
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
	fmt.Fprintf(e.stdout, "read %d events: %d new, %d duplicates, %d for unknown numbers (skipped)", read, res.New, res.Duplicates, res.Unknown)
	if res.Replayed > 0 {
		fmt.Fprintf(e.stdout, ", %d with ids applied before", res.Replayed)
	}
	fmt.Fprintf(e.stdout, "; %d parcels changed status\n", res.Changed())
	moved := res.OrdersTo
	if len(moved) > 0 || completed > 0 {
		fmt.Fprintf(e.stdout, "orders: %d delivered, %d returned, %d completed\n", moved[domain.OrderDelivered], moved[domain.OrderReturned], moved[domain.OrderCompleted]+completed)
	}
	if len(res.UnknownNumbers) > 0 {
		more := ""
		if res.Unknown > len(res.UnknownNumbers) {
			more = " …"
		}
		nums := make([]string, len(res.UnknownNumbers))
		for i, n := range res.UnknownNumbers {
			nums[i] = textsafe.Safe(n) // a feed's text: nothing in it may act on the terminal
		}
		fmt.Fprintf(e.stdout, "unknown numbers: %s%s\n", strings.Join(nums, " "), more)
	}
	return nil
}
