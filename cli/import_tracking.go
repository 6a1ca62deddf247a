package cli

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// importTracking: shipdesk import tracking FILE [--dry-run] [--skip-bad]
func importTracking(e *env, files []string, dryRun, skipBad bool) error {
	if len(files) != 1 {
		return usagef("usage: shipdesk import tracking FILE [--dry-run] [--skip-bad] (FILE - reads standard input)")
	}
	// The role first: nothing is read for an operator who may not import (a dry run
	// writes nothing, and a viewer may take one).
	if !dryRun {
		if err := e.require(domain.ActionTracking); err != nil {
			return err
		}
	}
	srcs, err := importSources(e, "tracking", files, "")
	if err != nil {
		return err
	}
	defer closeSources(srcs)
	loc, err := e.location()
	if err != nil {
		return err
	}
	var file domain.TrackingFile
	err = srcs[0].read("tracking", func(r io.Reader) (perr error) {
		file, perr = domain.ParseTracking(files[0], r, loc)
		return perr
	})
	if err != nil {
		return inputError{fmt.Errorf("nothing imported: %w", err)}
	}
	lines, format, syntax := file.Lines, file.Format, file.Errors
	s, err := openStore(e, dryRun)
	if err != nil {
		return err
	}
	defer s.Close()
	pol, now := e.policy(), e.now()
	var plan domain.TrackingPlan
	if dryRun || (len(syntax) > 0 && !skipBad) {
		plan, err = s.PlanTracking(lines, pol, now, e.operator)
	} else {
		plan, err = s.ApplyTracking(lines, len(syntax), pol, skipBad, now, e.actor())
	}
	if err != nil && !errors.Is(err, storage.ErrBadLines) {
		return err
	}
	printVerdicts(e.stdout, files[0], plan.Verdicts, syntax)
	seen := channelSet{}
	for _, v := range plan.Verdicts {
		if v.OrderNo != 0 {
			seen[v.Key.Channel] = true
		} else if ref, err := domain.ParseOrderRef(v.Ref); err == nil && ref.Key.Channel != "" {
			seen[ref.Key.Channel] = true // a line in error still names its channel
		}
	}
	if err := warnChannels(e, s, seen); err != nil {
		return err
	}
	shipN, correct, unchanged, badN := plan.Counts()
	badN += len(syntax)
	counts := fmt.Sprintf("%d to ship, %d to correct, %d unchanged, %d in error", shipN, correct, unchanged, badN)
	switch {
	case badN > 0 && !skipBad:
		return inputError{fmt.Errorf("%s (%s): %s — nothing written; fix those lines or rerun with --skip-bad", files[0], format, counts)}
	case dryRun:
		fmt.Fprintf(e.stdout, "%s (%s): %s — dry run, nothing written\n", files[0], format, counts)
	default:
		fmt.Fprintf(e.stdout, "%s (%s): %d shipped, %d corrected, %d unchanged, %d bad lines skipped\n", files[0], format, shipN, correct, unchanged, badN)
	}
	return nil
}

// printVerdicts prints one line per input line, in file order: syntax errors from the
// parser and verdicts of the plan merged.
func printVerdicts(w io.Writer, name string, verdicts []domain.TrackingVerdict, syntax domain.ImportErrors) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	i, j := 0, 0
	for i < len(verdicts) || j < len(syntax) {
		if j < len(syntax) && (i == len(verdicts) || syntax[j].Line < verdicts[i].Line) {
			fmt.Fprintf(tw, "%s:%d\t\terror: %s\n", name, syntax[j].Line, textsafe.Safe(syntax[j].Reason))
			j++
			continue
		}
		v := verdicts[i]
		order := ""
		if v.OrderNo != 0 {
			order = domain.OrderNumber(v.OrderNo)
		}
		fmt.Fprintf(tw, "%s:%d\t%s\t%s\t%s\n", name, v.Line, textsafe.Safe(v.Ref), order, textsafe.Safe(v.String()))
		i++
	}
}
