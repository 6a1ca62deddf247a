package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shipdesk/notify"
)

// A site without serve gets the pickup reminders from `outbox send` (cron): a parcel
// waiting six days at a pickup point is reminded once, saying where and since the day of
// the at_pickup event; one delivered since gets none.
func TestCLIOutboxSendQueuesPickupReminders(t *testing.T) {
	var mu sync.Mutex
	sent := map[string]string{} // kind stage order → text
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body notify.WebhookBody
		json.Unmarshal(b, &body)
		mu.Lock()
		sent[body.Kind+" "+body.Stage+" "+body.Order] = body.Text
		mu.Unlock()
	}))
	defer srv.Close()
	dir := t.TempDir()
	sec := filepath.Join(dir, "secret")
	os.WriteFile(sec, []byte("s3cret"), 0o600)
	cfg := filepath.Join(dir, "config.toml")
	os.WriteFile(cfg, []byte("[notify]\nzone = \"UTC\"\nsend_window = \"\"\nshipped_delay = \"0s\"\n[notify.webhook]\nurl = \""+srv.URL+"\"\nsecret_file = \""+sec+"\"\n"), 0o600)
	db := parcelDB(t)
	run := func(args ...string) result { return shipdesk(t, db, append(args, "--config", cfg)...) }

	day := 24 * time.Hour
	events := fmt.Sprintf(`{"tracking":"%[1]s","at":"%[3]s","status":"at_pickup","location":"Locker 7"}
{"tracking":"%[2]s","at":"%[4]s","status":"at_pickup","location":"Locker 9"}
{"tracking":"%[2]s","at":"%[5]s","status":"delivered"}
`, parcelA, parcelB, at(-6*day), at(-7*day), at(-time.Hour))
	want(t, run("import", "events", writeFile(t, "events.jsonl", events)), 0, "3 new")
	want(t, run("outbox", "send"), 0, "sent ")
	want(t, run("outbox", "send"), 0, "sent 0, failed 0")

	since := time.Now().Add(-6 * day).UTC().Format("2006-01-02")
	mu.Lock()
	defer mu.Unlock()
	rem, ok := sent["pickup_reminder 5 SO00000001"]
	if !ok || !strings.Contains(rem, "Locker 7 since "+since+", 6 days") {
		t.Fatalf("SO00000001's reminder %q (sent %v)", rem, keysOf(sent))
	}
	if at := sent["at_pickup "+parcelA+" SO00000001"]; !strings.Contains(at, "Locker 7 since "+since) {
		t.Fatalf("SO00000001's at_pickup %q", at)
	}
	n := 0
	for k := range sent {
		if strings.HasPrefix(k, "pickup_reminder") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("reminders sent: %v", keysOf(sent))
	}
	want(t, run("notify", "preview", "pickup_reminder", "SO00000001"), 0, "Locker 7 since "+since+", 6 days")
	r := run("outbox", "list", "--json")
	if c := strings.Count(r.stdout, `"pickup_reminder"`); c != 1 {
		t.Fatalf("outbox list has %d reminders: %s", c, r.stdout)
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
