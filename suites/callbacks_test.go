package suites

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/callconform/callconform/harness/timeline"
)

// verifying skips a spec when this run does not check callback tokens.
func verifying() {
	GinkgoHelper()
	if !env.Embedded && !env.VerifiesCallbacks() {
		Skip("callback tokens are not verified against this target: pass --verify-callbacks with --openid-config and --app-id")
	}
}

var _ = Describe("Callback authentication", Label("callbacks", "auth"), func() {
	p := profile()

	// MUST: Every notification a target POSTs MUST carry an Authorization bearer token that verifies against the target's OpenID configuration, with the bot's app id as audience.
	// Source: graph-calls-catalogue.md#3.2 (Authentication of callbacks)
	It("signs every notification", Label(p.name), func(ctx SpecContext) {
		verifying()
		res := runScenario(ctx, inline(`id: signed-notifications
title: every notification is signed
steps:
  - use: `+p.joinFixture+`
`))
		n := 0
		for _, e := range res.Timeline {
			if e.Kind != timeline.Notify {
				continue
			}
			n++
			Expect(e.Header.Get("Authorization")).To(HavePrefix("Bearer "), "notification #%d has no bearer token", n)
		}
		Expect(n).To(BeNumerically(">=", 2), "the scenario received %d notifications", n)
	})

	// MUST: A bot's receiver configured to verify callbacks MUST refuse, with 401, a notification that carries no token, an unsigned token, or a token signed by a key the OpenID configuration does not publish, and keep nothing of it. (Wrong issuer, audience and expiry are refused too: harness/receiver's verifier tests.)
	// Source: graph-calls-catalogue.md#3.2 (Authentication of callbacks)
	DescribeTable("refuses a forged notification with 401", Label(p.name),
		func(ctx SpecContext, forge func() string) {
			verifying()
			run := env.Receiver.NewInbox(nil)
			defer run.Close()
			status := postNotification(ctx, run.URL(), forge())
			Expect(status).To(Equal(401))
			Expect(run.Refusals()).To(HaveLen(1))
			Expect(run.Len()).To(Equal(0), "a forged notification was kept")
		},
		Entry("no token", func() string { return "" }),
		Entry("an unsigned token", func() string {
			return "Bearer " + forgeToken(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, env.Runner.Target.AppID)
		}),
		Entry("a token signed by an unknown key", func() string {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			Expect(err).NotTo(HaveOccurred())
			return "Bearer " + forgeToken(jwt.SigningMethodRS256, key, env.Runner.Target.AppID)
		}),
	)
})

// forgeToken signs notification-like claims with key.
func forgeToken(method jwt.SigningMethod, key any, audience string) string {
	GinkgoHelper()
	now := time.Now()
	t := jwt.NewWithClaims(method, jwt.MapClaims{
		"iss": "https://api.botframework.com", "aud": audience,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	t.Header["kid"] = "forged"
	s, err := t.SignedString(key)
	Expect(err).NotTo(HaveOccurred())
	return s
}

func postNotification(ctx context.Context, url, authorization string) int {
	GinkgoHelper()
	body := `{"value":[{"changeType":"updated","resource":"/calls/x","resourceData":{"state":"established"}}]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	return resp.StatusCode
}
