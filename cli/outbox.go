package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/notify"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// notifyConfig loads [notify] from the config file once: a bad value, a secret file
// others can read or a bad template is an input error naming it.
func (e *env) notifyConfig() (notify.Config, error) {
	if e.notify != nil {
		return *e.notify, nil
	}
	path := e.config
	if path == "" {
		path = keymap.DefaultPath()
	}
	c, err := notify.Load(path)
	if err != nil {
		return c, inputError{err}
	}
	e.notify = &c
	return c, nil
}

// cmdOutbox: shipdesk outbox send | list [--state S] [--json] | retry ID... | --dead |
// cancel ID... --reason R
func cmdOutbox(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: shipdesk outbox send|list|retry|cancel")
	}
	switch args[0] {
	case "send":
		return outboxSend(e, args[1:])
	case "list":
		return outboxList(e, args[1:])
	case "retry", "cancel":
		return outboxChange(e, args[0], args[1:])
	}
	return usagef("unknown outbox command %q: send, list, retry or cancel", args[0])
}

func outboxSend(e *env, args []string) error {
	fs := newFlagSet("outbox send")
	e.flags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("outbox send takes no arguments")
	}
	if e.remote {
		return inputError{errors.New("the server sends the outbox itself; outbox send is for a site without serve")}
	}
	if err := e.require(domain.ActionOutboxSend); err != nil {
		return err
	}
	cfg, err := e.notifyConfig()
	if err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	host, _ := os.Hostname()
	snd, err := notify.NewSender(s, cfg, e.actor(), fmt.Sprintf("outbox send %d@%s", os.Getpid(), host))
	if err != nil {
		return inputError{err}
	}
	snd.Now = e.now
	rep, err := snd.Once(context.Background(), false)
	var busy *storage.ErrSenderBusy
	if errors.As(err, &busy) {
		return inputError{err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sent %d, failed %d\n", rep.Sent, rep.Failed)
	for _, msg := range rep.Errors {
		fmt.Fprintln(e.stderr, textsafe.Safe(msg))
	}
	if rep.Failed > 0 {
		return inputError{fmt.Errorf("%d sends failed; they are retried with backoff (shipdesk outbox list --state failed)", rep.Failed)}
	}
	return nil
}

// outboxRow is one message in `outbox list --json` and `export outbox`.
type outboxRow struct {
	ID          uint64 `json:"id"`
	Kind        string `json:"kind"`
	Order       string `json:"order"`
	Channel     string `json:"channel"`
	Transport   string `json:"transport"`
	State       string `json:"state"`
	Attempts    int    `json:"attempts"`
	NextAttempt string `json:"next_attempt"`
	LastError   string `json:"last_error"`
	Lines       int    `json:"lines,omitempty"` // a tracking.upload chunk's lines; order is the first's
}

func rowOf(m domain.OutboxMessage) outboxRow {
	r := outboxRow{ID: m.ID, Kind: m.Kind, Order: orderNo(m.Order), Channel: m.Channel, Transport: m.Transport,
		State: m.State.String(), Attempts: m.Attempts, LastError: m.LastError, Lines: len(m.Lines)}
	if m.State.Pending() {
		r.NextAttempt = domain.ISOTime(m.NextAttempt)
	}
	return r
}

func outboxList(e *env, args []string) error {
	fs := newFlagSet("outbox list")
	e.flags(fs)
	state := fs.String("state", "", "only messages in this state: queued, sent, failed, dead, cancelled")
	asJSON := fs.Bool("json", false, "print one JSON array")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("outbox list takes no arguments, only --state and --json")
	}
	var states []domain.OutboxState
	if *state != "" {
		st, err := domain.ParseOutboxState(*state)
		if err != nil {
			return usagef("%v", err)
		}
		states = append(states, st)
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	rows := []outboxRow{}
	if err := s.ListOutbox(states, func(m domain.OutboxMessage) error { rows = append(rows, rowOf(m)); return nil }); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tORDER\tTRANSPORT\tSTATE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, textsafe.Safe(r.Kind), r.Order, r.Transport, r.State, r.Attempts,
			r.NextAttempt, textsafe.Cut(r.LastError, 60))
	}
	return tw.Flush()
}

