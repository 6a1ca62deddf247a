package tui

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"shipdesk/domain"
	"shipdesk/keymap"
	"shipdesk/storage"
)

// Export of the selected orders: one JSON object a line, the shape `shipdesk export
// orders` writes, to a new file (an existing one is never overwritten) named by the
// operator, relative to the directory shipdesk runs in.

// exportAction writes the selected orders, or the one under the cursor, to a file.
func exportAction(store *storage.Store) listAction[orderNo] {
	return listAction[orderNo]{
		binding: func(k *keymap.KeyMap) key.Binding { return k.Export },
		words:   actionWords{"export", "exported", "exporting…"},
		question: func(what, _ string, _ int) string {
			return fmt.Sprintf("Export %s as JSON Lines? A name without a folder is written in the current directory.", what)
		},
		input:   "file: ",
		need:    "a file name is required, e.g. orders.jsonl",
		initial: func(now time.Time) string { return "orders-" + now.Format("20060102-150405") + ".jsonl" },
		run: func(a actionArgs[orderNo]) actionResult[orderNo] {
			return writeOrders(store, a.keys, a.reason)
		},
	}
}

// writeOrders writes the orders nos to a new file at path, in the order given; orders
// that are gone are skipped. Nothing is left behind when writing fails.
func writeOrders(store *storage.Store, nos []orderNo, path string) (res actionResult[orderNo]) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return actionResult[orderNo]{err: fmt.Errorf("export: %w", err)}
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return actionResult[orderNo]{err: fmt.Errorf("export: %s exists already — type another name", abs)}
	}
	if err != nil {
		return actionResult[orderNo]{err: fmt.Errorf("export: %w", err)}
	}
	out := bufio.NewWriter(f)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for _, no := range nos {
		o, found, err := store.Order(uint64(no))
		if err == nil && found {
			err = enc.Encode(domain.WireOrderOf(o))
		}
		switch {
		case err != nil:
			f.Close()
			os.Remove(abs)
			return actionResult[orderNo]{err: fmt.Errorf("export failed, no file written: %w", err)}
		case !found:
			res.lines = append(res.lines, skippedLine(no.String(), "no such order"))
			res.skipped++
		default:
			res.lines = append(res.lines, resultLine{done: true, text: no.String() + " " + o.Key.String()})
			res.done++
		}
	}
	if err := errors.Join(out.Flush(), f.Close()); err != nil {
		os.Remove(abs)
		return actionResult[orderNo]{err: fmt.Errorf("export failed, no file written: %w", err)}
	}
	res.summary = fmt.Sprintf("exported %s to %s", plural(res.done, "order", "orders"), abs)
	if res.skipped > 0 {
		res.summary += fmt.Sprintf(", skipped %d", res.skipped)
	}
	return res
}
