package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

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
	if action == "process" && !domain.TypedTextOK(strings.TrimSpace(*reason)) {
		return inputError{errors.New("the reason holds control or invisible characters: type it again")}
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
			fmt.Fprintf(w, "%s %s -> %s\n", pastTense(action), textsafe.Safe(r.Key.String()), domain.OrderNumber(r.OrderNo))
		case r.Done:
			fmt.Fprintf(w, "%s %s\n", pastTense(action), textsafe.Safe(r.Key.String()))
		case r.By != "":
			fmt.Fprintf(w, "skipped %s: %s — by %s at %s\n", textsafe.Safe(r.Key.String()), textsafe.Safe(r.Reason), textsafe.Safe(r.By), r.At.In(loc).Format("2006-01-02 15:04 MST"))
		default:
			fmt.Fprintf(w, "skipped %s: %s\n", textsafe.Safe(r.Key.String()), textsafe.Safe(r.Reason))
		}
	}
	fmt.Fprintf(w, "%d %s, %d skipped\n", res.Done(), pastTense(action), len(res.Skipped()))
}
