package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// A list's actions are data: the key, the words, the role it needs, the question and
// the one storage call that applies it. The list asks (a confirmation, or a prompt for a
// reason), runs the call in a cmd, and shows what happened to every row.

// actionWords name an action in the status line and the results panel.
type actionWords struct{ name, done, working string }

// actionArgs are what a run gets, copied before the cmd starts.
type actionArgs[K rowKey] struct {
	keys   []K
	reason string // or the line the prompt asked for
	token  uint64 // what the offer offered
	now    time.Time
	by     storage.Actor
}

// actionResult is what a run did. With err nothing was written and the status line
// says why; else lines say what happened to each row.
type actionResult[K rowKey] struct {
	drop          []K // keys that leave the selection: done rows, or rows no longer known
	lines         []resultLine
	done, skipped int
	summary       string // "" = "DONE n, skipped m"
	err           error
}

// row adds one row's outcome: done (k leaves the selection; the line is name and text)
// or skipped for reason.
func (out *actionResult[K]) row(k K, name string, done bool, text, reason string) {
	if done {
		out.drop = append(out.drop, k)
		out.lines = append(out.lines, resultLine{done: true, text: name + text})
		out.done++
		return
	}
	out.lines = append(out.lines, skippedLine(name, reason))
	out.skipped++
}

type listAction[K rowKey] struct {
	binding func(*keymap.KeyMap) key.Binding
	words   actionWords
	role    domain.Action // the role rule, checked before asking; "" = none here
	// question is the confirmation; what is "2 entries" or "1 entry (tb:T1)", them is
	// "them" or "it", n the count.
	question func(what, them string, n int) string
	// input, when set, asks for a line after this label instead of a yes or no: a
	// reason ("reason: "), a file name. initial, when set, is its first value; need
	// is what an empty line is told.
	input, need string
	initial     func(now time.Time) string
	// check, when set, reads the prompt's line first: an error keeps the prompt open
	// and says why (a date that does not read), and nothing runs.
	check func(line string) error
	// all, when set, counts what the action acts on by itself (convert all ready):
	// it takes no keys.
	all func() int
	// run applies the action in one storage transaction. It runs in a cmd.
	run func(actionArgs[K]) actionResult[K]
	// start, when set, replaces the confirmation and the run: the view takes the
	// action's keys into a flow of its own (the tracking form, one order after another).
	start func(keys []K) tea.Cmd
	// cursorOnly: the action takes the row under the cursor, never the selection.
	cursorOnly bool
	// detail: the key works in the view's detail of a row too, on that row.
	detail bool
	// offer, when set, replaces the question: it runs in a cmd (it reads storage) and
	// says what the action would do, with a token the run gets back (undo: the action
	// offered, so a newer one is never undone by the same yes); an error is said instead.
	offer func(by storage.Actor) (question string, token uint64, err error)
}

// pendingAction is an action waiting for its confirmation, or running.
type pendingAction[K rowKey] struct {
	act    *listAction[K]
	keys   []K
	reason string
	token  uint64
}

// listOfferMsg is what an action's offer read, for the list to ask.
type listOfferMsg[K rowKey] struct {
	to       any
	act      *listAction[K]
	question string
	token    uint64
	err      error
}

// listActionMsg is a run's result, for the list to.
type listActionMsg[K rowKey] struct {
	to  any
	act *listAction[K]
	res actionResult[K]
}

// actionFor is the action msg is the key of; inDetail: only those that work there.
func (l *list[R, K, Q]) actionFor(msg tea.KeyMsg, inDetail bool) *listAction[K] {
	for i := range l.spec.actions {
		a := &l.spec.actions[i]
		if (!inDetail || a.detail) && key.Matches(msg, a.binding(&l.c.keys)) {
			return a
		}
	}
	return nil
}

// detailHelp is the bindings of the actions that work in a view's detail.
func (l *list[R, K, Q]) detailHelp() []key.Binding {
	var bs []key.Binding
	for i := range l.spec.actions {
		if a := &l.spec.actions[i]; a.detail {
			bs = append(bs, a.binding(&l.c.keys))
		}
	}
	return bs
}

