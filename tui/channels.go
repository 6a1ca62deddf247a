package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// The channels view (rules 28–29): every channel with its authorization in words and
// colour (expired loud), days left and the next settlement cut-off with its two counts;
// the subscription rebates below with their dates. The cursor runs over both; r
// re-authorizes the channel under it, c confirms, l claims and p marks paid the rebate
// under it. Channels and rebates are tens, not millions: the view reads them whole, so it
// is not a list of the windowed list component.

type channelsMsg struct {
	rows    []storage.ChannelRow
	rebates []domain.Rebate
	err     error
}

// channelDoneMsg is the result of one change made from the view.
type channelDoneMsg struct {
	text string
	err  error
}

type channelsOverlay uint8

const (
	channelsNoOverlay channelsOverlay = iota
	channelsPrompting
	channelsConfirming
)

type channelsView struct {
	c             *common
	width, height int
	loaded        bool
	rows          []storage.ChannelRow
	rebates       []domain.Rebate
	cursor        int // over the channels, then the rebates
	top           int // the first body line shown

	overlay channelsOverlay
	prompt  reasonPrompt
	confirm confirmDialog
	run     func(input string) tea.Cmd // what the open dialog does when accepted
}

func newChannels(c *common) view { return &channelsView{c: c} }

func (v *channelsView) setSize(w, h int) tea.Cmd {
	v.width, v.height = w, h
	return nil
}

func (v *channelsView) refresh() tea.Cmd {
	store := v.c.store
	return func() tea.Msg {
		rows, err := store.Channels()
		if err != nil {
			return channelsMsg{err: err}
		}
		rebates, err := store.Rebates()
		return channelsMsg{rows: rows, rebates: rebates, err: err}
	}
}

func (v *channelsView) capturing() bool { return v.overlay != channelsNoOverlay }

func (v *channelsView) shortHelp() []key.Binding {
	k := &v.c.keys
	if v.overlay != channelsNoOverlay {
		return []key.Binding{k.Confirm, k.Cancel}
	}
	return []key.Binding{k.Up, k.Down, k.Reauthorize, k.RebateConfirm, k.RebateClaim, k.RebatePaid, k.Refresh}
}

func (v *channelsView) total() int { return len(v.rows) + len(v.rebates) }

func (v *channelsView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case channelsMsg:
		if msg.err != nil {
			return reportErr(msg.err)
		}
		v.rows, v.rebates, v.loaded = msg.rows, msg.rebates, true
		v.cursor = max(0, min(v.cursor, v.total()-1))
		return nil
	case channelDoneMsg:
		if msg.err != nil {
			return reportErr(msg.err)
		}
		return tea.Batch(report(msg.text), changed)
	case tea.KeyMsg:
		return v.key(msg)
	}
	return nil
}

