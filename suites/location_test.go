package suites

import (
	"fmt"
	"net/url"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/harness/timeline"
)

// inviteLocation is the Location expectation of an accepted invite: required
// under beta-2018, optional under v1.0 (the operation is in the body).
func inviteLocation(p contract) string {
	want := `"~^https?://[^/]+/.*` + p.callsRoot[1:] + `/{{meetingCallId}}/operations/[^/]+$"`
	if p.inviteLocationOptional {
		return `{$oneOf: [{$absent: true}, ` + want + `]}`
	}
	return want
}

// lastLocation is the Location header of the last answer in res's
// timeline ("" when it has none).
func lastLocation(res *harness.Result) string {
	loc := ""
	for _, e := range res.Timeline {
		if e.Kind == timeline.Response {
			loc = e.Header.Get("Location")
		}
	}
	return loc
}

// expectOwnAbsoluteURL checks that loc is an absolute URL on the target's
// host (a GET with the run's token goes only to the target itself).
func expectOwnAbsoluteURL(raw string) *url.URL {
	GinkgoHelper()
	loc, err := url.Parse(raw)
	Expect(err).NotTo(HaveOccurred())
	Expect(loc.IsAbs()).To(BeTrue(), "Location %q is not absolute", loc)
	base, err := url.Parse(env.Runner.Target.BaseURL)
	Expect(err).NotTo(HaveOccurred())
	Expect(loc.Host).To(Equal(base.Host), "Location %q names another host than the target's %q", loc, base.Host)
	return loc
}

var _ = Describe("Invite Location", Label("invite", "location"), func() {
	p := profile()

	// MUST: A target MUST answer an accepted invite with a Location header holding an absolute URI that names an operation of the same call (under v1.0 the Location may be absent, the operation being in the body); where the target serves GET on operations, GET on that URI MUST return that operation.
	// Source: participant-invite.beta-2018.md#response; v1.0: participant-invite.md#response
	// Operations: invite, get-operation
	It("names an operation of the same call, absolutely", Label(p.name), func(ctx SpecContext) {
		res := runScenario(ctx, inline(fmt.Sprintf(`id: invite-location
title: invite Location
steps:
  - use: %s
  - send: POST %s/{{meetingCallId}}/participants/invite
    body: {participants: [{identity: {user: {id: 550fae72-d251-43ec-868c-373732c2704f}}}]}
    expect:
      status: %s
      headers: {Location: %s}
    capture:
      opId:
        first:
          - {header: Location, regex: "/operations/([^/?]+)$"}
          - {json: id}
`, p.joinFixture, p.callsRoot, p.inviteStatus, inviteLocation(p))))
		raw := lastLocation(res)
		if raw == "" && p.inviteLocationOptional {
			return // the fixture checked the operation in the body
		}
		loc := expectOwnAbsoluteURL(raw)
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

var _ = Describe("Create Location", Label("create", "location", "v1.0"), func() {
	p := profile()
	if !p.v1Rules {
		return
	}

	// MUST: A v1.0 target MUST answer a created call with 201 Created and a Location header holding the absolute URI of the new call on the target.
	// Source: application-post-calls.md#response
	// Operations: create-call
	It("names the new call, absolutely", func(ctx SpecContext) {
		res := runScenario(ctx, inline(`id: create-location
title: create Location
steps:
  - use: `+p.joinFixture+`
`))
		var raw string
		for _, e := range res.Timeline {
			if e.Kind == timeline.Response && e.Status == 201 {
				raw = e.Header.Get("Location")
				break
			}
		}
		loc := expectOwnAbsoluteURL(raw)
		Expect(loc.Path).To(MatchRegexp(`/communications/calls/[^/]+$`), "Location %q does not name a call", loc)
		Expect(loc.Path).To(HaveSuffix("/"+res.Captures["meetingCallId"]), "Location %q names another call than the answer's", loc)
	})
})
