package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// What one import reads from one FILE or from standard input, locally or over SSH, is
// bounded by the limit of its kind; a source over it is refused while it is read (never
// read whole first) and nothing is imported. The usage text names these limits.
const (
	// maxOrdersInput bounds an orders file: a channel's export of a year or more. A file
	// is parsed while the import writes; standard input is held in memory first.
	maxOrdersInput int64 = 1 << 30
	// maxTrackingInput bounds a tracking upload, which is read whole (the same bound as
	// domain.ParseTracking's).
	maxTrackingInput int64 = 64 << 20
	// maxRefundsInput bounds a file of refund requests, which is read whole.
	maxRefundsInput int64 = 64 << 20
	// maxEventsInput bounds a file of carrier events, which is read whole (a million
	// events are about 150 MiB).
	maxEventsInput int64 = 512 << 20
)

// inputLimits are the limits in force, by what is imported; tests lower them.
var inputLimits = map[string]int64{
	"orders":   maxOrdersInput,
	"tracking": maxTrackingInput,
	"refunds":  maxRefundsInput,
	"events":   maxEventsInput,
}

// tooLargeError is a source over the limit of its import.
type tooLargeError struct {
	name  string // the file, or standard input
	what  string // orders, tracking or refunds
	limit int64
}

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s, the limit of import %s; split it", e.name, sizeText(e.limit), e.what)
}

// sizeText says a size in the largest binary unit that divides it.
func sizeText(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// boundedReader reads at most limit bytes and fails, with a *tooLargeError, when a byte
// past them arrives: a source of exactly the limit is read whole, a longer one (a device
// that never ends included) is refused there.
type boundedReader struct {
	r    io.Reader
	left int64
	over *tooLargeError // what it fails with
	past bool           // a byte past the limit arrived
}

// bound reads r, the source name of import what, up to that import's limit.
func bound(r io.Reader, name, what string) *boundedReader {
	limit := inputLimits[what]
	return &boundedReader{r: r, left: limit, over: &tooLargeError{name: name, what: what, limit: limit}}
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.past {
		return 0, b.over
	}
	if b.left <= 0 {
		// At the limit: one more byte tells the end from too much.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			b.past = true
			return 0, b.over
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// tripped is the limit error once a byte past the limit arrived, else nil. A parser may
// report a failed read as a bad line; the limit is what the operator is told.
func (b *boundedReader) tripped() error {
	if !b.past {
		return nil
	}
	return b.over
}

// importSource is one source of an import: a named file, read while the import parses
// it, or standard input, read beforehand (data).
type importSource struct {
	name string // the file; "stdin" for standard input
	kind string // jsonl or csv, once known
	data held   // standard input's content, never nil; nil for a file
}

// held is standard input read into memory in chunks: holding up to the limit costs about
// the limit, where one slice grown as it is read is copied to about twice that.
type held [][]byte

func (h held) size() int64 {
	n := int64(0)
	for _, c := range h {
		n += int64(len(c))
	}
	return n
}

func (h held) reader() io.Reader {
	rs := make([]io.Reader, len(h))
	for i, c := range h {
		rs[i] = bytes.NewReader(c)
	}
	return io.MultiReader(rs...)
}

// importSources turns the FILE arguments of import what into sources. Standard input
// ("-", at most once) is read here, up to the limit, so that a slow upload over SSH does
// not hold the database's one writer while it trickles in; its kind is format, else
// guessed from the content. A named file is only opened when it is parsed, and never
// over SSH: a session reads standard input, not the server's files.
func importSources(e *env, what string, names []string, format string) ([]importSource, error) {
	if err := localFiles(e, what, names); err != nil {
		return nil, err
	}
	if i := slices.Index(names, "-"); i >= 0 && slices.Contains(names[i+1:], "-") {
		return nil, usagef("standard input (-) can be imported once per command")
	}
	srcs := make([]importSource, 0, len(names))
	for _, name := range names {
		if name != "-" {
			srcs = append(srcs, importSource{name: name})
			continue
		}
		data, err := readStdin(e, what)
		if err != nil {
			return nil, inputError{fmt.Errorf("nothing imported: %w", err)}
		}
		kind := format
		if kind == "" {
			kind = guessKind(data)
		}
		srcs = append(srcs, importSource{name: "stdin", kind: kind, data: data})
	}
	return srcs, nil
}

// localFiles refuses a named file over SSH: a session reads standard input, never the
// server's files.
func localFiles(e *env, what string, names []string) error {
	for _, name := range names {
		if e.remote && name != "-" {
			return usagef("over SSH, import reads standard input: ssh … import %s - < %s", what, name)
		}
	}
	return nil
}

// readStdin reads standard input whole, up to the limit of import what.
func readStdin(e *env, what string) (held, error) {
	b := bound(e.stdin, "standard input", what)
	data := held{}
	for size := 64 << 10; ; size = min(2*size, 4<<20) {
		chunk := make([]byte, size)
		n, err := io.ReadFull(b, chunk)
		if over := b.tripped(); over != nil {
			return nil, over
		}
		if n < size {
			chunk = bytes.Clone(chunk[:n])
		}
		if n > 0 {
			data = append(data, chunk)
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return data, nil
		case err != nil:
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
	}
}

// read hands parse the source's content, bounded by the limit of import what. A regular
// file over the limit is refused before it is read; any other is refused when its
// content passes the limit, and that is the error returned, whatever parse made of it.
func (src importSource) read(what string, parse func(io.Reader) error) error {
	if src.data != nil {
		return parse(src.data.reader())
	}
	f, err := os.Open(src.name)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > inputLimits[what] {
		return &tooLargeError{name: src.name, what: what, limit: inputLimits[what]}
	}
	b := bound(f, src.name, what)
	err = parse(b)
	if over := b.tripped(); over != nil {
		return over
	}
	return err
}

// guessKind tells JSON Lines, which start with "{", from CSV, by the first character
// after a byte order mark and blank space.
func guessKind(data held) string {
	for i, c := range data {
		if i == 0 {
			c = bytes.TrimPrefix(c, []byte("\xef\xbb\xbf"))
		}
		if t := bytes.TrimLeft(c, " \t\r\n"); len(t) > 0 {
			if t[0] == '{' {
				return "jsonl"
			}
			return "csv"
		}
	}
	return "csv"
}

// errUnknownFileType is a file whose name says neither JSON Lines nor CSV.
var errUnknownFileType = errors.New("unknown file type; name it .jsonl (JSON Lines) or .csv")

// importKind says how a file is read, by its name.
func importKind(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson", ".json":
		return "jsonl", nil
	case ".csv":
		return "csv", nil
	}
	return "", fmt.Errorf("%s: %w", name, errUnknownFileType)
}
