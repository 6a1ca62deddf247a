package tui

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// The dashboard's channel warnings (rules 7, 28, 29): authorizations expired and
// expiring, channels seen in imports but not set up (said once, in one line), rebates
// waiting for a confirmation, rebates to claim, and the nearest settlement cut-off with
// its two counts, loud within 24 hours. Lines only when there is something to say.

type channelSummaryMsg struct {
	sum storage.ChannelSummary
	err error
}

func (m *dashboardModel) loadChannels() tea.Cmd {
	store, now, warn, loc := m.c.store, m.c.now(), m.c.authWarn, m.c.loc
	return func() tea.Msg {
		sum, err := store.ChannelSummary(now, warn, loc)
		return channelSummaryMsg{sum: sum, err: err}
	}
}

// channelLines are the warnings, each in words as well as colour.
func (m *dashboardModel) channelLines() []string {
	sum, s := m.channels, m.c.styles
	if sum == nil {
		return nil
	}
	names := func(ns []string) string { return textsafe.Safe(strings.Join(ns, ", ")) }
	var lines []string
	if len(sum.Expired) > 0 {
		lines = append(lines, s.loud.Render(fmt.Sprintf("⚠ AUTHORIZATION EXPIRED: %s — orders stop arriving; re-authorize (%s, %s)", names(sum.Expired), m.c.keys.Channels.Help().Key, m.c.keys.Reauthorize.Help().Key)))
	}
	if len(sum.Expiring) > 0 {
		lines = append(lines, s.warn.Render(fmt.Sprintf("⚠ authorization expiring within %d days: %s", int(m.c.authWarn/(24*time.Hour)), names(sum.Expiring))))
	}
	if len(sum.NotSetUp) > 0 {
		lines = append(lines, s.warn.Render(fmt.Sprintf("channels not set up: %s (shipdesk channel set NAME)", names(sum.NotSetUp))))
	}
	if sum.Unconfirmed > 0 {
		lines = append(lines, s.warn.Render(fmt.Sprintf("%s waiting for confirmation on the platform: never claimable until confirmed",
			plural(sum.Unconfirmed, "subscription rebate", "subscription rebates"))))
	}
	if sum.Claimable > 0 {
		lines = append(lines, s.ok.Render(fmt.Sprintf("%s claimable now", plural(sum.Claimable, "rebate", "rebates"))))
	}
	if !sum.NextCutOff.IsZero() {
		now := m.c.now()
		text := fmt.Sprintf("next settlement cut-off %s (%s): %d shipped without tracking, %d not uploaded",
			sum.NextCutOff.In(m.c.loc).Format("Mon 2006-01-02 15:04"), names(sum.CutOffChannels), sum.MissingTracking, sum.NotUploaded)
		switch {
		case domain.CutOffAlarm(sum.NextCutOff, now, sum.MissingTracking+sum.NotUploaded):
			text = s.loud.Render("⚠ CUT-OFF WITHIN 24 H — " + text + ": payouts freeze")
		case sum.MissingTracking+sum.NotUploaded > 0:
			text = s.warn.Render(text)
		}
		lines = append(lines, text)
	}
	return lines
}

// withChannels puts the channel warnings under the panels.
func (m *dashboardModel) withChannels(panels string) string {
	lines := m.channelLines()
	if len(lines) == 0 {
		return panels
	}
	for i, l := range lines {
		lines[i] = fitLine(l, m.width)
	}
	return panels + "\n\n" + m.c.styles.title.Render("Channels") + "\n" + strings.Join(lines, "\n")
}
