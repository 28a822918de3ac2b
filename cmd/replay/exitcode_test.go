package main

import (
	"net"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/callconform/callconform/harness/testbed"
	"github.com/callconform/callconform/internal/faketarget"
)

// closedURL is the URL of a loopback port nothing listens on.
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

// wantOneLine checks that s is exactly one line holding every want.
func wantOneLine(t *testing.T, what, s string, want ...string) {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Errorf("%s: want one line, got:\n%s", what, s)
	}
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s: %q lacks %q", what, s, w)
		}
	}
}

// TestRunUnreachableTargetExits3: a target that does not answer at all is
// the tool unable to work (3), said once, before any scenario, also when
// --capability spares the capability probe.
func TestRunUnreachableTargetExits3(t *testing.T) {
	target := closedURL(t)
	fx := writeFixture(t, faketarget.FlowFixture)
	for _, args := range [][]string{
		{"run", "--target", target, fx},
		{"run", "--target", target, "--capability", "incoming-call", fx},
	} {
		code, out, errOut := replay(t, args...)
		if code != exitRuntime {
			t.Errorf("%v: exit %d, want 3\n%s%s", args, code, out, errOut)
		}
		wantOneLine(t, strings.Join(args, " "), errOut, "replay: run: cannot reach the target at "+target+": ", "; check --target")
		if strings.Contains(out, "FAIL") || strings.Contains(out, "running") {
			t.Errorf("%v: scenarios ran against an unreachable target:\n%s", args, out)
		}
	}
}

// TestRunTokenThatCannotBeHadExits3: credentials the token endpoint
// refuses, or a token endpoint that does not answer, stop the run before
// any scenario with exit 3 and one line naming the token URL (without its
// query) and the OAuth error code; the secret is never printed.
func TestRunTokenThatCannotBeHadExits3(t *testing.T) {
	const clientSecret = "wrong-but-secret-value"
	t.Setenv(testbed.EnvClientSecret, clientSecret)
	srv := faketarget.Start(faketarget.Faults{TokenError: "invalid_client"})
	defer srv.Close()
	fx := writeFixture(t, faketarget.FlowFixture)

	tokenURL := srv.URL + faketarget.TokenPath
	code, out, errOut := replay(t, "run", "--target", srv.URL, "--token-url", tokenURL+"?sig=query-secret", "--client-id", "c1", fx)
	if code != exitRuntime {
		t.Errorf("refused credentials: exit %d, want 3\n%s%s", code, out, errOut)
	}
	wantOneLine(t, "refused credentials", errOut,
		"replay: run: cannot get a token from "+tokenURL+": the token endpoint answered 401 invalid_client",
		"AADSTS7000215", "check --client-id, --scope and the client secret in $"+testbed.EnvClientSecret)
	for _, leak := range []string{clientSecret, "query-secret", "Correlation ID"} {
		if strings.Contains(out+errOut, leak) {
			t.Errorf("refused credentials: the output holds %q:\n%s", leak, errOut)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("scenarios ran without a token:\n%s", out)
	}

	down := closedURL(t) + faketarget.TokenPath
	code, out, errOut = replay(t, "run", "--target", srv.URL, "--token-url", down, "--client-id", "c1", fx)
	if code != exitRuntime {
		t.Errorf("token endpoint down: exit %d, want 3\n%s%s", code, out, errOut)
	}
	wantOneLine(t, "token endpoint down", errOut, "replay: run: cannot get a token from "+down+": ", "; check --token-url")
}

// TestRunFetchesTheTokenOnceAtSetup: the token fetched at setup is the
// one the scenarios use.
func TestRunFetchesTheTokenOnceAtSetup(t *testing.T) {
	t.Setenv(testbed.EnvClientSecret, "right")
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	code, out, errOut := replay(t, "run", "--target", srv.URL, "--token-url", srv.URL+faketarget.TokenPath, "--client-id", "c1", writeFixture(t, faketarget.FlowFixture))
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

// TestRunUsageErrorsExit2InOneLine: every usage error is exit 2 and one
// line on stderr that says what to do.
func TestRunUsageErrorsExit2InOneLine(t *testing.T) {
	target := closedURL(t)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"run", "--target", target, "--verify-callbacks"}, []string{"--verify-callbacks needs --app-id"}},
		{[]string{"run", "--target", target, "--verify-callbacks", "--app-id", "a"}, []string{"--verify-callbacks needs --openid-config URL", testbed.GraphOpenIDConfig}},
		{[]string{"run", "--target", target, "--openid-config", "file:///etc/keys"}, []string{`--openid-config "file:///etc/keys": want an http(s) URL`}},
		{[]string{"run", "--callback-url", "tunnel.example.net"}, []string{"--callback-url", "want an http(s) URL"}},
		{[]string{"run", "--sim-break", "teleport"}, []string{"embedded simulator", "teleport"}},
		{[]string{"run", "--parallel", "x"}, []string{`invalid value "x" for flag -parallel`, "see replay run --help"}},
		{[]string{"run", "--parallel", "0"}, []string{"--parallel must be at least 1"}},
		{[]string{"run", "--no-such-flag"}, []string{"unknown flag --no-such-flag", "see replay run --help"}},
		{[]string{"run", "--within"}, []string{"flag needs an argument: -within"}},
		{[]string{"run", "--label-filter", "nothing-has-this"}, []string{`no scenario matches --label-filter "nothing-has-this"`}},
		{[]string{"serve", "--lisen", ":0"}, []string{"unknown flag --lisen (did you mean --listen?)"}},
		{[]string{"sim", "extra"}, []string{"unexpected arguments"}},
		{[]string{"report"}, []string{"name one report.json"}},
		{[]string{"version", "now"}, []string{`unexpected argument "now"`}},
		{[]string{"rnu"}, []string{`unknown command "rnu"; did you mean run?`}},
	}
	for _, tt := range tests {
		code, out, errOut := replay(t, tt.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s%s", tt.args, code, out, errOut)
		}
		wantOneLine(t, strings.Join(tt.args, " "), errOut, tt.want...)
	}
}

