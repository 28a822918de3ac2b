package suites

import (
	"context"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenKind is a kind of credential a spec presents.
type tokenKind string

const (
	noToken            tokenKind = "no token"
	malformedToken     tokenKind = "a malformed token"
	expiredToken       tokenKind = "an expired token"
	otherAudienceToken tokenKind = "a token for another audience"
	delegatedToken     tokenKind = "a delegated token"
	noRoleToken        tokenKind = "an application token without calling roles"
)

// tokenEnv names the variable that supplies a kind of token for a target
// that is not the embedded simulator (which mints every kind itself).
var tokenEnv = map[tokenKind]string{
	expiredToken:       "CALLCONFORM_TOKEN_EXPIRED",
	otherAudienceToken: "CALLCONFORM_TOKEN_OTHER_AUDIENCE",
	delegatedToken:     "CALLCONFORM_TOKEN_DELEGATED",
	noRoleToken:        "CALLCONFORM_TOKEN_NO_ROLE",
}

// authorization returns the Authorization header value for kind ("" = no
// header). It skips the spec, saying which variable to set, when the target
// is not embedded and no such token was given.
func authorization(ctx context.Context, kind tokenKind) string {
	GinkgoHelper()
	switch kind {
	case noToken:
		return ""
	case malformedToken:
		return "Bearer not.a-jwt"
	}
	if !env.Embedded {
		tok := os.Getenv(tokenEnv[kind])
		if tok == "" {
			Skip("needs " + string(kind) + " for this target: set $" + tokenEnv[kind])
		}
		return "Bearer " + tok
	}
	sim := env.Sim.Sim
	switch kind {
	case expiredToken:
		tok, err := sim.MintAccessToken(sim.AppID(), "https://graph.microsoft.com", -time.Hour)
		Expect(err).NotTo(HaveOccurred())
		return "Bearer " + tok
	case otherAudienceToken:
		tok, err := sim.MintAccessToken(sim.AppID(), "https://management.azure.com", time.Hour)
		Expect(err).NotTo(HaveOccurred())
		return "Bearer " + tok
	}
	want := map[tokenKind]string{delegatedToken: "delegated", noRoleToken: "none"}[kind]
	for _, c := range sim.Clients() {
		if c.Kind != want {
			continue
		}
		cc := clientcredentials.Config{ClientID: c.ID, ClientSecret: c.Secret, TokenURL: env.Sim.TokenURL, Scopes: []string{"https://graph.microsoft.com/.default"}}
		tok, err := cc.Token(ctx)
		Expect(err).NotTo(HaveOccurred(), "token for the %s client", want)
		return "Bearer " + tok.AccessToken
	}
	Fail("the simulator has no " + want + " client")
	return ""
}

// bearer returns the Authorization value the target client sends: the run's
// own valid credentials ("" when the target takes none).
func bearer(ctx context.Context) string {
	GinkgoHelper()
	tok, err := env.Runner.Target.Client.Token(ctx)
	Expect(err).NotTo(HaveOccurred(), "the target's token")
	if tok == "" {
		return ""
	}
	return "Bearer " + tok
}
