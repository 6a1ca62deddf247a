package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// cmdDoctor: shipdesk doctor [--repair] [--json] — check every derived structure of the
// file (the indexes and their staged rows, the hashed key indexes and their runs, the
// counters, the last numbers handed out) against the records, and print each problem
// (exit 1) or ok with what was checked. --repair rebuilds them all from the records in
// one transaction, then checks again. Needs the supervisor's role over SSH; the check
// alone opens the file read-only, beside the readers.
func cmdDoctor(e *env, args []string) error {
	fs := newFlagSet("doctor")
	e.flags(fs)
	repair := fs.Bool("repair", false, "rebuild every derived structure from the records, then check again")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("doctor takes no arguments")
	}
	action := domain.ActionDoctor
	if *repair {
		action = domain.ActionRepair
	}
	if err := e.require(action); err != nil {
		return err
	}
	if err := requireDB(e); err != nil {
		return err
	}
	s, err := openStore(e, !*repair)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var fixed *storage.RepairResult
	if *repair {
		res, err := s.Repair(ctx, e.now(), e.actor())
		if err != nil {
			return inputError{err}
		}
		fixed = &res
	}
	rep, err := s.Doctor(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			OK bool `json:"ok"`
			storage.DoctorReport
			Repair *storage.RepairResult `json:"repair,omitempty"`
		}{rep.OK(), rep, fixed}
		if err := json.NewEncoder(e.stdout).Encode(out); err != nil {
			return err
		}
	} else {
		printDoctor(e, rep, fixed)
	}
	if !rep.OK() {
		hint := "; `shipdesk doctor --repair` rebuilds the derived structures from the records"
		if fixed != nil {
			hint = " after the repair"
		}
		return inputError{fmt.Errorf("%s found%s", problems(rep.Found()), hint)}
	}
	return nil
}

func printDoctor(e *env, rep storage.DoctorReport, fixed *storage.RepairResult) {
	if fixed != nil {
		fmt.Fprintf(e.stdout, "repaired: %s found before; rebuilt %s\n", problems(fixed.Found), strings.Join(fixed.Rebuilt, ", "))
		for _, m := range fixed.Moved {
			fmt.Fprintf(e.stdout, "moved ahead: %s\n", m)
		}
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintln(e.stdout, textsafe.Safe(p))
		}
		if rep.More > 0 {
			fmt.Fprintf(e.stdout, "… and %d more\n", rep.More)
		}
		return
	}
	fmt.Fprintln(e.stdout, "ok: nothing found; checked")
	for _, c := range rep.Checked {
		fmt.Fprintf(e.stdout, "  %-24s %d %s\n", c.Name, c.N, c.What)
	}
}

func problems(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}
