package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// cmdUndo: shipdesk undo [ACTION-ID] [--dry-run] [--json] — undo a bulk action of the
// pool (convert, remove, mark processed), a refund reject or mark processed, or a
// tracking import. ACTION-ID is the audit event's seq as `export audit` shows it; without
// it, the operator's last undoable action. Objects a later action depends on (an order
// shipped or refunded since, an entry imported again, a rejection written back) are kept
// and named with the reason; the rest are undone in one transaction. Only the operator
// who took the action, or a supervisor, may undo it; an action is undone once.
func cmdUndo(e *env, args []string) error {
	fs := newFlagSet("undo")
	e.flags(fs)
	dry := fs.Bool("dry-run", false, "say what would be undone and what would not; write nothing")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("usage: shipdesk undo [ACTION-ID] [--dry-run] [--json]")
	}
	var seq uint64
	if len(pos) == 1 {
		if seq, err = strconv.ParseUint(pos[0], 10, 64); err != nil || seq == 0 {
			return usagef("ACTION-ID %q is not an audit event number (the seq of `shipdesk export audit`)", pos[0])
		}
	}
	if err := e.require(domain.ActionUndo); err != nil {
		return err
	}
	if err := requireDB(e); err != nil {
		return err
	}
	s, err := openStore(e, *dry)
	if err != nil {
		return err
	}
	defer s.Close()
	var p storage.UndoPlan
	if *dry {
		p, err = s.UndoPlanFor(seq, e.actor())
	} else {
		p, err = s.Undo(seq, e.now(), e.actor())
	}
	if err != nil {
		return inputError{err}
	}
	if *asJSON {
		if err := json.NewEncoder(e.stdout).Encode(p); err != nil {
			return err
		}
	} else {
		printUndo(e, p, *dry)
	}
	if p.Undoable() == 0 {
		return inputError{errors.New("nothing of that action can be undone; nothing was written")}
	}
	return nil
}

func printUndo(e *env, p storage.UndoPlan, dry bool) {
	verb := "undid"
	if dry {
		verb = "would undo"
	}
	kept := len(p.Rows) - p.Undoable()
	at := p.At.UTC().Format("2006-01-02 15:04 MST")
	if loc, err := e.location(); err == nil {
		at = p.At.In(loc).Format("2006-01-02 15:04 MST") // the warehouse's time, as the console shows it
	}
	fmt.Fprintf(e.stdout, "%s action %d (%s by %s, %s): %d of %d objects", verb, p.Seq, p.Action,
		textsafe.Safe(p.Operator), at, p.Undoable(), len(p.Rows))
	if kept > 0 {
		fmt.Fprintf(e.stdout, "; %d kept:", kept)
	}
	fmt.Fprintln(e.stdout)
	for _, r := range p.Rows {
		if !r.OK {
			fmt.Fprintf(e.stdout, "  kept %s: %s\n", textsafe.Safe(r.Object), textsafe.Safe(r.Reason))
		}
	}
	if p.UndoSeq != 0 {
		fmt.Fprintf(e.stdout, "recorded as audit event %d\n", p.UndoSeq)
	}
}
