package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/timeline"
)

const (
	clientID     = "6c7f2b7e-0000-4000-8000-000000000001"
	clientSecret = "client-secret-value-0123456789"
)

// tokenEndpoint is a tiny OAuth2 client-credentials endpoint issuing opaque
// tokens "access-token-1", "access-token-2", ...; token n lives n times
// expiresIn, so that a clock moved past one token's life keeps the next.
type tokenEndpoint struct {
	srv       *httptest.Server
	fetches   atomic.Int32
	expiresIn int // seconds
	mu        sync.Mutex
	forms     []url.Values
}

func newTokenEndpoint(t *testing.T, expiresIn int) *tokenEndpoint {
	e := &tokenEndpoint{expiresIn: expiresIn}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.forms = append(e.forms, r.PostForm)
		e.mu.Unlock()
		if r.PostForm.Get("client_secret") != clientSecret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "wrong secret " + r.PostForm.Get("client_secret")})
			return
		}
		n := e.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("access-token-%d", n), "token_type": "Bearer", "expires_in": e.expiresIn * int(n)})
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *tokenEndpoint) url() string { return e.srv.URL + "/tenant/oauth2/v2.0/token" }

func (e *tokenEndpoint) lastForm() url.Values {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.forms[len(e.forms)-1]
}

// fakeClock is a clock the test moves forward.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func TestClientCredentials(t *testing.T) {
	te := newTokenEndpoint(t, 3600)
	srv := newServer(t, answer(http.StatusOK, `{}`))
	c := newClient(t, Config{BaseURL: srv.URL, Auth: Auth{TokenURL: te.url(), ClientID: clientID, ClientSecret: clientSecret}})
	clock := &fakeClock{}
	c.auth.(*tokenCache).now = clock.now

	for range 3 {
		if _, err := c.Do(bounded(t), nil, Request{Path: "/app/calls"}); err != nil {
			t.Fatalf("Do: %v", err)
		}
	}
	if n := te.fetches.Load(); n != 1 {
		t.Errorf("token fetched %d times for 3 requests, want once", n)
	}
	form := te.lastForm()
	if form.Get("grant_type") != "client_credentials" || form.Get("client_id") != clientID || form.Get("scope") != "https://graph.microsoft.com/.default" {
		t.Errorf("token request form = %v, want client_credentials for %s with the default scope", form, clientID)
	}
	for i, s := range srv.seen() {
		if a := s.Header.Get("Authorization"); a != "Bearer access-token-1" {
			t.Errorf("request %d: Authorization = %q, want the fetched token", i, a)
		}
	}

	clock.advance(time.Hour) // the token now expires within the renewal margin
	if _, err := c.Do(bounded(t), nil, Request{Path: "/app/calls"}); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if n := te.fetches.Load(); n != 2 {
		t.Errorf("token fetched %d times after expiry, want twice", n)
	}
	if tok, err := c.Token(bounded(t)); err != nil || tok != "access-token-2" {
		t.Errorf("Token = %q, %v; want the renewed token", tok, err)
	}
	if a := srv.seen()[3].Header.Get("Authorization"); a != "Bearer access-token-2" {
		t.Errorf("Authorization after expiry = %q, want the renewed token", a)
	}
}

func TestClientCredentialsConcurrentFirstUse(t *testing.T) {
	te := newTokenEndpoint(t, 3600)
	srv := newServer(t, answer(http.StatusOK, `{}`))
	c := newClient(t, Config{BaseURL: srv.URL, Auth: Auth{TokenURL: te.url(), ClientID: clientID, ClientSecret: clientSecret, Scopes: []string{"a", "b"}}})
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := c.Do(bounded(t), nil, Request{Path: "/app/calls"}); err != nil {
				t.Errorf("Do: %v", err)
			}
		})
	}
	wg.Wait()
	if n := te.fetches.Load(); n != 1 {
		t.Errorf("token fetched %d times by 10 concurrent first requests, want once", n)
	}
	if s := te.lastForm().Get("scope"); s != "a b" {
		t.Errorf("scope = %q, want the configured scopes", s)
	}
}

func TestTokenFailure(t *testing.T) {
	te := newTokenEndpoint(t, 3600)
	srv := newServer(t, answer(http.StatusOK, `{}`))
	const wrong = "wrong-secret-0123456789"
	tl := &timeline.Timeline{}
	c := newClient(t, Config{BaseURL: srv.URL, Auth: Auth{TokenURL: te.url(), ClientID: clientID, ClientSecret: wrong}})
	_, err := c.Do(bounded(t), tl, Request{Path: "/app/calls"})
	if !errors.Is(err, ErrToken) {
		t.Fatalf("Do = %v, want ErrToken", err)
	}
	if !strings.Contains(err.Error(), te.url()) {
		t.Errorf("error %q does not name the token url", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q contains the client secret", err)
	}
	if len(srv.seen()) != 0 || len(tl.Events()) != 0 {
		t.Errorf("without a token: %d requests sent, %d events; want none", len(srv.seen()), len(tl.Events()))
	}

	te.srv.Close()
	c = newClient(t, Config{BaseURL: srv.URL, Auth: Auth{TokenURL: te.url(), ClientID: clientID, ClientSecret: clientSecret}})
	if _, err := c.Token(bounded(t)); !errors.Is(err, ErrToken) || !strings.Contains(err.Error(), te.url()) || strings.Contains(err.Error(), clientSecret) {
		t.Errorf("Token with the endpoint down = %v, want ErrToken naming the url, without the secret", err)
	}
}

func TestNoTokenInTimelineWithClientCredentials(t *testing.T) {
	te := newTokenEndpoint(t, 3600)
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"youSent": %q}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}
	srv := newServer(t, echo)
	c := newClient(t, Config{BaseURL: srv.URL, Auth: Auth{TokenURL: te.url(), ClientID: clientID, ClientSecret: clientSecret}})
	tl := &timeline.Timeline{}
	if _, err := c.Do(bounded(t), tl, Request{Path: "/app/calls"}); err != nil {
		t.Fatalf("Do: %v", err)
	}
	js, err := json.Marshal(tl.Events())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"access-token-1", clientSecret} {
		if strings.Contains(string(js), secret) {
			t.Errorf("timeline contains %q:\n%s", secret, js)
		}
	}
}

// TestTokenFetchIsBounded: a token endpoint that never answers ends the
// fetch at the client's request timeout, not at the caller's (unbounded)
// context.
func TestTokenFetchIsBounded(t *testing.T) {
	hang := make(chan struct{})
	te := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer te.Close()
	defer close(hang)
	c := newClient(t, Config{BaseURL: "http://127.0.0.1:1", Timeout: 200 * time.Millisecond,
		Auth: Auth{TokenURL: te.URL + "/token", ClientID: clientID, ClientSecret: clientSecret}})
	done := make(chan error, 1)
	go func() {
		_, err := c.Token(context.Background()) // no deadline of its own
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrToken) {
			t.Fatalf("Token = %v, want ErrToken", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a hanging token endpoint was waited for without bound")
	}
}
