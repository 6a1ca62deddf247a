package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shipdesk/storage"
)

// exportAudit: shipdesk export audit [--since T] [--format jsonl|csv], oldest first.
// JSON Lines carry each event whole; CSV has one row per changed field (an event
// without field changes has one row with those columns empty).
func exportAudit(e *env, format, since string) error {
	loc, err := e.location()
	if err != nil {
		return err
	}
	var q storage.AuditQuery
	if since != "" {
		if q.Since, err = parseSince(since, e.now(), loc); err != nil {
			return usagef("--since: %v", err)
		}
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	out := bufio.NewWriterSize(e.stdout, 64*1024)
	defer out.Flush()
	if format == "jsonl" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return s.EachAudit(q, func(ev storage.AuditEvent) error { return enc.Encode(ev) })
	}
	w := csv.NewWriter(out)
	defer w.Flush()
	if err := w.Write([]string{"seq", "at", "operator", "session", "action", "objects", "detail", "key", "field", "before", "after"}); err != nil {
		return err
	}
	return s.EachAudit(q, func(ev storage.AuditEvent) error {
		head := []string{strconv.FormatUint(ev.Seq, 10), isoTime(ev.At), ev.Operator, ev.Session, ev.Action,
			strings.Join(ev.Objects, " "), ev.DetailText()}
		if len(ev.Changes) == 0 {
			return w.Write(append(head, "", "", "", ""))
		}
		for _, c := range ev.Changes {
			if err := w.Write(append(head[:len(head):len(head)], c.Key, c.Field, c.Before, c.After)); err != nil {
				return err
			}
		}
		return nil
	})
}

// parseSince reads an RFC 3339 time, a date (midnight in the warehouse's zone), or a
// duration back from now ("24h", "90m").
func parseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, loc); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want 2026-11-20T08:00:00Z, 2026-11-20, \"2026-11-20 08:00\" or a duration back from now such as 24h", s)
}
