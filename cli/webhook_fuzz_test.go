package cli

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"shipdesk/storage"
)

// FuzzWebhook posts arbitrary bodies, signed and unsigned, to both hooks: the handler never
// panics, answers only the documented codes, and an unsigned body never writes.
func FuzzWebhook(f *testing.F) {
	f.Add([]byte(`{"event":"tracking_update","event_id":"e1","msg":{"tracking_number":"EE040293660CN","tag":"Delivered","checkpoints":[{"checkpoint_time":"2026-11-25T08:00:00Z","tag":"Delivered","location":"\u001b[2J"}]},"ts":1}`), true)
	f.Add([]byte(`{"id":"x","tracking":"EE040293660CN","at":"2026-11-25T08:00:00Z","status":"at_pickup"}`+"\n"), false)
	f.Add([]byte("\x00\xff{"), true)
	s, err := storage.Open(filepath.Join(f.TempDir(), "f.db"), storage.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	secret := []byte("k")
	h := &webhook{store: s, secret: secret, log: log.New(io.Discard, "", 0), now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }}
	allowed := map[int]bool{200: true, 400: true, 401: true, 413: true, 422: true}
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		sum := mac.Sum(nil)
		for _, path := range []string{"/hooks/aftership", "/hooks/events"} {
			before, _, _ := s.AuditCount(storage.AuditQuery{})
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
			if sign {
				req.Header.Set("aftership-hmac-sha256", base64.StdEncoding.EncodeToString(sum))
				req.Header.Set("X-Shipdesk-Signature", "sha256="+hex.EncodeToString(sum))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if !allowed[rec.Code] {
				t.Fatalf("%s answered %d: %s", path, rec.Code, rec.Body)
			}
			if !sign && rec.Code != 401 {
				t.Fatalf("unsigned body answered %d", rec.Code)
			}
			after, _, _ := s.AuditCount(storage.AuditQuery{})
			if rec.Code != 200 && after != before {
				t.Fatalf("a refused body (%d) wrote: audit trail %d → %d", rec.Code, before, after)
			}
		}
	})
}
