package suites

import (
	. "github.com/onsi/ginkgo/v2"
)

var _ = Describe("Invite request body", Label("invite", "validation"), func() {
	p := profile()
	entries := []TableEntry{
		Entry("no participants", "invite-no-participants"),
		Entry("an empty participants array", "invite-empty-participants"),
		Entry("participants not an array", "invite-participants-not-an-array"),
		Entry("a participant without identity", "invite-participant-without-identity"),
		Entry("invalid JSON", "invite-invalid-json"),
		Entry("clientContext over 256 characters", "invite-client-context-too-long"),
	}
	if p.v1Rules {
		entries = append(entries, Entry("more than five participants", "invite-more-than-five"))
	}

	// MUST: A target MUST refuse an invite whose body is not a JSON object with a non-empty participants array of invitationParticipantInfo each with an identity, or whose clientContext is longer than 256 characters, or (v1.0) with more than five participants, with 400 Bad Request and a Graph error; it MUST NOT start an operation or change the roster.
	// Source: participant-invite.beta-2018.md#request-body; v1.0: participant-invite.md#request-body and #example-2-invite-multiple-participants-to-an-existing-group-call
	// Operations: invite
	DescribeTable("refuses a malformed invite with 400 and changes nothing", Label(p.name),
		func(ctx SpecContext, name string) {
			runScenario(ctx, negative(p, name))
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
		runScenario(ctx, negative(p, "create-without-media-config"))
	})

	// MUST: A v1.0 target MUST refuse POST /communications/calls/{id}/answer without mediaConfig with 400 Bad Request and an error body.
	// Source: call-answer.md#request-body
	// Operations: answer
	It("refuses answer without mediaConfig with 400", Label("answer"), func(ctx SpecContext) {
		runScenario(ctx, negative(p, "answer-without-media-config"))
	})
})
