package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"shipdesk/domain"
)

// Envelope is a rendered message ready to go.
type Envelope struct {
	Msg     domain.OutboxMessage
	Order   string // SO number, or "" for none
	To      string // an e-mail address, a phone number, or the channel for a write-back
	URL     string // the webhook's URL
	Lang    string
	Subject string
	Text    string
	Lines   []domain.UploadLine // a tracking.upload's lines (UploadLines)
}

// Transport delivers envelopes; an error means the receiver did not take it (retry).
type Transport interface {
	Send(ctx context.Context, e Envelope) error
}

// WebhookBody is the JSON a webhook receives. For a tracking.upload, Order (and Key,
// Stage) are its first line's and Lines has every line, in the order they were entered;
// Text is the lines in the channel's format as the template renders them.
type WebhookBody struct {
	ID             uint64        `json:"id"`
	Kind           string        `json:"kind"`
	Order          string        `json:"order"`
	Channel        string        `json:"channel"`
	Key            string        `json:"key,omitempty"`
	Stage          string        `json:"stage,omitempty"`
	To             string        `json:"to"`
	Lang           string        `json:"lang"`
	Subject        string        `json:"subject,omitempty"`
	Text           string        `json:"text"`
	Lines          []WebhookLine `json:"lines,omitempty"`
	IdempotencyKey string        `json:"idempotency_key"`
}

// WebhookLine is one line of a tracking.upload: the order, its number on the channel,
// the tracking number, the number it corrects (a correction; absent for a new number),
// and the line in the channel's format.
type WebhookLine struct {
	Order    string `json:"order"`
	Trade    string `json:"trade"`
	Number   string `json:"number"`
	Replaces string `json:"replaces,omitempty"`
	Text     string `json:"text"`
}

func webhookLines(lines []domain.UploadLine) []WebhookLine {
	if len(lines) == 0 {
		return nil
	}
	out := make([]WebhookLine, len(lines))
	for i, l := range lines {
		out[i] = WebhookLine{Order: domain.OrderNumber(l.Order), Trade: l.Trade, Number: l.Number, Replaces: l.Old, Text: l.Text}
	}
	return out
}

// Signature is the X-Shipdesk-Signature header of body under secret.
func Signature(secret, body []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write(body)
	return "sha256=" + hex.EncodeToString(h.Sum(nil))
}

// Webhook POSTs each message as JSON, signed with HMAC-SHA256 of the body, with the
// message's Idempotency-Key; any 2xx answer is delivery.
type Webhook struct {
	Client *http.Client
	Secret []byte
}

// NewWebhook is a webhook transport with a client that keeps connections.
func NewWebhook(secret []byte) *Webhook {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	return &Webhook{Client: &http.Client{Timeout: 20 * time.Second, Transport: tr}, Secret: secret}
}

func (h *Webhook) Send(ctx context.Context, e Envelope) error {
	if e.URL == "" {
		return errors.New("no webhook url configured ([notify.webhook] url)")
	}
	key := e.Msg.IdempotencyKey()
	body, err := json.Marshal(WebhookBody{ID: e.Msg.ID, Kind: e.Msg.Kind, Order: e.Order, Channel: e.Msg.Channel,
		Key: e.Msg.Key, Stage: e.Msg.Stage, To: e.To, Lang: e.Lang, Subject: e.Subject, Text: e.Text, Lines: webhookLines(e.Lines), IdempotencyKey: key})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("X-Shipdesk-Signature", Signature(h.Secret, body))
	resp, err := h.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// Mailer sends e-mail over SMTP (STARTTLS, TLS or none, optional auth); the Message-ID is
// the message's idempotency key.
type Mailer struct {
	cfg  SMTPConfig
	opts []mail.Option
	host string
}

// NewMailer checks the settings; it connects at each send.
func NewMailer(cfg SMTPConfig) (*Mailer, error) {
	host, p, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp.addr %q: %v", cfg.Addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return nil, fmt.Errorf("smtp.addr %q: the port is not a number", cfg.Addr)
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(20 * time.Second)}
	switch cfg.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	return &Mailer{cfg: cfg, opts: opts, host: host}, nil
}

func (m *Mailer) Send(ctx context.Context, e Envelope) error {
	if e.To == "" {
		return errors.New("no e-mail address")
	}
	msg := mail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return fmt.Errorf("smtp.from: %v", err)
	}
	if err := msg.To(e.To); err != nil {
		return err
	}
	msg.Subject(e.Subject)
	msg.SetBodyString(mail.TypeTextPlain, e.Text)
	msg.SetMessageIDWithValue(e.Msg.IdempotencyKey() + "@shipdesk")
	msg.SetDate()
	c, err := mail.NewClient(m.host, m.opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}
