package suites

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
)

// badInvite is a scenario that joins a meeting, sends an invite with a bad
// body, expects 400 with a Graph error, and then watches the call for the
// forbid window: no operation and no roster may follow.
func badInvite(rawBody string) string {
	return fmt.Sprintf(`id: bad-invite
title: a malformed invite changes nothing
steps:
  - use: join-channel-meeting-without-media
  - send: POST /app/calls/{{meetingCallId}}/participants/invite
    rawBody: %s
    expect:
      status: 400
      body:
        error.code: {$type: string}
        error.message: {$type: string}
  - await:
      within: %s
      forbid:
        - {name: operation, resource: "~/operations/"}
        - {name: roster, resource: "~/participants$"}
`, yamlQuote(rawBody), forbidWindow.String())
}

var _ = Describe("Invite request body", Label("invite", "validation"), func() {
	// MUST: A target MUST refuse an invite whose body is not a JSON object with a non-empty participants array of invitationParticipantInfo each with an identity, or whose clientContext is longer than 256 characters, with 400 Bad Request and a Graph error; it MUST NOT start an operation or change the roster.
	// Source: participant-invite.beta-2018.md#request-body
	DescribeTable("refuses a malformed invite with 400 and changes nothing",
		func(ctx SpecContext, body string) {
			runScenario(ctx, inline(badInvite(body)))
		},
		Entry("no participants", `{"clientContext":"x"}`),
		Entry("an empty participants array", `{"participants":[]}`),
		Entry("participants not an array", `{"participants":{"identity":{"user":{"id":"u1"}}}}`),
		Entry("a participant without identity", `{"participants":[{"endpointType":"default"}]}`),
		Entry("invalid JSON", `{"participants": [`),
		Entry("clientContext over 256 characters", `{"participants":[{"identity":{"user":{"id":"u1"}}}],"clientContext":"`+strings.Repeat("c", 257)+`"}`),
	)
})
