package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// exportAudit: shipdesk export audit [--since T] [--format jsonl|csv], oldest first.
// JSON Lines carry each event whole; CSV has one row per changed field (an event
// without field changes has one row with those columns empty).
func exportAudit(e *env, format string, from time.Time) error {
	q := storage.AuditQuery{Since: from}
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
	cw := csv.NewWriter(out)
	defer cw.Flush()
	w := csvRows{w: cw, safe: e.onScreen}
	if err := w.Write([]string{"seq", "at", "operator", "session", "action", "objects", "detail", "key", "field", "before", "after"}); err != nil {
		return err
	}
	return s.EachAudit(q, func(ev storage.AuditEvent) error {
		head := []string{strconv.FormatUint(ev.Seq, 10), domain.ISOTime(ev.At), ev.Operator, ev.Session, ev.Action,
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
