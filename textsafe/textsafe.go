// Package textsafe makes text from outside (imports, channels, other operators) safe to
// print on a terminal: the console and the command line both draw through it.
package textsafe

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// Text from imports (CSV, marketplace APIs) is untrusted: an order note can
// carry escape sequences that recolour the screen, set the window title,
// plant hyperlinks or move the cursor, and bidi/zero-width characters that
// make one SKU look like another. Everything drawn from such data goes
// through Safe, Fit or Cut.

// Safe returns s with everything removed that a terminal would interpret
// rather than print: ANSI/VT escape sequences (CSI, OSC, DCS, APC, ...),
// leftover C0/C1 control characters (a lone ESC included), bidi overrides
// and isolates, and invisible format characters such as zero-width spaces
// and joiners. Tabs and line breaks become one space, so a value always
// stays on one line. Invalid UTF-8 becomes U+FFFD.
func Safe(s string) string {
	// Repair UTF-8 first: otherwise the escape parser would read stray
	// Latin-1/Windows-1252 bytes such as 0x9B or 0x9F as 8-bit CSI/APC
	// introducers and swallow the text that follows.
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = ansi.Strip(s)

	var b strings.Builder
	b.Grow(len(s))
	// inBreak collapses "\r\n", "\t\t", ... into a single space. Ranging
	// over s also maps any invalid byte left by Strip to U+FFFD.
	inBreak := false
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if !inBreak {
				b.WriteByte(' ')
				inBreak = true
			}
			continue
		case r < 0x20 || (r >= 0x7f && r <= 0x9f): // C0, DEL, C1
			continue
		case unicode.Is(unicode.Cf, r) || Invisible(r):
			// Cf covers bidi embeddings/overrides/isolates (U+202A–202E,
			// U+2066–2069), LRM/RLM, zero-width space/joiners, word joiner,
			// BOM, soft hyphen and tag characters.
			continue
		}
		inBreak = false
		b.WriteRune(r)
	}
	return b.String()
}

// Invisible reports blank-looking letters and marks outside Cf that are
// used to spoof otherwise identical strings.
// Lines is Safe line by line: a message of several lines keeps its line breaks.
func Lines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Safe(l)
	}
	return strings.Join(lines, "\n")
}

func Invisible(r rune) bool {
	switch r {
	case '\u034F', // combining grapheme joiner
		'\u115F', '\u1160', '\u3164', '\uFFA0': // Hangul fillers
		return true
	}
	return false
}

// Fit returns Safe(s) truncated to at most width terminal cells, with "…"
// marking a cut, and padded with spaces to exactly width cells, so table
// columns stay aligned whatever the script. East Asian wide characters
// count as two cells and are never split: one that does not fit is
// replaced by padding. Widths are those of ansi.StringWidth, which is what
// lipgloss uses for layout.
func Fit(s string, width int) string { return fit(s, width, true) }

// Cut returns Safe(s) truncated to at most max terminal cells, ending in
// "…" when it was cut. It does not pad.
func Cut(s string, max int) string { return fit(s, max, false) }

const ellipsis = "…" // one cell wide

// PrintableASCII reports whether s is only the bytes 0x20–0x7E: such text is safe as it
// is and every byte is one cell.
func PrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func fit(s string, width int, pad bool) string {
	if width <= 0 {
		return ""
	}
	if PrintableASCII(s) {
		// Safe keeps it as it is and every byte is one cell: most of a
		// list's cells (IDs, amounts, times), drawn for every row of every frame.
		switch {
		case len(s) > width:
			return s[:width-1] + ellipsis
		case pad:
			return s + strings.Repeat(" ", width-len(s))
		}
		return s
	}
	return fitMeasured(s, width, pad)
}

// fitMeasured is fit of text that is not all printable ASCII.
func fitMeasured(s string, width int, pad bool) string {
	s = Safe(s)

	// Walk whole grapheme clusters (a wide character, a letter with its
	// accents, ...) so none is ever split; ends[i] and cum[i] are the byte
	// offset and width after cluster i. Stop as soon as we are past width.
	var ends, cum []int
	w := 0
	for i := 0; i < len(s) && w <= width; {
		c, cw := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		i += len(c)
		w += cw
		ends, cum = append(ends, i), append(cum, w)
	}
	n, tail := len(ends), ""
	if w > width {
		tail = ellipsis
		for n > 0 && cum[n-1] > width-1 {
			n--
		}
	}

	for {
		kept, kw := "", 0
		if n > 0 {
			kept, kw = s[:ends[n-1]], cum[n-1]
		}
		out, want := kept+tail, kw+ansi.StringWidth(tail)
		if pad {
			out += strings.Repeat(" ", width-want)
			want = width
		}
		// A cluster can fuse with what we append (a prepended mark such as
		// U+0D4E joins the following space or "…"), which changes the
		// width; drop that cluster and mark the cut instead.
		if n == 0 || ansi.StringWidth(out) == want {
			return out
		}
		n, tail = n-1, ellipsis
	}
}
