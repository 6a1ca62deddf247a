package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
)

// Sender is the one sender: it takes the store's sender lease, reads what is due in a
// read transaction, renders and sends with no transaction open, and records each batch's
// outcomes in one short write transaction. A crash between a send and its record repeats
// that send at the next run (with the same idempotency key), never loses it.
type Sender struct {
	Store     *storage.Store
	Config    Config
	Templates *Templates
	Email     Transport // nil: no SMTP configured
	Webhook   Transport
	By        storage.Actor
	Holder    string           // who holds the lease, e.g. "serve 1234"
	Now       func() time.Time // time is passed in
	Batch     int              // messages per read and per record (default 200)
	Workers   int              // sends at once (default 8)
	LeaseTTL  time.Duration    // default 2 minutes

	langs sync.Map // channel → the language its record in the store names ("" for none)
}

// channelLanguage is the language the channel's record names, when the config names none
// for it; read once per channel.
func (s *Sender) channelLanguage(name string) string {
	if s.Store == nil {
		return ""
	}
	if l, ok := s.langs.Load(name); ok {
		return l.(string)
	}
	c, found, err := s.Store.Channel(name)
	lang := ""
	if err == nil && found {
		lang = c.Language
	}
	s.langs.Store(name, lang)
	return lang
}

// NewSender builds the sender of a configuration.
func NewSender(st *storage.Store, cfg Config, by storage.Actor, holder string) (*Sender, error) {
	tp, err := LoadTemplates(cfg.Templates)
	if err != nil {
		return nil, err
	}
	s := &Sender{Store: st, Config: cfg, Templates: tp, Webhook: NewWebhook(cfg.Webhook.Secret), By: by, Holder: holder, Now: time.Now}
	if cfg.SMTP.Addr != "" {
		m, err := NewMailer(cfg.SMTP)
		if err != nil {
			return nil, err
		}
		s.Email = m
	}
	st.SetNotifyPolicy(cfg.Policy)
	return s, nil
}

// Report is what a run did.
type Report struct {
	Sent   int
	Failed int // attempts that failed (the message is failed or dead)
	Errors []string
}

// Envelope renders a message for its transport: its text in its channel's language, its
// receiver and URL.
func (s *Sender) Envelope(it storage.OutboxItem) (Envelope, error) {
	m := it.Msg
	ch := s.Config.Channel(m.Channel)
	if s.Config.Channels[m.Channel].Lang == "" {
		if l := s.channelLanguage(m.Channel); l != "" {
			ch.Lang = l
		}
	}
	loc := s.Config.Policy.Window.Loc
	if loc == nil {
		loc = time.Local
	}
	f := FieldsOf(it, s.Config.Shop, loc)
	subj, text, err := s.Templates.Render(m.Kind, ch.Lang, f)
	if err != nil {
		return Envelope{}, err
	}
	e := Envelope{Msg: m, Order: f.Order, To: m.To, URL: ch.URL, Lang: ch.Lang, Subject: subj, Text: text}
	if m.Kind == domain.KindTrackingUpload {
		e.Lines = UploadLines(it)
		if e.Order == "" && m.Order != 0 {
			e.Order = domain.OrderNumber(m.Order)
		}
	}
	if e.To == "" {
		if domain.BuyerKind(m.Kind) {
			e.To = f.Phone
		} else {
			e.To = m.Channel
		}
	}
	return e, nil
}

func (s *Sender) send(ctx context.Context, it storage.OutboxItem) error {
	if m := it.Msg; m.Order != 0 && !it.HasOrder && len(m.Lines) == 0 { // a chunk carries its lines
		return ErrNoOrder
	}
	e, err := s.Envelope(it)
	if err != nil {
		return err
	}
	t := s.Webhook
	if it.Msg.Transport == domain.TransportEmail {
		if s.Email == nil {
			return errors.New("no SMTP server configured ([notify.smtp] addr)")
		}
		t = s.Email
	}
	return t.Send(ctx, e)
}

// SendDue sends everything due now, batch by batch, holding the lease (taken here and
// given up at the end unless keep). *storage.ErrSenderBusy when another sender runs.
func (s *Sender) SendDue(ctx context.Context, keep bool) (Report, error) {
	var rep Report
	batch, workers, ttl := cmpOr(s.Batch, 200), cmpOr(s.Workers, 8), s.LeaseTTL
	if ttl == 0 {
		ttl = 2 * time.Minute
	}
	if err := s.Store.TakeSenderLease(s.Holder, s.Now(), ttl, s.By); err != nil {
		return rep, err
	}
	if !keep {
		defer s.Store.ReleaseSenderLease(s.Holder, s.By)
	}
	for round := 0; ; round++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		now := s.Now()
		if round > 0 {
			if err := s.Store.TakeSenderLease(s.Holder, now, ttl, s.By); err != nil {
				return rep, err
			}
		}
		items, err := s.Store.DueOutbox(now, batch)
		if err != nil || len(items) == 0 {
			return rep, err
		}
		results := make([]storage.OutboxResult, len(items))
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(workers, len(items)) {
			wg.Go(func() {
				for i := range next {
					err := s.send(ctx, items[i])
					results[i] = storage.OutboxResult{ID: items[i].Msg.ID, At: s.Now()}
					if err != nil {
						results[i].Err = err.Error()
					}
				}
			})
		}
		for i := range items {
			next <- i
		}
		close(next)
		wg.Wait()
		for i, r := range results {
			if r.Err == "" {
				rep.Sent++
				continue
			}
			rep.Failed++
			if len(rep.Errors) < 20 {
				rep.Errors = append(rep.Errors, fmt.Sprintf("message %d (%s): %s", items[i].Msg.ID, items[i].Msg.Kind, r.Err))
			}
		}
		if err := s.Store.RecordOutbox(results, s.Config.Policy.MaxAttempts, s.Now(), s.By); err != nil {
			return rep, err
		}
	}
}

// Once queues the clock's messages — an order past its ship-by, a parcel waiting at a
// pickup point 5 or 15 days, each found once — then sends what is due (SendDue; keep
// holds the lease after). serve's loop and `outbox send` both run it.
func (s *Sender) Once(ctx context.Context, keep bool) (Report, error) {
	if _, err := s.Store.QueueLate(s.Now(), s.By); err != nil {
		return Report{}, err
	}
	if _, err := s.Store.QueuePickupReminders(s.Now(), s.By); err != nil {
		return Report{}, err
	}
	return s.SendDue(ctx, keep)
}

// Run is serve's sender: Once every interval until ctx ends, holding the lease while it
// runs; a run another sender holds the lease for is skipped. report (may be nil) hears
// each run that did something or failed.
func (s *Sender) Run(ctx context.Context, every time.Duration, report func(Report, error)) {
	defer s.Store.ReleaseSenderLease(s.Holder, s.By)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rep, err := s.Once(ctx, true)
		if report != nil && (err != nil || rep.Sent+rep.Failed > 0) {
			report(rep, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