// TestVerifyCallbacksWithTheEmbeddedSimulator: the embedded simulator's
// callbacks are always verified, with its own keys: --verify-callbacks
// needs neither --app-id nor --openid-config there.
func TestVerifyCallbacksWithTheEmbeddedSimulator(t *testing.T) {
	code, out, errOut := replay(t, "run", "--verify-callbacks", "../../fixtures/calls/join-channel-meeting-without-media.yaml")
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
}

func TestDidYouMean(t *testing.T) {
	cmds := []string{"run", "sim", "serve", "record", "lint", "report", "version"}
	flags := []string{"target", "token", "token-url", "label-filter", "v", "json"}
	tests := []struct {
		typed string
		among []string
		want  string
	}{
		{"rnu", cmds, "run"},
		{"serv", cmds, "serve"},
		{"recrod", cmds, "record"},
		{"frobnicate", cmds, ""},
		{"targte", flags, "target"},
		{"tokne", flags, "token"},
		{"label-filtre", flags, "label-filter"},
		{"x", flags, ""}, // one letter from "v", but a guess, not a typo
		{"jsno", flags, "json"},
	}
	for _, tt := range tests {
		if got := suggest(tt.typed, tt.among); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
	code, _, errOut := replay(t, "run", "--targte", "http://x")
	if code != exitUsage {
		t.Errorf("run --targte: exit %d, want 2", code)
	}
	wantOneLine(t, "run --targte", errOut, "unknown flag --targte (did you mean --target?)")
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"run", "run", 0}, {"rnu", "run", 1}, {"rn", "run", 1}, {"runn", "run", 1},
		{"ran", "run", 1}, {"", "abc", 3}, {"abc", "", 3}, {"kitten", "sitting", 3},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestVersion: `replay --version` and `replay version` print the module
// version and the Go version, and exit 0.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, out, errOut := replay(t, args...)
		if code != exitOK || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
		wantOneLine(t, strings.Join(args, " "), out, "replay ", runtime.Version())
	}
	bi := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Path: "github.com/callconform/callconform", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionLine(bi), "replay v1.2.3, commit 0123456789ab (modified), built with go1.99.1"; got != want {
		t.Errorf("versionLine = %q, want %q", got, want)
	}
	if got := versionLine(nil); !strings.HasPrefix(got, "replay (devel), built with go") {
		t.Errorf("versionLine(nil) = %q", got)
	}
}

// TestRunAcceptsEveryTargetFlag: replay run takes every flag the shared
// registration defines, as the suite binary does (suites:
// TestSuiteAcceptsEveryTargetFlag).
func TestRunAcceptsEveryTargetFlag(t *testing.T) {
	fs, _, _ := runFlags(nil)
	for _, name := range testbed.FlagNames() {
		if fs.Lookup(name) == nil {
			t.Errorf("replay run lacks --%s", name)
		}
	}
}

// TestRunWordsSkipsWithItsFlags: the engine's typed reason reaches the
// console in replay run's terms: the flag and the variable to set.
func TestRunWordsSkipsWithItsFlags(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	fx := writeFixture(t, "id: needs-app-id\ntitle: T\nsteps:\n  - send: GET /applications/{{appId}}/calls\n")
	code, out, errOut := replay(t, "run", "--target", srv.URL, fx)
	if code != exitUsage {
		t.Errorf("exit %d, want 2 (nothing tested)\n%s%s", code, out, errOut)
	}
	if want := "skipped: needs the bot's app id ({{appId}}): pass --app-id or set CALLCONFORM_APP_ID"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}
