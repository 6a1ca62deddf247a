package tui

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"shipdesk/demo"
	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
)

// The console's budgets on a database of a million orders (SHIPDESK_BENCH_ORDERS
// overrides the size):
//
//	open the console to its first full frame                 < 200 ms
//	one key in a list through Update and View (and its read) < 2 ms
//	filter text typed in the pool list: first window          < 100 ms, typing never waits
//	Go heap while browsing (not the mmap'd file)              < 100 MB
//
// The database is the demo file storage's benchmarks use, cached in the temp
// folder: both packages find it by the same name and write it the same way,
// so it is written once (about a minute) for both. bbolt lets one process
// hold it, so run these and storage's benchmarks one after the other.
//
//	go test ./tui/ -run XXX -bench . -benchtime 20x
//
// Commands run synchronously, as the test harness runs them: a benchmark's
// time is what the operator waits for, Update, the storage read of the cmd
// and the View that shows its result.

// benchPath writes the shared demo database if it is not there yet; the same
// file, written the same way, as storage/bench_test.go.
func benchPath(b *testing.B) string {
	b.Helper()
	path, err := demo.CachedBench(b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	return path
}

// benchDB is the store every benchmark of this process shares: opening the
// million-order file is not free, and a second open in the same process would
// wait for the first one's lock. The process's exit releases it.
var benchDB *storage.Store

func benchStore(b *testing.B) *storage.Store {
	b.Helper()
	if benchDB == nil {
		s, err := storage.Open(benchPath(b), storage.Options{})
		if err != nil {
			b.Fatal(err)
		}
		benchDB = s
	}
	return benchDB
}

func closeBenchStore() {
	if benchDB != nil {
		benchDB.Close()
		benchDB = nil
	}
}

func skipShort(b *testing.B) {
	if testing.Short() {
		b.Skip("million-order benchmark; not with -short")
	}
}

// benchConfig is a session as an operator gets it, with colours: an ANSI
// profile styles every cell, as a real terminal does.
func benchConfig(s *storage.Store) Config {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI)
	return Config{
		Store: s, Keys: keymap.Default(), Operator: "bench", Role: domain.RoleSupervisor, Location: time.FixedZone("CST", 8*3600),
		Now: func() time.Time { return demo.BenchNow }, DBLabel: "/var/lib/shipdesk/shipdesk.db", Renderer: r, NoLive: true,
	}
}

const benchWidth, benchHeight = 120, 40

// driver runs the console like the test harness does, every command
// synchronously with its messages fed back, for benchmarks.
type driver struct {
	tb testing.TB
	m  tea.Model
}

// openConsole builds the console and runs it to its first dashboard frame.
func openConsole(tb testing.TB, s *storage.Store) *driver {
	d := &driver{tb: tb, m: New(benchConfig(s))}
	d.run(d.m.Init())
	d.send(tea.WindowSizeMsg{Width: benchWidth, Height: benchHeight})
	return d
}

func (d *driver) model() *Model { return d.m.(*Model) }

// update hands msg to the model and returns its command without running it.
// The benchmarks share one database and must leave it as written: a key
// that opens an action's dialog stops them before anything can confirm it.
func (d *driver) update(msg tea.Msg) tea.Cmd {
	m, cmd := d.m.Update(msg)
	d.m = m
	if p := viewOf[*poolView](d.model()).list; p.overlay == confirming || p.overlay == prompting || p.busy {
		d.tb.Fatalf("%v opened a pool action: benchmarks must not write to the shared database", msg)
	}
	return cmd
}

func (d *driver) send(msg tea.Msg) { d.run(d.update(msg)) }

func (d *driver) run(cmd tea.Cmd) {
	if cmd != nil {
		d.handle(cmd())
	}
}

func (d *driver) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	case tea.QuitMsg:
		d.tb.Fatal("the console quit")
	default:
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := 0; i < v.Len(); i++ { // tea.Sequence
				d.run(v.Index(i).Interface().(tea.Cmd))
			}
			return
		}
		d.send(msg)
	}
}

// deliver runs cmd, hands its messages to Update and returns the commands
// those Updates return, not run.
func (d *driver) deliver(cmd tea.Cmd) []tea.Cmd {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Cmd
		for _, c := range msg {
			out = append(out, d.deliver(c)...)
		}
		return out
	default:
		return []tea.Cmd{d.update(msg)}
	}
}

