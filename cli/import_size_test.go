package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The import is told about how many trades to expect from the sizes of its sources.
func TestExpectTradesFromSourceSizes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.jsonl")
	if err := os.WriteFile(path, make([]byte, 40_000), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := readStdin(&env{stdin: bytes.NewReader(make([]byte, 8_000))}, "orders")
	if err != nil {
		t.Fatal(err)
	}
	defer in.close()
	srcs := []importSource{{name: path, kind: "jsonl"}, {name: "-", kind: "jsonl", data: in}}
	if got := expectTrades(srcs); got != 120 {
		t.Fatalf("expectTrades = %d, want 120 (48,000 bytes at about 400 a trade)", got)
	}
	if got := expectTrades([]importSource{{name: filepath.Join(t.TempDir(), "missing.jsonl")}}); got != 0 {
		t.Fatalf("a source that cannot be read: %d, want 0", got)
	}
}