// ask opens the confirmation, which says how many rows and what will happen to them, or
// the prompt; an action with a flow of its own starts it.
func (l *list[R, K, Q]) ask(a *listAction[K], keys []K) tea.Cmd {
	if l.busy {
		return report("still working on the last action…")
	}
	if a.role != "" {
		if refused := l.c.allow(a.role); refused != nil {
			return refused
		}
	}
	if a.offer != nil {
		to, by := any(l), l.c.actor()
		return func() tea.Msg {
			q, tok, err := a.offer(by)
			return listOfferMsg[K]{to: to, act: a, question: q, token: tok, err: err}
		}
	}
	n := len(keys)
	if a.all != nil {
		n = a.all()
	}
	if n == 0 {
		return report("nothing to act on")
	}
	if a.start != nil {
		return a.start(slices.Clone(keys))
	}
	what, them := plural(n, l.spec.thing[0], l.spec.thing[1]), "them"
	if len(keys) == 1 {
		what, them = what+" ("+textsafe.Safe(keys[0].String())+")", "it"
	}
	l.pending = pendingAction[K]{act: a, keys: keys}
	q := a.question(what, them, n)
	if a.input == "" {
		l.confirm, l.overlay = confirmDialog{question: q}, confirming
		return nil
	}
	value := ""
	if a.initial != nil {
		value = a.initial(l.c.now().In(l.c.loc))
	}
	need := a.need
	if need == "" {
		need = reasonNeeded
	}
	l.prompt, l.overlay = newLinePrompt(l.c.styles, q, a.input, value, need), prompting
	return nil
}

// offered asks the question an offer read.
func (l *list[R, K, Q]) offered(msg listOfferMsg[K]) tea.Cmd {
	if msg.err != nil {
		return reportErr(msg.err)
	}
	if l.busy || l.overlay != noOverlay {
		return nil
	}
	l.pending = pendingAction[K]{act: msg.act, token: msg.token}
	l.confirm, l.overlay = confirmDialog{question: msg.question}, confirming
	return nil
}

func (l *list[R, K, Q]) overlayKey(msg tea.KeyMsg) tea.Cmd {
	run, reason, cmd := l.step(msg, &l.c.keys, l.height)
	if run && l.overlay == prompting && l.pending.act.check != nil {
		if err := l.pending.act.check(reason); err != nil {
			l.prompt.err = err.Error()
			return nil
		}
	}
	if run {
		p := l.pending
		p.reason = reason
		return l.run(p)
	}
	return cmd
}

// run applies the action in a cmd, on copies of its arguments.
func (l *list[R, K, Q]) run(p pendingAction[K]) tea.Cmd {
	l.overlay, l.busy = noOverlay, true
	a, to := p.act, any(l)
	args := actionArgs[K]{keys: slices.Clone(p.keys), reason: p.reason, token: p.token, now: l.c.now(), by: l.c.actor()}
	do := func() tea.Msg { return listActionMsg[K]{to: to, act: a, res: a.run(args)} }
	return tea.Batch(report(a.words.working), do)
}

// actionDone shows what happened to every row, drops the done rows from the selection,
// and has the root refresh the list and the counts.
func (l *list[R, K, Q]) actionDone(msg listActionMsg[K]) tea.Cmd {
	l.busy = false
	r := msg.res
	for _, k := range r.drop {
		delete(l.selected.set, k)
	}
	if r.err != nil {
		return tea.Batch(reportErr(r.err), changed)
	}
	summary := r.summary
	if summary == "" {
		summary = fmt.Sprintf("%s %d, skipped %d", msg.act.words.done, r.done, r.skipped)
	}
	return tea.Batch(l.showResults(msg.act.words.name, summary, r.lines), changed)
}

// showResults opens the results panel, titled "Name: summary", and says the summary in
// the status line.
func (l *list[R, K, Q]) showResults(name, summary string, lines []resultLine) tea.Cmd {
	l.results = resultsPanel{title: strings.ToUpper(name[:1]) + name[1:] + ": " + summary, lines: lines}
	l.overlay = showingResults
	return report(summary + " — see results")
}

// skippedLine is a row an action left alone, named by its key when the reason does not.
func skippedLine(k, reason string) resultLine {
	if !strings.Contains(reason, k) {
		reason = k + ": " + reason
	}
	return resultLine{text: "skipped: " + reason}
}

// batchResult is a pool-style batch's result: done rows named by doneText, skipped
// rows by their reason, with who got there first when another session did.
func batchResult(res storage.BatchResult, err error, now time.Time, loc *time.Location, doneText func(storage.RowResult) string) actionResult[domain.Key] {
	if err != nil {
		return actionResult[domain.Key]{err: err}
	}
	var out actionResult[domain.Key]
	for _, r := range res.Rows {
		reason := r.Reason
		if r.By != "" {
			reason += " — by " + r.By + " at " + listTime(r.At, now, loc)
		}
		text := ""
		if r.Done {
			text = doneText(r)
		}
		out.row(r.Key, r.Key.String(), r.Done, text, reason)
	}
	return out
}
