package suites

import (
	"fmt"
	"math/rand/v2"

	. "github.com/onsi/ginkgo/v2"
)

var _ = Describe("Correlation", Label("invite", "correlation"), func() {
	p := profile()

	// MUST: A target MUST echo the clientContext sent with an invite in the notification of that invite's operation.
	// Source: participant-invite.beta-2018.md#request-body (clientContext) and #notification---operation-completed; v1.0: participant-invite.md#example-1-invite-one-participant-to-an-existing-call
	// Operations: invite
	// Notifications: operation-deleted
	It("echoes clientContext in the operation notification", Label(p.name), func(ctx SpecContext) {
		clientContext := fmt.Sprintf("ctx-%016x", rand.Uint64())
		runScenario(ctx, inline(fmt.Sprintf(`id: invite-client-context
title: clientContext comes back
vars: {clientContext: %q}
steps:
  - use: %s
  - send: POST %s/{{meetingCallId}}/participants/invite
    body:
      participants: [{identity: {user: {id: 550fae72-d251-43ec-868c-373732c2704f}}}]
      clientContext: "{{clientContext}}"
    expect: {status: %s}
    capture:
      opId:
        first:
          - {header: Location, regex: "/operations/([^/]+)$"}
          - {json: id}
  - await:
      expect:
        - name: opDone
          changeType: deleted
          resource: %s/{{meetingCallId}}/operations/{{opId}}
          where: {resourceData.clientContext: "{{clientContext}}"}
`, clientContext, p.joinFixture, p.callsRoot, p.inviteStatus, p.callsRoot)))
	})
})
