package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// undoAction is a list's `u`: it offers the operator's last action of the kinds the list
// takes (actions, as the audit trail names them), with its count and what can and cannot
// be undone, and on yes undoes exactly that action in one transaction.
func undoAction[K rowKey](store *storage.Store, loc *time.Location, actions ...string) listAction[K] {
	return listAction[K]{
		binding: func(k *keymap.KeyMap) key.Binding { return k.Undo },
		words:   actionWords{"undo", "undone", "undoing…"},
		role:    domain.ActionUndo,
		offer: func(by storage.Actor) (string, uint64, error) {
			p, err := store.UndoPlanFor(0, by, actions...)
			if errors.Is(err, storage.ErrNothingToUndo) {
				return "", 0, errors.New("nothing of yours to undo here")
			}
			if err != nil {
				return "", 0, err
			}
			kept := keptText(p, 3)
			if p.Undoable() == 0 {
				return "", 0, fmt.Errorf("your last %s (action %d) cannot be undone: %s", actionName(p.Action), p.Seq, strings.ReplaceAll(kept, "\n", "; "))
			}
			q := fmt.Sprintf("Undo your %s of %s (action %d)?\n%d of %d can be undone.",
				actionName(p.Action), localTime(p.At, loc, "2006-01-02 15:04"), p.Seq, p.Undoable(), len(p.Rows))
			if kept != "" {
				q += " Kept:\n" + kept
			}
			return q, p.Seq, nil
		},
		run: func(a actionArgs[K]) actionResult[K] {
			p, err := store.Undo(a.token, a.now, a.by)
			if err != nil {
				return actionResult[K]{err: fmt.Errorf("undo failed, nothing written: %w", err)}
			}
			var out actionResult[K]
			for _, r := range p.Rows {
				if r.OK {
					out.lines = append(out.lines, resultLine{done: true, text: r.Object + " undone"})
					continue
				}
				out.lines = append(out.lines, skippedLine(r.Object, strings.TrimPrefix(r.Reason, domain.ErrUndoRefused.Error()+": ")))
			}
			out.done, out.skipped = p.Undoable(), len(p.Rows)-p.Undoable()
			out.summary = fmt.Sprintf("undid %d of action %d, kept %d", out.done, p.Seq, out.skipped)
			return out
		},
	}
}

// keptText names up to n objects that cannot be undone, with the reason.
func keptText(p storage.UndoPlan, n int) string {
	var parts []string
	more := 0
	for _, r := range p.Rows {
		if r.OK {
			continue
		}
		if len(parts) == n {
			more++
			continue
		}
		parts = append(parts, textsafe.Safe(r.Object)+" — "+strings.TrimPrefix(r.Reason, domain.ErrUndoRefused.Error()+": "))
	}
	s := strings.Join(parts, "\n")
	if more > 0 {
		s += fmt.Sprintf("\nand %d more", more)
	}
	return s
}

// actionName is an action as an operator says it.
func actionName(a string) string {
	switch a {
	case string(domain.ActionRefundReject):
		return "refund rejection"
	case string(domain.ActionRefundProcess):
		return "refund mark processed"
	case string(domain.ActionTracking):
		return "tracking import"
	}
	return domain.Action(a).Words()
}
