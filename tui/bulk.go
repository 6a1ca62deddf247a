package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// bulkModel is the bulk tracking view: paste GSPAY or CSV lines, check every
// line's verdict, then apply the good ones in one transaction (rule 11).
type bulkModel struct {
	c             *common
	width, height int
}

func newBulk(c *common) bulkModel { return bulkModel{c: c} }

func (m bulkModel) setSize(w, h int) (bulkModel, tea.Cmd) {
	m.width, m.height = w, h
	return m, nil
}

func (m bulkModel) refresh() (bulkModel, tea.Cmd)           { return m, nil }
func (m bulkModel) update(msg tea.Msg) (bulkModel, tea.Cmd) { return m, nil }
func (m bulkModel) capturing() bool                         { return false }
func (m bulkModel) shortHelp() []key.Binding                { return nil }
func (m bulkModel) view() string                            { return "bulk tracking: not written yet" }
