package simulator

import (
	"net/http"
	"testing"
)

func actionDecoderOf[T any](name string, parse func(object) (T, error), check func(*testing.T, T)) requestDecoder {
	return requestDecoder{name, func(w http.ResponseWriter, r *http.Request) (func(*testing.T), bool) {
		v, ok := readAction(w, r, parse)
		return func(t *testing.T) { check(t, v) }, ok
	}}
}

// actionDecoders are the bodies of the media actions under each profile.
var actionDecoders = append(mediaDecoders(ProfileBeta2018), mediaDecoders(ProfileV1)...)

func mediaDecoders(name string) []requestDecoder {
	p := profiles[name]
	return []requestDecoder{
		actionDecoderOf(name+" playPrompt", p.parsePrompt, func(t *testing.T, req *promptRequest) {
			if len(req.prompts) < 1 || len(req.prompts) > maxPrompts {
				t.Errorf("playPrompt accepted %d prompts", len(req.prompts))
			}
			checkClientContext(t, req.clientContext)
		}),
		actionDecoderOf(name+" record", p.parseRecord, func(t *testing.T, req *recordRequest) {
			if len(req.prompts) > maxRecordPrompts || req.maxRecord < minRecordSeconds || req.maxRecord > maxRecordSeconds {
				t.Errorf("record accepted %d prompts, %d s", len(req.prompts), req.maxRecord)
			}
			checkClientContext(t, req.clientContext)
		}),
		actionDecoderOf(name+" updateRecordingStatus", p.parseRecordingStatus, func(t *testing.T, req *recordingStatusRequest) {
			if !recordingStatuses[req.status] {
				t.Errorf("updateRecordingStatus accepted status %q", req.status)
			}
			checkClientContext(t, req.clientContext)
		}),
		actionDecoderOf(name+" mute", p.parseClientContext, func(t *testing.T, req *clientContextRequest) {
			checkClientContext(t, req.clientContext)
		}),
	}
}

// FuzzDecodeMediaAction: decoding the body of a media action never
// panics; a body it accepts keeps the limits of its page, and every
// refusal is a 400 with a Graph error body.
func FuzzDecodeMediaAction(f *testing.F) {
	fuzzDecoders(f, actionDecoders, []string{
		`{"clientContext":"c","prompts":[{"@odata.type":"#microsoft.graph.mediaPrompt","mediaInfo":{"uri":"https://x/a.wav","resourceId":"r"}}]}`,
		`{"prompts":[{"mediaInfo":{"uri":""}}]}`,
		`{"bargeInAllowed":true,"maxRecordDurationInSeconds":10,"initialSilenceTimeoutInSeconds":5,"maxSilenceTimeoutInSeconds":2,"playBeep":true,"stopTones":["#","1","*"]}`,
		`{"maxRecordDurationInSeconds":1e2}`, `{"maxRecordDurationInSeconds":120.0000001}`, `{"maxRecordDurationInSeconds":-0}`,
		`{"status":"recording","clientContext":"c"}`, `{"status":"Recording"}`,
		`{"clientContext":null}`, `{"prompts":null}`, `{"stopTones":[null]}`,
		`[]`, `null`, `"x"`, ``, ` `, `{`, `{"a":1}x`, "{\"clientContext\":\"\xff\xfe\"}",
	})
}
