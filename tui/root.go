// Package tui is the shipdesk console: a root Bubble Tea model that owns
// which view is active (dashboard, pending pool, sales orders, help), routes
// keys and messages, and draws the header and status lines around the view.
//
// Update never touches the database: every read and write is a tea.Cmd that
// copies its arguments and comes back as a message. Lists read bounded
// windows from storage's indexes, never whole buckets.
package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/notify"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// Config is what one console session needs.
type Config struct {
	Store    *storage.Store
	Keys     keymap.KeyMap
	Operator string             // shown in the status line, recorded in the audit
	Role     domain.Role        // what the operator may do; zero reads only
	Session  string             // the SSH session, recorded in the audit; empty locally
	Location *time.Location     // warehouse time zone for display and due-today; nil = time.Local
	Now      func() time.Time   // clock; nil = time.Now
	DBLabel  string             // database as shown in the status line
	Renderer *lipgloss.Renderer // the session's renderer; nil = lipgloss.DefaultRenderer()
	Policy   domain.ShipPolicy  // warehouse country and ship-by rule
	Notify   *notify.Config     // [notify]: templates and languages for the outbox; nil = built in
	// AuthWarning is how long before a channel's authorization lapses it is warned of;
	// zero = domain.DefaultAuthWarning.
	AuthWarning time.Duration

	// Context ends the live updates when it is done, e.g. an SSH session's
	// context; nil = they end when the operator quits.
	Context context.Context
	// NoLive turns off the store subscription and the clock tick, whose
	// commands wait forever; tests set it to run every command to completion.
	NoLive bool
}

// common is what every view shares; it does not change after New.
type common struct {
	store    *storage.Store
	keys     keymap.KeyMap
	styles   styles
	operator string
	role     domain.Role
	session  string
	loc      *time.Location
	now      func() time.Time
	policy   domain.ShipPolicy
	notify   *notify.Config
	// templates render the outbox's messages: loaded once, when the console starts (a
	// folder that does not load leaves it nil, and the message says why).
	templates    *notify.Templates
	templatesErr error
	authWarn     time.Duration
	// helpLines are the status bar's help lines drawn so far, by width and bindings:
	// drawing one styles every binding, a tenth of a list's frame.
	helpLines map[string]string
}

// actor is who the session's changes are recorded as.
func (c *common) actor() storage.Actor {
	return storage.Actor{Operator: c.operator, Session: c.session, Role: c.role}
}

// allow is the one check of the operator's role before an action: nil when the role
// may take it, else a command that puts the refusal, naming the role needed, in the
// status line.
func (c *common) allow(a domain.Action) tea.Cmd {
	if err := domain.Require(c.operator, c.role, a); err != nil {
		return reportErr(err)
	}
	return nil
}

// countsRefresh is how often the counts are re-read without a change:
// due-today and overdue move with the clock.
const countsRefresh = 30 * time.Second

// Messages of the root model. Views emit statusMsg and dataChangedMsg.
type (
	countsMsg struct {
		seq    uint64
		counts storage.Counts
		err    error
	}
	// statusMsg is the result of the last action, for the status line.
	statusMsg struct {
		text string
		err  bool
	}
	// dataChangedMsg says this session wrote to the store: refresh what is shown.
	dataChangedMsg struct{}
	subscribedMsg  struct {
		changes <-chan storage.Change
		cancel  func()
	}
	storeChangedMsg struct{}
	tickMsg         time.Time
)

func report(text string) tea.Cmd {
	return func() tea.Msg { return statusMsg{text: text} }
}

func reportErr(err error) tea.Cmd {
	return func() tea.Msg { return statusMsg{text: err.Error(), err: true} }
}

func changed() tea.Msg { return dataChangedMsg{} }

// Model is the root model of a console session.
type Model struct {
	c       *common
	ctx     context.Context
	live    bool
	dbLabel string

	width, height int
	// specs and views are the view table (viewTable) and its views, index for index;
	// active and previous index them.
	specs            []viewSpec
	views            []view
	active, previous int

	counts      storage.Counts
	countsSeq   uint64
	status      statusMsg
	changes     <-chan storage.Change
	unsubscribe func()
}

// New builds the console for one session.
func New(cfg Config) *Model {
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.AuthWarning <= 0 {
		cfg.AuthWarning = domain.DefaultAuthWarning
	}
	c := &common{
		authWarn: cfg.AuthWarning,
		store:    cfg.Store, keys: cfg.Keys, styles: newStyles(cfg.Renderer),
		operator: cfg.Operator, role: cfg.Role, session: cfg.Session, loc: cfg.Location, now: cfg.Now, policy: cfg.Policy,
		notify: cfg.Notify,
	}
	c.templates, c.templatesErr = notify.LoadTemplates(c.notifyConfig().Templates)
	m := &Model{c: c, ctx: cfg.Context, live: !cfg.NoLive, dbLabel: cfg.DBLabel, specs: viewTable()}
	for _, v := range m.specs {
		m.views = append(m.views, v.make(c))
	}
	return m
}

