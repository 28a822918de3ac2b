package testbed

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/faketarget"
)

func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

func open(t *testing.T, cfg Config) (*Testbed, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tb, err := Open(ctx, cfg)
	if err == nil {
		t.Cleanup(func() { tb.Close() })
	}
	return tb, err
}

// TestOpenUnreachableTarget: a target that gives no answer is an
// *UnreachableError naming its URL, also when the capabilities are given
// (no probe is needed, the target is still checked).
func TestOpenUnreachableTarget(t *testing.T) {
	target := closedURL(t)
	for _, caps := range [][]string{nil, {"incoming-call"}} {
		_, err := open(t, Config{URL: target + "/beta?code=x", Capabilities: caps})
		var ue *UnreachableError
		if !errors.As(err, &ue) {
			t.Fatalf("capabilities %q: err %v, want an *UnreachableError", caps, err)
		}
		if ue.URL != target+"/beta" || ue.Control || errors.Is(err, ErrConfig) {
			t.Errorf("capabilities %q: %+v", caps, ue)
		}
		if !strings.HasPrefix(err.Error(), "cannot reach the target at "+target+"/beta: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("message %q", err)
		}
	}
}

// TestOpenUnreachableControlAPI: a test-control API on another URL that
// does not answer says so, as the control API's.
func TestOpenUnreachableControlAPI(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	control := closedURL(t)
	_, err := open(t, Config{URL: srv.URL, ControlURL: control})
	var ue *UnreachableError
	if !errors.As(err, &ue) || !ue.Control || ue.URL != control {
		t.Fatalf("err %v (%+v), want the control API unreachable", err, ue)
	}
}

// TestOpenFetchesTheTokenFirst: credentials the token endpoint refuses are
// a *TokenError with the status, the OAuth error code and the first
// sentence of its description, without the secret or the URL's query.
func TestOpenFetchesTheTokenFirst(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{TokenError: "invalid_client"})
	defer srv.Close()
	tokenURL := srv.URL + faketarget.TokenPath
	_, err := open(t, Config{URL: srv.URL, TokenURL: tokenURL + "?sig=abc", ClientID: "c1", ClientSecret: "s3cret-value", Capabilities: []string{}})
	var te *TokenError
	if !errors.As(err, &te) {
		t.Fatalf("err %v, want a *TokenError", err)
	}
	want := &TokenError{URL: tokenURL, Status: 401, Code: "invalid_client", Description: "AADSTS7000215: Invalid client secret provided."}
	if diff := cmp.Diff(want, te, cmpIgnoreErr); diff != "" {
		t.Errorf("TokenError (-want +got):\n%s", diff)
	}
	if got := err.Error(); got != "cannot get a token from "+tokenURL+": the token endpoint answered 401 invalid_client (AADSTS7000215: Invalid client secret provided.)" {
		t.Errorf("message %q", got)
	}
	if srv.TokenRequests() != 1 {
		t.Errorf("%d token requests, want 1", srv.TokenRequests())
	}

	down := closedURL(t) + faketarget.TokenPath
	_, err = open(t, Config{URL: srv.URL, TokenURL: down, ClientID: "c1", ClientSecret: "s", Capabilities: []string{}})
	if !errors.As(err, &te) || te.Status != 0 || te.Code != "" || !strings.HasPrefix(err.Error(), "cannot get a token from "+down+": ") {
		t.Fatalf("token endpoint down: err %v (%+v)", err, te)
	}
}

var cmpIgnoreErr = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())

// TestOpenListenError: a callback address that cannot be listened on is a
// *ListenError.
func TestOpenListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	_, err = open(t, Config{URL: srv.URL, CallbackListen: ln.Addr().String(), Capabilities: []string{}})
	var le *ListenError
	if !errors.As(err, &le) || le.Addr != ln.Addr().String() {
		t.Fatalf("err %v, want a *ListenError on %s", err, ln.Addr())
	}
}

// TestOpenEmbeddedVerifiesCallbacks: the embedded simulator's callbacks are
// verified without any setting.
func TestOpenEmbeddedVerifiesCallbacks(t *testing.T) {
	tb, err := open(t, Config{VerifyCallbacks: true})
	if err != nil {
		t.Fatal(err)
	}
	if !tb.Embedded || !tb.VerifiesCallbacks() {
		t.Errorf("embedded %v, verifies %v", tb.Embedded, tb.VerifiesCallbacks())
	}
}

func TestOpenRefusesVerifyingWithoutAudience(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	_, err := open(t, Config{URL: srv.URL, VerifyCallbacks: true, OpenIDConfigURL: srv.URL + "/openid"})
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("err %v, want a settings error", err)
	}
}

