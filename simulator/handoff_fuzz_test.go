package simulator

import (
	"testing"

	"github.com/callconform/callconform/internal/guid"
)

// handoffDecoders are the bodies of reject, redirect, transfer and the
// test-control actions that arm their outcome, under each profile.
var handoffDecoders = append(handoffProfileDecoders(ProfileBeta2018), append(handoffProfileDecoders(ProfileV1),
	decoderOf("arm outcome", parseCallID, func(*testing.T, guid.GUID) {}))...)

// handoffProfileDecoders are the decoders of reject, redirect and
// transfer under profile name, each with the promises of an accepted body.
func handoffProfileDecoders(name string) []requestDecoder {
	p := profiles[name]
	return []requestDecoder{
		decoderOf(name+" reject", p.parseReject, func(t *testing.T, req *rejectRequest) {
			if req.reason != "" && !rejectReasons[req.reason] {
				t.Errorf("reject accepted reason %q", req.reason)
			}
			if req.callback != "" && !isAbsoluteHTTPURL(req.callback) {
				t.Errorf("reject accepted callback %q", req.callback)
			}
			checkClientContext(t, req.clientContext)
		}),
		decoderOf(name+" redirect", p.parseRedirect, func(t *testing.T, req *redirectRequest) {
			if req.targets < 1 || req.targets > maxRedirectTargets {
				t.Errorf("redirect accepted %d targets", req.targets)
			}
			if req.timeout <= 0 || p.redirectTimeoutRange && (req.timeout < minRedirectTimeout || req.timeout > maxRedirectTimeout) {
				t.Errorf("%s redirect accepted timeout %d", name, req.timeout)
			}
			if req.callback != "" && !isAbsoluteHTTPURL(req.callback) {
				t.Errorf("redirect accepted callback %q", req.callback)
			}
			checkClientContext(t, req.clientContext)
		}),
		decoderOf(name+" transfer", p.parseTransfer, func(t *testing.T, req *transferRequest) {
			if _, ok := p.callRef(req.replaces); req.replaces != "" && !ok {
				t.Errorf("%s transfer accepted replacesCallId %q", name, req.replaces)
			}
			checkClientContext(t, req.clientContext)
		}),
	}
}

// FuzzDecodeHandoff: decoding a reject, redirect, transfer or arm body
// never panics; a body it accepts keeps its operation's promises, and
// every refusal is a 400 with a Graph error body.
func FuzzDecodeHandoff(f *testing.F) {
	fuzzDecoders(f, handoffDecoders, []string{
		`{"reason":"busy"}`, `{"reason":"None","callbackUri":"https://bot/cb"}`, `{"reason":"later"}`, `{}`,
		`{"targets":[{"@odata.type":"#microsoft.graph.invitationParticipantInfo","identity":{"user":{"id":"u"}}}],"timeout":30}`,
		`{"targets":[{"user":{"id":"u"}}],"timeout":"60","maskCallee":false,"routingPolicies":["disableForwarding"]}`,
		`{"targets":[{"identity":{"phone":{"id":"+1"}}}],"timeout":1e3}`,
		`{"targets":[],"timeout":-5}`,
		`{"transferTarget":{"identity":{"user":{"id":"u"}},"replacesCallId":"57DAB8B1894C409AB240BD8BEAE78896"},"transferee":{"identity":{"user":{"id":"t"}}}}`,
		`{"target":{"identity":{"user":{"id":"u"}},"replacesCallId":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896"},"clientContext":"c"}`,
		`{"transferTarget":{"identity":{"user":{"id":"u"}},"replacesCallId":7}}`,
		`{"callId":"57dab8b1-894c-409a-b240-bd8beae78896"}`, `{"callId":"x"}`,
		`[]`, `null`, ``, `{`, "{\"reason\":\"\xff\"}",
	})
}
