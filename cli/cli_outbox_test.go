package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"shipdesk/notify"
)

// The outbox end to end through the binary: a shipment queues, `outbox send` posts to a
// real webhook (signed), the list, status, retry, cancel and preview say what happened.
func TestCLIOutboxEndToEnd(t *testing.T) {
	var fail atomic.Bool
	var mu sync.Mutex
	var texts []string
	secret := "hook-secret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Shipdesk-Signature") != notify.Signature([]byte(secret), b) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if fail.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		var body notify.WebhookBody
		json.Unmarshal(b, &body)
		mu.Lock()
		texts = append(texts, body.Text)
		mu.Unlock()
	}))
	defer srv.Close()
	dir := t.TempDir()
	sec := filepath.Join(dir, "secret")
	os.WriteFile(sec, []byte(secret+"\n"), 0o600)
	cfg := filepath.Join(dir, "config.toml")
	os.WriteFile(cfg, []byte("[notify]\nsend_window = \"\"\nshipped_delay = \"0s\"\nmax_attempts = 2\n[notify.webhook]\nurl = \""+srv.URL+"\"\nsecret_file = \""+sec+"\"\n"), 0o600)
	db := shippingDB(t)
	run := func(args ...string) result { return shipdesk(t, db, append(args, "--config", cfg)...) }

	want(t, run("ship", "T1001", "--carrier", "ems", "--tracking", "EE040293660CN"), 0)
	want(t, run("notify", "preview", "shipped", "T1001"), 0, "transport  webhook", "Green tea", "EE040293660CN")
	// SO00000002 is past its ship-by: the send queues its late message first (once).
	want(t, run("outbox", "send"), 0, "sent 3, failed 0")
	if len(texts) != 3 || !strings.Contains(strings.Join(texts, "|"), "Green tea") {
		t.Fatalf("webhook got %q", texts)
	}
	r := run("outbox", "list", "--json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 3 || rows[0]["state"] != "sent" || rows[0]["order"] != "SO00000001" {
		t.Fatalf("outbox list --json: %v %s", err, r.stdout)
	}
	want(t, run("status", "--json"), 0, `"outbox":{"queued":0,"failed":0,"dead":0,"sent_24h":3}`)

	fail.Store(true)
	want(t, run("ship", "R-77", "--carrier", "ems", "--tracking", "EA123456785CN"), 0)
	want(t, run("outbox", "send"), 1, "sent 0, failed 2", "HTTP 502")
	want(t, run("outbox", "list", "--state", "failed"), 0, "failed  1", "HTTP 502")
	want(t, run("outbox", "retry", "4", "5"), 0, "2 messages due now again")
	want(t, run("outbox", "send"), 1, "failed 2")
	want(t, run("status", "--json"), 0, `"dead":2`)
	want(t, run("outbox", "cancel", "4"), 2, "--reason")
	want(t, run("outbox", "retry", "4", "--reason", "late"), 2, "--reason does not go with outbox retry")
	want(t, run("outbox", "cancel", "4", "--dead", "--reason", "x"), 2, "--dead does not go with outbox cancel")
	want(t, run("outbox", "cancel", "1", "--reason", "late"), 1, "was sent")
	want(t, run("outbox", "cancel", "4", "--reason", "buyer phoned"), 0, "1 messages cancelled")
	fail.Store(false)
	want(t, run("outbox", "retry", "--dead"), 0, "1 messages due now again")
	want(t, run("outbox", "send"), 0, "sent 1, failed 0")
	r = run("export", "outbox")
	want(t, r, 0, `"state":"cancelled"`, `"last_error":"cancelled by cli-test: buyer phoned"`, `"attempts":3`)

	// A secret others can read, or a bad template, stops the command naming why.
	os.Chmod(sec, 0o644)
	want(t, run("outbox", "send"), 1, "others can read it")
	want(t, run("ship", "T1002", "--no-tracking", "post office"), 1, "others can read it")
	os.Chmod(sec, 0o600)
	tpl := filepath.Join(dir, "tpl", "en")
	os.MkdirAll(tpl, 0o755)
	os.WriteFile(filepath.Join(tpl, "late.tmpl"), []byte("Subject: x\n\n{{.Nope}}\n"), 0o644)
	os.WriteFile(cfg, []byte("[notify]\ntemplates = \""+filepath.Dir(tpl)+"\"\n"), 0o600)
	want(t, run("outbox", "send"), 1, "late.tmpl: line 3", "Nope")
}