func TestExplainSaysWhatToDo(t *testing.T) {
	f := &Flags{secretEnv: "MY_SECRET"}
	tests := []struct {
		err  error
		want string
	}{
		{&UnreachableError{URL: "http://x", Err: errors.New("refused")}, "cannot reach the target at http://x: refused; check --target"},
		{&UnreachableError{URL: "http://c", Control: true, Err: errors.New("refused")}, "cannot reach the target's test-control API at http://c: refused; check --control-url (or --capability, to ask nothing of it)"},
		{&TokenError{URL: "http://t", Status: 400, Code: "invalid_scope"}, "cannot get a token from http://t: the token endpoint answered 400 invalid_scope; check --client-id, --scope and the client secret in $MY_SECRET"},
		{&TokenError{URL: "http://t", Status: 404}, "cannot get a token from http://t: the token endpoint answered 404 without an OAuth error code; check --token-url"},
		{&ListenError{Addr: ":1", Err: errors.New("denied")}, "start the callback receiver on :1: denied; check --callback-listen"},
		{configErr("--x is bad\nreally"), "--x is bad really"},
	}
	for _, tt := range tests {
		if got := f.Explain(tt.err); got != tt.want {
			t.Errorf("Explain(%T) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestExplainSkipNamesTheFlags(t *testing.T) {
	tests := []struct {
		skip *harness.SkipError
		want string
	}{
		{&harness.SkipError{Kind: harness.MissingVar, Var: "appId"}, "needs the bot's app id ({{appId}}): pass --app-id or set CALLCONFORM_APP_ID"},
		{&harness.SkipError{Kind: harness.MissingVar, Var: "tenantId"}, "needs the tenant id ({{tenantId}}): pass --tenant-id or set CALLCONFORM_TENANT_ID"},
		{&harness.SkipError{Kind: harness.MissingCapability, Capability: "incoming-call"}, `target lacks capability "incoming-call" (it has: none); a target declares capabilities through its test-control API (GET /_control) or --capability`},
		{&harness.SkipError{Kind: harness.OtherProfile, Profiles: []string{"v1.0"}, Profile: "beta-2018"}, "fixture is for profile v1.0; the target runs beta-2018"},
	}
	for _, tt := range tests {
		if got := ExplainSkip(tt.skip); got != tt.want {
			t.Errorf("ExplainSkip(%+v) = %q, want %q", tt.skip, got, tt.want)
		}
	}
}

func writeVars(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vars.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadVars(t *testing.T) {
	p := writeVars(t, "# ids of the sandbox\nuserId: 00000000-0000-0000-0000-000000000001\nthreadId: \"19:meeting_x@thread.v2\"\nretries: 3\nratio: 1.50\nbig: 12345678901234567890\nenabled: true\nday: 2020-01-02\n")
	got, err := ReadVars(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"userId": "00000000-0000-0000-0000-000000000001", "threadId": "19:meeting_x@thread.v2",
		"retries": "3", "ratio": "1.5", "big": "12345678901234567890", "enabled": "true", "day": "2020-01-02",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("vars (-want +got):\n%s", diff)
	}
	if got, err := ReadVars(writeVars(t, "")); err != nil || len(got) != 0 {
		t.Errorf("empty file: %v, %v", got, err)
	}
	if got, err := ReadVars(writeVars(t, `{"userId": "u1"}`)); err != nil || got["userId"] != "u1" {
		t.Errorf("JSON: %v, %v", got, err)
	}
}

func TestReadVarsRefuses(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"alias", "a: &x u1\nb: *x\n", ":2: YAML aliases (*x) are not supported"},
		{"merge", "base: &b {x: 1}\nother:\n  <<: *b\n", ":3: YAML merge keys (<<) are not supported"},
		{"merge key", "<<: {x: 1}\n", ":1: YAML merge keys (<<) are not supported"},
		{"root alias", "&a x\n", "a vars file is a mapping of names to values"},
		{"list", "- a\n- b\n", ":1: a vars file is a mapping of names to values"},
		{"null", "userId:\n", `:1: "userId" must be a string, number or boolean`},
		{"nested", "a:\n  b: c\n", `:1: "a" must be a string, number or boolean`},
		{"twice", "userId: a\nuserId: b\n", `:2: duplicate key "userId"`},
		{"not YAML", "a: [\n", ":1: invalid YAML"},
	}
	for _, tt := range tests {
		p := writeVars(t, tt.body)
		_, err := ReadVars(p)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) || !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err %v, want a settings error naming %s with %q", tt.name, err, p, tt.want)
		}
	}
}

func TestReadVarsCapsTheSize(t *testing.T) {
	p := writeVars(t, "a: '"+strings.Repeat("x", fixture.MaxVarsFileSize)+"'\n")
	_, err := ReadVars(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "more than the 1 MiB a vars file may be") || !errors.Is(err, ErrConfig) || !errors.Is(err, fixture.ErrTooLarge) {
		t.Fatalf("err %v", err)
	}
	if _, err := ReadVars(writeVars(t, "a: '"+strings.Repeat("x", fixture.MaxVarsFileSize-10)+"'\n")); err != nil {
		t.Fatalf("a file under the cap: %v", err)
	}
}
