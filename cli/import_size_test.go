package cli

import (
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
	srcs := []importSource{{name: path, kind: "jsonl"}, {name: "-", kind: "jsonl", data: held{make([]byte, 5_000), make([]byte, 3_000)}}}
	if got := expectTrades(srcs); got != 120 {
		t.Fatalf("expectTrades = %d, want 120 (48,000 bytes at about 400 a trade)", got)
	}
	if got := expectTrades([]importSource{{name: filepath.Join(t.TempDir(), "missing.jsonl")}}); got != 0 {
		t.Fatalf("a source that cannot be read: %d, want 0", got)
	}
}
