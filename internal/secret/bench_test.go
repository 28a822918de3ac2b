package secret

import (
	"strings"
	"testing"
)

// benchBodies are what the finder reads on every recorded exchange: a
// notification, an invite, a token answer and a large roster, none of them
// (but the token answer) holding a secret.
var benchBodies = []struct{ name, body string }{
	{"notification", `{"@odata.type":"#microsoft.graph.commsNotifications","value":[{"@odata.type":"#microsoft.graph.commsNotification",` +
		`"changeType":"updated","resource":"/app/calls/57DAB8B1894C409AB240BD8BEAE78896","resourceUrl":"/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896",` +
		`"resourceData":{"@odata.type":"#microsoft.graph.call","state":"established","direction":"outgoing","callbackUri":"https://bot.contoso.com/api/calls",` +
		`"chatInfo":{"@odata.type":"#microsoft.graph.chatInfo","threadId":"19:meeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk@thread.v2","messageId":"0"},` +
		`"meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"@odata.type":"#microsoft.graph.identitySet",` +
		`"user":{"@odata.type":"#microsoft.graph.identity","id":"550fae72-d251-43ec-868c-373732c2704f","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","displayName":"Heidi Steen"}}},` +
		`"requestedModalities":["audio"],"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig"},"createdDateTime":"2024-05-01T10:20:30.1234567Z"}}]}`},
	{"invite", `{"participants":[{"@odata.type":"#microsoft.graph.invitationParticipantInfo",` +
		`"identity":{"@odata.type":"#microsoft.graph.identitySet","user":{"@odata.type":"#microsoft.graph.identity","id":"278405a3-f568-4b3e-b684-009193463064","displayName":"Johanna Lorenz"}},` +
		`"replacesCallId":"a7ebfb2d-871e-419c-87af-27290b22e8db"}],"clientContext":"f2fa86af-3c51-4bc2-8fc0-475452d9764f"}`},
	{"token", `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsIng1dCI6Ik1yNS1BVWliZkJpaTdOZDFqQmViYXhib1hXMCJ9.` +
		`eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJpc3MiOiJodHRwczovL3N0cy53aW5kb3dzLm5ldC83MmY5ODhiZi8iLCJhcHBpZCI6IjEyMzQifQ.` +
		`c2lnbmF0dXJlLWJ5dGVzLXRoYXQtYXJlLWxvbmctZW5vdWdoLXRvLWxvb2stcmVhbA"}`},
}

// BenchmarkFind measures the finder on each body, and on a 64 KiB body
// made of notifications.
func BenchmarkFind(b *testing.B) {
	bodies := append([]struct{ name, body string }(nil), benchBodies...)
	large := strings.Repeat(benchBodies[0].body, 64<<10/len(benchBodies[0].body)+1)[:64<<10]
	bodies = append(bodies, struct{ name, body string }{"large", large})
	for _, bb := range bodies {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.body)))
			b.ReportAllocs()
			for b.Loop() {
				_ = Find(bb.body)
			}
		})
	}
}
