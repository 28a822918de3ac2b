package simulator

import (
	"encoding/json"
	"testing"
)

// callActionDecoders are the bodies of the actions of callactions.go and
// mixer.go, under the profile that has them.
func callActionDecoders() []requestDecoder {
	v1, beta := profiles[ProfileV1], profiles[ProfileBeta2018]
	s := &Simulator{prof: &v1}
	return []requestDecoder{
		actionDecoderOf("startHoldMusic", v1.parseHold, func(t *testing.T, req *holdRequest) {
			if req.customPrompt != nil && kindOf(req.customPrompt) != '{' {
				t.Errorf("startHoldMusic accepted customPrompt %s", req.customPrompt)
			}
			checkClientContext(t, req.clientContext)
		}),
		actionDecoderOf("sendDtmfTones", v1.parseDtmf, func(t *testing.T, req *dtmfRequest) {
			if len(req.tones) == 0 {
				t.Error("sendDtmfTones accepted no tone")
			}
			for _, tone := range req.tones {
				if !dtmfTones[tone] {
					t.Errorf("sendDtmfTones accepted tone %q", tone)
				}
			}
			checkClientContext(t, req.clientContext)
		}),
		actionDecoderOf("changeScreenSharingRole", parseScreenSharingRole, func(t *testing.T, role string) {
			if screenSharingDirections[role] == "" {
				t.Errorf("changeScreenSharingRole accepted role %q", role)
			}
		}),
		actionDecoderOf("logTeleconferenceDeviceQuality", s.parseDeviceQuality, func(t *testing.T, q json.RawMessage) {
			if kindOf(q) != '{' {
				t.Errorf("logTeleconferenceDeviceQuality accepted quality %s", q)
			}
		}),
		actionDecoderOf("muteAll", beta.parseMuteAll, func(t *testing.T, req *muteAllRequest) {
			for _, id := range req.participants {
				if id == "" {
					t.Error("muteAll accepted an empty participant id")
				}
			}
			checkClientContext(t, req.clientContext)
		}),
		actionDecoderOf("configureMixer", beta.parseMixer, func(t *testing.T, req *mixerRequest) {
			checkClientContext(t, req.clientContext)
		}),
	}
}

// FuzzDecodeCallAction: decoding the body of a hold music, DTMF, screen
// sharing, device quality, muteAll or configureMixer request never
// panics; a body it accepts keeps the rules of its page, and every refusal
// is a 400 with a Graph error body.
func FuzzDecodeCallAction(f *testing.F) {
	decoders := callActionDecoders()
	fuzzDecoders(f, decoders, []string{
		`{"customPrompt":{"@odata.type":"#microsoft.graph.mediaPrompt","mediaInfo":{"uri":"https://x/a.wav"}},"clientContext":"c"}`,
		`{"customPrompt":"x"}`, `{"customPrompt":null}`,
		`{"tones":["tone1","star","pound"],"delayBetweenTonesMs":2000}`, `{"tones":["tone10"]}`, `{"tones":[]}`,
		`{"tones":["tone1"],"delayBetweenTonesMs":-1}`, `{"tones":["tone1"],"delayBetweenTonesMs":1e400}`,
		`{"role":"sharer"}`, `{"role":"viewer"}`, `{"role":"Sharer"}`,
		`{"quality":{"callChainId":"x"}}`, `{"quality":[]}`,
		`{"participants":["p"],"clientContext":"c"}`, `{"participants":[""]}`, `{"participants":[1]}`,
		`{"participantMixerLevels":[{"participant":"p","exclusiveMode":true}]}`, `{"participantMixerLevels":[{}]}`,
		`[]`, `null`, `"x"`, ``, ` `, `{`, `{"a":1}x`, "{\"clientContext\":\"\xff\xfe\"}",
	})
}
