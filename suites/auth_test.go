package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Authorization", Label("auth"), func() {
	p := profile()

	// MUST: A target MUST refuse a request whose bearer token is missing, malformed, expired or issued for another audience with 401 Unauthorized and a Graph error body.
	// Source: participant-invite.beta-2018.md#request-headers; v1.0: application-post-calls.md#request-headers
	// Operations: create-call
	DescribeTable("refuses a request without a valid token with 401", Label(p.name),
		func(ctx SpecContext, kind tokenKind) {
			resp := call(ctx, "POST", p.callsRoot, authorization(ctx, kind), p.joinBody)
			Expect(resp.Status).To(Equal(401), "POST %s with %s answered %d: %s", p.callsRoot, kind, resp.Status, bodyLine(resp))
			expectGraphError(resp)
		},
		Entry("no token", noToken),
		Entry("a malformed token", malformedToken),
		Entry("an expired token", expiredToken),
		Entry("a token for another audience", otherAudienceToken),
	)

	// MUST: A target MUST refuse a delegated (user) token with 403 Forbidden: the calls API supports application permissions only.
	// Source: participant-invite.beta-2018.md#permissions; v1.0: application-post-calls.md#permissions
	// Operations: create-call
	It("refuses a delegated token with 403", Label(p.name), func(ctx SpecContext) {
		resp := call(ctx, "POST", p.callsRoot, authorization(ctx, delegatedToken), p.joinBody)
		Expect(resp.Status).To(Equal(403), "answered %d: %s", resp.Status, bodyLine(resp))
		expectGraphError(resp)
	})

	// MUST: A target MUST refuse invite with 403 Forbidden to an application token without Calls.InitiateGroupCalls.All.
	// Source: participant-invite.beta-2018.md#permissions; v1.0: participant-invite.md#permissions
	// Operations: invite
	It("refuses invite to an application without Calls.InitiateGroupCalls.All with 403", Label(p.name), func(ctx SpecContext) {
		auth := authorization(ctx, noRoleToken)
		res := runScenario(ctx, inline(`id: auth-setup
title: a meeting to invite into
steps:
  - use: `+p.joinFixture+`
`))
		path := fmt.Sprintf("%s/%s/participants/invite", p.callsRoot, res.Captures["meetingCallId"])
		resp := call(ctx, "POST", path, auth, `{"participants":[{"identity":{"user":{"id":"550fae72-d251-43ec-868c-373732c2704f"}}}]}`)
		Expect(resp.Status).To(Equal(403), "answered %d: %s", resp.Status, bodyLine(resp))
		expectGraphError(resp)
	})
})
