package keymap

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func TestDefaults(t *testing.T) {
	km := Default()
	if err := km.Validate(); err != nil {
		t.Fatalf("default key map has conflicts:\n%v", err)
	}
	nameRE := regexp.MustCompile(`^[a-z]+\.[a-z_]+$`)
	seen := map[string]bool{}
	for _, e := range km.Entries() {
		if !nameRE.MatchString(e.Name) {
			t.Errorf("entry name %q is not lowercase dotted", e.Name)
		}
		if seen[e.Name] {
			t.Errorf("duplicate entry name %q", e.Name)
		}
		seen[e.Name] = true
		h := e.Binding.Help()
		if h.Key == "" || h.Desc == "" {
			t.Errorf("%s: missing help (%+v)", e.Name, h)
		}
		if len(e.Binding.Keys()) == 0 {
			t.Errorf("%s: no keys", e.Name)
		}
		for _, k := range e.Binding.Keys() {
			if _, err := normalizeKey(k); err != nil {
				t.Errorf("%s: default key %q: %v", e.Name, k, err)
			}
		}
	}
	// Every KeyMap field must be listed exactly once.
	if got, want := len(seen), reflect.TypeOf(KeyMap{}).NumField(); got != want {
		t.Errorf("Entries has %d names, want %d (one per KeyMap field)", got, want)
	}

	tests := []struct {
		msg  tea.KeyMsg
		b    key.Binding
		name string
	}{
		{tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}, km.Select, "space selects"},
		{runes("j"), km.Down, "j moves down"},
		{tea.KeyMsg{Type: tea.KeyDown}, km.Down, "down arrow moves down"},
		{tea.KeyMsg{Type: tea.KeyCtrlC}, km.Quit, "ctrl+c quits"},
		{tea.KeyMsg{Type: tea.KeyEnter}, km.Confirm, "enter confirms"},
		{runes("C"), km.ConvertAllReady, "C converts all"},
	}
	for _, tt := range tests {
		if !key.Matches(tt.msg, tt.b) {
			t.Errorf("%s: %q does not match %v", tt.name, tt.msg.String(), tt.b.Keys())
		}
	}
}

