package suites

import (
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
)

// clientErrors is every 4xx status, as a YAML list.
func clientErrors() string {
	var codes []string
	for c := 400; c < 500; c++ {
		codes = append(codes, strconv.Itoa(c))
	}
	return "[" + strings.Join(codes, ", ") + "]"
}

var _ = Describe("Errors", Label("errors"), func() {
	p := profile()
	unknownCall := []TableEntry{
		Entry("GET the call", "send: GET "+p.callsRoot+"/{{uuid}}"),
		Entry("invite on it", "send: POST "+p.callsRoot+"/{{uuid}}/participants/invite\n    body: {participants: [{identity: {user: {id: u1}}}]}"),
	}
	if p.v1Rules {
		unknownCall = append(unknownCall, Entry("keepAlive on it", "send: POST "+p.callsRoot+"/{{uuid}}/keepAlive"))
	}

	// MUST: A target MUST answer a request on a call that does not exist with 404 Not Found and a Graph error.
	// Source: graph-calls-catalogue.md#1.1 (a request to an ended call gives 404); v1.0: call-keepalive.md
	// Operations: get-call, invite, keep-alive
	DescribeTable("answers 404 for an unknown call", Label(p.name),
		func(ctx SpecContext, step string) {
			runScenario(ctx, inline(`id: unknown-call
title: unknown call
steps:
  - `+step+`
    expect:
      status: 404
      body: {error.code: {$type: string}, error.message: {$type: string}}
`))
		},
		unknownCall,
	)

	// MUST: A target MUST refuse an invite on a call that is not established with a 4xx answer and a Graph error.
	// Source: participant-invite.beta-2018.md ("Invite participants to the active call"); v1.0: participant-invite.md ("Invite participants to the active call")
	// Operations: invite
	// Notifications: call-incoming
	It("refuses invite on a call that is not established", Label("invite", p.name), func(ctx SpecContext) {
		runScenario(ctx, inline(`id: invite-not-established
title: invite on an incoming call
requires: [incoming-call]
steps:
  - trigger: incoming-call
    expect: {status: 201}
  - await:
      expect:
        - name: incoming
          changeType: created
          where: {resourceData.state: incoming}
          capture: {callId: {json: resource, regex: "/calls/([^/]+)$"}}
  - send: POST `+p.callsRoot+`/{{callId}}/participants/invite
    body: {participants: [{identity: {user: {id: u1}}}]}
    expect:
      status: `+clientErrors()+`
      body: {error.code: {$type: string}}
`))
	})

	if p.v1Rules {
		// MUST: A v1.0 target MUST answer POST /communications/calls/{id}/keepAlive on a call that has ended with 404 Not Found and an error body.
		// Source: call-keepalive.md ("a request to a call that has already ended will result in a 404")
		// Operations: keep-alive
		It("answers 404 to keepAlive on an ended call", Label("keepalive", p.name), func(ctx SpecContext) {
			runScenario(ctx, inline(`id: keep-alive-ended
title: keepAlive on an ended call
steps:
  - use: v1.0-keep-alive-after-end
`))
		})
	}
})
