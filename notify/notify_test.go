package notify

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"shipdesk/domain"
	"shipdesk/storage"
)

var (
	t0  = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	sup = storage.Actor{Operator: "sue", Role: domain.RoleSupervisor}
)

// shopWith is a store with one shipped order (a tea and a cup) whose consignee has email.
func shopWith(t *testing.T, email string) *storage.Store {
	t.Helper()
	s, err := storage.Open(filepath.Join(t.TempDir(), "n.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.SetNotifyPolicy(domain.NotifyPolicy{MaxAttempts: 8}) // any time, at once
	tr := domain.Trade{Key: domain.Key{Channel: "tb", TradeID: "T1"}, Platform: "taobao", Buyer: "Ming",
		Consignee:   domain.Consignee{Name: "王小明", Phone: "13800000000", Address: "杭州", Country: "CN", Email: email},
		TradeStatus: domain.TradePaid, PaymentRef: "P1", PaidAt: t0, Total: domain.Money{Minor: 2000, Currency: "CNY"},
		Items: []domain.Item{{SKU: "TEA", Title: "Longjing green tea", Qty: 2, Price: domain.Money{Minor: 500, Currency: "CNY"}},
			{SKU: "CUP", Title: "Celadon cup", Qty: 1, Price: domain.Money{Minor: 1000, Currency: "CNY"}}}}
	if _, err := s.Import([]domain.Trade{tr}, t0, sup); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Convert([]domain.Key{tr.Key}, t0, sup); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Ship(domain.OrderRef{Key: domain.Key{Channel: "tb", TradeID: "T1"}}, domain.ShipInput{Carrier: "ems", Number: "EE040293660CN"}, domain.ShipPolicy{Country: "CN"}, t0, sup); err != nil {
		t.Fatal(err)
	}
	return s
}

func testSender(t *testing.T, s *storage.Store, cfg Config) *Sender {
	t.Helper()
	tp, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policy = domain.NotifyPolicy{MaxAttempts: cmpOr(cfg.Policy.MaxAttempts, 8)}
	if cfg.Lang == "" {
		cfg.Lang = "en"
	}
	return &Sender{Store: s, Config: cfg, Templates: tp, Webhook: NewWebhook(cfg.Webhook.Secret), By: sup, Holder: "test", Now: func() time.Time { return t0 }}
}

type hookHit struct {
	key, sig string
	body     []byte
}

// hook is a webhook receiver that answers 503 to the first fails posts of each message.
func hook(t *testing.T, fails int) (*httptest.Server, func() []hookHit) {
	var mu sync.Mutex
	var hits []hookHit
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		key := r.Header.Get("Idempotency-Key")
		hits = append(hits, hookHit{key, r.Header.Get("X-Shipdesk-Signature"), b})
		n := 0
		for _, h := range hits {
			if h.key == key {
				n++
			}
		}
		mu.Unlock()
		if n <= fails {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []hookHit { mu.Lock(); defer mu.Unlock(); return append([]hookHit(nil), hits...) }
}

// A receiver failing three times then taking the message gets the same idempotency key
// each time, the body is signed, and the outbox says sent after four attempts.
func TestWebhookRetriesWithOneKeyUntilSent(t *testing.T) {
	s := shopWith(t, "")
	srv, hits := hook(t, 3)
	secret := []byte("s3cret")
	snd := testSender(t, s, Config{Webhook: WebhookConfig{URL: srv.URL, Secret: secret},
		Channels: map[string]ChannelConfig{"tb": {URL: srv.URL}}})
	now := t0
	snd.Now = func() time.Time { return now }
	for range 10 {
		if _, err := snd.SendDue(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour) // past any backoff
	}
	got := hits()
	var shipped []hookHit
	for _, h := range got {
		var b WebhookBody
		if err := json.Unmarshal(h.body, &b); err != nil {
			t.Fatal(err)
		}
		if h.sig != Signature(secret, h.body) || !hmac.Equal([]byte(h.sig), []byte(Signature(secret, h.body))) {
			t.Fatalf("signature %q does not verify", h.sig)
		}
		if h.key != b.IdempotencyKey {
			t.Fatalf("header key %q, body key %q", h.key, b.IdempotencyKey)
		}
		if b.Kind == domain.KindShipped {
			shipped = append(shipped, h)
			if !strings.Contains(b.Text, "Longjing green tea") || !strings.Contains(b.Text, "Celadon cup") || !strings.Contains(b.Text, "EE040293660CN") || !strings.Contains(b.Text, "http") {
				t.Fatalf("shipped text lacks titles or link: %q", b.Text)
			}
			if b.To != "13800000000" || b.Order != "SO00000001" {
				t.Fatalf("shipped to %q order %q", b.To, b.Order)
			}
		}
	}
	var msgs []domain.OutboxMessage
	s.ListOutbox(nil, func(m domain.OutboxMessage) error { msgs = append(msgs, m); return nil })
	for _, m := range msgs {
		if m.State != domain.OutboxSent {
			t.Fatalf("message %d %s is %v: %+v", m.ID, m.Kind, m.State, m)
		}
	}
	// Each message was posted four times under its one key, and took four attempts.
	perKey := map[string]int{}
	for _, h := range got {
		perKey[h.key]++
	}
	if len(msgs) != 2 || len(perKey) != 2 {
		t.Fatalf("%d messages, %d keys", len(msgs), len(perKey))
	}
	for _, m := range msgs {
		if perKey[m.IdempotencyKey()] != 4 || m.Attempts != 4 || len(m.Tries) != 4 || m.Tries[2].Error == "" || m.Tries[3].Error != "" {
			t.Fatalf("message %d posted %d times: %+v", m.ID, perKey[m.IdempotencyKey()], m)
		}
	}
	if len(shipped) == 0 {
		t.Fatal("no shipped message arrived")
	}
}

// A dead receiver leaves the messages dead after the maximum number of attempts; a run
// with failures says so.
func TestDeadReceiverEndsDead(t *testing.T) {
	s := shopWith(t, "")
	srv, hits := hook(t, 1000)
	snd := testSender(t, s, Config{Webhook: WebhookConfig{URL: srv.URL}, Policy: domain.NotifyPolicy{MaxAttempts: 3}})
	now := t0
	snd.Now = func() time.Time { return now }
	for range 6 {
		rep, err := snd.SendDue(context.Background(), false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed > 0 && !strings.Contains(rep.Errors[0], "HTTP 503") {
			t.Fatalf("errors: %v", rep.Errors)
		}
		now = now.Add(24 * time.Hour)
	}
	c, _ := s.OutboxCounts(now)
	if c.Dead != 2 || c.Queued+c.Failed != 0 || len(hits()) != 6 { // two messages, three attempts each
		t.Fatalf("counts %+v after %d posts", c, len(hits()))
	}
}

// Two senders never run at once: the second is refused while the first holds the lease.
func TestSecondSenderRefused(t *testing.T) {
	s := shopWith(t, "")
	srv, _ := hook(t, 0)
	a := testSender(t, s, Config{Webhook: WebhookConfig{URL: srv.URL}})
	b := testSender(t, s, Config{Webhook: WebhookConfig{URL: srv.URL}})
	b.Holder = "cron"
	if _, err := a.SendDue(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	var busy *storage.ErrSenderBusy
	if _, err := b.SendDue(context.Background(), false); !errors.As(err, &busy) {
		t.Fatalf("second sender: %v", err)
	}
}

type smtpBackend struct {
	mu   sync.Mutex
	msgs []string
	to   []string
}

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }

type smtpSession struct {
	b  *smtpBackend
	to string
}

func (s *smtpSession) Reset()                                    {}
func (s *smtpSession) Logout() error                             { return nil }
func (s *smtpSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = to; return nil }
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, string(b))
	s.b.to = append(s.b.to, s.to)
	s.b.mu.Unlock()
	return err
}

// A buyer with an address gets e-mail over a real SMTP server on loopback: the titles
// and the tracking link arrive, and the Message-ID is the idempotency key.
func TestEmailArrivesOverSMTP(t *testing.T) {
	s := shopWith(t, "ming@example.com")
	be := &smtpBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	hk, _ := hook(t, 0)
	cfg := Config{SMTP: SMTPConfig{Addr: l.Addr().String(), From: "Shop <shop@example.com>", TLS: "none"},
		Webhook: WebhookConfig{URL: hk.URL}, Lang: "zh"}
	snd := testSender(t, s, cfg)
	m, err := NewMailer(cfg.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	snd.Email = m
	rep, err := snd.SendDue(context.Background(), false)
	if err != nil || rep.Failed != 0 || rep.Sent != 2 {
		t.Fatalf("send: %+v %v", rep, err)
	}
	if len(be.msgs) != 1 || be.to[0] != "ming@example.com" {
		t.Fatalf("mail: %v to %v", len(be.msgs), be.to)
	}
	raw := be.msgs[0]
	msgs, _ := s.OrderMessages(1)
	var shipped domain.OutboxMessage
	for _, m := range msgs {
		if m.Kind == domain.KindShipped {
			shipped = m
		}
	}
	if shipped.Transport != domain.TransportEmail || shipped.State != domain.OutboxSent {
		t.Fatalf("shipped: %+v", shipped)
	}
	if !strings.Contains(raw, "<"+shipped.IdempotencyKey()+"@shipdesk>") {
		t.Fatalf("Message-ID missing from:\n%s", raw)
	}
	body := decodeMail(t, raw)
	for _, want := range []string{"Longjing green tea", "Celadon cup", "EE040293660CN", "已发货"} {
		if !strings.Contains(body, want) {
			t.Fatalf("mail lacks %q:\n%s", want, body)
		}
	}
}

func TestConfigSecretsAndTemplates(t *testing.T) {
	dir := t.TempDir()
	sec := filepath.Join(dir, "secret")
	os.WriteFile(sec, []byte("  hush\n"), 0o644)
	os.Chmod(sec, 0o644)
	cfgPath := filepath.Join(dir, "config.toml")
	write := func(s string) {
		if err := os.WriteFile(cfgPath, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("[keys]\n\"list.down\" = \"j\"\n[notify]\nmax_attempts = 5\nsend_window = \"\"\nshipped_delay = \"0s\"\n[notify.webhook]\nurl = \"http://x\"\nsecret_file = \"" + sec + "\"\n")
	if _, err := Load(cfgPath); err == nil || !strings.Contains(err.Error(), "others can read it") {
		t.Fatalf("a secret others can read: %v", err)
	}
	os.Chmod(sec, 0o600)
	c, err := Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Webhook.Secret) != "hush" || c.Policy.MaxAttempts != 5 || c.Policy.Window.On || c.Policy.ShippedNext || c.Policy.ShippedDelay != 0 {
		t.Fatalf("config: %+v", c)
	}
	if d, _ := Load(filepath.Join(dir, "none.toml")); !d.Policy.Window.On || !d.Policy.ShippedNext || d.Policy.MaxAttempts != 8 {
		t.Fatalf("defaults: %+v", d.Policy)
	}
	tdir := filepath.Join(dir, "tpl", "en")
	os.MkdirAll(tdir, 0o755)
	os.WriteFile(filepath.Join(tdir, "shipped.tmpl"), []byte("Subject: hi\n\nHello {{.Buyer}}\nyour {{.Parcel}}\n"), 0o644)
	write("[notify]\ntemplates = \"" + filepath.Join(dir, "tpl") + "\"\n")
	_, err = Load(cfgPath)
	if err == nil || !strings.Contains(err.Error(), "shipped.tmpl: line 4") || !strings.Contains(err.Error(), "Parcel") {
		t.Fatalf("a template naming a missing field: %v", err)
	}
	os.WriteFile(filepath.Join(tdir, "shipped.tmpl"), []byte("Subject: hi\n\nHello {{.Buyer}\nbye\n"), 0o644)
	if _, err = Load(cfgPath); err == nil || !strings.Contains(err.Error(), "shipped.tmpl: line 3") {
		t.Fatalf("a template that does not parse: %v", err)
	}
	os.WriteFile(filepath.Join(tdir, "shipped.tmpl"), []byte("Subject: Sent {{.Trade}}\n\n{{.Titles}} via {{.Link}}\n"), 0o644)
	c, err = Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := LoadTemplates(c.Templates)
	subj, text, err := tp.Render(domain.KindShipped, "en", Fields{Trade: "T1", Titles: "tea", Link: "https://t"})
	if err != nil || subj != "Sent T1" || text != "tea via https://t\n" {
		t.Fatalf("override: %q %q %v", subj, text, err)
	}
	if _, text, _ := tp.Render(domain.KindShipped, "ru", Fields{Trade: "T1", Number: "N"}); !strings.Contains(text, "трек-номер N") {
		t.Fatalf("ru: %q", text)
	}
}

// decodeMail is the text of a one-part mail, quoted-printable or base64.
func decodeMail(t *testing.T, raw string) string {
	t.Helper()
	msg, err := mailParse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// A channel's language comes from the config when it names one, else from the channel's
// record in the store, else the default.
func TestChannelLanguage(t *testing.T) {
	s := shopWith(t, "")
	snd := testSender(t, s, Config{})
	items, err := s.DueOutbox(t0, 10)
	if err != nil || len(items) == 0 {
		t.Fatalf("due: %v %v", items, err)
	}
	var shipped storage.OutboxItem
	for _, it := range items {
		if it.Msg.Kind == domain.KindShipped {
			shipped = it
		}
	}
	if e, _ := snd.Envelope(shipped); e.Lang != "en" || !strings.Contains(e.Subject, "has shipped") {
		t.Fatalf("default: %q %q", e.Lang, e.Subject)
	}
	ru := "ru"
	p := "taobao"
	if _, err := s.SetChannel("tb", storage.ChannelChange{Platform: &p, Language: &ru}, t0, sup); err != nil {
		t.Fatal(err)
	}
	snd = testSender(t, s, Config{})
	if e, _ := snd.Envelope(shipped); e.Lang != "ru" || !strings.Contains(e.Subject, "отправлен") {
		t.Fatalf("the channel's record: %q %q", e.Lang, e.Subject)
	}
	snd = testSender(t, s, Config{Channels: map[string]ChannelConfig{"tb": {Lang: "zh"}}})
	if e, _ := snd.Envelope(shipped); e.Lang != "zh" || !strings.Contains(e.Subject, "已发货") {
		t.Fatalf("the config: %q %q", e.Lang, e.Subject)
	}
}

// serve's sender queues the late messages and sends what is due until it is stopped, then
// gives the lease up.
func TestRunSendsAndStops(t *testing.T) {
	s := shopWith(t, "")
	srv, hits := hook(t, 0)
	snd := testSender(t, s, Config{Webhook: WebhookConfig{URL: srv.URL}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	reports := make(chan Report, 4)
	go func() {
		defer close(done)
		snd.Run(ctx, time.Hour, func(r Report, err error) {
			if err == nil {
				reports <- r
			}
		})
	}()
	if r := <-reports; r.Sent != 2 {
		t.Fatalf("first run: %+v", r)
	}
	cancel()
	<-done
	if len(hits()) != 2 {
		t.Fatalf("posts: %d", len(hits()))
	}
	other := testSender(t, s, Config{Webhook: WebhookConfig{URL: srv.URL}})
	other.Holder = "cron"
	if _, err := other.SendDue(context.Background(), false); err != nil {
		t.Fatalf("after serve stopped, the lease is free: %v", err)
	}
}

// A shipped message of a number corrected back names the number, not its stage.
func TestFieldsOfCorrectedBack(t *testing.T) {
	o := domain.SalesOrder{No: 1, Shipment: domain.Shipment{Carrier: "ems", Number: "EE040293660CN"}}
	f := FieldsOf(storage.OutboxItem{Msg: domain.OutboxMessage{Kind: domain.KindShipped, Order: 1, Stage: "EE040293660CN#2"}, Order: o, HasOrder: true}, "shop", time.UTC)
	if f.Number != "EE040293660CN" {
		t.Fatalf("number %q", f.Number)
	}
}
