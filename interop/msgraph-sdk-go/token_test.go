package interop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/callconform/callconform/simulator"
	"golang.org/x/oauth2"
)

// countingTransport counts the requests it sends.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestClientCredentialsCachesTheToken(t *testing.T) {
	srv := startSim(t, simulator.Config{})
	count := &countingTransport{}
	creds := callingCredentials(t, srv)
	creds.HTTPClient = &http.Client{Transport: count}
	p, err := NewClientCredentials(creds, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	first, err := p.GetAuthorizationToken(ctx, mustURL(t, srv.URL+"/app/calls"), nil)
	if err != nil || first == "" {
		t.Fatalf("first token: %q, %v", first, err)
	}
	second, err := p.GetAuthorizationToken(ctx, mustURL(t, srv.URL+"/app/calls/x"), nil)
	if err != nil || second != first {
		t.Errorf("second token differs or failed: %v", err)
	}
	if n := count.n.Load(); n != 1 {
		t.Errorf("%d token requests, want 1 (the token is valid for an hour)", n)
	}
}

// A token endpoint that gives tokens expiring at once: the provider asks
// again each time instead of handing out an expired token, with one request
// each, its credentials in the form as Entra ID takes them.
func TestClientCredentialsFetchesAgainOnceExpired(t *testing.T) {
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := n.Add(1)
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
			r.PostForm.Get("client_id") != "id" || r.PostForm.Get("client_secret") != "s3cret" ||
			r.PostForm.Get("scope") != DefaultScope {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok%d","token_type":"Bearer","expires_in":1}`, k)
	}))
	defer ts.Close()
	p, err := NewClientCredentials(Credentials{TokenURL: ts.URL + "/token", ClientID: "id", ClientSecret: "s3cret"}, "api.example")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	u := mustURL(t, "https://api.example/v1.0/communications/calls")
	for _, want := range []string{"tok1", "tok2"} {
		got, err := p.GetAuthorizationToken(ctx, u, nil)
		if err != nil || got != want {
			t.Errorf("token %q, %v; want %q", got, err, want)
		}
	}
}

func TestClientCredentialsGivesNoTokenToOtherHosts(t *testing.T) {
	count := &countingTransport{}
	p, err := NewClientCredentials(Credentials{TokenURL: "http://127.0.0.1:1/token", ClientID: "id", ClientSecret: "s",
		HTTPClient: &http.Client{Transport: count}}, "graph.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://elsewhere.example/v1.0/communications/calls", "/relative"} {
		tok, err := p.GetAuthorizationToken(context.Background(), mustURL(t, u), nil)
		if err != nil || tok != "" {
			t.Errorf("%s: token %q, %v; want none and no error", u, tok, err)
		}
	}
	if count.n.Load() != 0 {
		t.Error("a token was fetched for a host the provider is not for")
	}
	if !p.GetAllowedHostsValidator().GetAllowedHosts()["graph.example"] {
		t.Error("the allowed hosts do not name graph.example")
	}
}

func TestClientCredentialsRefusedSecret(t *testing.T) {
	srv := startSim(t, simulator.Config{})
	creds := callingCredentials(t, srv)
	creds.ClientSecret = "not-the-secret-" + creds.ClientSecret
	p, err := NewClientCredentials(creds, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	_, err = p.GetAuthorizationToken(ctx, mustURL(t, srv.URL), nil)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Fatalf("error %v; want an oauth2.RetrieveError invalid_client", err)
	}
	if !strings.Contains(err.Error(), "fetch a token from "+srv.TokenURL) || strings.Contains(err.Error(), creds.ClientSecret) {
		t.Errorf("error %q should name the token URL and not hold the secret", err)
	}
}

func TestNewClientCredentialsRefusesBadSettings(t *testing.T) {
	good := Credentials{TokenURL: "https://login.example/t/oauth2/v2.0/token", ClientID: "id", ClientSecret: "s"}
	for name, tc := range map[string]struct {
		edit  func(*Credentials)
		hosts []string
	}{
		"relative token URL": {func(c *Credentials) { c.TokenURL = "/token" }, []string{"h"}},
		"ftp token URL":      {func(c *Credentials) { c.TokenURL = "ftp://h/token" }, []string{"h"}},
		"no client id":       {func(c *Credentials) { c.ClientID = "" }, []string{"h"}},
		"no secret":          {func(c *Credentials) { c.ClientSecret = "" }, []string{"h"}},
		"no host":            {func(*Credentials) {}, nil},
		"host with a scheme": {func(*Credentials) {}, []string{"https://h"}},
	} {
		t.Run(name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			if _, err := NewClientCredentials(c, tc.hosts...); !errors.Is(err, ErrConfig) {
				t.Errorf("error %v; want ErrConfig", err)
			}
		})
	}
	if _, err := NewClientCredentials(good, "h"); err != nil {
		t.Errorf("good settings: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@login.example/t/token?code=secret#frag": "https://login.example/t/token",
		"http://127.0.0.1:8480/tenant/oauth2/v2.0/token":         "http://127.0.0.1:8480/tenant/oauth2/v2.0/token",
		"://bad": "(unreadable URL)",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
