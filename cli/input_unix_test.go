//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A FILE that is a device without end (/dev/zero, or a link to it under any name) is
// refused at the limit, not read for ever.
func TestImportOfADeviceIsRefusedAtTheLimit(t *testing.T) {
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
			want(t, r, 1, "nothing imported", c.file+" is larger than 64 KiB, the limit of import "+c.what)
		})
	}
	if after := snapshot(t, db); after != before {
		t.Fatalf("a refused import changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// The binary, at the limits it ships with.
	start := time.Now()
	want(t, shipdesk(t, db, "import", "tracking", link("upload.txt")), 1, "upload.txt is larger than 64 MiB, the limit of import tracking")
	want(t, shipdesk(t, db, "import", "refunds", link("refunds.csv")), 1, "refunds.csv is larger than 64 MiB, the limit of import refunds")
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