// runCounting runs cmds and all they lead to, with a View after every
// message as Bubble Tea draws one, and counts the window reads among them.
func (d *driver) runCounting(cmds ...tea.Cmd) (reads int) {
	for len(cmds) > 0 {
		cmd := cmds[0]
		cmds = cmds[1:]
		if cmd == nil {
			continue
		}
		switch msg := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			cmds = append(cmds, msg...)
		default:
			switch msg.(type) {
			case windowMsg[storage.PoolRow], windowMsg[storage.OrderRow]:
				reads++
			}
			cmds = append(cmds, d.update(msg))
			frameSink = d.m.View()
		}
	}
	return reads
}

func (d *driver) press(keys ...string) {
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

// filter sets a list's filter to text, as pasted, and closes the input.
func (d *driver) filter(text string) {
	d.press("/", "ctrl+u")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text), Paste: true})
	d.press("enter")
}

// poolWin and ordersWin are the lists' windows, for checks.
func (d *driver) poolWin() window[storage.PoolRow]    { return viewOf[*poolView](d.model()).list.win }
func (d *driver) ordersWin() window[storage.OrderRow] { return viewOf[*ordersView](d.model()).list.win }

var frameSink string

// runDiscard runs cmd and the commands of its batches, dropping their
// messages: the reads of keystrokes a later one superseded.
func runDiscard(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if batch, ok := cmd().(tea.BatchMsg); ok {
		for _, c := range batch {
			runDiscard(c)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkOpenFirstFrame is the "open the console to its first full frame"
// budget (< 200 ms): tui.New, Init's commands, the first WindowSizeMsg
// (120×40), the reads they lead to, and the View of the complete frame.
// dashboard is the frame the console opens on (counts read); pool and orders
// add the key that shows the list and its first window. storage.Open is the
// file's open before any of them, measured alone (with Close untimed).
func BenchmarkOpenFirstFrame(b *testing.B) {
	skipShort(b)
	path := benchPath(b)
	b.Run("storage.Open", func(b *testing.B) {
		closeBenchStore()
		var heap runtime.MemStats
		for i := 0; i < b.N; i++ {
			s, err := storage.Open(path, storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&heap)
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(heap.HeapInuse)/(1<<20), "heap-MB")
	})
	frames := []struct {
		name  string
		keys  []string
		ready func(d *driver) bool
	}{
		{"dashboard", nil, func(d *driver) bool { return d.model().counts.Pool != nil }},
		{"pool", []string{"2"}, func(d *driver) bool {
			w := d.poolWin()
			return d.model().counts.Pool != nil && !w.loading && len(w.rows) > 0
		}},
		{"orders", []string{"3"}, func(d *driver) bool {
			w := d.ordersWin()
			return d.model().counts.Pool != nil && !w.loading && len(w.rows) > 0
		}},
	}
	for _, f := range frames {
		b.Run(f.name, func(b *testing.B) {
			s := benchStore(b)
			b.ResetTimer()
			var d *driver
			for i := 0; i < b.N; i++ {
				d = openConsole(b, s)
				d.press(f.keys...)
				frameSink = d.m.View()
			}
			b.StopTimer()
			if !f.ready(d) {
				b.Fatalf("first frame incomplete:\n%s", frameSink)
			}
		})
	}
}

// keyBench is one list and the key sub-benchmarks run in it.
type keyBench struct {
	list    string
	open    func(d *driver)
	atEnd   func(d *driver) bool // the cursor is on the list's last row
	atTop   func(d *driver) bool
	loading func(d *driver) bool // a read the frame waits for is under way
	cursor  func(d *driver) string
}

func atLast[T any](w window[T]) bool  { return !w.moreAfter && w.cursor == len(w.rows)-1 }
func atFirst[T any](w window[T]) bool { return !w.moreBefore && w.cursor == 0 }

// BenchmarkKey is the "one key in a list < 2 ms" budget: down, page down, end
// and home in the pool list and the orders list, both filtered to state:all
// (every one of the million). ns/op is what the operator waits for before the
// frame is right: Update(key) and View and, when the key started a read the
// frame depends on (End or Home off the window: the list shows the old rows
// until it is in), that read, its message's Update and the View after it.
// Reads the key only starts ahead of the cursor (the next page, when the
// cursor comes within a screen of the window's edge) do not hold the frame
// up; they run after the clock stops. Metrics:
//
//	uv-ms       Update+View alone, mean
//	p99-ms      the 99th percentile frame (the slowest with -benchtime under 100x)
//	max-ms      the slowest frame
//	all-ms      mean with every read the key started and the Views after them,
//	            as the event loop spends it before it takes the next key
//	reads/op    how many reads each key started, prefetches included
//
// Iterations keep moving: before End the cursor goes Home, before Home to
// the End, and down or page down start over at the top at the list's end,
// all outside the timer.
func BenchmarkKey(b *testing.B) {
	skipShort(b)
	lists := []keyBench{
		{
			list:    "pool",
			open:    func(d *driver) { d.press("2"); d.filter("state:all") },
			atEnd:   func(d *driver) bool { return atLast(d.poolWin()) },
			atTop:   func(d *driver) bool { return atFirst(d.poolWin()) },
			loading: func(d *driver) bool { return d.poolWin().loading },
			cursor:  func(d *driver) string { w := d.poolWin(); r, _ := w.current(); return r.Entry.Key.String() },
		},
		{
			list:    "orders",
			open:    func(d *driver) { d.press("3"); d.filter("state:all") },
			atEnd:   func(d *driver) bool { return atLast(d.ordersWin()) },
			atTop:   func(d *driver) bool { return atFirst(d.ordersWin()) },
			loading: func(d *driver) bool { return d.ordersWin().loading },
			cursor:  func(d *driver) string { w := d.ordersWin(); r, _ := w.current(); return fmt.Sprint(r.Order.No) },
		},
	}
	for _, l := range lists {
		b.Run(l.list, func(b *testing.B) {
			s := benchStore(b)
			for _, k := range []string{"down", "pgdown", "end", "home"} {
				b.Run(k, func(b *testing.B) {
					d := openConsole(b, s)
					l.open(d)
					var uv, all time.Duration
					frames := make([]time.Duration, 0, b.N)
					reads := 0
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						switch {
						case k == "end" && !l.atTop(d):
							b.StopTimer()
							d.press("home")
							b.StartTimer()
						case k == "home" && !l.atEnd(d):
							b.StopTimer()
							d.press("end")
							b.StartTimer()
						case (k == "down" || k == "pgdown") && l.atEnd(d):
							b.StopTimer()
							d.press("home")
							b.StartTimer()
						}
						before := l.cursor(d)
						t0 := time.Now()
						later := []tea.Cmd{d.update(keyMsg(k))}
						frameSink = d.m.View()
						t1 := time.Now()
						if l.loading(d) {
							reads++
							later = d.deliver(later[0])
							frameSink = d.m.View()
						}
						t2 := time.Now()
						b.StopTimer()
						reads += d.runCounting(later...)
						t3 := time.Now()
						b.StartTimer()
						uv += t1.Sub(t0)
						frames = append(frames, t2.Sub(t0))
						all += t2.Sub(t0) + t3.Sub(t2)
						if l.cursor(d) == before || l.loading(d) {
							b.Fatalf("%s did not move the cursor from %s:\n%s", k, before, frameSink)
						}
					}
					b.StopTimer()
					b.ReportMetric(ms(uv)/float64(b.N), "uv-ms")
					slices.Sort(frames)
					b.ReportMetric(ms(frames[len(frames)*99/100]), "p99-ms")
					b.ReportMetric(ms(frames[len(frames)-1]), "max-ms")
					if os.Getenv("SHIPDESK_BENCH_DEBUG") != "" {
						b.Logf("slowest frames: %v", frames[max(0, len(frames)-5):])
					}
					b.ReportMetric(ms(all)/float64(b.N), "all-ms")
					b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
				})
			}
		})
	}
}

// filterCase is filter text typed into the pool list's filter; the benchmark
// times its last rune.
type filterCase struct{ name, text string }

var filterCases = []filterCase{
	{"common-tea", "state:all tea"},          // 44% of the entries
	{"rare-tetsubin", "state:all tetsubin"},  // one product: 1 entry in 220
	{"buyer-orlova07", "state:all orlova07"}, // one buyer: 25 entries, the window never fills
	{"none", "state:all zzzz-no-such-thing"}, // no match: every entry is looked at
	{"channel-jd-store", "state:all channel:jd-store"},
	{"open-channel-jd-store", "channel:jd-store"}, // the default open states of one channel
}

// BenchmarkFilterFirstWindow is the "first window of matches < 100 ms" budget
// for filter text typed in the pool list. Each op is the last rune of the
// text: Update, the window read the cmd does, its message, and the View of
// the matches; the rune before it is typed (its read dropped, as a newer
// keystroke cancels it) outside the timer. Metrics: rows is how many matches
// the first window holds (a full window is three screens).
//
// typing is the "typing never waits" half: Update of one typed rune (the
// filter input is open on state:all), its search command not run, alternately
// a letter and backspace: ns/op, and update-µs without the benchmark's timer
// overhead; uv-µs adds the View. typing-while-searching is the
// same while the previous keystroke's search scans the million in a
// goroutine, as under Bubble Tea: on two cores the scan must not hold the
// keystroke up.
func BenchmarkFilterFirstWindow(b *testing.B) {
	skipShort(b)
	s := benchStore(b)
	for _, fc := range filterCases {
		b.Run(fc.name, func(b *testing.B) {
			d := openConsole(b, s)
			d.press("2", "/")
			runes := []rune(fc.text)
			last := string(runes[len(runes)-1])
			// The text but its last rune, as typed so far; its read is dropped.
			d.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: runes[:len(runes)-1], Paste: true})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.run(d.update(keyMsg(last)))
				frameSink = d.m.View()
				b.StopTimer()
				if w := d.poolWin(); w.loading || w.err != nil {
					b.Fatalf("first window not in: loading=%v err=%v", w.loading, w.err)
				}
				d.update(tea.KeyMsg{Type: tea.KeyBackspace})
				b.StartTimer()
			}
			b.StopTimer()
			d.run(d.update(keyMsg(last)))
			b.ReportMetric(float64(len(d.poolWin().rows)), "rows")
		})
	}
	typing := func(b *testing.B, background bool) {
		d := openConsole(b, s)
		d.press("2", "/")
		d.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("state:all zzzz-no-such-thin"), Paste: true})
		done := make(chan struct{}, 1024)
		var u, uv time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			k := keyMsg("g")
			if i%2 == 1 {
				k = tea.KeyMsg{Type: tea.KeyBackspace}
			}
			t0 := time.Now()
			cmd := d.update(k)
			t1 := time.Now()
			b.StopTimer()
			frameSink = d.m.View()
			u += t1.Sub(t0)
			uv += time.Since(t1) + t1.Sub(t0)
			if cmd == nil {
				b.Fatal("an edit of the filter started no search")
			}
			if background {
				go func() { runDiscard(cmd); done <- struct{}{} }()
				time.Sleep(20 * time.Millisecond) // the operator's next keystroke, mid-scan
			}
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(u.Microseconds())/float64(b.N), "update-µs")
		b.ReportMetric(float64(uv.Microseconds())/float64(b.N), "uv-µs")
		for i := 0; background && i < b.N; i++ {
			<-done
		}
	}
	b.Run("typing", func(b *testing.B) { typing(b, false) })
	b.Run("typing-while-searching", func(b *testing.B) { typing(b, true) })
}

