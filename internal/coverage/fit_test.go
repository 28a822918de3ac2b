package coverage

import (
	"encoding/json"
	"testing"

	"github.com/callconform/callconform/harness/fixture"
)

func TestFitPath(t *testing.T) {
	for _, tc := range []struct {
		name, path, template string
		want                 bool
		score                int
	}{
		{"literal path", "/communications/calls", "/communications/calls", true, 2},
		{"dashed lower-case id", "/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896/answer", "/communications/calls/{id}/answer", true, 3},
		{"undashed upper-case id", "/communications/calls/57DAB8B1894C409AB240BD8BEAE78896/answer", "/communications/calls/{id}/answer", true, 3},
		{"a {{var}} placeholder", "/communications/calls/" + placeholder + "/keepAlive", "/communications/calls/{callId}/keepAlive", true, 3},
		{"a placeholder does not fit a literal", "/communications/calls/" + placeholder, "/communications/calls/logTeleconferenceDeviceQuality", false, 0},
		{"query string", "/communications/calls/abc/participants?$top=5", "/communications/calls/{id}/participants", true, 3},
		{"fragment", "/app/calls/abc#x", "/app/calls/{id}", true, 2},
		{"trailing slash", "/app/calls/", "/app/calls", true, 2},
		{"no leading slash", "communications/calls/abc", "/communications/calls/{id}", true, 2},
		{"literal case", "/communications/calls/abc/KEEPALIVE", "/communications/calls/{id}/keepAlive", true, 3},
		{"namespace-qualified action", "/communications/calls/abc/microsoft.graph.sendDtmfTones", "/communications/calls/{id}/sendDtmfTones", true, 3},
		{"absolute URL", "https://graph.microsoft.com/communications/calls/abc", "/communications/calls/{id}", true, 2},
		{"longer path", "/communications/calls/abc/answer", "/communications/calls/{id}", false, 0},
		{"shorter path", "/communications/calls", "/communications/calls/{id}", false, 0},
		{"other literal", "/app/calls/abc/answer", "/app/calls/{id}/reject", false, 0},
		{"other root", "/app/calls/abc", "/communications/calls/{id}", false, 0},
		{"empty segment", "/app//calls", "/app/{x}/calls", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			score, ok := fitPath(tc.path, tc.template)
			if ok != tc.want || score != tc.score {
				t.Errorf("fitPath(%q, %q) = %d, %v; want %d, %v", tc.path, tc.template, score, ok, tc.score, tc.want)
			}
		})
	}
}

func TestBestOperationPrefersTheMostLiteralTemplate(t *testing.T) {
	ops := []Operation{
		{ID: "get-participant", Method: "GET", Path: "/calls/{id}/participants/{pid}"},
		{ID: "delete-participant", Method: "DELETE", Path: "/calls/{id}/participants/{pid}"},
		{ID: "mute-participant", Method: "POST", Path: "/calls/{id}/participants/{pid}"},
		{ID: "invite", Method: "POST", Path: "/calls/{id}/participants/invite"},
	}
	x := expander{"userId": "8A34A46B-3D17-4ADC-8DCE-DC4E7D572698"}
	for _, tc := range []struct{ send, want string }{
		{"POST /calls/{{callId}}/participants/invite", "invite"},
		{"POST /calls/{{callId}}/participants/{{userId}}", "mute-participant"},
		{"post /calls/{{callId}}/participants/Invite?x=1", "invite"},
		{"GET /calls/{{callId}}/participants/invite", "get-participant"},
		{"DELETE /calls/{{callId}}/participants/{{userId}}", "delete-participant"},
		{"PUT /calls/{{callId}}/participants/invite", ""},
		{"POST /calls/{{callId}}", ""},
	} {
		got := ""
		if i := bestOperation(ops, tc.send, x); i >= 0 {
			got = ops[i].ID
		}
		if got != tc.want {
			t.Errorf("bestOperation(%q) = %q, want %q", tc.send, got, tc.want)
		}
	}
}

