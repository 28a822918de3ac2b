package suites

import (
	"net/url"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/match"
)

var _ = Describe("Invite Location", Label("invite", "location"), func() {
	// MUST: A target MUST answer an accepted invite with a Location header holding an absolute URI that names an operation of the same call; where the target serves GET on operations, GET on that URI MUST return that operation.
	// Source: participant-invite.beta-2018.md#response
	It("names an operation of the same call, absolutely", func(ctx SpecContext) {
		res := runScenario(ctx, inline(`id: invite-location
title: invite Location
steps:
  - use: join-channel-meeting-without-media
  - send: POST /app/calls/{{meetingCallId}}/participants/invite
    body: {participants: [{identity: {user: {id: 550fae72-d251-43ec-868c-373732c2704f}}}]}
    expect:
      status: [200, 202]
      headers: {Location: "~^https?://[^/]+/.*app/calls/{{meetingCallId}}/operations/[^/]+$"}
    capture:
      opUrl: {header: Location}
      opId: {header: Location, regex: "/operations/([^/?]+)$"}
`))
		loc, err := url.Parse(res.Captures["opUrl"])
		Expect(err).NotTo(HaveOccurred())
		Expect(loc.IsAbs()).To(BeTrue(), "Location %q is not absolute", loc)
		// The GET carries the run's token: only to the target itself.
		base, err := url.Parse(env.Runner.Target.BaseURL)
		Expect(err).NotTo(HaveOccurred())
		Expect(loc.Host).To(Equal(base.Host), "Location %q names another host than the target's %q", loc, base.Host)

		resp := call(ctx, "GET", loc.String(), bearer(ctx), "")
		if resp.Status == 404 || resp.Status == 405 || resp.Status == 501 {
			Skip("the target does not serve GET on operations (answered " + strconv.Itoa(resp.Status) + ")")
		}
		Expect(resp.Status).To(Equal(200), "GET %s answered %d: %s", loc, resp.Status, bodyLine(resp))
		id := gjson.GetBytes(resp.Body, "id")
		Expect(id.Exists()).To(BeTrue(), "the operation has no id: %s", bodyLine(resp))
		Expect(match.SameID(res.Captures["opId"]).Match(id)).To(BeEmpty(), "GET returned another operation: %s", bodyLine(resp))
	})
})