// BenchmarkBrowseHeap is the "Go heap while browsing < 100 MB" budget. One
// op opens a console and browses: the pool on state:all, page down 2000
// times, end, home, filter "tea", clear it; then the orders on state:all,
// page down 2000 times, end, home. Metrics, in MB of Go heap (the mmap'd file
// is not in it):
//
//	heap-MB       HeapInuse after browsing and a GC, the console still open
//	peak-heap-MB  the highest HeapInuse seen while browsing, garbage included
//	base-heap-MB  HeapInuse of the open store alone, after a GC
//	alloc-MB/op   everything browsing allocated
func BenchmarkBrowseHeap(b *testing.B) {
	skipShort(b)
	s := benchStore(b)
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	var peak uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapInuse)
	}
	var d *driver
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d = openConsole(b, s)
		d.press("2")
		d.filter("state:all")
		for j := 0; j < 2000; j++ {
			d.press("pgdown")
			frameSink = d.m.View()
			if j%100 == 0 {
				sample()
			}
		}
		d.press("end")
		sample()
		d.press("home", "/")
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(" tea"), Paste: true})
		d.press("enter")
		sample()
		d.send(tea.KeyMsg{Type: tea.KeyCtrlL}) // clear the filter
		d.press("3")
		d.filter("state:all")
		for j := 0; j < 2000; j++ {
			d.press("pgdown")
			frameSink = d.m.View()
			if j%100 == 0 {
				sample()
			}
		}
		d.press("end", "home")
		frameSink = d.m.View()
		sample()
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	runtime.KeepAlive(d)
	if w := d.poolWin(); len(w.rows) > w.capacity() {
		b.Fatalf("pool window holds %d rows, over its capacity %d", len(w.rows), w.capacity())
	}
	if w := d.ordersWin(); len(w.rows) == 0 || len(w.rows) > w.capacity() {
		b.Fatalf("orders window holds %d rows, capacity %d:\n%s", len(w.rows), w.capacity(), frameSink)
	}
	mb := func(n uint64) float64 { return float64(n) / (1 << 20) }
	b.ReportMetric(mb(ms1.HeapInuse), "heap-MB")
	b.ReportMetric(mb(peak), "peak-heap-MB")
	b.ReportMetric(mb(ms0.HeapInuse), "base-heap-MB")
	b.ReportMetric(mb(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N), "alloc-MB/op")
}