// Init reads the counts and, unless NoLive, subscribes to the store's
// changes and starts the clock tick.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.countsCmd()}
	if m.live {
		cmds = append(cmds, subscribe(m.c.store), tick())
	}
	return tea.Batch(cmds...)
}

func subscribe(s *storage.Store) tea.Cmd {
	return func() tea.Msg {
		ch, cancel := s.Subscribe()
		return subscribedMsg{changes: ch, cancel: cancel}
	}
}

// waitChange waits for the next commit of any session; it is re-armed after each.
func waitChange(ctx context.Context, ch <-chan storage.Change, cancel func()) tea.Cmd {
	return func() tea.Msg {
		select {
		case _, ok := <-ch:
			if !ok {
				return nil // the store was closed
			}
			return storeChangedMsg{}
		case <-ctx.Done():
			cancel()
			return nil
		}
	}
}

func tick() tea.Cmd {
	return tea.Tick(countsRefresh, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// countsCmd reads the counts; a reply older than the newest request is dropped.
func (m *Model) countsCmd() tea.Cmd {
	seq, store, now, loc := m.countsSeq, m.c.store, m.c.now(), m.c.loc
	return func() tea.Msg {
		c, err := store.Counts(now, loc)
		return countsMsg{seq: seq, counts: c, err: err}
	}
}

func (m *Model) loadCounts() tea.Cmd {
	m.countsSeq++
	return m.countsCmd()
}

// Update routes a message: keys to the global bindings or the active view,
// results to the views that asked for them.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m.resize(msg.Width, msg.Height)
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			return m.eachRune(msg)
		}
		return m.key(msg)
	case subscribedMsg:
		m.changes, m.unsubscribe = msg.changes, msg.cancel
		return m, tea.Batch(waitChange(m.ctx, m.changes, m.unsubscribe), m.refresh())
	case storeChangedMsg:
		return m, tea.Batch(waitChange(m.ctx, m.changes, m.unsubscribe), m.refresh())
	case tickMsg:
		return m, tea.Batch(m.loadCounts(), tick())
	case dataChangedMsg:
		return m, m.refresh()
	case statusMsg:
		m.status = msg
		return m, nil
	case countsMsg:
		if msg.seq < m.countsSeq {
			return m, nil
		}
		if msg.err != nil {
			m.status = statusMsg{text: "reading counts: " + msg.err.Error(), err: true}
			return m, nil
		}
		m.counts = msg.counts
	}
	return m.broadcast(msg)
}

