package suites

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
)

// badInvite is a scenario that joins a meeting, sends an invite with a bad
// body, expects 400 with a Graph error, and then watches the call for the
// forbid window: no operation and no roster may follow.
func badInvite(p contract, rawBody string) string {
	return fmt.Sprintf(`id: bad-invite
title: a malformed invite changes nothing
steps:
  - use: %s
  - send: POST %s/{{meetingCallId}}/participants/invite
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
`, p.joinFixture, p.callsRoot, yamlQuote(rawBody), forbidWindow.String())
}

// invitees is an invite body with n participants.
func invitees(n int) string {
	var ps []string
	for i := range n {
		ps = append(ps, fmt.Sprintf(`{"identity":{"user":{"id":"00000000-0000-4000-8000-%012d"}}}`, i+1))
	}
	return `{"participants":[` + strings.Join(ps, ",") + `]}`
}

var _ = Describe("Invite request body", Label("invite", "validation"), func() {
	p := profile()
	entries := []TableEntry{
		Entry("no participants", `{"clientContext":"x"}`),
		Entry("an empty participants array", `{"participants":[]}`),
		Entry("participants not an array", `{"participants":{"identity":{"user":{"id":"u1"}}}}`),
		Entry("a participant without identity", `{"participants":[{"endpointType":"default"}]}`),
		Entry("invalid JSON", `{"participants": [`),
		Entry("clientContext over 256 characters", `{"participants":[{"identity":{"user":{"id":"u1"}}}],"clientContext":"`+strings.Repeat("c", 257)+`"}`),
	}
	if p.v1Rules {
		entries = append(entries, Entry("more than five participants", invitees(6)))
	}

	// MUST: A target MUST refuse an invite whose body is not a JSON object with a non-empty participants array of invitationParticipantInfo each with an identity, or whose clientContext is longer than 256 characters, or (v1.0) with more than five participants, with 400 Bad Request and a Graph error; it MUST NOT start an operation or change the roster.
	// Source: participant-invite.beta-2018.md#request-body; v1.0: participant-invite.md#request-body and #example-2-invite-multiple-participants-to-an-existing-group-call
	// Operations: invite
	DescribeTable("refuses a malformed invite with 400 and changes nothing", Label(p.name),
		func(ctx SpecContext, body string) {
			runScenario(ctx, inline(badInvite(p, body)))
		},
		entries,
	)
})

var _ = Describe("Create and answer request body", Label("calls", "validation", "v1.0"), func() {
	p := profile()
	if !p.v1Rules {
		return
	}

	// MUST: A v1.0 target MUST refuse POST /communications/calls without mediaConfig with 400 Bad Request and a Graph error.
	// Source: application-post-calls.md#request-body (mediaConfig is required)
	// Operations: create-call
	It("refuses create without mediaConfig with 400", Label("create"), func(ctx SpecContext) {
		body := strings.Replace(v1JoinBody, `"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig"},`, "", 1)
		runScenario(ctx, inline(fmt.Sprintf(`id: create-without-media-config
title: create without mediaConfig
steps:
  - send: POST /communications/calls
    rawBody: %s
    expect:
      status: 400
      body: {error.code: {$type: string}, error.message: {$type: string}}
`, yamlQuote(body))))
	})

	// MUST: A v1.0 target MUST refuse POST /communications/calls/{id}/answer without mediaConfig with 400 Bad Request and an error body.
	// Source: call-answer.md#request-body
	// Operations: answer
	It("refuses answer without mediaConfig with 400", Label("answer"), func(ctx SpecContext) {
		runScenario(ctx, inline(`id: answer-without-media-config
title: answer without mediaConfig
requires: [incoming-call]
steps:
  - use: v1.0-answer-needs-media-config
`))
	})
})