func TestGroups(t *testing.T) {
	km := Default()
	names, bindings := km.Groups()
	want := []string{GroupGlobal, GroupLists, GroupPool, GroupOrders, GroupRefunds, GroupParcels, GroupOutbox, GroupChannels, GroupVouchers, GroupForms, GroupDialogs}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Fatalf("groups = %q, want %q", names, want)
	}
	n := 0
	for _, b := range bindings {
		n += len(b)
	}
	if n != len(km.Entries()) {
		t.Errorf("groups hold %d bindings, want %d", n, len(km.Entries()))
	}
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadOverrides(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		binding  func(KeyMap) key.Binding
		press    tea.KeyMsg
		old      tea.KeyMsg // must no longer match
		wantHelp string
	}{
		{
			name:     "single string",
			config:   "[keys]\n\"pool.convert\" = \"v\"\n",
			binding:  func(k KeyMap) key.Binding { return k.Convert },
			press:    runes("v"),
			old:      runes("c"),
			wantHelp: "v",
		},
		{
			name:     "array, first key shown in help",
			config:   "[keys]\n\"list.down\" = [\"n\", \"down\"]\n",
			binding:  func(k KeyMap) key.Binding { return k.Down },
			press:    tea.KeyMsg{Type: tea.KeyDown},
			old:      runes("j"),
			wantHelp: "n",
		},
		{
			name:     "unquoted dotted name",
			config:   "[keys]\npool.remove = \"delete\"\n",
			binding:  func(k KeyMap) key.Binding { return k.Remove },
			press:    tea.KeyMsg{Type: tea.KeyDelete},
			old:      runes("x"),
			wantHelp: "delete",
		},
		{
			name:     "sub-table, space alias",
			config:   "[keys.pool]\nprocess = \"space\"\n[keys.list]\nselect = \"v\"\n",
			binding:  func(k KeyMap) key.Binding { return k.Process },
			press:    tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")},
			old:      runes("p"),
			wantHelp: "space",
		},
		{
			name:     "other tables ignored",
			config:   "db = \"/tmp/x.db\"\n[theme]\naccent = \"#ff0\"\n[keys]\n\"global.quit\" = \"ctrl+q\"\n",
			binding:  func(k KeyMap) key.Binding { return k.Quit },
			press:    tea.KeyMsg{Type: tea.KeyCtrlQ},
			old:      runes("q"),
			wantHelp: "ctrl+q",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			km, err := Load(writeConfig(t, tt.config))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			b := tt.binding(km)
			if !key.Matches(tt.press, b) {
				t.Errorf("%q does not match %v", tt.press.String(), b.Keys())
			}
			if key.Matches(tt.old, b) {
				t.Errorf("old key %q still matches %v", tt.old.String(), b.Keys())
			}
			if got := b.Help().Key; got != tt.wantHelp {
				t.Errorf("help key = %q, want %q", got, tt.wantHelp)
			}
			if b.Help().Desc == "" {
				t.Error("help description lost")
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   []string // substrings of the error
	}{
		{"unknown name", "[keys]\n\"pool.convrt\" = \"v\"\n",
			[]string{`unknown key binding "pool.convrt"`, "known: global.quit", "pool.convert"}},
		{"wrong type", "[keys]\n\"pool.convert\" = 5\n",
			[]string{`"pool.convert"`, "got integer"}},
		{"wrong item type", "[keys]\n\"pool.convert\" = [\"v\", true]\n",
			[]string{`"pool.convert"`, "item 2", "got boolean"}},
		{"empty list", "[keys]\n\"list.down\" = []\n",
			[]string{`"list.down"`, "empty key list"}},
		{"empty key", "[keys]\n\"list.down\" = \"\"\n",
			[]string{`"list.down"`, "empty key name"}},
		{"misspelt key", "[keys]\n\"list.open\" = \"eneter\"\n",
			[]string{`"list.open"`, `unknown key "eneter"`}},
		{"keys not a table", "keys = 3\n",
			[]string{`"keys" must be a table`}},
		{"syntax error", "[keys]\n\"pool.convert\" = \"v\"\n\"list.down\" = j\n\"list.up\" = \"k\"\n",
			[]string{"line 3"}},
		{"conflict across groups", "[keys]\n\"pool.convert\" = \"j\"\n",
			[]string{`key "j" is bound to both "list.down" and "pool.convert"`}},
		{"conflict within a view", "[keys]\n\"refunds.reject\" = \"c\"\n",
			[]string{`key "c" is bound to both "refunds.convert" and "refunds.reject"`}},
		{"view key taken by global", "[keys]\n\"refunds.reject\" = \"5\"\n",
			[]string{`key "5" is bound to both "global.refunds" and "refunds.reject"`}},
		{"conflict with global", "[keys]\n\"list.select\" = [\"q\"]\n",
			[]string{`key "q" is bound to both "global.quit" and "list.select"`}},
		{"conflict within dialogs", "[keys]\n\"dialog.cancel\" = \"y\"\n",
			[]string{`"dialog.confirm" and "dialog.cancel"`}},
		{"all problems reported", "[keys]\n\"a.b\" = \"v\"\n\"c.d\" = \"w\"\n",
			[]string{`"a.b"`, `"c.d"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.config)
			km, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded, want error")
			}
			msg := err.Error()
			for _, line := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(line, path+": ") {
					t.Errorf("error line does not name the file: %q", line)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			// Callers may fall back to the returned defaults.
			if !key.Matches(runes("c"), km.Convert) {
				t.Error("on error Load should return the defaults")
			}
		})
	}
}

func TestLoadSyntaxErrorIsParseError(t *testing.T) {
	_, err := Load(writeConfig(t, "[keys]\n\"pool.convert\" = = \"v\"\n"))
	var pe toml.ParseError
	if !errors.As(err, &pe) || pe.Position.Line != 2 {
		t.Fatalf("want toml.ParseError at line 2, got %v", err)
	}
}

func TestDialogsMayOverlap(t *testing.T) {
	// enter opens in lists and confirms in dialogs; esc is back and cancel.
	km, err := Load(writeConfig(t, "[keys]\n\"dialog.confirm\" = [\"c\", \"enter\"]\n"))
	if err != nil {
		t.Fatalf("dialog keys may overlap other groups: %v", err)
	}
	if !key.Matches(runes("c"), km.Confirm) || !key.Matches(runes("c"), km.Convert) {
		t.Error("c should confirm in dialogs and convert in the pool")
	}
}

func TestLoadMissingFile(t *testing.T) {
	km, err := Load(filepath.Join(t.TempDir(), "nope", "config.toml"))
	if err != nil {
		t.Fatalf("missing file: %v", err)
	}
	def := Default()
	for i, e := range km.Entries() {
		if got, want := e.Binding.Keys(), def.Entries()[i].Binding.Keys(); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s = %q, want default %q", e.Name, got, want)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv("HOME", "/home/u")
	if got := DefaultPath(); got != filepath.Join("/xdg", "shipdesk", "config.toml") {
		t.Errorf("with XDG_CONFIG_HOME: %q", got)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	if got := DefaultPath(); got != filepath.Join("/home/u", ".config", "shipdesk", "config.toml") {
		t.Errorf("without XDG_CONFIG_HOME: %q", got)
	}
}

// The pool and the refund queue are never shown together, so both use c and p.
func TestViewGroupsShareKeys(t *testing.T) {
	km := Default()
	if km.Convert.Keys()[0] != km.RefundConvert.Keys()[0] || km.Process.Keys()[0] != km.RefundProcess.Keys()[0] {
		t.Fatalf("pool and refund queue defaults differ: %v/%v %v/%v", km.Convert.Keys(), km.RefundConvert.Keys(), km.Process.Keys(), km.RefundProcess.Keys())
	}
	if err := km.Validate(); err != nil {
		t.Fatal(err)
	}
}