func outboxChange(e *env, verb string, args []string) error {
	fs := newFlagSet("outbox " + verb)
	e.flags(fs)
	dead := fs.Bool("dead", false, "every dead message (retry)")
	reason := fs.String("reason", "", "why (cancel)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := onlyFlags(fs, "outbox "+verb, []string{"dead", "reason"}, map[string][]string{"retry": {"dead"}, "cancel": {"reason"}}[verb]); err != nil {
		return err
	}
	var ids []uint64
	for _, a := range pos {
		id, err := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
		if err != nil || id == 0 {
			return usagef("%q is not a message ID (a number from outbox list)", a)
		}
		ids = append(ids, id)
	}
	switch {
	case verb == "retry" && len(ids) == 0 && !*dead:
		return usagef("usage: shipdesk outbox retry ID... | --dead")
	case verb == "cancel" && (len(ids) == 0 || strings.TrimSpace(*reason) == ""):
		return usagef("usage: shipdesk outbox cancel ID... --reason R")
	}
	if err := e.require(domain.ActionOutboxManage); err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	var n int
	if verb == "retry" {
		n, err = s.RetryOutbox(ids, *dead, e.now(), e.actor())
	} else {
		n, err = s.CancelOutbox(ids, *reason, e.now(), e.actor())
	}
	if err != nil {
		return inputError{err}
	}
	done := map[string]string{"retry": "due now again", "cancel": "cancelled"}[verb]
	fmt.Fprintf(e.stdout, "%d messages %s\n", n, done)
	return nil
}

// cmdNotify: shipdesk notify preview KIND REF
func cmdNotify(e *env, args []string) error {
	fs := newFlagSet("notify")
	e.flags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 || pos[0] != "preview" {
		return usagef("usage: shipdesk notify preview KIND REF   (KIND: %s)", strings.Join(domain.OutboxKinds, ", "))
	}
	kind := pos[1]
	if !domain.KnownKind(kind) {
		return usagef("%q is not a message kind: %s", kind, strings.Join(domain.OutboxKinds, ", "))
	}
	ref, err := domain.ParseOrderRef(pos[2])
	if err != nil {
		return usagef("%v", err)
	}
	cfg, err := e.notifyConfig()
	if err != nil {
		return err
	}
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	o, err := s.FindOrder(ref)
	if err != nil {
		return inputError{err}
	}
	env, err := previewEnvelope(s, cfg, kind, o, e.now())
	if err != nil {
		return inputError{err}
	}
	fmt.Fprintf(e.stdout, "kind       %s\ntransport  %s\nto         %s\n", kind, env.Msg.Transport, textsafe.Safe(env.To))
	if env.Msg.Transport == domain.TransportWebhook {
		fmt.Fprintf(e.stdout, "url        %s\n", textsafe.Safe(env.URL))
	}
	fmt.Fprintf(e.stdout, "language   %s\nsubject    %s\n\n%s", textsafe.Safe(env.Lang), textsafe.Safe(env.Subject), textsafe.Lines(env.Text))
	return nil
}

// previewEnvelope renders what a message of kind about o would say now.
func previewEnvelope(s *storage.Store, cfg notify.Config, kind string, o domain.SalesOrder, now time.Time) (notify.Envelope, error) {
	tp, err := notify.LoadTemplates(cfg.Templates)
	if err != nil {
		return notify.Envelope{}, err
	}
	m := domain.OutboxMessage{Kind: kind, Channel: o.Channel, Key: o.TradeID, Order: o.No, Stage: o.Shipment.Number}
	if domain.BuyerKind(kind) {
		m.To = o.Consignee.Email
	}
	if kind == domain.KindNoTracking {
		m.Note = o.Shipment.NoTracking
	}
	if kind == domain.KindAtPickup || kind == domain.KindPickupReminder {
		// Where and since when: the parcel's latest event, as the queued message has them.
		m.CreatedAt = now
		if p, found, err := s.Parcel(o.No, now); err == nil && found && p.Parcel.HasEvent() {
			m.Note, m.EventAt = p.Parcel.Latest.Location, p.Parcel.Latest.At
		}
		if kind == domain.KindPickupReminder {
			if m.Stage = domain.PickupReminderStage(m.EventAt, now); m.Stage == "" {
				m.Stage = "5"
			}
		}
	}
	m.Transport = domain.TransportFor(kind, m.To)
	snd := &notify.Sender{Store: s, Config: cfg, Templates: tp}
	return snd.Envelope(storage.OutboxItem{Msg: m, Order: o, HasOrder: true})
}
