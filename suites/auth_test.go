package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// joinBody is a valid create-call body: a join without media.
const joinBody = `{"callback":"https://bot.contoso.com/api/calls","source":{"identity":{"application":{"id":"8A34A46B-3D17-4ADC-8DCE-DC4E7D572698"}}},"requestedModalities":[],"chatInfo":{"threadId":"19:meeting@thread.v2","messageId":"0"},"meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"user":{"id":"90ED37DC-D8E3-4E11-9DE3-30A955DDA06F"}}}}`

var _ = Describe("Authorization", Label("auth"), func() {
	// MUST: A target MUST refuse a request whose bearer token is missing, malformed, expired or issued for another audience with 401 Unauthorized and a Graph error body.
	// Source: participant-invite.beta-2018.md#request-headers
	DescribeTable("refuses a request without a valid token with 401",
		func(ctx SpecContext, kind tokenKind) {
			resp := call(ctx, "POST", "/app/calls", authorization(ctx, kind), joinBody)
			Expect(resp.Status).To(Equal(401), "POST /app/calls with %s answered %d: %s", kind, resp.Status, bodyLine(resp))
			expectGraphError(resp)
		},
		Entry("no token", noToken),
		Entry("a malformed token", malformedToken),
		Entry("an expired token", expiredToken),
		Entry("a token for another audience", otherAudienceToken),
	)

	// MUST: A target MUST refuse a delegated (user) token with 403 Forbidden: the calls API supports application permissions only.
	// Source: participant-invite.beta-2018.md#permissions
	It("refuses a delegated token with 403", func(ctx SpecContext) {
		resp := call(ctx, "POST", "/app/calls", authorization(ctx, delegatedToken), joinBody)
		Expect(resp.Status).To(Equal(403), "answered %d: %s", resp.Status, bodyLine(resp))
		expectGraphError(resp)
	})

	// MUST: A target MUST refuse invite with 403 Forbidden to an application token without Calls.InitiateGroupCalls.All.
	// Source: participant-invite.beta-2018.md#permissions
	It("refuses invite to an application without Calls.InitiateGroupCalls.All with 403", func(ctx SpecContext) {
		auth := authorization(ctx, noRoleToken)
		res := runScenario(ctx, inline(`id: auth-setup
title: a meeting to invite into
steps:
  - use: join-channel-meeting-without-media
`))
		path := fmt.Sprintf("/app/calls/%s/participants/invite", res.Captures["meetingCallId"])
		resp := call(ctx, "POST", path, auth, `{"participants":[{"identity":{"user":{"id":"550fae72-d251-43ec-868c-373732c2704f"}}}]}`)
		Expect(resp.Status).To(Equal(403), "answered %d: %s", resp.Status, bodyLine(resp))
		expectGraphError(resp)
	})
})
