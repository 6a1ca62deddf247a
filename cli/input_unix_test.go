//go:build unix

package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"shipdesk/domain"
	"shipdesk/server"
	"shipdesk/storage"
)

// A FILE that is a device without end (/dev/zero, or a link to it under any name) is
// refused before it is read, not read for ever.
func TestImportOfADeviceIsRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	db := refundDB(t)
	dir := t.TempDir()
	link := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink("/dev/zero", p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := snapshot(t, db)
	for _, c := range []struct {
		what string
		file string
	}{
		{"orders", link("zero.jsonl")},
		{"orders", link("zero.csv")},
		{"tracking", link("zero.txt")},
		{"tracking", "/dev/zero"},
		{"refunds", link("zero-refunds.csv")},
		{"refunds", link("zero-refunds.jsonl")},
	} {
		t.Run(c.what+" "+filepath.Base(c.file), func(t *testing.T) {
			setLimit(t, c.what, 64<<10)
			r := runMain(strings.NewReader(""), "--db", db, "import", c.what, c.file)
			want(t, r, 1, "nothing imported", c.file+" is not a file (a device or a folder?)")
		})
	}
	if after := snapshot(t, db); after != before {
		t.Fatalf("a refused import changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// The binary, at the limits it ships with.
	start := time.Now()
	want(t, shipdesk(t, db, "import", "tracking", link("upload.txt")), 1, "upload.txt is not a file")
	want(t, shipdesk(t, db, "import", "refunds", link("refunds.csv")), 1, "refunds.csv is not a file")
	want(t, shipdesk(t, db, "import", "orders", link("orders.csv")), 1, "orders.csv is not a file")
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("took %v to refuse two devices", d)
	}
	if after := snapshot(t, db); after != before {
		t.Fatal("a refused import changed the database")
	}
}

// An orders file is parsed while the import writes; one that passes the limit part way
// (here a pipe of valid orders) is refused there and the transaction rolled back.
func TestImportFromAPipeOverTheLimitWritesNothing(t *testing.T) {
	db := refundDB(t)
	before := snapshot(t, db)
	fifo := filepath.Join(t.TempDir(), "orders.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	setLimit(t, "orders", 256<<10)
	lines := orderLines("F", 2000) // about 600 KiB: many batches written before the limit
	wrote := make(chan int, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			wrote <- -1
			return
		}
		n, _ := f.WriteString(lines) // ends when the reader closes its end
		f.Close()
		wrote <- n
	}()
	r := runMain(strings.NewReader(""), "--db", db, "import", "orders", fifo)
	want(t, r, 1, "nothing imported", fifo+" is larger than 256 KiB, the limit of import orders")
	select {
	case n := <-wrote:
		if n >= len(lines) {
			t.Fatalf("the whole pipe was read (%d bytes), past the limit", n)
		}
	case <-time.After(10 * time.Second):
		// Let the writer go if the import never opened the pipe.
		if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("the writer of the pipe is still blocked")
	}
	if after := snapshot(t, db); after != before {
		t.Fatalf("a refused import changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// A session's role is checked before anything of its standard input is read.
func TestSessionRoleIsCheckedBeforeReading(t *testing.T) {
	s, err := storage.Open(filepath.Join(t.TempDir(), "s.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for what, text := range map[string]string{"orders": orderLines("S", 10), "tracking": gspayLine, "refunds": refundLine("tb-main", "R1", "T1001", "not_received", "1", 1) + "\n"} {
		in := &repeat{text: text}
		var out, errb bytes.Buffer
		se := &server.Session{ID: "s1", Operator: server.Operator{Name: "vic", Role: domain.RoleViewer}, Stdin: in, Stdout: &out, Stderr: &errb}
		base := &env{tz: "UTC", country: "CN", now: func() time.Time { return time.Now().UTC() }}
		code := runSession(base, s, se, []string{"import", what, "-"})
		want(t, result{code: code, stdout: out.String(), stderr: errb.String()}, 1, "needs the operator role; vic is a viewer")
		if in.read != 0 {
			t.Errorf("import %s by a viewer read %d bytes of standard input", what, in.read)
		}
	}
}

// Whatever an import is fed, at the limits the binary ships with, its memory stays
// within a few hundred MB: standard input is spooled to disk, not held, and a line or a
// CSV row without end is refused at its own limit.
func TestImportMemoryStaysBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	db := refundDB(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "rows.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	endless := func(text string) io.Reader { return &repeat{text: text} }
	for _, c := range []struct {
		args []string
		in   io.Reader
		says string
	}{
		{[]string{"import", "tracking", "-", "--dry-run"}, endless(gspayLine), "larger than 8 MiB"},
		{[]string{"import", "tracking", "-", "--dry-run"}, endless("\x00"), "longer than 1 MiB"},
		{[]string{"import", "refunds", "-"}, endless(refundLine("tb-main", "R1", "T1001", "not_received", "1", 1) + "\n"), "larger than 64 MiB"},
		{[]string{"import", "refunds", "-"}, endless("x"), "longer than 1 MiB"},
		{[]string{"import", "orders", "-", "--format", "csv"}, endless("x"), "longer than 1 MiB"},
		{[]string{"import", "orders", "-", "--format", "jsonl"}, endless("{"), "longer than 1 MiB"},
		{[]string{"import", "orders", fifo}, nil, "longer than 1 MiB"},
	} {
		cmd := exec.Command(binary, append([]string{"--db", db}, c.args...)...)
		cmd.Env = append(os.Environ(), "SHIPDESK_TZ=UTC", "SHIPDESK_OPERATOR=cli-test")
		var errb bytes.Buffer
		cmd.Stdin, cmd.Stderr = c.in, &errb
		if c.in == nil {
			go func() { // the FIFO: a writer of endless zeros
				f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err == nil {
					io.Copy(f, io.LimitReader(endless("\x00"), 2<<30))
					f.Close()
				}
			}()
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The child's high-water RSS, from /proc while it runs (its rusage would count
		// the test process's own, which it was forked from).
		peak, done, stop, pid := int64(0), make(chan struct{}), make(chan struct{}), cmd.Process.Pid
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				kib := vmHWM(pid)
				if kib < 0 {
					return
				}
				peak = max(peak, kib)
				time.Sleep(2 * time.Millisecond)
			}
		}()
		err := cmd.Wait()
		close(stop)
		<-done
		if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(errb.String(), c.says) {
			t.Fatalf("%v: %v\n%s", c.args, err, errb.String())
		}
		t.Logf("%v: peak RSS %d MiB", c.args, peak>>10)
		if peak > 300<<10 {
			t.Errorf("%v: peak RSS %d MiB, want at most 300", c.args, peak>>10)
		}
	}
}

// vmHWM is the peak resident memory of process pid in KiB, from /proc; -1 once it is gone.
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kib int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kib)
			return kib
		}
	}
	return 0
}
