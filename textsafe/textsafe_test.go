package textsafe

import (
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"
)

func TestSafe(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Order #1042", "Order #1042"},
		{"SGR colour", "\x1b[31mred\x1b[0m", "red"},
		{"OSC title, BEL", "\x1b]0;title\x07", ""},
		{"OSC title, ST", "\x1b]2;pwned\x1b\\name", "name"},
		{"OSC 8 hyperlink", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"OSC 52 clipboard", "\x1b]52;c;Zm9v\x07x", "x"},
		{"DCS", "\x1bP1$r0m\x1b\\ok", "ok"},
		{"APC", "\x1b_payload\x1b\\ok", "ok"},
		{"cursor movement", "a\x1b[2J\x1b[Hb", "ab"},
		{"lone ESC", "\x1b", ""},
		{"trailing ESC", "abc\x1b", "abc"},
		{"8-bit CSI byte is invalid UTF-8", "\x9b31m", "\uFFFD31m"},
		{"C1 CSI rune", "\u009b31mx", "31mx"},
		{"C1 NEL and ST runes", "a\u0085b\u009cc", "abc"},
		{"C0 controls and DEL", "a\x00b\x07c\x08d\x7fe\x0bf", "abcdef"},
		{"line breaks and tabs", "line1\r\nline2\tend\n", "line1 line2 end "},
		{"tab runs collapse", "a\t\t\tb", "a b"},
		{"unicode line separator", "a\u2028b", "a b"},
		{"bidi override", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"bidi isolates", "\u2066abc\u2069 \u2067d\u2068e", "abc de"},
		{"LRM/RLM", "a\u200Eb\u200Fc", "abc"},
		{"zero-width", "pay\u200Bp\u200Ca\u200Dl\u2060\uFEFF", "paypal"},
		{"soft hyphen", "ship\u00ADdesk", "shipdesk"},
		{"hangul filler", "a\u3164b", "ab"},
		{"invalid UTF-8", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"Windows-1252 bytes keep following text", "caf\xe9 \x9fnote", "caf\uFFFD \uFFFDnote"},
		{"CJK", "绿茶礼盒装", "绿茶礼盒装"},
		{"Russian", "Москва, ул. Ленина", "Москва, ул. Ленина"},
		{"combining accent kept", "e\u0301", "e\u0301"},
		{"emoji kept", "📦 box", "📦 box"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Safe(tt.in); got != tt.want {
				t.Errorf("Safe(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"abc", 5, "abc  "},
		{"abcdef", 5, "abcd…"},
		{"abcde", 5, "abcde"},
		{"abc", 0, ""},
		{"abc", -3, ""},
		{"abc", 1, "…"},
		{"", 3, "   "},
		{"绿茶礼盒装", 7, "绿茶礼…"},
		{"绿茶礼盒装", 6, "绿茶… "}, // 礼 would overflow: padded instead
		{"绿茶礼盒装", 10, "绿茶礼盒装"},
		{"绿茶", 3, "绿…"},
		{"绿茶", 1, "…"},
		{"a绿", 2, "a…"},
		{"Москва", 8, "Москва  "},
		{"Привет мир", 8, "Привет …"},
		{"\x1b[31m红茶\x1b[0m", 6, "红茶  "},
		{"a\nb", 4, "a b "},
		{"e\u0301te\u0301", 3, "e\u0301te\u0301"}, // accents take no cell
		// U+0D4E is a prepended mark: it fuses with the padding that
		// follows, so it is dropped rather than let the column drift.
		{"abc\u0d4e", 5, "abc… "},
		// VS16 makes the preceding character two cells wide.
		{"ab\ufe0fdef", 4, "ab\ufe0f…"},
	}
	for _, tt := range tests {
		got := Fit(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if w := max(tt.width, 0); ansi.StringWidth(got) != w {
			t.Errorf("Fit(%q, %d) has width %d", tt.in, tt.width, ansi.StringWidth(got))
		}
	}
}

// Columns of mixed scripts must line up both by lipgloss's measure and by
// the wcwidth rules terminals use.
func TestFitAlignsColumns(t *testing.T) {
	rows := []string{"Green tea gift box", "绿茶礼盒装", "Зелёный чай", "緑茶ギフト", "녹차 선물", "Té verde", "x"}
	for _, w := range []int{1, 2, 5, 7, 8, 12, 30} {
		for _, r := range rows {
			got := Fit(r, w)
			if ansi.StringWidth(got) != w || runewidth.StringWidth(got) != w {
				t.Errorf("Fit(%q, %d) = %q: width %d (wcwidth %d)", r, w, got, ansi.StringWidth(got), runewidth.StringWidth(got))
			}
		}
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"hello world", 5, "hell…"},
		{"hi", 5, "hi"},
		{"hi", 0, ""},
		{"\x1b[1mbold\x1b[0m", 10, "bold"},
		{"绿茶礼盒装", 6, "绿茶…"},
		{"绿茶礼盒装", 7, "绿茶礼…"},
		{"Санкт-Петербург", 6, "Санкт…"},
	}
	for _, tt := range tests {
		if got := Cut(tt.in, tt.max); got != tt.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func FuzzSafe(f *testing.F) {
	for _, s := range []string{
		"", "plain", "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
		"\x1b", "\x9b31m", "\u009b31m", "a\r\nb\tc", "\u202Eabc", "绿茶礼盒装", "Москва", "e\u0301", "👨‍👩‍👧", "\xff\xfe",
	} {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = ((width % 64) + 64) % 64

		out := Safe(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Safe(%q) = %q: invalid UTF-8", s, out)
		}
		for i := 0; i < len(out); i++ {
			if out[i] < 0x20 || out[i] == 0x7f {
				t.Fatalf("Safe(%q) = %q: control byte %#x at %d", s, out, out[i], i)
			}
		}
		for _, r := range out {
			if r >= 0x80 && r <= 0x9f {
				t.Fatalf("Safe(%q) = %q: C1 control %U", s, out, r)
			}
			if (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200b || r == 0x200d {
				t.Fatalf("Safe(%q) = %q: bidi/zero-width %U", s, out, r)
			}
		}
		if again := Safe(out); again != out {
			t.Fatalf("Safe not idempotent: %q -> %q -> %q", s, out, again)
		}

		if got := Fit(s, width); ansi.StringWidth(got) != width {
			t.Fatalf("Fit(%q, %d) = %q: width %d", s, width, got, ansi.StringWidth(got))
		}
		if got := Cut(s, width); ansi.StringWidth(got) > width {
			t.Fatalf("Cut(%q, %d) = %q: width %d", s, width, got, ansi.StringWidth(got))
		}
	})
}
