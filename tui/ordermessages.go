package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// The order detail's messages: what the outbox holds for the order, by when it was queued.

type orderMessagesMsg struct {
	no   uint64
	msgs []domain.OutboxMessage
	err  error
}

func loadOrderMessages(store *storage.Store, no uint64) tea.Cmd {
	return func() tea.Msg {
		ms, err := store.OrderMessages(no)
		return orderMessagesMsg{no: no, msgs: ms, err: err}
	}
}

// messageLines is one line per message: number, kind, state, attempts, when.
func messageLines(s styles, msgs []domain.OutboxMessage, c *common, width int) []string {
	if len(msgs) == 0 {
		return []string{"", s.title.Render("Messages") + s.dim.Render(" — none queued")}
	}
	lines := []string{"", s.title.Render(fmt.Sprintf("Messages — %d", len(msgs)))}
	const long = "2006-01-02 15:04 MST"
	for _, m := range msgs {
		when := ""
		switch {
		case m.State == domain.OutboxSent:
			when = "sent " + localTime(m.SentAt, c.loc, long)
		case m.State.Pending():
			when = "next " + localTime(m.NextAttempt, c.loc, long)
		}
		line := fmt.Sprintf("  #%-5d %-15s %-9s %-8s %d tries  %s", m.ID, m.Kind, m.State, m.Transport, m.Attempts, when)
		if m.LastError != "" {
			line += "  " + m.LastError
		}
		lines = append(lines, Cut(textsafe.Safe(line), width))
	}
	return lines
}
