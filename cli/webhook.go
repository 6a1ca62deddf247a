package cli

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"shipdesk/domain"
	"shipdesk/notify"
	"shipdesk/storage"
	"shipdesk/textsafe"
)

// MaxWebhookBody is the largest webhook body accepted (413 beyond): an AfterShip
// tracking_update with every checkpoint of a long journey is some tens of kilobytes, and
// a feed of JSON Lines posts in batches under this.
const MaxWebhookBody = 1 << 20

// webhookActor is who applies the events the webhooks bring.
var webhookActor = storage.Actor{Operator: "webhook", Role: domain.RoleOperator}

// readWebhookSecret reads the shared secret: the file's content with surrounding white
// space trimmed. A file that others than its owner may read is refused.
func readWebhookSecret(path string) ([]byte, error) {
	secret, err := notify.ReadSecretFile(path)
	if err != nil {
		return nil, fmt.Errorf("webhook secret file %w", err)
	}
	if len(secret) == 0 {
		return nil, fmt.Errorf("webhook secret file %s is empty", path)
	}
	return secret, nil
}

// webhook is the HTTP handler of `serve --webhook-listen`: POST /hooks/aftership and
// POST /hooks/events, each verified by an HMAC of the body with the shared secret.
type webhook struct {
	store  *storage.Store
	secret []byte
	log    *log.Logger
	now    func() time.Time
}

type hookAnswer struct {
	Outcome    string `json:"outcome"`
	New        int    `json:"new"`
	Duplicates int    `json:"duplicates"`
	Unknown    int    `json:"unknown"`
	Replayed   int    `json:"replayed"`
	Changed    int    `json:"changed"`
	Error      string `json:"error,omitempty"`
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code, ans := h.serve(w, r)
	w.Header().Set("Content-Type", "application/json")
	if code == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", "POST")
	}
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(ans)
	what := ans.Outcome
	if ans.Error != "" {
		what += ": " + ans.Error
	}
	h.log.Printf("webhook %s %s from %s: %d %s", r.Method, textsafe.Safe(r.URL.Path), r.RemoteAddr, code, textsafe.Safe(what))
}

func (h *webhook) serve(w http.ResponseWriter, r *http.Request) (int, hookAnswer) {
	kind := ""
	switch r.URL.Path {
	case "/hooks/aftership":
		kind = "aftership"
	case "/hooks/events":
		kind = "events"
	default:
		return http.StatusNotFound, hookAnswer{Outcome: "no such hook"}
	}
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, hookAnswer{Outcome: "only POST"}
	}
	body, err := readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, hookAnswer{Outcome: "refused", Error: fmt.Sprintf("body over %d bytes", MaxWebhookBody)}
		}
		return http.StatusBadRequest, hookAnswer{Outcome: "refused", Error: "body did not read"}
	}
	if !h.verify(kind, r.Header, body) {
		return http.StatusUnauthorized, hookAnswer{Outcome: "refused", Error: "bad or missing signature"}
	}
	batch := storage.EventBatch{Source: "webhook " + kind}
	switch kind {
	case "aftership":
		u, err := domain.ParseAfterShip(body)
		if err != nil {
			return http.StatusBadRequest, hookAnswer{Outcome: "refused", Error: err.Error()}
		}
		batch.Events, batch.HookID = u.Events, u.EventID
		if u.EventID != "" {
			batch.HookID = "aftership:" + u.EventID
		}
	default:
		f, err := domain.ParseEventJSONL("body", bytes.NewReader(body))
		if err != nil {
			return http.StatusBadRequest, hookAnswer{Outcome: "refused", Error: err.Error()}
		}
		batch.Events, batch.IDs = f.Events, f.IDs
		for i, id := range batch.IDs {
			if id != "" {
				batch.IDs[i] = "events:" + id
			}
		}
	}
	res, err := h.store.ApplyEvents(batch, h.now(), webhookActor)
	var refused storage.EventRefusedError
	switch {
	case errors.As(err, &refused):
		return http.StatusUnprocessableEntity, hookAnswer{Outcome: "refused", Error: err.Error()}
	case err != nil:
		return http.StatusInternalServerError, hookAnswer{Outcome: "failed", Error: err.Error()}
	}
	ans := hookAnswer{Outcome: "applied", New: res.New, Duplicates: res.Duplicates, Unknown: res.Unknown, Replayed: res.Replayed, Changed: res.Changed()}
	if batch.HookID != "" && res.Replayed > 0 {
		ans.Outcome = "replayed: applied before"
	}
	return http.StatusOK, ans
}

// readBody reads the body up to MaxWebhookBody (a longer one is a *http.MaxBytesError).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxWebhookBody {
		return nil, &http.MaxBytesError{Limit: MaxWebhookBody}
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	return buf.Bytes(), err
}

// verify checks the body's signature: AfterShip's aftership-hmac-sha256 header (base64 of
// the HMAC-SHA256 of the body), or X-Shipdesk-Signature: sha256=<hex of the same>.
func (h *webhook) verify(kind string, hdr http.Header, body []byte) bool {
	mac := hmac.New(sha256.New, h.secret)
	mac.Write(body)
	want := mac.Sum(nil)
	var got []byte
	var err error
	if kind == "aftership" {
		got, err = base64.StdEncoding.DecodeString(strings.TrimSpace(hdr.Get("aftership-hmac-sha256")))
	} else {
		v, ok := strings.CutPrefix(strings.TrimSpace(hdr.Get("X-Shipdesk-Signature")), "sha256=")
		if !ok {
			return false
		}
		got, err = hex.DecodeString(v)
	}
	return err == nil && len(got) == len(want) && hmac.Equal(got, want)
}

// webhookServer is the HTTP server of the webhooks, started by serve.
type webhookServer struct {
	srv *http.Server
	ln  net.Listener
}

func startWebhooks(addr string, h *webhook) (*webhookServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("webhook listen: %w", err)
	}
	ws := &webhookServer{ln: ln, srv: &http.Server{
		Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		MaxHeaderBytes: 64 << 10, ErrorLog: h.log,
	}}
	go func() { _ = ws.srv.Serve(ln) }()
	return ws, nil
}

func (ws *webhookServer) addr() string { return ws.ln.Addr().String() }

func (ws *webhookServer) shutdown(ctx context.Context) error { return ws.srv.Shutdown(ctx) }
