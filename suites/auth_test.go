package suites

import (
	. "github.com/onsi/ginkgo/v2"
)

var _ = Describe("Authorization", Label("auth"), func() {
	p := profile()

	// MUST: A target MUST refuse a request whose bearer token is missing, malformed, expired or issued for another audience with 401 Unauthorized and a Graph error body.
	// Source: participant-invite.beta-2018.md#request-headers; v1.0: application-post-calls.md#request-headers
	// Operations: create-call
	DescribeTable("refuses a request without a valid token with 401", Label(p.name),
		func(ctx SpecContext, name string) {
			runScenario(ctx, negative(p, name))
		},
		Entry("no token", "auth-no-token"),
		Entry("a malformed token", "auth-malformed-token"),
		Entry("an expired token", "auth-expired-token"),
		Entry("a token for another audience", "auth-other-audience-token"),
	)

	// MUST: A target MUST refuse a delegated (user) token with 403 Forbidden: the calls API supports application permissions only.
	// Source: participant-invite.beta-2018.md#permissions; v1.0: application-post-calls.md#permissions
	// Operations: create-call
	It("refuses a delegated token with 403", Label(p.name), func(ctx SpecContext) {
		runScenario(ctx, negative(p, "auth-delegated-token"))
	})

	// MUST: A target MUST refuse invite with 403 Forbidden to an application token without Calls.InitiateGroupCalls.All.
	// Source: participant-invite.beta-2018.md#permissions; v1.0: participant-invite.md#permissions
	// Operations: invite
	It("refuses invite to an application without Calls.InitiateGroupCalls.All with 403", Label(p.name), func(ctx SpecContext) {
		runScenario(ctx, negative(p, "auth-invite-without-role"))
	})
})
