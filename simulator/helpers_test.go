package simulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
	"github.com/golang-jwt/jwt/v5"
)

// waitBound bounds every wait for a notification.
const waitBound = 30 * time.Second

// testKey is the signing key of every Simulator of the tests.
var testKey *rsa.PrivateKey

func TestMain(m *testing.M) {
	// One RSA key for every Simulator of the tests: generating one per test
	// would dominate the run time.
	var err error
	if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	generateKey = func() (*rsa.PrivateKey, error) { return testKey, nil }
	os.Exit(m.Run())
}

// env is a simulator served by httptest, with helpers to call it.
type env struct {
	t      *testing.T
	sim    *Simulator
	srv    *httptest.Server
	mu     sync.Mutex
	tokens map[string]string
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	sim, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		srv.Close()
		if err := sim.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, sim: sim, srv: srv, tokens: make(map[string]string)}
}

func (e *env) client(kind string) Client {
	for _, c := range e.sim.Clients() {
		if c.Kind == kind {
			return c
		}
	}
	e.t.Fatalf("no client of kind %q", kind)
	return Client{}
}

// token returns an access token of the built-in client of that kind,
// fetched from the token endpoint.
func (e *env) token(kind string) string {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if tok, ok := e.tokens[kind]; ok {
		return tok
	}
	c := e.client(kind)
	resp, err := http.PostForm(e.srv.URL+e.sim.TokenPath(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {c.Secret},
		"scope": {"https://graph.microsoft.com/.default"},
	})
	if err != nil {
		e.t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil || body.AccessToken == "" {
		e.t.Fatalf("token: status %d", resp.StatusCode)
	}
	e.tokens[kind] = body.AccessToken
	return body.AccessToken
}

// forge signs an access token with the simulator's key, claims as given.
func (e *env) forge(claims jwt.MapClaims) string {
	e.t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = e.sim.signer.KeyID()
	s, err := tok.SignedString(testKey)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// appClaims are valid access-token claims for app with roles.
func (e *env) appClaims(app string, roles ...string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"aud": GraphAudience, "iss": e.sim.stsIssuer(), "tid": e.sim.TenantID(), "appid": app,
		"roles": roles, "iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

// response is an answer of the simulator.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// errorCode returns error.code of a Graph error body, checking its shape.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var e graphError
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("status %d: not a Graph error body: %v: %s", r.status, err, r.body)
	}
	if e.Error.Code == "" || e.Error.Message == "" || e.Error.InnerError.RequestID == "" ||
		e.Error.InnerError.Date == "" || e.Error.InnerError.ClientRequestID == "" {
		t.Fatalf("incomplete Graph error: %s", r.body)
	}
	if e.Error.InnerError.RequestID != r.header.Get("request-id") {
		t.Fatalf("innerError.request-id %q, header %q", e.Error.InnerError.RequestID, r.header.Get("request-id"))
	}
	return e.Error.Code
}

// do sends a request. body is nil, a string or []byte (sent as is), or a
// value marshalled to JSON; hdr are header name/value pairs, and a
// Content-Type of application/json is set for a body unless given.
func (e *env) do(method, path, token string, body any, hdr ...string) response {
	e.t.Helper()
	r, err := doRequest(e.srv.URL, method, path, token, body, hdr...)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func doRequest(base, method, path, token string, body any, hdr ...string) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// summary writes notifications as "changeType kind[:state]" for comparing
// sequences.
func summary(t *testing.T, ns []note) []string {
	t.Helper()
	out := make([]string, len(ns))
	for i, n := range ns {
		s := n.ChangeType + " "
		switch {
		case strings.HasSuffix(n.Resource, "/participants"):
			s += "roster"
		case strings.Contains(n.Resource, "/operations/"):
			var d struct{ Status string }
			_ = json.Unmarshal(n.Data, &d)
			s += "operation:" + d.Status
		default:
			var d struct{ State string }
			_ = json.Unmarshal(n.Data, &d)
			s += "call"
			if d.State != "" {
				s += ":" + d.State
			}
		}
		out[i] = s
	}
	return out
}

// mustID parses a GUID from a test value.
func mustID(t *testing.T, s string) guid.GUID {
	t.Helper()
	i, ok := guid.Parse(s)
	if !ok {
		t.Fatalf("%q is not a GUID", s)
	}
	return i
}

// lastSegment returns what follows the last slash of a URL.
func lastSegment(u string) string { return u[strings.LastIndex(u, "/")+1:] }

// callRes is the notification resource of call i under /app/calls.
func callRes(i guid.GUID) string { return "/app/calls/" + i.Compact() }

// meetingBody is the page's "join channel meeting without media" request.
func meetingBody(callback string) map[string]any {
	return map[string]any{
		"subject":  "Test Call",
		"callback": callback,
		"source": map[string]any{
			"@odata.type": "#microsoft.graph.participantInfo",
			"identity":    map[string]any{"application": map[string]any{"id": "8A34A46B-3D17-4ADC-8DCE-DC4E7D572698"}},
		},
		"targetDisposition":   "default",
		"requestedModalities": []string{},
		"chatInfo": map[string]any{
			"threadId": "90ED37DC-D8E3-4E11-9DE3-30A955DDA06F", "messageId": "1507228578052",
			"replyChainMessageId": "1507228578052",
		},
		"meetingInfo": map[string]any{
			"@odata.type": "#microsoft.graph.organizerMeetingInfo",
			"organizer": map[string]any{"user": map[string]any{
				"id": "90ED37DC-D8E3-4E11-9DE3-30A955DDA06F", "tenantId": "49BFC225-8482-4AB8-94E7-76B48FDB9849"}},
		},
	}
}

// heidi is the invitee of the page's first example.
func heidi() map[string]any {
	return map[string]any{
		"endpointType": "default",
		"identity": map[string]any{"user": map[string]any{
			"id": "550fae72-d251-43ec-868c-373732c2704f", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
			"displayName": "Heidi Steen"}},
		"languageId": "en-US",
		"region":     "westus",
	}
}

// createCall joins a meeting with callback cb and returns the call's id.
func (e *env) createCall(cb string) guid.GUID {
	e.t.Helper()
	r := e.do("POST", "/app/calls", e.token(ClientCalling), meetingBody(cb))
	if r.status != http.StatusCreated {
		e.t.Fatalf("create call: status %d: %s", r.status, r.body)
	}
	return mustID(e.t, lastSegment(r.header.Get("Location")))
}

// establishedCall creates a call and waits for its established notification.
func (e *env) establishedCall(rc *receiver) guid.GUID {
	e.t.Helper()
	c := e.createCall(rc.URL())
	rc.waitState(e.t, callRes(c), stateEstablished)
	return c
}

// incomingCall places a call to the bot through the control API.
func (e *env) incomingCall(cb string, body map[string]any) guid.GUID {
	e.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["callback"] = cb
	r := e.do("POST", "/_control/incoming-calls", "", body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("incoming call: status %d: %s", r.status, r.body)
	}
	return mustID(e.t, r.json(e.t)["id"].(string))
}

// answeredCall places an incoming call, answers it with callback cb and
// waits until it is established.
func (e *env) answeredCall(rc *receiver) guid.GUID {
	e.t.Helper()
	c := e.incomingCall(rc.URL(), nil)
	r := e.do("POST", "/app/calls/"+c.String()+"/answer", e.token(ClientCalling), map[string]any{
		"callback": rc.URL(), "acceptModalities": []string{"audio"},
		"mediaConfig": map[string]any{"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
	})
	if r.status != http.StatusOK {
		e.t.Fatalf("answer: status %d: %s", r.status, r.body)
	}
	rc.waitState(e.t, callRes(c), stateEstablished)
	return c
}

// logSignal is a slog handler that signals records whose message contains
// match.
type logSignal struct {
	match string
	ch    chan slogRecord
}

type slogRecord = slog.Record

func newLogger(h slog.Handler) *slog.Logger { return slog.New(h) }

func (h *logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (h *logSignal) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.match) {
		h.ch <- r
	}
	return nil
}
func (h *logSignal) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logSignal) WithGroup(string) slog.Handler      { return h }

// waitLog waits for n records on h.
func waitLog(t *testing.T, h *logSignal, n int) {
	t.Helper()
	timer := time.NewTimer(waitBound)
	defer timer.Stop()
	for i := 0; i < n; i++ {
		select {
		case <-h.ch:
		case <-timer.C:
			t.Fatalf("timed out waiting for log %q (%d of %d)", h.match, i, n)
		}
	}
}
