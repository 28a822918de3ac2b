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
	// MUST: A target MUST answer a request on a call that does not exist with 404 Not Found and a Graph error.
	// Source: graph-calls-catalogue.md#1.1 (a request to an ended call gives 404)
	DescribeTable("answers 404 for an unknown call",
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
		Entry("GET the call", "send: GET /app/calls/{{uuid}}"),
		Entry("invite on it", "send: POST /app/calls/{{uuid}}/participants/invite\n    body: {participants: [{identity: {user: {id: u1}}}]}"),
	)

	// MUST: A target MUST refuse an invite on a call that is not established with a 4xx answer and a Graph error.
	// Source: participant-invite.beta-2018.md ("Invite participants to the active call")
	It("refuses invite on a call that is not established", Label("invite"), func(ctx SpecContext) {
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
  - send: POST /app/calls/{{callId}}/participants/invite
    body: {participants: [{identity: {user: {id: u1}}}]}
    expect:
      status: `+clientErrors()+`
      body: {error.code: {$type: string}}
`))
	})
})
