package testbed

import (
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func parse(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.Config()
}

func TestFlagsConfig(t *testing.T) {
	vars := filepath.Join(t.TempDir(), "vars.yaml")
	if err := os.WriteFile(vars, []byte("userId: u1\nretries: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := parse(t, map[string]string{EnvTarget: "https://calls.example.test", EnvClientSecret: "s3cret", EnvVars: vars},
		"--token-url", "https://login.example.test/t/oauth2/v2.0/token", "--client-id", "c1", "--capability", "incoming-call, other")
	if err != nil {
		t.Fatal(err)
	}
	if c.URL != "https://calls.example.test" || c.ClientSecret != "s3cret" || c.Vars["userId"] != "u1" || c.Vars["retries"] != "3" {
		t.Errorf("config = %+v", c)
	}
	if diff := cmp.Diff([]string{"incoming-call", "other"}, c.Capabilities); diff != "" {
		t.Errorf("capabilities (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"secret missing", nil, []string{"--target", "http://x", "--token-url", "http://t", "--client-id", "c"}, "the secret in $CALLCONFORM_CLIENT_SECRET"},
		{"target not http", nil, []string{"--target", "ftp://x"}, "want an http(s) URL"},
		{"unknown profile", nil, []string{"--profile", "v2"}, "want beta-2018 or v1.0"},
		{"sim-break on a URL", nil, []string{"--target", "http://x", "--sim-break", "no-auth"}, "applies to the embedded simulator"},
		{"vars file missing", nil, []string{"--vars", vars + ".nope"}, "vars file"},
		{"verify without app id", nil, []string{"--target", "http://x", "--verify-callbacks", "--openid-config", "http://x/o"}, "--verify-callbacks needs --app-id"},
		{"verify without OpenID configuration", map[string]string{EnvAppID: "a"}, []string{"--target", "http://x", "--verify-callbacks"}, "--verify-callbacks needs --openid-config URL"},
		{"OpenID configuration not http", nil, []string{"--target", "http://x", "--openid-config", "x"}, `--openid-config "x": want an http(s) URL`},
		{"callback URL not http", nil, []string{"--callback-url", "tunnel.example.net"}, `--callback-url "tunnel.example.net": want an http(s) URL`},
		{"control URL not http", nil, []string{"--target", "http://x", "--control-url", "x"}, `--control-url "x": want an http(s) URL`},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.env, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want it to contain %q", tt.name, err, tt.want)
		}
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err %v is not a settings error (ErrConfig)", tt.name, err)
		}
	}
}

// TestVerifyCallbacksSettings: against a URL target --verify-callbacks
// needs the app id and the OpenID configuration, and falls back on no
// public URL; the embedded simulator needs neither.
func TestVerifyCallbacksSettings(t *testing.T) {
	c, err := parse(t, map[string]string{EnvAppID: "a", EnvOpenIDConfig: "https://login.example.test/openid"}, "--target", "http://x", "--verify-callbacks")
	if err != nil || !c.VerifyCallbacks || c.OpenIDConfigURL != "https://login.example.test/openid" || c.AppID != "a" {
		t.Errorf("from the environment: %+v, %v", c, err)
	}
	if c, err := parse(t, nil, "--target", "http://x"); err != nil || c.OpenIDConfigURL != "" {
		t.Errorf("no OpenID configuration by default: %q, %v", c.OpenIDConfigURL, err)
	}
	if _, err := parse(t, nil, "--verify-callbacks"); err != nil {
		t.Errorf("embedded simulator: %v", err)
	}
}

// TestFlagsShared: Register defines the target flags and --report-dir,
// which both the suite and replay run take from it.
func TestFlagsShared(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	f := Register(fs, nil)
	if err := fs.Parse([]string{"--report-dir", "out"}); err != nil {
		t.Fatal(err)
	}
	if f.ReportDir() != "out" {
		t.Errorf("ReportDir = %q", f.ReportDir())
	}
	var names []string
	fs.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	if diff := cmp.Diff(names, FlagNames()); diff != "" {
		t.Errorf("FlagNames (-registered +listed):\n%s", diff)
	}
	for _, want := range []string{"target", "profile", "token", "token-url", "client-id", "client-secret-env", "scope", "app-id", "tenant-id", "vars", "capability", "control-url", "callback-listen", "callback-url", "verify-callbacks", "openid-config", "timeout", "within", "sim-break", "sim-invite-answer", "report-dir"} {
		if fs.Lookup(want) == nil {
			t.Errorf("Register lacks --%s", want)
		}
	}
}

func TestReadVarsRefusesNested(t *testing.T) {
	p := filepath.Join(t.TempDir(), "vars.yaml")
	if err := os.WriteFile(p, []byte("user: {id: u1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadVars(p); err == nil || !strings.Contains(err.Error(), `"user" must be a string, number or boolean`) {
		t.Fatalf("err = %v", err)
	}
}

func TestProbeCapabilities(t *testing.T) {
	with := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_control" {
			io.WriteString(w, `{"capabilities":["incoming-call"]}`)
			return
		}
		http.NotFound(w, r)
	}))
	defer with.Close()
	without := httptest.NewServer(http.NotFoundHandler())
	defer without.Close()
	ctx := context.Background()
	if caps, err := ProbeCapabilities(ctx, with.URL); err != nil || cmp.Diff([]string{"incoming-call"}, caps) != "" {
		t.Errorf("with a control API: %q, %v", caps, err)
	}
	if caps, err := ProbeCapabilities(ctx, without.URL); err != nil || caps == nil || len(caps) != 0 {
		t.Errorf("without one: %q, %v (want an empty, non-nil list)", caps, err)
	}
	if _, err := ProbeCapabilities(ctx, "http://127.0.0.1:1"); err == nil {
		t.Error("an unreachable target was taken as one without capabilities")
	}
}
