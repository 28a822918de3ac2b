package suites

import (
	. "github.com/onsi/ginkgo/v2"
)

var _ = Describe("Errors", Label("errors"), func() {
	p := profile()
	unknownCall := []TableEntry{
		Entry("GET the call", "unknown-call-get"),
		Entry("invite on it", "unknown-call-invite"),
	}
	if p.v1Rules {
		unknownCall = append(unknownCall, Entry("keepAlive on it", "unknown-call-keep-alive"))
	}

	// MUST: A target MUST answer a request on a call that does not exist with 404 Not Found and a Graph error.
	// Source: graph-calls-catalogue.md#1.1 (a request to an ended call gives 404); v1.0: call-keepalive.md
	// Operations: get-call, invite, keep-alive
	DescribeTable("answers 404 for an unknown call", Label(p.name),
		func(ctx SpecContext, name string) {
			runScenario(ctx, negative(p, name))
		},
		unknownCall,
	)

	// MUST: A target MUST refuse an invite on a call that is not established with a 4xx answer and a Graph error.
	// Source: participant-invite.beta-2018.md ("Invite participants to the active call"); v1.0: participant-invite.md ("Invite participants to the active call")
	// Operations: invite
	// Notifications: call-incoming
	It("refuses invite on a call that is not established", Label("invite", p.name), func(ctx SpecContext) {
		runScenario(ctx, negative(p, "invite-call-not-established"))
	})

	if p.v1Rules {
		// MUST: A v1.0 target MUST answer POST /communications/calls/{id}/keepAlive on a call that has ended with 404 Not Found and an error body.
		// Source: call-keepalive.md ("a request to a call that has already ended will result in a 404")
		// Operations: keep-alive
		It("answers 404 to keepAlive on an ended call", Label("keepalive", p.name), func(ctx SpecContext) {
			runScenario(ctx, negative(p, "keep-alive-ended-call"))
		})
	}
})
