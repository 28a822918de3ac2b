package harness

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/apiclient"
	"github.com/callconform/callconform/harness/fixture"
)

// authTarget answers 200 to every request and records the Authorization
// header of each ("<none>" when absent), by path.
type authTarget struct {
	mu   sync.Mutex
	seen map[string]string
}

func startAuthTarget(t *testing.T) (*authTarget, string) {
	t.Helper()
	at := &authTarget{seen: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := "<none>"
		if vs, ok := r.Header["Authorization"]; ok {
			v = strings.Join(vs, ",")
		}
		at.mu.Lock()
		at.seen[r.URL.Path] = v
		at.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return at, srv.URL
}

func (at *authTarget) snapshot() map[string]string {
	at.mu.Lock()
	defer at.mu.Unlock()
	out := map[string]string{}
	for k, v := range at.seen {
		out[k] = v
	}
	return out
}

// tokenRunner is a Runner against baseURL whose client sends the static
// token "own", with tokens for the kinds given.
func tokenRunner(t *testing.T, baseURL string, tokens map[string]TokenFunc) *Runner {
	t.Helper()
	r := newRunner(t, baseURL)
	c, err := apiclient.New(apiclient.Config{BaseURL: baseURL, Timeout: 5 * time.Second, Auth: apiclient.Auth{BearerToken: "own"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Target.Client = c
	r.Target.Tokens = tokens
	return r
}

// TestSendCarriesTheTokenItsStepNames: each send step carries the
// Authorization its token names: the run's own, none, a supplied kind, or
// its own Authorization header.
func TestSendCarriesTheTokenItsStepNames(t *testing.T) {
	at, url := startAuthTarget(t)
	r := tokenRunner(t, url, map[string]TokenFunc{
		fixture.TokenDelegated: StaticToken("user-token"),
		fixture.TokenExpired:   StaticToken("old-token"),
	})
	f := parse(t, `id: tokens
title: Tokens
steps:
  - send: GET /default
  - send: GET /app
    token: app
  - send: GET /none
    token: none
  - send: GET /delegated
    token: delegated
  - send: GET /expired
    token: expired
  - send: GET /malformed
    headers: {Authorization: Bearer not.a-jwt}
`)
	res := r.Run(context.Background(), f)
	if res.Status != Passed {
		t.Fatalf("status %s: %s", res.Status, res.Reason)
	}
	want := map[string]string{
		"/default":   "Bearer own",
		"/app":       "Bearer own",
		"/none":      "<none>",
		"/delegated": "Bearer user-token",
		"/expired":   "Bearer old-token",
		"/malformed": "Bearer not.a-jwt",
	}
	if diff := cmp.Diff(want, at.snapshot()); diff != "" {
		t.Errorf("Authorization by path (-want +got):\n%s", diff)
	}
}

// TestRunnerSkipsAFixtureWhoseTokenItLacks: a fixture that sends a kind of
// token the target was not given is skipped, saying which kind, before
// any request; none and app need nothing.
func TestRunnerSkipsAFixtureWhoseTokenItLacks(t *testing.T) {
	at, url := startAuthTarget(t)
	r := tokenRunner(t, url, map[string]TokenFunc{fixture.TokenDelegated: StaticToken("user-token")})
	f := parse(t, "id: x\ntitle: X\nsteps:\n  - send: GET /first\n  - send: GET /second\n    token: no-role\n")
	want := &SkipError{Kind: MissingToken, Token: fixture.TokenNoRole}
	if diff := cmp.Diff(want, r.SkipReason(f)); diff != "" {
		t.Errorf("SkipReason (-want +got):\n%s", diff)
	}
	res := r.Run(context.Background(), f)
	if res.Status != Skipped || res.Reason != "needs an application token without calling roles (token: no-role), which the target was not given" {
		t.Errorf("status %s, reason %q", res.Status, res.Reason)
	}
	if len(at.snapshot()) != 0 {
		t.Errorf("a skipped fixture sent requests: %v", at.snapshot())
	}
	for _, src := range []string{
		"id: n\ntitle: N\nsteps:\n  - send: GET /n\n    token: none\n",
		"id: d\ntitle: D\nsteps:\n  - send: GET /d\n    token: delegated\n",
		"id: a\ntitle: A\nsteps:\n  - send: GET /a\n    token: app\n",
	} {
		if skip := r.SkipReason(parse(t, src)); skip != nil {
			t.Errorf("%s: skipped: %v", strings.Split(src, "\n")[0], skip)
		}
	}
}

// TestSendFailsWhenATokenCannotBeHad: a token source that fails fails its
// step, saying which kind; the request is not sent.
func TestSendFailsWhenATokenCannotBeHad(t *testing.T) {
	at, url := startAuthTarget(t)
	boom := errors.New("token endpoint down")
	r := tokenRunner(t, url, map[string]TokenFunc{
		fixture.TokenExpired: func(context.Context) (string, error) { return "", boom },
	})
	res := r.Run(context.Background(), parse(t, "id: x\ntitle: X\nsteps:\n  - send: GET /x\n    token: expired\n"))
	if res.Status != Failed || res.Failure == nil || res.Failure.Message != "token expired: token endpoint down" {
		t.Fatalf("status %s, failure %+v", res.Status, res.Failure)
	}
	if len(at.snapshot()) != 0 {
		t.Errorf("the request was sent: %v", at.snapshot())
	}
}

func TestAlterSignature(t *testing.T) {
	sig := base64.RawURLEncoding.EncodeToString([]byte{1, 2, 3, 4})
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0." + sig
	got, err := AlterSignature(StaticToken(jwt))(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	head, gotSig, _ := strings.Cut(got, "eyJzdWIiOiJ4In0.")
	if head != "eyJhbGciOiJSUzI1NiJ9." {
		t.Errorf("header and claims changed: %q", got)
	}
	b, err := base64.RawURLEncoding.DecodeString(gotSig)
	if err != nil {
		t.Fatalf("the altered signature is not base64url: %q: %v", gotSig, err)
	}
	if diff := cmp.Diff([]byte{1 ^ 0xff, 2, 3, 4}, b); diff != "" {
		t.Errorf("signature bytes (-want +got):\n%s", diff)
	}
	for _, tok := range []string{"opaque", "a.b.", "a.b.!!"} {
		got, err := AlterSignature(StaticToken(tok))(context.Background())
		if err != nil || got == tok || !strings.HasPrefix(got, strings.TrimSuffix(tok, "!!")) {
			t.Errorf("AlterSignature(%q) = %q, %v", tok, got, err)
		}
	}
	if _, err := AlterSignature(StaticToken(""))(context.Background()); !errors.Is(err, ErrNoTokenToAlter) {
		t.Errorf("empty token: err %v, want ErrNoTokenToAlter", err)
	}
}

// FuzzAlterSignature: whatever the token, the altered one differs from it
// and keeps its header and claims (all before the last dot).
func FuzzAlterSignature(f *testing.F) {
	for _, s := range []string{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.AQIDBA", "opaque", "a.b.", "a.b.!!", ".", "..", "a.b.c=", "a.b.\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if tok == "" {
			return
		}
		got, err := AlterSignature(StaticToken(tok))(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got == tok {
			t.Fatalf("AlterSignature(%q) left it as it was", tok)
		}
		if i := strings.LastIndexByte(tok, '.'); i >= 0 && !strings.HasPrefix(got, tok[:i+1]) {
			t.Fatalf("AlterSignature(%q) = %q: header and claims changed", tok, got)
		}
	})
}
