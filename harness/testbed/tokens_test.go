package testbed

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/faketarget"
)

// TestTokenFlags: each --token-KIND flag, or its environment variable,
// supplies that kind; none set = no map.
func TestTokenFlags(t *testing.T) {
	c, err := parse(t, map[string]string{EnvTokenExpired: "exp-env", EnvTokenDelegated: "del-env"},
		"--target", "http://x", "--token-delegated", "del-flag", "--token-no-role", "norole", "--token-other-audience", "aud")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		fixture.TokenDelegated:     "del-flag", // the flag wins over the environment
		fixture.TokenNoRole:        "norole",
		fixture.TokenExpired:       "exp-env",
		fixture.TokenOtherAudience: "aud",
	}
	if diff := cmp.Diff(want, c.Tokens); diff != "" {
		t.Errorf("Tokens (-want +got):\n%s", diff)
	}
	if c, err := parse(t, nil, "--target", "http://x"); err != nil || c.Tokens != nil {
		t.Errorf("no token flags: %v, %v", c.Tokens, err)
	}
	for _, name := range []string{"token-delegated", "token-no-role", "token-expired", "token-other-audience"} {
		if !slices.Contains(FlagNames(), name) {
			t.Errorf("Register lacks --%s", name)
		}
	}
}

// TestEmbeddedSimulatorMintsEveryKindOfToken: against the embedded
// simulator every kind is had, and each is refused as its kind must be.
func TestEmbeddedSimulatorMintsEveryKindOfToken(t *testing.T) {
	tb, err := open(t, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		fixture.TokenApp:           404, // a valid token: the call does not exist
		fixture.TokenNone:          401,
		fixture.TokenDelegated:     403,
		fixture.TokenNoRole:        404, // any application token may read a call
		fixture.TokenExpired:       401,
		fixture.TokenOtherAudience: 401,
		fixture.TokenBadSignature:  401,
	}
	for _, kind := range fixture.TokenKinds() {
		t.Run(kind, func(t *testing.T) {
			f, err := fixture.Parse("t.yaml", fmt.Appendf(nil, "id: t\ntitle: T\nsteps:\n  - send: GET /app/calls/{{uuid}}\n    token: %s\n    expect: {status: %d}\n", kind, want[kind]))
			if err != nil {
				t.Fatal(err)
			}
			if skip := tb.Runner.SkipReason(f); skip != nil {
				t.Fatalf("skipped: %v", skip)
			}
			if res := tb.Runner.Run(context.Background(), f); res.Status != harness.Passed {
				t.Errorf("%s: %s", res.Status, res.Reason)
			}
		})
	}
}

// TestURLTargetTokens: a URL target has the kinds it was given, and a bad
// signature only when the run has a token of its own to alter.
func TestURLTargetTokens(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	kinds := func(tb *Testbed) []string {
		var out []string
		for k := range tb.Runner.Target.Tokens {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	tb, err := open(t, Config{URL: srv.URL, Token: "own", Tokens: map[string]string{fixture.TokenDelegated: "d", fixture.TokenExpired: ""}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{fixture.TokenBadSignature, fixture.TokenDelegated}, kinds(tb)); diff != "" {
		t.Errorf("with a token of its own (-want +got):\n%s", diff)
	}
	tok, err := tb.Runner.Target.Tokens[fixture.TokenDelegated](context.Background())
	if err != nil || tok != "d" {
		t.Errorf("delegated token %q, %v", tok, err)
	}
	tb, err = open(t, Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(tb); len(got) != 0 {
		t.Errorf("without any token: kinds %v, want none", got)
	}
}

// TestExplainSkipNamesTheTokenSetting: a fixture skipped for a kind of
// token says which flag and variable supply it.
func TestExplainSkipNamesTheTokenSetting(t *testing.T) {
	tests := []struct{ kind, want string }{
		{fixture.TokenDelegated, "needs a delegated (user) token (token: delegated) for this target: pass --token-delegated or set CALLCONFORM_TOKEN_DELEGATED"},
		{fixture.TokenNoRole, "pass --token-no-role or set CALLCONFORM_TOKEN_NO_ROLE"},
		{fixture.TokenExpired, "pass --token-expired or set CALLCONFORM_TOKEN_EXPIRED"},
		{fixture.TokenOtherAudience, "pass --token-other-audience or set CALLCONFORM_TOKEN_OTHER_AUDIENCE"},
		{fixture.TokenBadSignature, "the run has no token of its own: pass --token, or --token-url and --client-id"},
	}
	for _, tt := range tests {
		got := ExplainSkip(&harness.SkipError{Kind: harness.MissingToken, Token: tt.kind})
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want it to contain %q", tt.kind, got, tt.want)
		}
	}
}