func (v *channelsView) key(msg tea.KeyMsg) tea.Cmd {
	k := &v.c.keys
	switch v.overlay {
	case channelsPrompting:
		out, cmd := v.prompt.update(msg, k)
		switch out {
		case accepted:
			// A line that is not a time keeps the prompt open with the reason.
			if _, err := domain.ParseWhen(v.prompt.reason(), v.c.loc); err != nil {
				v.prompt.err = err.Error()
				return nil
			}
			v.overlay = channelsNoOverlay
			return v.run(v.prompt.reason())
		case cancelled:
			v.overlay = channelsNoOverlay
		}
		return cmd
	case channelsConfirming:
		switch v.confirm.update(msg, k) {
		case accepted:
			v.overlay = channelsNoOverlay
			return v.run("")
		case cancelled:
			v.overlay = channelsNoOverlay
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		v.cursor = max(0, v.cursor-1)
	case key.Matches(msg, k.Down):
		v.cursor = max(0, min(v.total()-1, v.cursor+1))
	case key.Matches(msg, k.Home):
		v.cursor = 0
	case key.Matches(msg, k.End):
		v.cursor = max(0, v.total()-1)
	case key.Matches(msg, k.Reauthorize):
		return v.reauthorize()
	case key.Matches(msg, k.RebateConfirm):
		return v.rebateAction("confirm")
	case key.Matches(msg, k.RebateClaim):
		return v.rebateAction("claim")
	case key.Matches(msg, k.RebatePaid):
		return v.rebateAction("paid")
	}
	return nil
}

// current is the channel or the rebate under the cursor.
func (v *channelsView) current() (ch *storage.ChannelRow, r *domain.Rebate) {
	switch {
	case v.cursor < len(v.rows):
		return &v.rows[v.cursor], nil
	case v.cursor < v.total():
		return nil, &v.rebates[v.cursor-len(v.rows)]
	}
	return nil, nil
}

func (v *channelsView) reauthorize() tea.Cmd {
	row, _ := v.current()
	if row == nil {
		return report("move the cursor to a channel to re-authorize it")
	}
	if !row.SetUp {
		return reportErr(fmt.Errorf("%s is not set up: shipdesk channel set %s --platform P", textsafe.Safe(row.Name), textsafe.Safe(row.Name)))
	}
	if cmd := v.c.allow(domain.ActionChannel); cmd != nil {
		return cmd
	}
	name, store, by, loc := row.Name, v.c.store, v.c.actor(), v.c.loc
	suggest := domain.AddMonths(v.c.now().In(loc), 12).Format(time.DateOnly)
	v.prompt = newLinePrompt(v.c.styles, "Re-authorize "+textsafe.Safe(name)+": the new expiry from the platform", "until: ", suggest,
		"the new expiry is required, e.g. 2027-12-31")
	v.overlay = channelsPrompting
	v.run = func(input string) tea.Cmd {
		until, err := domain.ParseWhen(input, loc)
		if err != nil {
			return reportErr(err)
		}
		now := v.c.now()
		return func() tea.Msg {
			c, err := store.Reauthorize(name, until, now, by)
			if err != nil {
				return channelDoneMsg{err: err}
			}
			return channelDoneMsg{text: "re-authorized " + c.Name + " until " + localTime(c.AuthExpires, loc, "2006-01-02 15:04")}
		}
	}
	return nil
}

func (v *channelsView) rebateAction(what string) tea.Cmd {
	_, r := v.current()
	if r == nil {
		return report("move the cursor to a rebate (below the channels) to " + what + " it")
	}
	if cmd := v.c.allow(domain.ActionRebate); cmd != nil {
		return cmd
	}
	id, store, by, loc := r.ID, v.c.store, v.c.actor(), v.c.loc
	label := fmt.Sprintf("rebate %d (%s %s, %s)", r.ID, textsafe.Safe(r.Channel), textsafe.Safe(r.Order), r.Amount)
	done := func(verb string, call func(now time.Time) (domain.Rebate, error)) func(string) tea.Cmd {
		return func(string) tea.Cmd {
			now := v.c.now()
			return func() tea.Msg {
				if _, err := call(now); err != nil {
					return channelDoneMsg{err: err}
				}
				return channelDoneMsg{text: label + " " + verb}
			}
		}
	}
	switch what {
	case "confirm":
		v.prompt = newLinePrompt(v.c.styles, "Confirm "+label+": when was it confirmed on the platform?", "confirmed at: ",
			v.c.now().In(loc).Format(time.DateOnly), "the date is required, e.g. 2026-09-19")
		v.overlay = channelsPrompting
		v.run = func(input string) tea.Cmd {
			at, err := domain.ParseWhen(input, loc)
			if err != nil {
				return reportErr(err)
			}
			return done("confirmed", func(now time.Time) (domain.Rebate, error) { return store.ConfirmRebate(id, at, now, by) })("")
		}
	case "claim":
		v.confirm = confirmDialog{question: "Claim " + label + " on the platform now?"}
		v.overlay = channelsConfirming
		v.run = done("claimed", func(now time.Time) (domain.Rebate, error) { return store.ClaimRebate(id, loc, now, by) })
	default:
		v.confirm = confirmDialog{question: "Mark " + label + " paid: the fee came back?"}
		v.overlay = channelsConfirming
		v.run = done("marked paid", func(now time.Time) (domain.Rebate, error) { return store.PayRebate(id, now, by) })
	}
	return nil
}

// authCell is a channel's authorization in words, styled: EXPIRED loud.
func (v *channelsView) authCell(r storage.ChannelRow) (string, string) {
	s, now := v.c.styles, v.c.now()
	days, known := r.DaysLeft(now, v.c.loc)
	switch r.State(now, v.c.authWarn) {
	case domain.AuthNotSetUp:
		return s.warn.Render("NOT SET UP"), ""
	case domain.AuthExpired:
		return s.loud.Render("EXPIRED"), s.loud.Render(fmt.Sprintf("%d days ago", -days))
	case domain.AuthExpiring:
		return s.warn.Render("expiring"), s.warn.Render(plural(days, "day left", "days left"))
	}
	if !known {
		return "ok", s.dim.Render("no expiry set")
	}
	return s.ok.Render("ok"), fmt.Sprintf("%d days left", days)
}

func (v *channelsView) view() string {
	s, loc := v.c.styles, v.c.loc
	if !v.loaded {
		return s.dim.Render("reading channels…")
	}
	var lines []string
	cursorAt := -1
	add := func(line string, i int) {
		if i == v.cursor {
			cursorAt = len(lines)
			line = s.cursorRow.Render(fitLine("▸ "+line, v.width))
		} else {
			line = "  " + line
		}
		lines = append(lines, line)
	}
	lines = append(lines, s.title.Render(fmt.Sprintf("Channels — %d", len(v.rows))))
	lines = append(lines, s.colHeader.Render(fitLine(fmt.Sprintf("  %-18s %-11s %-17s %-15s %-16s %-24s %s", "channel", "platform", "authorization", "days left", "expires", "next cut-off", "no tracking / not uploaded"), v.width)))
	if len(v.rows) == 0 {
		lines = append(lines, s.dim.Render("  no channels yet: they appear as orders are imported; set one up with shipdesk channel set NAME"))
	}
	now := v.c.now()
	for i, r := range v.rows {
		state, days := v.authCell(r)
		cut, counts := "—", ""
		if t := r.Settlement.NextCutOff(now, loc); r.SetUp && !t.IsZero() {
			cut = t.In(loc).Format("Mon 01-02 15:04")
			counts = fmt.Sprintf("%d / %d", r.NoTracking, r.NotUploaded)
			if domain.CutOffAlarm(t, now, r.NoTracking+r.NotUploaded) {
				cut, counts = s.loud.Render(Fit(cut, 24)), s.loud.Render(counts+" ◀ CUT-OFF WITHIN 24 H")
			}
		}
		add(fmt.Sprintf("%s %s %s %s %s %s %s", Fit(textsafe.Safe(r.Name), 18), Fit(r.Platform, 11), Fit(state, 17), Fit(days, 15),
			Fit(localTime(r.AuthExpires, loc, "2006-01-02 15:04"), 16), Fit(cut, 24), counts), i)
	}
	lines = append(lines, "", s.title.Render(fmt.Sprintf("Subscription rebates — %d", len(v.rebates))))
	lines = append(lines, s.colHeader.Render(fitLine(fmt.Sprintf("  %-4s %-16s %-16s %-10s %12s  %-10s %-22s %s", "id", "channel", "order", "ordered", "amount", "confirmed", "state", "claimable on"), v.width)))
	if len(v.rebates) == 0 {
		lines = append(lines, s.dim.Render("  no rebates: shipdesk rebate add --channel C --order ID --ordered DATE --amount A"))
	}
	today := domain.CivilDate(now.In(loc))
	for i, r := range v.rebates {
		st := r.State(today)
		state, on := st.String(), ""
		if !r.ConfirmedAt.IsZero() && !r.ClaimableOn.IsZero() {
			on = r.ClaimableOn.Format(time.DateOnly)
		}
		switch st {
		case domain.RebateOrdered:
			state = s.warn.Render(Fit("UNCONFIRMED — confirm", 22))
			on = s.dim.Render("never while unconfirmed")
		case domain.RebateClaimable:
			state = s.ok.Render(Fit("claimable ◀ claim", 22))
		case domain.RebateConfirmed:
			if r.ClaimableOn.IsZero() {
				on = s.dim.Render("by hand")
			}
		}
		add(fmt.Sprintf("%-4d %s %s %s %12s  %s %s %s", r.ID, Fit(textsafe.Safe(r.Channel), 16), Fit(textsafe.Safe(r.Order), 16),
			Fit(localTime(r.OrderedAt, loc, time.DateOnly), 10), r.Amount, Fit(localTime(r.ConfirmedAt, loc, time.DateOnly), 10), Fit(state, 22), on), len(v.rows)+i)
	}
	height := max(1, v.height)
	if v.overlay != channelsNoOverlay {
		height = max(1, height-6)
	}
	if cursorAt >= 0 {
		if cursorAt < v.top {
			v.top = cursorAt
		}
		if cursorAt >= v.top+height {
			v.top = cursorAt - height + 1
		}
	}
	v.top = max(0, min(v.top, len(lines)-height))
	body := strings.Join(pageOf(lines, v.top, height), "\n")
	switch v.overlay {
	case channelsPrompting:
		body += "\n\n" + v.prompt.view(s, &v.c.keys, v.width)
	case channelsConfirming:
		body += "\n\n" + v.confirm.view(s, &v.c.keys, v.width)
	}
	return body
}
