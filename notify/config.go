// Package notify turns outbox messages into text (templates per kind and language) and
// delivers them (SMTP e-mail, a signed webhook), one sender at a time: it reads what is
// due in a read transaction, sends with no transaction open, and records the outcomes in
// a short write transaction (storage.RecordOutbox).
package notify

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/BurntSushi/toml"

	"shipdesk/domain"
)

// Config is the [notify] section of the config file (beside [keys]). Keys left out take
// their defaults. Secrets come only from a file of mode 0600 (trimmed of surrounding
// whitespace) or an environment variable, never from the file itself nor the database.
type Config struct {
	Policy      domain.NotifyPolicy
	Templates   string // a folder of template overrides: <lang>/<kind>.tmpl
	Shop        string // the shop's name, for templates
	Lang        string // the language of a channel with none set
	SMTP        SMTPConfig
	Webhook     WebhookConfig
	Channels    map[string]ChannelConfig
	WindowText  string
	DelayText   string
	ZoneName    string
	configured  bool
	webhookFrom string // where the secret came from, for messages (never the secret)
}

// SMTPConfig is [notify.smtp].
type SMTPConfig struct {
	Addr     string // host:port; empty: no e-mail (buyers go through the webhook)
	From     string
	TLS      string // starttls | tls | none
	Username string
	Password string `json:"-"`
}

// WebhookConfig is [notify.webhook].
type WebhookConfig struct {
	URL    string
	Secret []byte `json:"-"`
}

// ChannelConfig is one [notify.channels.NAME]: the channel's language and the URL its
// write-backs (and buyers without e-mail) go to instead of the default webhook.
type ChannelConfig struct {
	Lang string
	URL  string
}

// Channel is the one lookup of a channel's language and webhook URL from the config; the
// sender takes the language from the channel's record in the store when the config names
// none for it (Sender.Envelope).
func (c *Config) Channel(name string) ChannelConfig {
	ch := c.Channels[name]
	if ch.Lang == "" {
		ch.Lang = c.Lang
	}
	if ch.URL == "" {
		ch.URL = c.Webhook.URL
	}
	return ch
}

type fileSection struct {
	Notify struct {
		SendWindow   *string `toml:"send_window"`
		ShippedDelay *string `toml:"shipped_delay"`
		MaxAttempts  *int    `toml:"max_attempts"`
		Templates    string  `toml:"templates"`
		Zone         string  `toml:"zone"`
		Shop         string  `toml:"shop_name"`
		Lang         string  `toml:"lang"`
		SMTP         struct {
			Addr         string `toml:"addr"`
			From         string `toml:"from"`
			TLS          string `toml:"tls"`
			Username     string `toml:"username"`
			PasswordFile string `toml:"password_file"`
		} `toml:"smtp"`
		Webhook struct {
			URL        string `toml:"url"`
			SecretFile string `toml:"secret_file"`
		} `toml:"webhook"`
		Channels map[string]struct {
			Lang string `toml:"lang"`
			URL  string `toml:"url"`
		} `toml:"channels"`
	} `toml:"notify"`
}

// Environment variables that may hold the secrets instead of a file.
const (
	EnvSMTPPassword  = "SHIPDESK_SMTP_PASSWORD"
	EnvWebhookSecret = "SHIPDESK_WEBHOOK_SECRET"
)

// Default is the configuration of a file without [notify].
func Default() Config {
	return Config{Policy: domain.DefaultNotifyPolicy(time.Local), Lang: "en", Shop: "shipdesk",
		SMTP: SMTPConfig{TLS: "starttls"}, WindowText: "09:00-21:00", DelayText: "next_day"}
}

// Load reads [notify] from the TOML file at path (a missing file gives Default()). A bad
// value, a secret file others can read, or a template that does not parse or names a
// field that does not exist is an error naming the file (and the line).
func Load(path string) (Config, error) {
	c := Default()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || path == "" {
		return c, c.check()
	}
	if err != nil {
		return c, err
	}
	var f fileSection
	if _, err := toml.Decode(string(data), &f); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	n := f.Notify
	fail := func(err error) (Config, error) { return c, fmt.Errorf("%s: [notify] %w", path, err) }
	loc := time.Local
	if n.Zone != "" {
		if loc, err = time.LoadLocation(n.Zone); err != nil {
			return fail(fmt.Errorf("zone %q: %v", n.Zone, err))
		}
		c.ZoneName = n.Zone
	}
	c.Policy = domain.DefaultNotifyPolicy(loc)
	if n.SendWindow != nil {
		c.WindowText = *n.SendWindow
		if c.Policy.Window, err = domain.ParseSendWindow(*n.SendWindow, loc); err != nil {
			return fail(err)
		}
	}
	c.Policy.Window.Loc = loc
	if n.ShippedDelay != nil {
		c.DelayText = *n.ShippedDelay
		if err := c.Policy.ParseShippedDelay(*n.ShippedDelay); err != nil {
			return fail(err)
		}
	}
	if n.MaxAttempts != nil {
		if *n.MaxAttempts < 1 || *n.MaxAttempts > 100 {
			return fail(fmt.Errorf("max_attempts %d is not between 1 and 100", *n.MaxAttempts))
		}
		c.Policy.MaxAttempts = *n.MaxAttempts
	}
	c.Templates = n.Templates
	if n.Shop != "" {
		c.Shop = n.Shop
	}
	if n.Lang != "" {
		c.Lang = n.Lang
	}
	c.SMTP = SMTPConfig{Addr: n.SMTP.Addr, From: n.SMTP.From, TLS: n.SMTP.TLS, Username: n.SMTP.Username}
	if c.SMTP.TLS == "" {
		c.SMTP.TLS = "starttls"
	}
	switch c.SMTP.TLS {
	case "starttls", "tls", "none":
	default:
		return fail(fmt.Errorf("smtp.tls %q is not starttls, tls or none", c.SMTP.TLS))
	}
	if c.SMTP.Addr != "" && c.SMTP.From == "" {
		return fail(errors.New("smtp.from is needed with smtp.addr"))
	}
	if c.SMTP.Password, err = secret(n.SMTP.PasswordFile, EnvSMTPPassword); err != nil {
		return fail(fmt.Errorf("smtp.password_file: %w", err))
	}
	c.Webhook.URL = n.Webhook.URL
	s, err := secret(n.Webhook.SecretFile, EnvWebhookSecret)
	if err != nil {
		return fail(fmt.Errorf("webhook.secret_file: %w", err))
	}
	c.Webhook.Secret = []byte(s)
	c.Channels = map[string]ChannelConfig{}
	for name, ch := range n.Channels {
		c.Channels[name] = ChannelConfig{Lang: ch.Lang, URL: ch.URL}
	}
	c.configured = true
	return c, c.check()
}

// check loads the templates once, so a bad one stops the start.
func (c *Config) check() error {
	_, err := LoadTemplates(c.Templates)
	return err
}

// secret reads a secret from file (refused when group or others may read it) or, with no
// file, from the environment variable env.
func secret(file, env string) (string, error) {
	if file == "" {
		return os.Getenv(env), nil
	}
	b, err := ReadSecretFile(file)
	return string(b), err
}

// ReadSecretFile reads a secret kept in a file: its content with surrounding white space
// trimmed. A file that group or others may read, or that is not a plain file, is refused.
func ReadSecretFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s has mode %04o: others can read it; make it 0600 (chmod 600 %s)", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b), nil
}
