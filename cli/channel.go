package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// cmdChannel: shipdesk channel set NAME [--platform P] [--shop S] [--language L]
// [--auth-expires DATE] [--settlement weekly:fri|monthly:1|none] [--cut-off HH:MM] |
// channel reauth NAME --until DATE | channel list [--json]
func cmdChannel(e *env, args []string) error {
	fs := newFlagSet("channel")
	e.flags(fs)
	platform := fs.String("platform", "", "set: the platform ("+strings.Join(domain.Platforms, ", ")+")")
	shop := fs.String("shop", "", "set: the shop's name")
	language := fs.String("language", "", "set: language for messages, e.g. zh")
	expires := fs.String("auth-expires", "", "set: when the API authorization lapses")
	settlement := fs.String("settlement", "", "set: weekly:DAY, monthly:N or none")
	cutOff := fs.String("cut-off", "", "set: the settlement cut-off's time of day, HH:MM")
	until := fs.String("until", "", "reauth: the new expiry")
	asJSON := fs.Bool("json", false, "list: print a JSON array")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("channel needs an action: set, reauth or list")
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	loc, err := e.location()
	if err != nil {
		return err
	}
	action, rest := pos[0], pos[1:]
	only := func(allowed ...string) error {
		return onlyFlags(fs, "channel "+action, []string{"platform", "shop", "language", "auth-expires", "settlement", "cut-off", "until", "json"}, allowed)
	}
	switch action {
	case "list":
		if err := only("json"); err != nil {
			return err
		}
		if len(rest) > 0 {
			return usagef("channel list takes no arguments")
		}
		return channelList(e, loc, *asJSON)
	case "set", "reauth":
	default:
		return usagef("unknown channel action %q: want set, reauth or list", action)
	}
	if len(rest) != 1 {
		return usagef("channel %s needs one NAME", action)
	}
	name := rest[0]
	if action == "reauth" {
		if err := only("until"); err != nil {
			return err
		}
		if *until == "" {
			return usagef("channel reauth needs --until DATE")
		}
		t, err := domain.ParseWhen(*until, loc)
		if err != nil {
			return usagef("--until: %v", err)
		}
		if err := e.require(domain.ActionChannel); err != nil {
			return err
		}
		s, err := openStore(e, false)
		if err != nil {
			return err
		}
		defer s.Close()
		c, err := s.Reauthorize(name, t, e.now(), e.actor())
		if err != nil {
			return inputError{err}
		}
		fmt.Fprintf(e.stdout, "re-authorized %s until %s\n", textsafe.Safe(c.Name), when(c.AuthExpires, loc))
		return nil
	}
	if err := only("platform", "shop", "language", "auth-expires", "settlement", "cut-off"); err != nil {
		return err
	}
	var ch storage.ChannelChange
	if given["platform"] {
		p := strings.ToLower(strings.TrimSpace(*platform))
		ch.Platform = &p
	}
	if given["shop"] {
		ch.Shop = shop
	}
	if given["language"] {
		ch.Language = language
	}
	if given["auth-expires"] {
		t, err := domain.ParseWhen(*expires, loc)
		if err != nil {
			return usagef("--auth-expires: %v", err)
		}
		ch.AuthExpires = &t
	}
	if given["settlement"] {
		st, err := domain.ParseSettlement(*settlement)
		if err != nil {
			return usagef("--settlement: %v", err)
		}
		ch.Settlement = &st
	}
	if given["cut-off"] {
		d, err := domain.ParseCutOff(*cutOff)
		if err != nil {
			return usagef("--cut-off: %v", err)
		}
		ch.CutOff = &d
	}
	if err := e.require(domain.ActionChannel); err != nil {
		return err
	}
	s, err := openStore(e, false)
	if err != nil {
		return err
	}
	defer s.Close()
	now := e.now()
	c, err := s.SetChannel(name, ch, now, e.actor())
	if err != nil {
		return inputError{err}
	}
	row := storage.ChannelRow{Channel: c, SetUp: true}
	fmt.Fprintf(e.stdout, "channel %s: %s\n", textsafe.Safe(c.Name), describeAuth(row, now, e.authWarning(), loc))
	return nil
}

// when is a time in the warehouse's zone: the date alone at midnight.
func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	l := t.In(loc)
	if l.Hour() == 0 && l.Minute() == 0 {
		return l.Format(time.DateOnly)
	}
	return l.Format("2006-01-02 15:04")
}

// describeAuth says a channel's authorization in words: "expired 3 days ago (2026-11-29)".
func describeAuth(r storage.ChannelRow, now time.Time, warn time.Duration, loc *time.Location) string {
	st := r.State(now, warn)
	days, known := r.DaysLeft(now, loc)
	switch {
	case st == domain.AuthNotSetUp:
		return "not set up (seen in imports)"
	case !known:
		return "no authorization expiry set"
	case st == domain.AuthExpired:
		return fmt.Sprintf("authorization EXPIRED %s (%s)", daysAgo(-days), when(r.AuthExpires, loc))
	case st == domain.AuthExpiring:
		return fmt.Sprintf("authorization expiring in %s (%s)", counted(days, "day"), when(r.AuthExpires, loc))
	}
	return fmt.Sprintf("authorization ok until %s (%s left)", when(r.AuthExpires, loc), counted(days, "day"))
}

