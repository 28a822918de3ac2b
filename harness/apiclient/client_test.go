package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/timeline"
)

// bound is the upper bound of every wait in these tests.
const bound = 10 * time.Second

// seen is what a test server saw of one request.
type seen struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// server is a test target answering with the handlers in turn (the last one
// repeats) and keeping what it saw.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []seen
}

func newServer(t *testing.T, handlers ...http.HandlerFunc) *server {
	s := &server{}
	var n atomic.Int32
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests = append(s.requests, seen{r.Method, r.URL.RequestURI(), r.Header.Clone(), string(body)})
		s.mu.Unlock()
		i := min(int(n.Add(1))-1, len(handlers)-1)
		handlers[i](w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) seen() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.requests...)
}

// answer returns a handler answering status with header and body.
func answer(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if strings.HasPrefix(body, "{") {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// newClient returns a client for cfg, failing the test on error.
func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// bounded returns a context that ends with the test or after bound.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), bound)
	t.Cleanup(cancel)
	return ctx
}

// eventsOf returns the events of kind k.
func eventsOf(tl *timeline.Timeline, k timeline.Kind) []timeline.Event {
	var out []timeline.Event
	for _, e := range tl.Events() {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func TestNewRefusesBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no base url":           {},
		"base url without host": {BaseURL: "http:///beta"},
		"base url with query":   {BaseURL: "http://h/?x=1"},
		"two auths":             {BaseURL: "http://h", Auth: Auth{BearerToken: "t", TokenURL: "http://h/token", ClientID: "c", ClientSecret: "s"}},
		"no client id":          {BaseURL: "http://h", Auth: Auth{TokenURL: "http://h/token", ClientSecret: "s"}},
		"no client secret":      {BaseURL: "http://h", Auth: Auth{TokenURL: "http://h/token", ClientID: "c"}},
		"no token url":          {BaseURL: "http://h", Auth: Auth{ClientID: "c", ClientSecret: "s"}},
		"relative token url":    {BaseURL: "http://h", Auth: Auth{TokenURL: "/token", ClientID: "c", ClientSecret: "s"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg); err == nil {
				t.Error("New succeeded, want an error")
			} else if strings.Contains(err.Error(), "\"s\"") {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

func TestDoJoinsURLAndSendsBody(t *testing.T) {
	srv := newServer(t, answer(http.StatusCreated, `{"id":"c1"}`, "Location", "/beta/app/calls/c1"))
	c := newClient(t, Config{BaseURL: srv.URL + "/beta/"})
	resp, err := c.Do(bounded(t), nil, Request{Method: http.MethodPost, Path: "/app/calls", Body: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusCreated || string(resp.Body) != `{"id":"c1"}` || resp.Header.Get("Location") != "/beta/app/calls/c1" || resp.Retries != 0 {
		t.Errorf("response = %+v, want 201 with the body and Location, no retries", resp)
	}
	got := srv.seen()
	if len(got) != 1 || got[0].Method != http.MethodPost || got[0].Path != "/beta/app/calls" || got[0].Body != `{"a":1}` {
		t.Fatalf("server saw %+v, want one POST /beta/app/calls with the body", got)
	}
	if ct := got[0].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if a := got[0].Header.Get("Authorization"); a != "" {
		t.Errorf("Authorization = %q, want none without auth", a)
	}

	if _, err := c.Do(bounded(t), nil, Request{Path: "app/calls", Header: http.Header{"content-type": {"text/plain"}}, Body: []byte("hi")}); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if _, err := c.Do(bounded(t), nil, Request{Path: srv.URL + "/elsewhere?x=1"}); err != nil {
		t.Fatalf("Do: %v", err)
	}
	got = srv.seen()
	if got[1].Method != http.MethodGet || got[1].Header.Get("Content-Type") != "text/plain" {
		t.Errorf("second request: method %s, Content-Type %q; want GET and the header's text/plain", got[1].Method, got[1].Header.Get("Content-Type"))
	}
	if got[2].Path != "/elsewhere?x=1" || got[2].Header.Get("Content-Type") != "" {
		t.Errorf("third request: %s with Content-Type %q, want /elsewhere?x=1 and none (no body)", got[2].Path, got[2].Header.Get("Content-Type"))
	}
}

func TestDoDoesNotFollowRedirects(t *testing.T) {
	srv := newServer(t, answer(http.StatusFound, "", "Location", "/elsewhere"))
	c := newClient(t, Config{BaseURL: srv.URL})
	resp, err := c.Do(bounded(t), nil, Request{Path: "/app/calls"})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusFound || len(srv.seen()) != 1 {
		t.Errorf("status %d after %d requests, want the 302 itself", resp.Status, len(srv.seen()))
	}
}

func TestClientRequestID(t *testing.T) {
	srv := newServer(t, answer(http.StatusOK, `{}`))
	c := newClient(t, Config{BaseURL: srv.URL})
	var ids []string
	for range 2 {
		resp, err := c.Do(bounded(t), nil, Request{Path: "/app/calls"})
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		ids = append(ids, resp.ClientRequestID)
	}
	resp, err := c.Do(bounded(t), nil, Request{Path: "/app/calls", Header: http.Header{"client-request-id": {"mine"}}})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.ClientRequestID != "mine" {
		t.Errorf("ClientRequestID = %q, want the header's", resp.ClientRequestID)
	}
	got := srv.seen()
	for i, id := range ids {
		if !guidRE.MatchString(id) || got[i].Header.Get("Client-Request-Id") != id {
			t.Errorf("request %d: sent client-request-id %q, Response says %q; want the same GUID", i, got[i].Header.Get("Client-Request-Id"), id)
		}
	}
	if ids[0] == ids[1] {
		t.Errorf("two requests share client-request-id %s", ids[0])
	}
	if vs := got[2].Header.Values("Client-Request-Id"); len(vs) != 1 || vs[0] != "mine" {
		t.Errorf("client-request-id sent = %q, want only the header's", vs)
	}
}

func TestStaticBearer(t *testing.T) {
	const token = "opaque-static-token-0123456789"
	srv := newServer(t, answer(http.StatusOK, `{}`))
	c := newClient(t, Config{BaseURL: srv.URL, Auth: Auth{BearerToken: token}})
	if tok, err := c.Token(bounded(t)); err != nil || tok != token {
		t.Errorf("Token = %q, %v; want the static token", tok, err)
	}
	for _, h := range []http.Header{nil, {"Authorization": {"Bearer other"}}, {"Authorization": {""}}} {
		if _, err := c.Do(bounded(t), nil, Request{Path: "/app/calls", Header: h}); err != nil {
			t.Fatalf("Do: %v", err)
		}
	}
	got := srv.seen()
	if a := got[0].Header.Get("Authorization"); a != "Bearer "+token {
		t.Errorf("Authorization = %q, want the static bearer", a)
	}
	if a := got[1].Header.Values("Authorization"); len(a) != 1 || a[0] != "Bearer other" {
		t.Errorf("Authorization = %q, want only the request's own", a)
	}
	if _, sent := got[2].Header["Authorization"]; sent {
		t.Errorf("Authorization = %q, want none when the request sets it empty", got[2].Header.Get("Authorization"))
	}
	if tok, err := newClient(t, Config{BaseURL: srv.URL}).Token(bounded(t)); err != nil || tok != "" {
		t.Errorf("Token without auth = %q, %v; want empty", tok, err)
	}
}

func TestRetryAfter429(t *testing.T) {
	srv := newServer(t, answer(http.StatusTooManyRequests, `{"error":{"code":"TooManyRequests"}}`, "Retry-After", "0.01"), answer(http.StatusAccepted, ""))
	c := newClient(t, Config{BaseURL: srv.URL})
	tl := &timeline.Timeline{}
	resp, err := c.Do(bounded(t), tl, Request{Method: http.MethodPost, Path: "/app/calls", Body: []byte(`{}`)})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusAccepted || resp.Retries != 1 {
		t.Errorf("status %d after %d retries, want 202 after 1", resp.Status, resp.Retries)
	}
	got := srv.seen()
	if len(got) != 2 || got[1].Body != `{}` || got[0].Header.Get("Client-Request-Id") != got[1].Header.Get("Client-Request-Id") {
		t.Errorf("server saw %+v, want the same request twice, body and client-request-id included", got)
	}
	retries := eventsOf(tl, timeline.Retry)
	if len(retries) != 1 {
		t.Fatalf("retry events = %+v, want one", retries)
	}
	r := retries[0]
	if r.Status != http.StatusTooManyRequests || r.Elapsed != 10*time.Millisecond || r.Text != "429: waited 10ms (retry 1 of 3)" || r.Method != http.MethodPost {
		t.Errorf("retry event = %+v, want 429, 10ms, %q", r, "429: waited 10ms (retry 1 of 3)")
	}
	var kinds []timeline.Kind
	for _, e := range tl.Events() {
		kinds = append(kinds, e.Kind)
	}
	want := []timeline.Kind{timeline.Request, timeline.Response, timeline.Retry, timeline.Request, timeline.Response}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("timeline kinds = %v, want %v", kinds, want)
	}
}

func TestBackoffWithoutRetryAfter(t *testing.T) {
	srv := newServer(t, answer(http.StatusServiceUnavailable, ""), answer(http.StatusServiceUnavailable, ""), answer(http.StatusOK, `{}`))
	c := newClient(t, Config{BaseURL: srv.URL})
	tl := &timeline.Timeline{}
	resp, err := c.Do(bounded(t), tl, Request{Path: "/app/calls"})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusOK || resp.Retries != 2 {
		t.Errorf("status %d after %d retries, want 200 after 2", resp.Status, resp.Retries)
	}
	retries := eventsOf(tl, timeline.Retry)
	if len(retries) != 2 || retries[0].Elapsed != 200*time.Millisecond || retries[1].Elapsed != 400*time.Millisecond {
		t.Errorf("retry events = %+v, want waits of 200ms then 400ms", retries)
	}
	for _, r := range retries {
		if r.Status != http.StatusServiceUnavailable {
			t.Errorf("retry event status %d, want 503", r.Status)
		}
	}
}

func TestRetriesGiveUp(t *testing.T) {
	srv := newServer(t, answer(http.StatusTooManyRequests, `{"n":"last"}`, "Retry-After", "0"))
	tl := &timeline.Timeline{}
	resp, err := newClient(t, Config{BaseURL: srv.URL, MaxRetries: 2}).Do(bounded(t), tl, Request{Path: "/app/calls"})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusTooManyRequests || resp.Retries != 2 || string(resp.Body) != `{"n":"last"}` {
		t.Errorf("response = %d after %d retries (%s), want the last 429 after 2", resp.Status, resp.Retries, resp.Body)
	}
	if n := len(srv.seen()); n != 3 {
		t.Errorf("server saw %d requests, want 3 (1 + 2 retries)", n)
	}
	if n := len(eventsOf(tl, timeline.Retry)); n != 2 {
		t.Errorf("%d retry events, want 2", n)
	}

	srv = newServer(t, answer(http.StatusServiceUnavailable, ""))
	resp, err = newClient(t, Config{BaseURL: srv.URL, MaxRetries: -1}).Do(bounded(t), nil, Request{Path: "/app/calls"})
	if err != nil || resp.Status != http.StatusServiceUnavailable || resp.Retries != 0 || len(srv.seen()) != 1 {
		t.Errorf("MaxRetries -1: %v, %+v after %d requests; want the 503 after one request", err, resp, len(srv.seen()))
	}

	srv = newServer(t, answer(http.StatusTooManyRequests, "", "Retry-After", "0"))
	resp, err = newClient(t, Config{BaseURL: srv.URL}).Do(bounded(t), nil, Request{Path: "/app/calls"})
	if err != nil || resp.Retries != DefaultMaxRetries || len(srv.seen()) != DefaultMaxRetries+1 {
		t.Errorf("MaxRetries 0: %v, %d retries after %d requests; want %d retries", err, resp.Retries, len(srv.seen()), DefaultMaxRetries)
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	for _, retryAfter := range []string{"3600", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)} {
		srv := newServer(t, answer(http.StatusTooManyRequests, "", "Retry-After", retryAfter), answer(http.StatusOK, ""))
		tl := &timeline.Timeline{}
		resp, err := newClient(t, Config{BaseURL: srv.URL, MaxRetryWait: 10 * time.Millisecond}).Do(bounded(t), tl, Request{Path: "/app/calls"})
		if err != nil {
			t.Fatalf("Retry-After %q: Do: %v", retryAfter, err)
		}
		retries := eventsOf(tl, timeline.Retry)
		if resp.Status != http.StatusOK || len(retries) != 1 || retries[0].Elapsed != 10*time.Millisecond || !strings.Contains(retries[0].Text, "capped") {
			t.Errorf("Retry-After %q: status %d, retry events %+v; want 200 after one wait capped at 10ms", retryAfter, resp.Status, retries)
		}
	}
}

// signalingTransport closes answered when the body of a response is closed,
// which the client does once it is done with a try.
type signalingTransport struct {
	answered chan struct{}
	once     sync.Once
}

func (s *signalingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = &signalingBody{ReadCloser: resp.Body, close: func() { s.once.Do(func() { close(s.answered) }) }}
	}
	return resp, err
}

type signalingBody struct {
	io.ReadCloser
	close func()
}

func (b *signalingBody) Close() error {
	err := b.ReadCloser.Close()
	b.close()
	return err
}

func TestContextEndsRetryWait(t *testing.T) {
	srv := newServer(t, answer(http.StatusTooManyRequests, "", "Retry-After", "3600"))
	tr := &signalingTransport{answered: make(chan struct{})}
	c := newClient(t, Config{BaseURL: srv.URL, MaxRetryWait: time.Hour, HTTPClient: &http.Client{Transport: tr}})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tl := &timeline.Timeline{}
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, tl, Request{Path: "/app/calls"})
		done <- err
	}()
	deadline := time.NewTimer(bound)
	defer deadline.Stop()
	select {
	case <-tr.answered: // the 429 is read: the client now waits an hour
	case err := <-done:
		t.Fatalf("Do returned %v before its first answer", err)
	case <-deadline.C:
		t.Fatal("no answer within the bound")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Errorf("Do = %v, want context.Canceled", err)
		}
	case <-deadline.C:
		t.Fatal("Do kept waiting after its context was canceled")
	}
	if n := len(srv.seen()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
	if notes := eventsOf(tl, timeline.Note); len(notes) != 1 || !strings.Contains(notes[0].Text, "abandoned") {
		t.Errorf("notes = %+v, want one saying the retry was abandoned", notes)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	slowBody := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"partial":`))
		w.(http.Flusher).Flush()
		hang(w, r)
	}
	for name, h := range map[string]http.HandlerFunc{"no answer": hang, "body never ends": slowBody} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, h)
			tl := &timeline.Timeline{}
			_, err := newClient(t, Config{BaseURL: srv.URL, Timeout: 50 * time.Millisecond}).Do(bounded(t), tl, Request{Path: "/app/calls"})
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("Do = %v, want ErrTimeout", err)
			}
			if n := len(srv.seen()); n != 1 {
				t.Errorf("server saw %d requests, want 1 (a timeout is not retried)", n)
			}
			notes := eventsOf(tl, timeline.Note)
			if len(notes) != 1 || !strings.Contains(notes[0].Text, ErrTimeout.Error()) {
				t.Errorf("notes = %+v, want one recording the timeout", notes)
			}
		})
	}
}

// TestCallerDeadlineIsNotATimeout: when the caller's own context ends first,
// Do returns its error, not ErrTimeout (which blames the target).
func TestCallerDeadlineIsNotATimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := newClient(t, Config{BaseURL: srv.URL, Timeout: time.Hour}).Do(ctx, nil, Request{Path: "/app/calls"})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
		t.Errorf("Do = %v, want the caller's context.DeadlineExceeded, not ErrTimeout", err)
	}
}

func TestResponseBodyIsCapped(t *testing.T) {
	big := strings.Repeat("x", MaxResponseBody+1)
	srv := newServer(t, answer(http.StatusOK, big))
	tl := &timeline.Timeline{}
	_, err := newClient(t, Config{BaseURL: srv.URL}).Do(bounded(t), tl, Request{Path: "/app/calls"})
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("Do = %v, want ErrBodyTooLarge", err)
	}
	events := eventsOf(tl, timeline.Response)
	if len(events) != 1 || len(events[0].Text) > maxRecordedText+200 {
		t.Errorf("response events: %d, text of %d bytes; want one, truncated", len(events), len(events[0].Text))
	}

	srv = newServer(t, answer(http.StatusOK, big[:MaxResponseBody]))
	resp, err := newClient(t, Config{BaseURL: srv.URL}).Do(bounded(t), nil, Request{Path: "/app/calls"})
	if err != nil || len(resp.Body) != MaxResponseBody {
		t.Errorf("body of exactly %d bytes: %v; want it whole", MaxResponseBody, err)
	}
}

func TestTimelineRecordsExchanges(t *testing.T) {
	const token = "opaque-static-token-0123456789"
	echo := func(w http.ResponseWriter, r *http.Request) {
		a := r.Header.Get("Authorization")
		w.Header().Set("X-Echo", strings.TrimPrefix(a, "Bearer "))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"seen": a, "raw": strings.TrimPrefix(a, "Bearer ")})
	}
	text := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "you sent %s", r.Header.Get("Authorization"))
	}
	srv := newServer(t, echo, text)
	c := newClient(t, Config{BaseURL: srv.URL, Auth: Auth{BearerToken: token}})
	tl := &timeline.Timeline{}
	body := `{"callbackUri":"https://bot.example/cb","token":"` + token + `"}`
	if _, err := c.Do(bounded(t), tl, Request{Method: http.MethodPost, Path: "/app/calls", Body: []byte(body)}); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if _, err := c.Do(bounded(t), tl, Request{Path: "/app/calls/c1"}); err != nil {
		t.Fatalf("Do: %v", err)
	}

	events := tl.Events()
	if len(events) != 4 {
		t.Fatalf("timeline has %d events, want 4 (two requests, two responses)", len(events))
	}
	req, resp := events[0], events[1]
	if req.Kind != timeline.Request || req.Method != http.MethodPost || req.URL != srv.URL+"/app/calls" {
		t.Errorf("request event = %+v, want POST %s/app/calls", req, srv.URL)
	}
	if a := req.Header.Get("Authorization"); a != "Bearer "+timeline.Redacted {
		t.Errorf("recorded Authorization = %q, want %q", a, "Bearer "+timeline.Redacted)
	}
	if !guidRE.MatchString(req.Header.Get("Client-Request-Id")) {
		t.Errorf("recorded client-request-id = %q, want the GUID sent", req.Header.Get("Client-Request-Id"))
	}
	if !json.Valid(req.Body) || !strings.Contains(string(req.Body), "https://bot.example/cb") {
		t.Errorf("request body = %s, want the JSON sent, redacted", req.Body)
	}
	if resp.Kind != timeline.Response || resp.Status != http.StatusOK || !json.Valid(resp.Body) || resp.Text != "" || resp.Method != http.MethodPost {
		t.Errorf("response event = %+v, want 200 with a JSON body", resp)
	}
	if e := events[3]; e.Kind != timeline.Response || len(e.Body) != 0 || !strings.HasPrefix(e.Text, "you sent ") {
		t.Errorf("text response event = %+v, want the body in Text", e)
	}
	js, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), token) {
		t.Errorf("the timeline contains the token:\n%s", js)
	}
}

func TestNilTimeline(t *testing.T) {
	srv := newServer(t, answer(http.StatusTooManyRequests, "", "Retry-After", "0"), answer(http.StatusOK, "ok"))
	resp, err := newClient(t, Config{BaseURL: srv.URL}).Do(bounded(t), nil, Request{Path: "/x"})
	if err != nil || resp.Status != http.StatusOK || string(resp.Body) != "ok" {
		t.Errorf("Do with a nil timeline = %+v, %v; want 200 ok", resp, err)
	}
}

// guidRE matches a lower-case dashed RFC 4122 version 4 UUID: a
// client-request-id as Graph expects it.
var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
