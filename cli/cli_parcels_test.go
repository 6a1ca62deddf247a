package cli

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	parcelA = "EE040293660CN" // SO00000001, ems
	parcelB = "EA123456785CN" // SO00000002, ems
)

// parcelDB has SO00000001 and SO00000002 shipped with ems.
func parcelDB(t *testing.T) string {
	t.Helper()
	db := shippingDB(t)
	want(t, shipdesk(t, db, "ship", "T1001", "--carrier", "ems", "--tracking", parcelA), 0)
	want(t, shipdesk(t, db, "ship", "R-77", "--carrier", "ems", "--tracking", parcelB, "--eta", time.Now().AddDate(0, 0, 20).Format("2006-01-02")), 0)
	return db
}

func deliveryOf(t *testing.T, db string) map[string]int {
	t.Helper()
	r := shipdesk(t, db, "status", "--json")
	want(t, r, 0)
	var s struct {
		Delivery map[string]int `json:"delivery"`
		Orders   map[string]int `json:"orders"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	for k, v := range s.Orders {
		s.Delivery["order_"+k] = v
	}
	return s.Delivery
}

func at(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

func TestCLIImportEventsAndTrack(t *testing.T) {
	db := parcelDB(t)
	day := 24 * time.Hour
	events := fmt.Sprintf(`{"tracking":"%[1]s","at":"%[3]s","status":"at_pickup","location":"Moscow \u001b[31mred","text":"ready"}
{"tracking":"%[1]s","at":"%[4]s","status":"in_transit","location":"Shanghai"}
{"tracking":"%[1]s","at":"%[4]s","status":"in_transit","location":"Shanghai"}
{"tracking":"ZZ0001","at":"%[4]s","status":"in_transit"}
{"tracking":"%[2]s","at":"%[5]s","status":"left_sorting_centre"}
`, parcelA, parcelB, at(-7*day), at(-9*day), at(-6*day))
	f := writeFile(t, "events.jsonl", events)
	want(t, shipdesk(t, db, "import", "events", f), 0, "read 5 events: 3 new, 1 duplicates, 1 for unknown numbers", "2 parcels changed status", "unknown numbers: ZZ0001")
	want(t, shipdesk(t, db, "import", "events", f), 0, "0 new, 4 duplicates", "0 parcels changed status")
	d := deliveryOf(t, db)
	if d["pickup_5_15"] != 1 || d["stuck"] != 1 || d["registered"] != 0 {
		t.Fatalf("delivery %v", d)
	}
	// A bad line imports nothing and is named.
	bad := writeFile(t, "bad.csv", "tracking,at,status,location,text\n"+parcelB+","+at(-time.Hour)+",delivered,,\n"+parcelB+",yesterday,delivered,,\n")
	want(t, shipdesk(t, db, "import", "events", bad), 1, "bad.csv:3: at")
	// A carrier that disagrees is named by file and line too.
	mismatch := writeFile(t, "m.jsonl", fmt.Sprintf(`{"tracking":"%s","at":"%s","status":"delivered","carrier":"sf"}`+"\n", parcelB, at(-time.Hour)))
	want(t, shipdesk(t, db, "import", "events", mismatch), 1, "m.jsonl:1: carrier sf does not agree")
	// Across files, each refused event is named by its own file and line.
	mismatch2 := writeFile(t, "m2.jsonl", fmt.Sprintf(`{"tracking":"%[1]s","at":"%[2]s","status":"delivered"}`+"\n"+`{"tracking":"%[1]s","at":"%[2]s","status":"returned","carrier":"sf"}`+"\n", parcelA, at(-time.Hour)))
	want(t, shipdesk(t, db, "import", "events", f, mismatch, mismatch2), 1, "m.jsonl:1: carrier sf does not agree with SO00000002", "m2.jsonl:2: carrier sf does not agree with SO00000001")
	if d := deliveryOf(t, db); d["delivered"] != 0 {
		t.Fatalf("a refused batch delivered: %v", d)
	}
	// Delivery moves the order; the CSV reads from standard input too.
	cmd := shipdeskStdin(t, db, "tracking,at,status,location,text\n"+parcelB+","+at(-time.Hour)+",delivered,door,signed\n", "import", "events", "-")
	want(t, cmd, 0, "1 new", "orders: 1 delivered")
	d = deliveryOf(t, db)
	if d["delivered"] != 1 || d["order_delivered"] != 1 {
		t.Fatalf("after delivery %v", d)
	}
	want(t, shipdesk(t, db, "track", "stop", "T1001"), 2, "--reason")
	want(t, shipdesk(t, db, "track", "stop", "T1001", "--reason", "buyer picked it up in person"), 0, "SO00000001: tracking EE040293660CN stopped; delivery pickup_5_15 → stopped")
	want(t, shipdesk(t, db, "track", "stop", "T1001", "--reason", "again"), 1, "already stopped")
	if d = deliveryOf(t, db); d["stopped"] != 1 {
		t.Fatalf("stopped: %v", d)
	}
	r := shipdesk(t, db, "export", "parcels", "--format", "csv")
	want(t, r, 0, "order_no,carrier,tracking,delivery,days_at_pickup", "SO00000001,ems,EE040293660CN,stopped", "SO00000002,ems,EA123456785CN,delivered")
	r = shipdesk(t, db, "export", "events", "--since", "8d", "--format", "jsonl")
	want(t, r, 0, `"status":"at_pickup"`, `"status":"delivered"`)
	if strings.Contains(r.stdout, `"in_transit"`) {
		t.Errorf("--since 8d exported an event of 9 days ago:\n%s", r.stdout)
	}
	want(t, shipdesk(t, db, "track", "resume", "SO1"), 0, "stopped → pickup_5_15")
	r = shipdesk(t, db, "status")
	want(t, r, 0, "parcels ", "1 (5–15 d)")
}

func shipdeskStdin(t *testing.T, db, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "SHIPDESK_DB="+db, "SHIPDESK_TZ=UTC", "SHIPDESK_OPERATOR=cli-test")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCLIWebhookAgainstServe(t *testing.T) {
	db := parcelDB(t)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("  s3cret \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want(t, shipdesk(t, db, "serve", "--listen", "127.0.0.1:0", "--webhook-listen", "127.0.0.1:0", "--webhook-secret-file", secretFile), 1, "has mode 0644: others can read it; make it 0600")
	want(t, shipdesk(t, db, "serve", "--listen", "127.0.0.1:0", "--webhook-listen", "127.0.0.1:0"), 2, "go together")
	if err := os.Chmod(secretFile, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServerOn(t, db, "--webhook-listen", "127.0.0.1:0", "--webhook-secret-file", secretFile)
	waitFor(t, srv.log, 0, "webhooks on http://", 10*time.Second)
	m := regexp.MustCompile(`webhooks on http://(\S+):`).FindStringSubmatch(srv.log.String())
	base := "http://" + m[1]
	sign := func(body []byte) string {
		mac := hmac.New(sha256.New, []byte("s3cret"))
		mac.Write(body)
		return base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	post := func(path string, body []byte, hdr map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	hook := []byte(fmt.Sprintf(`{"event":"tracking_update","event_id":"evt-1","msg":{"tracking_number":"%s","slug":"china-ems","tag":"Delivered","return_to_sender":false,
		"checkpoints":[{"checkpoint_time":"%s","tag":"InTransit","message":"Departed"},{"checkpoint_time":"%s","tag":"Delivered","message":"Signed"}]},"ts":%d}`,
		parcelA, at(-48*time.Hour), at(-time.Hour), time.Now().Unix()))
	if code, body := post("/hooks/aftership", hook, map[string]string{"aftership-hmac-sha256": "AAAA"}); code != 401 {
		t.Fatalf("bad signature: %d %s", code, body)
	}
	if code, _ := post("/hooks/aftership", hook, nil); code != 401 {
		t.Fatalf("missing signature: %d", code)
	}
	if d := deliveryOf2(t, srv); d != 0 {
		t.Fatalf("a refused hook wrote: delivered=%d", d)
	}
	code, body := post("/hooks/aftership", hook, map[string]string{"aftership-hmac-sha256": sign(hook), "Content-Type": "text/plain"})
	if code != 200 || !strings.Contains(body, `"new":2`) || !strings.Contains(body, `"changed":1`) {
		t.Fatalf("good signature: %d %s", code, body)
	}
	if code, body = post("/hooks/aftership", hook, map[string]string{"aftership-hmac-sha256": sign(hook)}); code != 200 || !strings.Contains(body, `"replayed":1`) || !strings.Contains(body, `"new":0`) {
		t.Fatalf("replayed event id: %d %s", code, body)
	}
	if d := deliveryOf2(t, srv); d != 1 {
		t.Fatalf("delivered after the hook: %d", d)
	}
	big := bytes.Repeat([]byte("x"), MaxWebhookBody+1)
	if code, _ = post("/hooks/aftership", big, map[string]string{"aftership-hmac-sha256": sign(big)}); code != 413 {
		t.Fatalf("oversized body: %d", code)
	}
	resp, err := http.Get(base + "/hooks/aftership")
	if err != nil || resp.StatusCode != 405 {
		t.Fatalf("GET: %v %v", err, resp)
	}
	resp.Body.Close()
	lines := []byte(fmt.Sprintf(`{"id":"f-1","tracking":"%s","at":"%s","status":"at_pickup"}`+"\n", parcelB, at(-time.Hour)))
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(lines)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if code, body = post("/hooks/events", lines, map[string]string{"X-Shipdesk-Signature": sig}); code != 200 || !strings.Contains(body, `"new":1`) {
		t.Fatalf("events hook: %d %s", code, body)
	}
	if code, _ = post("/hooks/events", lines, map[string]string{"X-Shipdesk-Signature": "sha256=00"}); code != 401 {
		t.Fatalf("events hook, bad signature: %d", code)
	}
	waitFor(t, srv.log, 0, "webhook POST /hooks/events from", 5*time.Second)
	for _, w := range []string{"401 refused: bad or missing signature", "200 applied", "413 refused", "405 only POST"} {
		if !strings.Contains(srv.log.String(), w) {
			t.Errorf("server log lacks %q", w)
		}
	}
}

// deliveryOf2 is the delivered count, asked over SSH of the running server.
func deliveryOf2(t *testing.T, s *testServer) int {
	t.Helper()
	r := s.ssh("ana", "", "status", "--json")
	var st struct {
		Delivery map[string]int `json:"delivery"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status over ssh: %v %+v", err, r)
	}
	return st.Delivery["delivered"]
}