func TestFitResource(t *testing.T) {
	x := expander{"fixed": "/communications/calls/57DAB8B1894C409AB240BD8BEAE78896"}
	for _, tc := range []struct {
		name, resource, template string
		want                     bool
	}{
		{"plain with vars", `"/communications/calls/{{callId}}/participants"`, "/communications/calls/{id}/participants", true},
		{"plain, other path", `"/communications/calls/{{callId}}/participants"`, "/communications/calls/{id}", false},
		{"plain literal id, any casing", `"/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896"`, "/communications/calls/{id}", true},
		{"plain without leading slash", `"communications/calls/{{callId}}/operations/{{opId}}"`, "/communications/calls/{id}/operations/{op}", true},
		{"var with a default", `"{{fixed}}"`, "/communications/calls/{id}", true},
		{"regex with a var", `"~/app/calls/{{meetingCallId}}/operations/[^/]+$"`, "/app/calls/{id}/operations/{op}", true},
		{"regex suffix", `"~/participants$"`, "/app/calls/{id}/participants", true},
		{"regex that needs the leading slash gone", `"~^communications/calls/[^/]+$"`, "/communications/calls/{id}", true},
		{"regex on upper-case ids", `"~/calls/[0-9A-F]{32}$"`, "/communications/calls/{id}", true},
		{"regex, other path", `"~/participants$"`, "/app/calls/{id}/operations/{op}", false},
		{"bad regex", `"~("`, "/app/calls/{id}", false},
		{"$sameId", `{"$sameId": "/communications/calls/{{p2pCallId}}/participants"}`, "/communications/calls/{id}/participants", true},
		{"$eq", `{"$eq": "/app/calls/{{id}}"}`, "/app/calls/{id}", true},
		{"$oneOf, second fits", `{"$oneOf": [{"$sameId": "/x/{{a}}"}, "/communications/calls/{{b}}/participants"]}`, "/communications/calls/{id}/participants", true},
		{"$oneOf, none fits", `{"$oneOf": ["/x/{{a}}", "~^/y/"]}`, "/communications/calls/{id}/participants", false},
		{"$exists names no resource", `{"$exists": true}`, "/app/calls/{id}", false},
		{"a number", `12`, "/app/calls/{id}", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fitResource(json.RawMessage(tc.resource), tc.template, x); got != tc.want {
				t.Errorf("fitResource(%s, %q) = %v, want %v", tc.resource, tc.template, got, tc.want)
			}
		})
	}
}

func TestFitKind(t *testing.T) {
	established := Kind{ID: "e", ChangeType: "updated", Resources: []string{"/app/calls/{id}", "/applications/{a}/calls/{id}"}, States: []string{"established"}}
	accepted := Kind{ID: "t", ChangeType: "updated", Resources: []string{"/app/calls/{id}"}, States: []string{"transfer-accepted", "transferAccepted"}}
	tone := Kind{ID: "tone", ChangeType: "updated", Resources: []string{"/app/calls/{id}"}, Field: "resourceData.toneInfo"}
	gone := Kind{ID: "gone", ChangeType: "deleted", Resources: []string{"/app/calls/{id}"}}
	pattern := func(ct, resource string, where map[string]string) fixture.Pattern {
		p := fixture.Pattern{ChangeType: ct, Where: map[string]json.RawMessage{}}
		if resource != "" {
			p.Resource = json.RawMessage(resource)
		}
		for k, v := range where {
			p.Where[k] = json.RawMessage(v)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		p    fixture.Pattern
		k    Kind
		want bool
	}{
		{"literal state", pattern("updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.state": `"established"`}), established, true},
		{"regex state, any case", pattern("updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.state": `"~(?i)^ESTABLISHED$"`}), established, true},
		{"2018 callState", pattern("updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.callState": `"established"`}), established, true},
		{"$oneOf states", pattern("updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.state": `{"$oneOf": ["establishing", "established"]}`}), established, true},
		{"second resource of the kind", pattern("updated", `"/applications/{{appId}}/calls/{{c}}"`, map[string]string{"resourceData.state": `"established"`}), established, true},
		{"changeType in another case", pattern("Updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.state": `"established"`}), established, true},
		{"another state", pattern("updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.state": `"establishing"`}), established, false},
		{"no state", pattern("updated", `"/app/calls/{{c}}"`, nil), established, false},
		{"another changeType", pattern("created", `"/app/calls/{{c}}"`, map[string]string{"resourceData.state": `"established"`}), established, false},
		{"no changeType", pattern("", `"/app/calls/{{c}}"`, map[string]string{"resourceData.state": `"established"`}), established, false},
		{"no resource", pattern("updated", "", map[string]string{"resourceData.state": `"established"`}), established, false},
		{"another resource", pattern("updated", `"/app/calls/{{c}}/participants"`, map[string]string{"resourceData.state": `"established"`}), established, false},
		{"one of the state's spellings", pattern("updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.state": `"transferAccepted"`}), accepted, true},
		{"field read", pattern("updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.toneInfo.tone": `"tone1"`}), tone, true},
		{"field itself", pattern("updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.toneInfo": `{"$exists": true}`}), tone, true},
		{"field not read", pattern("updated", `"/app/calls/{{c}}"`, map[string]string{"resourceData.toneInfoX": `1`}), tone, false},
		{"a kind without state takes any", pattern("deleted", `"/app/calls/{{c}}"`, map[string]string{"resourceData.state": `"terminated"`}), gone, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fitKind(tc.p, tc.k, expander{}); got != tc.want {
				t.Errorf("fitKind = %v, want %v", got, tc.want)
			}
		})
	}
}
