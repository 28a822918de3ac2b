package testbed

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
	if !slices.Equal(c.Capabilities, []string{"incoming-call", "other"}) {
		t.Errorf("capabilities = %q", c.Capabilities)
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
		{"v1.0 on the simulator", nil, []string{"--profile", "v1.0"}, "speaks beta-2018 only"},
		{"sim-break on a URL", nil, []string{"--target", "http://x", "--sim-break", "no-auth"}, "applies to the embedded simulator"},
		{"vars file missing", nil, []string{"--vars", vars + ".nope"}, "vars file"},
	}
	for _, tt := range tests {
		if _, err := parse(t, tt.env, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want it to contain %q", tt.name, err, tt.want)
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
	if caps, err := ProbeCapabilities(ctx, with.URL); err != nil || !slices.Equal(caps, []string{"incoming-call"}) {
		t.Errorf("with a control API: %q, %v", caps, err)
	}
	if caps, err := ProbeCapabilities(ctx, without.URL); err != nil || caps == nil || len(caps) != 0 {
		t.Errorf("without one: %q, %v (want an empty, non-nil list)", caps, err)
	}
	if _, err := ProbeCapabilities(ctx, "http://127.0.0.1:1"); err == nil {
		t.Error("an unreachable target was taken as one without capabilities")
	}
}