// broadcast hands a result to every view; each keeps what it asked for.
func (m *Model) broadcast(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmds := make([]tea.Cmd, len(m.views))
	for i, v := range m.views {
		cmds[i] = v.update(msg)
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) resize(w, h int) (tea.Model, tea.Cmd) {
	m.width, m.height = w, h
	cmds := make([]tea.Cmd, len(m.views))
	for i, v := range m.views {
		cmds[i] = v.setSize(w, m.bodyHeight())
	}
	return m, tea.Batch(cmds...)
}

// bodyHeight is the screen minus the header line and the three status lines.
func (m *Model) bodyHeight() int { return max(0, m.height-4) }

// capturing reports whether the active view takes every key: while typing
// into an input or answering a dialog, "q" is a letter, not quit.
func (m *Model) capturing() bool { return m.views[m.active].capturing() }

// eachRune handles keys that arrived in one read, which Bubble Tea reports
// as one message ("jjj" when a key repeats over a slow SSH link, "2/abc" when
// typed ahead): one key at a time, so that "/" opens the filter and the
// runes after it become its text.
func (m *Model) eachRune(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	cmds := make([]tea.Cmd, 0, len(msg.Runes))
	for _, r := range msg.Runes {
		one := msg
		one.Runes = []rune{r}
		next, cmd := m.key(one)
		m = next.(*Model)
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := &m.c.keys
	if msg.Type == tea.KeyCtrlC {
		return m.quit()
	}
	if m.capturing() {
		return m, m.views[m.active].update(msg)
	}
	aside := m.specs[m.active].aside
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case aside && key.Matches(msg, k.Back, m.specs[m.active].key(k)):
		return m.show(m.previous)
	}
	for i, v := range m.specs {
		if key.Matches(msg, v.key(k)) {
			return m.show(i)
		}
	}
	switch {
	case key.Matches(msg, k.NextView):
		return m.show(m.next())
	case key.Matches(msg, k.Refresh):
		return m, m.refresh()
	}
	return m, m.views[m.active].update(msg)
}

// next is the view after the active one in tab order, passing views kept aside.
func (m *Model) next() int {
	i := m.active
	for range m.specs {
		if i = (i + 1) % len(m.specs); !m.specs[i].aside {
			break
		}
	}
	return i
}

func (m *Model) quit() (tea.Model, tea.Cmd) {
	if m.unsubscribe != nil {
		m.unsubscribe()
	}
	return m, tea.Quit
}

// show makes view i the active view and brings it up to date. A view kept aside (help)
// remembers the view it was opened from.
func (m *Model) show(i int) (tea.Model, tea.Cmd) {
	if m.specs[i].aside && !m.specs[m.active].aside {
		m.previous = m.active
	}
	m.active = i
	return m, m.refresh()
}

// refresh re-reads the counts and what the active view shows. Hidden views
// catch up when they are shown.
func (m *Model) refresh() tea.Cmd {
	return tea.Batch(m.loadCounts(), m.views[m.active].refresh())
}

// View draws the header, the active view and the status lines.
func (m *Model) View() string {
	if m.width == 0 {
		return ""
	}
	if m.width < 40 || m.height < 10 {
		return fmt.Sprintf("terminal too small (%d×%d): shipdesk needs at least 40×10", m.width, m.height)
	}
	body := m.views[m.active].view()
	return strings.Join([]string{
		m.header(),
		frame(body, m.width, m.bodyHeight()),
		fitLine(m.countsLine(), m.width),
		fitLine(m.statusLine(), m.width),
		m.shortHelp(),
	}, "\n")
}

// header shows the view tabs, labelled with their bound keys, and the
// warehouse clock.
func (m *Model) header() string {
	s := m.c.styles
	left := m.tabs(true)
	clock := s.dim.Render(m.c.now().In(m.c.loc).Format("Mon 01-02 15:04 MST"))
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(clock)
	switch {
	case gap >= 1:
		return left + strings.Repeat(" ", gap) + clock
	case lipgloss.Width(left) <= m.width:
		return left // the clock gives way to the tabs
	}
	// Narrower: the tabs other than the active one lose their padding.
	return fitLine(m.tabs(false), m.width)
}

// tabs draws the view tabs; padded gives every tab its padding, else only the active one.
func (m *Model) tabs(padded bool) string {
	s, k := m.c.styles, &m.c.keys
	var b strings.Builder
	for i, v := range m.specs {
		st := s.tab
		switch {
		case i == m.active:
			st = s.tabActive
		case !padded:
			st = s.plain
		}
		b.WriteString(st.Render(textsafe.Safe(v.key(k).Help().Key) + " " + v.name))
		b.WriteString(" ")
	}
	return b.String()
}

// countsLine is the quick status, most urgent first so a narrow terminal
// cuts the least urgent: overdue, due today, awaiting shipment orders, then
// the open pool, ready and changed entries.
func (m *Model) countsLine() string {
	s, c := m.c.styles, m.counts
	if c.Pool == nil {
		return s.dim.Render("counting…")
	}
	num := func(n int, st lipgloss.Style, label string) string {
		text := fmt.Sprintf("%d %s", n, label)
		if n > 0 {
			return st.Render(text)
		}
		return text
	}
	sep := s.dim.Render(" · ")
	return strings.Join([]string{
		num(c.Overdue, s.urgent, "overdue"),
		num(c.DueToday, s.warn, "due today"),
		fmt.Sprintf("%d awaiting", c.Orders[domain.OrderAwaitingShipment]),
	}, sep) + s.dim.Render(" │ ") + s.title.Render("pool ") + strings.Join([]string{
		fmt.Sprintf("%d open", c.Pool[domain.PoolAwaitingDetail]+c.Pool[domain.PoolReady]),
		fmt.Sprintf("%d ready", c.Pool[domain.PoolReady]),
		num(c.Changed, s.warn, "changed"),
	}, sep)
}

// statusLine names the database and the operator, then the last action's result.
func (m *Model) statusLine() string {
	s := m.c.styles
	who := s.dim.Render(cutLeft(m.dbLabel, max(12, m.width/3)) + " · " + Cut(m.c.operator, 20) + " (" + m.c.role.String() + ")")
	text := textsafe.Safe(m.status.text)
	if m.status.err {
		text = s.danger.Render("✗ " + text)
	}
	return who + " │ " + text
}

// shortHelp is generated from the active view's bindings.
func (m *Model) shortHelp() string {
	k := &m.c.keys
	bs := m.views[m.active].shortHelp()
	if !m.capturing() {
		bs = append(bs[:len(bs):len(bs)], k.Help, k.Quit)
	}
	return m.c.helpLine(m.width, bs)
}

// helpLine is helpLine for the status bar, remembered.
func (c *common) helpLine(width int, bs []key.Binding) string {
	var id strings.Builder
	id.WriteString(strconv.Itoa(width))
	for _, b := range bs {
		h := b.Help()
		id.WriteString("\x00" + h.Key + "\x01" + h.Desc)
	}
	if line, ok := c.helpLines[id.String()]; ok {
		return line
	}
	if c.helpLines == nil || len(c.helpLines) > 256 {
		c.helpLines = map[string]string{}
	}
	line := helpLine(c.styles, width, bs...)
	c.helpLines[id.String()] = line
	return line
}

// notifyConfig is the [notify] configuration the console was given, or the built-in one.
func (c *common) notifyConfig() notify.Config {
	if c.notify != nil {
		return *c.notify
	}
	return notify.Default()
}
