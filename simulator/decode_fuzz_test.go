package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	"github.com/callconform/callconform/internal/guid"
)

// requestDecoder decodes the body of one operation the way its handler
// does, and checks what a decoded body promises.
type requestDecoder struct {
	name   string
	decode func(w http.ResponseWriter, r *http.Request) (check func(t *testing.T), ok bool)
}

func decoderOf[T any](name string, parse func(object) (T, error), check func(*testing.T, T)) requestDecoder {
	return requestDecoder{name, func(w http.ResponseWriter, r *http.Request) (func(*testing.T), bool) {
		v, ok := decode(w, r, parse)
		return func(t *testing.T) { check(t, v) }, ok
	}}
}

// requestDecoders are the bodies a bot or a harness sends, under each
// profile: create a call, answer, invite, and place an incoming call.
var requestDecoders = append(profileDecoders(ProfileBeta2018), append(profileDecoders(ProfileV1),
	decoderOf("incoming call", parseIncomingCall, func(t *testing.T, req *incomingRequest) {
		if !isAbsoluteHTTPURL(req.callback) {
			t.Errorf("incoming call accepted callback %q", req.callback)
		}
		checkModalities(t, req.requested)
	}))...)

// profileDecoders are the decoders of the Graph requests under profile name.
func profileDecoders(name string) []requestDecoder {
	p := profiles[name]
	return []requestDecoder{
		decoderOf(name+" create", p.parseCall, func(t *testing.T, req *callRequest) {
			if !isAbsoluteHTTPURL(req.callback) || (len(req.targets) == 0 && req.meetingInfo == nil) {
				t.Errorf("create accepted without a callback, or without targets nor meetingInfo: %+v", req)
			}
			if p.mediaConfigRequired && req.mediaConfig == nil {
				t.Errorf("%s create accepted without mediaConfig", name)
			}
			if p.maxTargets > 0 && len(req.targets) > p.maxTargets {
				t.Errorf("%s create accepted %d targets", name, len(req.targets))
			}
			checkModalities(t, req.requested)
		}),
		decoderOf(name+" answer", p.parseAnswer, func(t *testing.T, req *answerRequest) {
			if !isAbsoluteHTTPURL(req.callback) {
				t.Errorf("answer accepted callback %q", req.callback)
			}
			if p.acceptRequired && len(req.accepted) == 0 || p.mediaConfigRequired && req.mediaConfig == nil {
				t.Errorf("%s answer accepted without accepted modalities or mediaConfig: %+v", name, req)
			}
			checkModalities(t, req.accepted)
			checkClientContext(t, req.clientContext)
		}),
		decoderOf(name+" invite", p.parseInvite, func(t *testing.T, req *inviteRequest) {
			if len(req.invitees) == 0 || len(req.invitees) > maxInvitees {
				t.Errorf("invite accepted %d participants", len(req.invitees))
			}
			for i, inv := range req.invitees {
				if kindOf(inv.identity) != '{' {
					t.Errorf("invite accepted participants[%d] with identity %s", i, inv.identity)
				}
			}
			if _, isID := guid.Parse(req.replacesRaw); req.replaces != nil && !p.replacesByPath && !isID {
				t.Errorf("%s invite accepted replacesCallId %q", name, req.replacesRaw)
			}
			checkClientContext(t, req.clientContext)
		}),
	}
}

func checkModalities(t *testing.T, ms []string) {
	t.Helper()
	for _, m := range ms {
		if !knownModalities[m] {
			t.Errorf("accepted modality %q", m)
		}
	}
}

func checkClientContext(t *testing.T, cc *string) {
	t.Helper()
	if cc != nil && utf8.RuneCountInString(*cc) > maxClientContextLen {
		t.Errorf("accepted a clientContext of %d characters", utf8.RuneCountInString(*cc))
	}
}

// FuzzDecodeRequest: decoding a request body never panics; a body it
// accepts keeps the promises of its operation, and every refusal of a JSON
// body (at most 1 MiB) is a 400 with a Graph error body, nothing else.
func FuzzDecodeRequest(f *testing.F) {
	fuzzDecoders(f, requestDecoders, []string{
		`{"callback":"https://bot.contoso.com/api/calls","meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo"}}`,
		`{"callback":"https://bot.contoso.com/cb","targets":[{"identity":{"user":{"id":"u"}}}],"requestedModalities":["audio"]}`,
		`{"callback":"https://bot/cb","acceptModalities":["audio","video"],"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig"},"clientContext":"c"}`,
		`{"participants":[{"identity":{"user":{"id":"x"}},"replacesCallId":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896"}],"clientContext":"x"}`,
		`{"participants":[{"identity":{"user":{"id":"x"}},"replacesCallId":5}]}`,
		`{"callback":"https://bot/cb","source":{"identity":{"phone":{"id":"+1"}}},"requestedModalities":[]}`,
		`{"callback":"https://bot/cb","mediaConfig":{"@odata.type":7}}`,
		`{"callback":null,"callbackUri":"https://x"}`,
		`{"participants":[null,{}]}`,
		`{"callbackUri":"https://bot/cb","targets":[{"identity":{"user":{"id":"u"}}}],"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig"}}`,
		`{"callbackUri":"https://bot/cb","mediaConfig":{"@odata.type":"#microsoft.graph.appHostedMediaConfig","blob":"b"},"meetingInfo":{"@odata.type":"#microsoft.graph.joinMeetingIdMeetingInfo","joinMeetingId":"123","passcode":"p"}}`,
		`{"callbackUri":"https://bot/cb","mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig"},"chatInfo":{"threadId":"19:meeting_x@thread.v2"},"meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"user":{"id":"o"}}}}`,
		`{"callbackUri":"https://bot/cb","acceptedModalities":["audio"],"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig"}}`,
		`{"participants":[{"identity":{"user":{"id":"x"}},"replacesCallId":"57DAB8B1894C409AB240BD8BEAE78896"}],"clientContext":"x"}`,
		`[]`, `null`, `"x"`, ``, `{`, `{"a":1}x`, "{\"clientContext\":\"\xff\xfe\"}",
	})
}

// checkGraphError checks that body is exactly a Graph error with code.
func checkGraphError(t *testing.T, body []byte, code string) {
	t.Helper()
	var e graphError
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || dec.More() {
		t.Fatalf("not a Graph error body: %v: %s", err, body)
	}
	if e.Error.Code != code || e.Error.Message == "" || e.Error.InnerError.RequestID != "rid" ||
		e.Error.InnerError.ClientRequestID != "crid" || e.Error.InnerError.Date == "" {
		t.Fatalf("Graph error %+v; want code %s and every member", e.Error, code)
	}
}

// fuzzDecoders fuzzes decoders with seeds (each seed for each decoder): a
// body a decoder accepts writes nothing and passes the decoder's check; a
// body it refuses is answered 400 with exactly a Graph error.
func fuzzDecoders(f *testing.F, decoders []requestDecoder, seeds []string) {
	for _, seed := range seeds {
		for i := range decoders {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		d := decoders[int(which)%len(decoders)]
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		w.Header().Set(headerRequestID, "rid")
		w.Header().Set(headerClientRequestID, "crid")
		check, ok := d.decode(w, r)
		if ok {
			if w.Body.Len() != 0 || w.Code != http.StatusOK {
				t.Fatalf("%s accepted the body but wrote %d %s", d.name, w.Code, w.Body)
			}
			check(t)
			return
		}
		if w.Code != http.StatusBadRequest {
			t.Fatalf("%s refused %q with %d; want 400", d.name, body, w.Code)
		}
		checkGraphError(t, w.Body.Bytes(), codeBadRequest)
	})
}
