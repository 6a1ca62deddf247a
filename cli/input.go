package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"shipdesk/domain"
)

// What one import reads from one FILE or from standard input, locally or over SSH, is
// bounded by the limit of its kind; a source over it is refused while it is read (never
// read whole first) and nothing is imported. The usage text names these limits.
const (
	// maxOrdersInput bounds an orders file: a channel's export of a year or more. A file
	// is parsed while the import writes; standard input is spooled to disk first.
	maxOrdersInput int64 = 1 << 30
	// maxTrackingInput bounds a tracking upload, which is read whole (the same bound as
	// domain.ParseTracking's).
	maxTrackingInput int64 = 8 << 20
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
	size int64 // the file's size when known (a parser sizes its lists by it), else 0
	left int64
	over *tooLargeError // what it fails with
	past bool           // a byte past the limit arrived
}

// bound reads r, the source name of import what, up to that import's limit.
func bound(r io.Reader, name, what string) *boundedReader {
	limit := inputLimits[what]
	return &boundedReader{r: r, left: limit, over: &tooLargeError{name: name, what: what, limit: limit}}
}

// Size is the size of the file read, when known: parsers size their lists by it.
func (b *boundedReader) Size() int64 { return b.size }

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
// it, or standard input, read beforehand into a spool file (data).
type importSource struct {
	name string // the file; "stdin" for standard input
	kind string // jsonl or csv, once known
	data *held  // standard input's content; nil for a file
}

// held is standard input spooled to a file of its own beside the database (removed as
// soon as it is made, so nothing is left behind), not to memory: an import's memory
// stays the parser's, whatever the size of what it is sent.
type held struct {
	f *os.File
	n int64
}

func (h *held) size() int64 { return h.n }

// reader reads the content from its start.
func (h *held) reader() io.Reader { return io.NewSectionReader(h.f, 0, h.n) }

// close drops the spool file.
func (h *held) close() {
	if h != nil && h.f != nil {
		h.f.Close()
	}
}

// closeSources drops the spool files of srcs.
func closeSources(srcs []importSource) {
	for _, src := range srcs {
		src.data.close()
	}
}

// lineTooLongError is standard input with a line past domain.MaxLine, refused while it
// is read.
type lineTooLongError struct{ line int }

func (e *lineTooLongError) Error() string {
	return fmt.Sprintf("standard input:%d: line is longer than %s: is this the right file?", e.line, sizeText(domain.MaxLine))
}

// importSources turns the FILE arguments of import what into sources. Standard input
// ("-", at most once) is read here, up to the limit, so that a slow upload over SSH does
// not hold the database's one writer while it trickles in; its kind is format, else
// guessed from the content. A named file is only opened when it is parsed, and never
// over SSH: a session reads standard input, not the server's files. The caller closes
// the sources (closeSources).
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
			closeSources(srcs)
			return nil, inputError{fmt.Errorf("nothing imported: %w", err)}
		}
		kind := format
		if kind == "" {
			kind = guessKind(data.reader())
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

// spoolDir is where standard input is spooled: beside the database (the disk meant for
// shipdesk's data, where /tmp may be memory), else the system's temporary folder.
func spoolDir(e *env) string {
	if e.dbPath != "" {
		if dir := filepath.Dir(e.dbPath); dir != "" {
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				return dir
			}
		}
	}
	return os.TempDir()
}

// readStdin spools standard input, up to the limit of import what, refusing it as soon
// as it passes the limit or a line passes domain.MaxLine.
func readStdin(e *env, what string) (*held, error) {
	f, err := os.CreateTemp(spoolDir(e), ".shipdesk-stdin-*")
	if err != nil {
		return nil, fmt.Errorf("spooling standard input: %w", err)
	}
	os.Remove(f.Name()) // the open file stays until it is closed
	h := &held{f: f}
	b := bound(e.stdin, "standard input", what)
	buf := make([]byte, 256<<10)
	line, run := 1, 0 // the line being read, and its length so far
	for {
		n, rerr := b.Read(buf)
		if over := b.tripped(); over != nil {
			h.close()
			return nil, over
		}
		chunk := buf[:n]
		for len(chunk) > 0 {
			i := bytes.IndexByte(chunk, '\n')
			if i < 0 {
				run += len(chunk)
				break
			}
			run += i
			if run > domain.MaxLine {
				break
			}
			line, run, chunk = line+1, 0, chunk[i+1:]
		}
		if run > domain.MaxLine {
			h.close()
			return nil, &lineTooLongError{line: line}
		}
		if _, err := f.Write(buf[:n]); err != nil {
			h.close()
			return nil, fmt.Errorf("spooling standard input: %w", err)
		}
		h.n += int64(n)
		switch {
		case rerr == io.EOF:
			return h, nil
		case rerr != nil:
			h.close()
			return nil, fmt.Errorf("reading standard input: %w", rerr)
		}
	}
}

// errNotAFile is a FILE that is a device, a folder or a socket: an import reads regular
// files and pipes.
var errNotAFile = errors.New("is not a file (a device or a folder?); give a file, or - for standard input")

// read hands parse the source's content, bounded by the limit of import what. A regular
// file over the limit is refused before it is read, as is a device (/dev/zero, or a link
// to it); a pipe is refused when its content passes the limit, and that is the error
// returned, whatever parse made of it.
func (src importSource) read(what string, parse func(io.Reader) error) error {
	if src.data != nil {
		return parse(src.data.reader())
	}
	f, err := os.Open(src.name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() && fi.Mode()&os.ModeNamedPipe == 0 {
		return fmt.Errorf("%s %w", src.name, errNotAFile)
	}
	if fi.Mode().IsRegular() && fi.Size() > inputLimits[what] {
		return &tooLargeError{name: src.name, what: what, limit: inputLimits[what]}
	}
	b := bound(f, src.name, what)
	if fi.Mode().IsRegular() {
		b.size = fi.Size()
	}
	err = parse(b)
	if over := b.tripped(); over != nil {
		return over
	}
	return err
}

// guessKind tells JSON Lines, which start with "{", from CSV, by the first character
// after a byte order mark and blank space.
func guessKind(r io.Reader) string {
	br := bufio.NewReader(domain.SkipBOM(r))
	for {
		c, err := br.ReadByte()
		if err != nil {
			return "csv"
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return "jsonl"
		}
		return "csv"
	}
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

// parseSource reads one import source with the parser of its kind, JSON Lines or CSV: a
// file by its name, standard input by its content. what names the import for its limit.
func parseSource[F any](src importSource, what string, jsonl, csv func(string, io.Reader) (F, error)) (F, error) {
	var f F
	if src.kind == "" {
		var err error
		if src.kind, err = importKind(src.name); err != nil {
			return f, err
		}
	}
	err := src.read(what, func(r io.Reader) (err error) {
		parse := csv
		if src.kind == "jsonl" {
			parse = jsonl
		}
		f, err = parse(src.name, r)
		return err
	})
	return f, err
}
