package testbed

import (
	"context"
	"fmt"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/apiclient"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/simulator"
)

// Environment variables that supply the kinds of token a fixture's send
// step may name (`token: delegated`, ...) for a target that is not the
// embedded simulator, the defaults of the --token-KIND flags. The suite's
// hand-written authorization specs read the same variables.
const (
	EnvTokenDelegated     = "CALLCONFORM_TOKEN_DELEGATED"
	EnvTokenNoRole        = "CALLCONFORM_TOKEN_NO_ROLE"
	EnvTokenExpired       = "CALLCONFORM_TOKEN_EXPIRED"
	EnvTokenOtherAudience = "CALLCONFORM_TOKEN_OTHER_AUDIENCE"
)

// suppliedTokens are the kinds of token a URL target is given, each with
// its flag and environment variable. fixture.TokenBadSignature is not
// among them: it is made from the run's own token.
var suppliedTokens = []struct{ kind, flag, env, usage string }{
	{fixture.TokenDelegated, "token-delegated", EnvTokenDelegated, "a delegated (user) token, which the target must refuse with 403"},
	{fixture.TokenNoRole, "token-no-role", EnvTokenNoRole, "an application token without the Calls.* roles, refused on invite with 403"},
	{fixture.TokenExpired, "token-expired", EnvTokenExpired, "an expired application token, refused with 401"},
	{fixture.TokenOtherAudience, "token-other-audience", EnvTokenOtherAudience, "an application token for another resource, refused with 401"},
}

// otherAudience is the resource the embedded simulator's other-audience
// tokens are issued for: a real one, not the Graph.
const otherAudience = "https://management.azure.com"

// embeddedTokens mints, at each use, every kind of token for the embedded
// simulator sim, as its token endpoint would but with the flaw each kind
// names; own gives the run's own token, which bad-signature alters.
func embeddedTokens(sim *simulator.Simulator, own harness.TokenFunc) map[string]harness.TokenFunc {
	mint := func(clientID, aud string, lifetime time.Duration) harness.TokenFunc {
		return func(context.Context) (string, error) {
			tok, err := sim.MintAccessToken(clientID, aud, lifetime)
			if err != nil {
				return "", fmt.Errorf("mint a token with the embedded simulator: %w", err)
			}
			return tok, nil
		}
	}
	app := sim.AppID()
	return map[string]harness.TokenFunc{
		fixture.TokenDelegated:     mint(simulator.DelegatedClientID, simulator.GraphAudience, time.Hour),
		fixture.TokenNoRole:        mint(simulator.NoneClientID, simulator.GraphAudience, time.Hour),
		fixture.TokenExpired:       mint(app, simulator.GraphAudience, -time.Hour),
		fixture.TokenOtherAudience: mint(app, otherAudience, time.Hour),
		fixture.TokenBadSignature:  harness.AlterSignature(own),
	}
}

// urlTokens are the tokens of a URL target: those cfg supplies, and a bad
// signature made from the run's own token when the run has one (client
// authenticates: hasOwn).
func urlTokens(supplied map[string]string, client *apiclient.Client, hasOwn bool) map[string]harness.TokenFunc {
	out := map[string]harness.TokenFunc{}
	for kind, tok := range supplied {
		if tok != "" {
			out[kind] = harness.StaticToken(tok)
		}
	}
	if hasOwn {
		out[fixture.TokenBadSignature] = harness.AlterSignature(client.Token)
	}
	return out
}

// TokenSetting names the flag and the environment variable that supply a
// kind of token to a run against a URL target ("--token-delegated",
// "CALLCONFORM_TOKEN_DELEGATED"); ok is false for a kind no setting
// supplies.
func TokenSetting(kind string) (flag, env string, ok bool) {
	for _, s := range suppliedTokens {
		if s.kind == kind {
			return "--" + s.flag, s.env, true
		}
	}
	return "", "", false
}
