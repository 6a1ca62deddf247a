package domain

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// RawEvent is the wire form of one carrier event (JSON Lines; CSV maps onto it). ID is
// optional: an event feed that names its events has each applied once.
type RawEvent struct {
	ID       string `json:"id,omitempty"`
	Tracking string `json:"tracking"`
	Carrier  string `json:"carrier,omitempty"`
	At       string `json:"at"`
	Status   string `json:"status"`
	Location string `json:"location,omitempty"`
	Text     string `json:"text,omitempty"`
}

// Limits of an event's outside text.
const (
	maxEventText = 1000
	maxEventID   = 200
)

// Validate checks one event and returns it normalised.
func (r RawEvent) Validate() (TrackingEvent, error) {
	var ev TrackingEvent
	n := NormalizeTracking(r.Tracking)
	if n == "" {
		return ev, errors.New("tracking is empty")
	}
	if len(n) > 40 {
		return ev, errors.New("tracking is longer than 40 characters")
	}
	if strings.TrimSpace(r.At) == "" {
		return ev, errors.New("at is empty")
	}
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(r.At))
	if err != nil {
		return ev, fmt.Errorf("at %q is not an RFC 3339 time such as 2026-11-25T08:00:00+08:00", r.At)
	}
	st, err := ParseEventStatus(strings.TrimSpace(r.Status))
	if err != nil {
		return ev, err
	}
	for _, f := range [...]struct{ name, v string }{{"location", r.Location}, {"text", r.Text}, {"carrier", r.Carrier}} {
		if !utf8.ValidString(f.v) {
			return ev, fmt.Errorf("%s is not valid UTF-8", f.name)
		}
		if len(f.v) > maxEventText {
			return ev, fmt.Errorf("%s is longer than %d bytes", f.name, maxEventText)
		}
	}
	if len(r.ID) > maxEventID {
		return ev, fmt.Errorf("id is longer than %d bytes", maxEventID)
	}
	carrier := strings.ToLower(strings.TrimSpace(r.Carrier))
	if carrier != "" {
		if _, ok := CarrierByCode(carrier); !ok {
			return ev, fmt.Errorf("unknown carrier %q", r.Carrier)
		}
	}
	return TrackingEvent{Tracking: n, Carrier: carrier, At: at.UTC(), Status: st,
		Location: strings.TrimSpace(r.Location), Text: strings.TrimSpace(r.Text)}, nil
}

// EventFile is the events of one valid file, in file order, with their ids ("" when
// none was given).
type EventFile struct {
	Events []TrackingEvent
	IDs    []string
	Lines  []int // the line each event starts on
}

type eventCollector struct {
	bad *collector
	f   EventFile
}

// sized makes room for the events of an input of size bytes at about perLine bytes a
// line (a guess on the short side: the lists then grow at most once).
func (c *eventCollector) sized(r io.Reader, perLine int64) {
	s, ok := r.(interface{ Size() int64 })
	if !ok || s.Size() <= 0 {
		return
	}
	n := min(s.Size()/perLine+1, 1<<24)
	c.f.Events = make([]TrackingEvent, 0, n)
	c.f.IDs = make([]string, 0, n)
	c.f.Lines = make([]int, 0, n)
}

func (c *eventCollector) add(line int, r RawEvent) {
	ev, err := r.Validate()
	if err != nil {
		c.bad.fail(line, err.Error())
		return
	}
	c.f.Events = append(c.f.Events, ev)
	c.f.IDs = append(c.f.IDs, r.ID)
	c.f.Lines = append(c.f.Lines, line)
}

func (c *eventCollector) result() (EventFile, error) {
	if len(c.bad.errs) > 0 {
		return EventFile{}, c.bad.errs
	}
	return c.f, nil
}

// ParseEventJSONL reads one event per line. Blank lines are ignored. Any bad line rejects
// the whole file; the error lists each bad line as name:line: reason.
func ParseEventJSONL(name string, r io.Reader) (EventFile, error) {
	c := &eventCollector{bad: newCollector(name)}
	c.sized(r, 96)
	sc := bufio.NewScanner(SkipBOM(r))
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	line := 0
	for sc.Scan() {
		line++
		l := bytes.TrimSpace(sc.Bytes())
		if len(l) == 0 {
			continue
		}
		if why := lineProblem(l); why != "" {
			c.bad.fail(line, why)
			continue
		}
		var raw RawEvent
		if err := json.Unmarshal(l, &raw); err != nil {
			c.bad.fail(line, "not a JSON event: "+jsonReason(err))
			continue
		}
		c.add(line, raw)
	}
	if err := sc.Err(); err != nil {
		reason := "cannot read: " + err.Error()
		if errors.Is(err, bufio.ErrTooLong) {
			reason = fmt.Sprintf("line is longer than %d bytes", maxLine)
		}
		c.bad.fail(line+1, reason)
	}
	return c.result()
}

// EventCSVColumns is the header of an event CSV; carrier and id may be left out.
var EventCSVColumns = []string{"tracking", "at", "status", "location", "text"}

// ParseEventCSV reads an event CSV with a header row naming the columns of
// EventCSVColumns (any order; carrier and id optional).
func ParseEventCSV(name string, r io.Reader) (EventFile, error) {
	c := &eventCollector{bad: newCollector(name)}
	c.sized(r, 64)
	t, why := openCSV(r, []string{"tracking", "at", "status"})
	if why != "" {
		c.bad.fail(1, why)
		return c.result()
	}
	col := t.col
	line := 1
	for {
		rec, at, why, done := t.row(line)
		if why != "" {
			c.bad.fail(at, why)
		}
		if done {
			break
		}
		if line = at; rec == nil {
			continue
		}
		get := func(k string) string {
			if i, ok := col[k]; ok {
				return rec[i]
			}
			return ""
		}
		c.add(line, RawEvent{ID: get("id"), Tracking: get("tracking"), Carrier: get("carrier"), At: get("at"),
			Status: get("status"), Location: get("location"), Text: get("text")})
	}
	return c.result()
}
