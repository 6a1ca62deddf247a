package keymap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	tea "github.com/charmbracelet/bubbletea"
)

// DefaultPath returns $XDG_CONFIG_HOME/shipdesk/config.toml, falling back to
// $HOME/.config/shipdesk/config.toml.
func DefaultPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		dir = filepath.Join(os.Getenv("HOME"), ".config")
	}
	return filepath.Join(dir, "shipdesk", "config.toml")
}

// Load reads key overrides from the [keys] table of the TOML file at path:
//
//	[keys]
//	"pool.convert" = "v"            # a single key
//	"list.down"    = ["j", "down"]  # or several; the first is shown in help
//
// Unquoted dotted names (pool.convert = "v") and sub-tables ([keys.pool])
// mean the same thing. Other tables in the file are ignored, so the file can
// hold other settings too.
//
// A missing file is not an error: Load returns Default(). On any error Load
// still returns Default() alongside it, so the caller can warn and carry on.
// The error lists every problem found, each prefixed with path.
func Load(path string) (KeyMap, error) {
	km := Default()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return km, nil
	}
	if err != nil {
		return km, err
	}

	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		// toml.ParseError already names the line.
		return Default(), fmt.Errorf("%s: %w", path, err)
	}
	keys, ok := raw["keys"]
	if !ok {
		return km, nil
	}
	table, ok := keys.(map[string]any)
	if !ok {
		return Default(), fmt.Errorf("%s: \"keys\" must be a table, got %s", path, typeName(keys))
	}

	if err := km.apply(flatten("", table)); err != nil {
		return Default(), prefixErrors(path, err)
	}
	return km, nil
}

// flatten turns nested tables into dotted names, so that `pool.convert = "v"`
// written without quotes (which TOML reads as a sub-table) still works.
func flatten(prefix string, table map[string]any) map[string]any {
	out := make(map[string]any, len(table))
	for name, v := range table {
		if prefix != "" {
			name = prefix + "." + name
		}
		if sub, ok := v.(map[string]any); ok {
			for n, sv := range flatten(name, sub) {
				out[n] = sv
			}
			continue
		}
		out[name] = v
	}
	return out
}

// apply rebinds the named entries and then checks for conflicts. It reports
// all problems at once so a user can fix the file in one go.
func (k *KeyMap) apply(overrides map[string]any) error {
	entries := k.Entries()
	byName := make(map[string]*Entry, len(entries))
	known := make([]string, len(entries))
	for i := range entries {
		byName[entries[i].Name] = &entries[i]
		known[i] = entries[i].Name
	}

	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	slices.Sort(names) // deterministic error order

	var errs []error
	for _, name := range names {
		e, ok := byName[name]
		if !ok {
			errs = append(errs, fmt.Errorf("unknown key binding %q (known: %s)", name, strings.Join(known, ", ")))
			continue
		}
		keys, err := parseKeys(overrides[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("key binding %q: %w", name, err))
			continue
		}
		e.Binding.SetKeys(keys...)
		e.Binding.SetHelp(helpKey(keys[0]), e.Binding.Help().Desc)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return k.Validate()
}

// parseKeys accepts a string or an array of strings and returns the
// normalised key names.
func parseKeys(v any) ([]string, error) {
	var list []any
	switch v := v.(type) {
	case string:
		list = []any{v}
	case []any:
		list = v
	default:
		return nil, fmt.Errorf("want a key or a list of keys, got %s", typeName(v))
	}
	if len(list) == 0 {
		return nil, errors.New("empty key list")
	}
	keys := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("item %d: want a key name string, got %s", i+1, typeName(item))
		}
		k, err := normalizeKey(s)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// teaKeyNames holds every key name Bubble Tea can report (tea.Key.String),
// e.g. "enter", "ctrl+r", "pgdown". Printable runes are matched separately.
var teaKeyNames = func() map[string]bool {
	names := map[string]bool{}
	// KeyType has no exported list; its values are small integers (negative
	// for special keys, 0–127 for control characters).
	for t := tea.KeyType(-1024); t <= 1024; t++ {
		if s := t.String(); s != "" && t != tea.KeyRunes {
			names[s] = true
		}
	}
	return names
}()

// normalizeKey validates a key name as written in the config and returns it
// in the form tea.KeyMsg.String() produces. "space" is accepted for " ".
// Catching typos here matters: a misspelt key would silently never match.
func normalizeKey(s string) (string, error) {
	mod, base := "", s
	if strings.HasPrefix(s, "alt+") && len(s) > len("alt+") {
		mod, base = "alt+", s[len("alt+"):]
	}
	if base == "space" {
		base = " "
	}
	if teaKeyNames[base] {
		return mod + base, nil
	}
	if r := []rune(base); len(r) == 1 && r[0] >= ' ' && r[0] != 0x7f {
		return mod + base, nil
	}
	if s == "" {
		return "", errors.New("empty key name")
	}
	return "", fmt.Errorf("unknown key %q (use a single character or a name such as \"enter\", \"ctrl+x\", \"alt+x\", \"pgdown\", \"space\")", s)
}

// helpKey is how a key is shown in help.
func helpKey(k string) string {
	if base, ok := strings.CutSuffix(k, " "); ok {
		return base + "space"
	}
	return k
}

// Validate reports keys bound to more than one action that can be active at
// the same time: Global and Lists with every other group, each view's group
// with itself, and within Dialogs and within Forms, which are modal.
func (k *KeyMap) Validate() error {
	entries := k.Entries()
	var errs []error
	for i, a := range entries {
		for _, b := range entries[i+1:] {
			if (modal(a.Group) || modal(b.Group)) && a.Group != b.Group {
				continue // dialogs and forms take the keys while open
			}
			if viewGroup(a.Group) && viewGroup(b.Group) && a.Group != b.Group {
				continue // one view is shown at a time
			}
			for _, ka := range a.Binding.Keys() {
				if slices.Contains(b.Binding.Keys(), ka) {
					errs = append(errs, fmt.Errorf("key %q is bound to both %q and %q", helpKey(ka), a.Name, b.Name))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func modal(group string) bool { return group == GroupDialogs || group == GroupForms }

// viewGroup reports whether a group's bindings work in one view only.
func viewGroup(group string) bool {
	return group == GroupPool || group == GroupOrders || group == GroupRefunds || group == GroupOutbox || group == GroupParcels || group == GroupChannels || group == GroupVouchers
}

// prefixErrors puts path in front of every joined error, one per line.
func prefixErrors(path string, err error) error {
	inner := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		inner = j.Unwrap()
	}
	errs := make([]error, len(inner))
	for i, e := range inner {
		errs[i] = fmt.Errorf("%s: %w", path, e)
	}
	return errors.Join(errs...)
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	case time.Time:
		return "datetime"
	default:
		return fmt.Sprintf("%T", v)
	}
}
