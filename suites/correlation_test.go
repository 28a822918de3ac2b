package suites

import (
	"fmt"
	"math/rand/v2"

	. "github.com/onsi/ginkgo/v2"
)

var _ = Describe("Correlation", Label("invite", "correlation"), func() {
	// MUST: A target MUST echo the clientContext sent with an invite in the notification of that invite's operation.
	// Source: participant-invite.beta-2018.md#request-body (clientContext) and #notification---operation-completed
	It("echoes clientContext in the operation notification", func(ctx SpecContext) {
		clientContext := fmt.Sprintf("ctx-%016x", rand.Uint64())
		runScenario(ctx, inline(fmt.Sprintf(`id: invite-client-context
title: clientContext comes back
vars: {clientContext: %q}
steps:
  - use: join-channel-meeting-without-media
  - send: POST /app/calls/{{meetingCallId}}/participants/invite
    body:
      participants: [{identity: {user: {id: 550fae72-d251-43ec-868c-373732c2704f}}}]
      clientContext: "{{clientContext}}"
    expect: {status: [200, 202]}
    capture: {opId: {header: Location, regex: "/operations/([^/]+)$"}}
  - await:
      expect:
        - name: opDone
          changeType: deleted
          resource: /app/calls/{{meetingCallId}}/operations/{{opId}}
          where: {resourceData.clientContext: "{{clientContext}}"}
`, clientContext)))
	})
})