func daysAgo(n int) string {
	if n <= 0 {
		return "today"
	}
	return counted(n, "day") + " ago"
}

// counted is "1 day", "3 days".
func counted(n int, word string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// channelJSON is one channel of `channel list --json`.
type channelJSON struct {
	Name            string       `json:"name"`
	Platform        string       `json:"platform"`
	Shop            string       `json:"shop"`
	Language        string       `json:"language"`
	AuthExpires     string       `json:"auth_expires"`
	DaysLeft        *int         `json:"days_left"`
	State           string       `json:"state"`
	Settlement      string       `json:"settlement"`
	NextCutOff      string       `json:"next_cut_off"`
	MissingTracking int          `json:"missing_tracking"`
	NotUploaded     int          `json:"not_uploaded"`
	Reauths         []reauthJSON `json:"reauths"`
}

type reauthJSON struct {
	At       string `json:"at"`
	Operator string `json:"operator"`
	Old      string `json:"old"`
	New      string `json:"new"`
}

func channelList(e *env, loc *time.Location, asJSON bool) error {
	s, err := openStore(e, true)
	if err != nil {
		return err
	}
	defer s.Close()
	rows, err := s.Channels()
	if err != nil {
		return err
	}
	now, warn := e.now(), e.authWarning()
	out := make([]channelJSON, 0, len(rows))
	for _, r := range rows {
		j := channelJSON{Name: r.Name, Platform: r.Platform, Shop: r.Shop, Language: r.Language, AuthExpires: domain.ISOTime(r.AuthExpires),
			State: r.State(now, warn).String(), MissingTracking: r.NoTracking, NotUploaded: r.NotUploaded, Reauths: []reauthJSON{}}
		if r.SetUp {
			j.Settlement = r.Settlement.String()
			j.NextCutOff = domain.ISOTime(r.Settlement.NextCutOff(now, loc))
			if d, ok := r.DaysLeft(now, loc); ok {
				j.DaysLeft = &d
			}
		}
		for _, a := range r.Reauths {
			j.Reauths = append(j.Reauths, reauthJSON{At: domain.ISOTime(a.At), Operator: a.Operator, Old: domain.ISOTime(a.Old), New: domain.ISOTime(a.New)})
		}
		out = append(out, j)
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(out)
	}
	printChannels(e.stdout, rows, out, loc)
	return nil
}

func printChannels(w io.Writer, rows []storage.ChannelRow, out []channelJSON, loc *time.Location) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "no channels: set one up with `shipdesk channel set NAME --platform P`")
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tPLATFORM\tEXPIRES\tDAYS LEFT\tSTATE\tNEXT CUT-OFF\tNO TRACKING\tNOT UPLOADED")
	for i, r := range rows {
		j := out[i]
		days := ""
		if j.DaysLeft != nil {
			days = fmt.Sprint(*j.DaysLeft)
		}
		state := strings.ReplaceAll(j.State, "_", " ")
		if j.State == "expired" {
			state = "EXPIRED"
		}
		cut := "-"
		if t, err := time.Parse(time.RFC3339, j.NextCutOff); err == nil {
			cut = t.In(loc).Format("Mon 2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", textsafe.Safe(r.Name), r.Platform, when(r.AuthExpires, loc), days, state, cut, r.NoTracking, r.NotUploaded)
	}
	tw.Flush()
}

// channelSet is the channels an import touched.
type channelSet map[string]bool

// watch wraps an import's add to note each batch's channels.
func (c channelSet) watch(add func([]domain.Trade) error) func([]domain.Trade) error {
	return func(ts []domain.Trade) error {
		last := "\x00"
		for i := range ts {
			if ch := ts[i].Channel; ch != last {
				c[ch], last = true, ch
			}
		}
		return add(ts)
	}
}

// warnChannels prints a line for each channel of an import whose authorization is
// expiring or expired (rule 28), and one for each not set up.
func warnChannels(e *env, s *storage.Store, seen channelSet) error {
	loc, err := e.location()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	now := e.now()
	for _, name := range names {
		c, found, err := s.Channel(name)
		if err != nil {
			return err
		}
		row := storage.ChannelRow{Channel: c, SetUp: found}
		if !found {
			row.Name = name
		}
		switch row.State(now, e.authWarning()) {
		case domain.AuthExpired, domain.AuthExpiring:
			fmt.Fprintf(e.stdout, "warning: channel %s: %s — re-authorize it on the platform, then `shipdesk channel reauth %s --until DATE`\n",
				textsafe.Safe(name), describeAuth(row, now, e.authWarning(), loc), textsafe.Safe(name))
		case domain.AuthNotSetUp:
			fmt.Fprintf(e.stdout, "note: channel %s is not set up (`shipdesk channel set %s --platform P --auth-expires DATE`)\n", textsafe.Safe(name), textsafe.Safe(name))
		}
	}
	return nil
}
