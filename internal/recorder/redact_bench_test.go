package recorder

import (
	"fmt"
	"testing"
)

// BenchmarkEncode measures writing the fixture of a recording of 20 call
// flows (a create, an invite, a delete and their notifications each): the
// redaction of every path, header and body is most of it.
func BenchmarkEncode(b *testing.B) {
	r, err := New(Config{Upstream: "https://graph.example.test/beta", PublicURL: "https://rec.example.test"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		call := fmt.Sprintf("%08x-894c-409a-b240-bd8beae78896", i)
		callNote := fmt.Sprintf("%08X894C409AB240BD8BEAE78896", i)
		op := fmt.Sprintf("%08x-1a3f-4c11-9d0e-5f2b6f8a9c10", i)
		record(r,
			&exchange{method: "POST", path: "/app/calls", body: []byte(`{"callback":"https://bot.example/cb","requestedModalities":["audio"],` +
				`"chatInfo":{"threadId":"19:meeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk@thread.v2","messageId":"0"},` +
				`"meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"user":{"id":"550fae72-d251-43ec-868c-373732c2704f","displayName":"Heidi Steen"}}}}`),
				status: 201, location: "https://graph.example.test/beta/app/calls/" + call,
				respBody: []byte(`{"@odata.type":"#microsoft.graph.call","id":"` + call + `","state":"establishing"}`)},
			note(1, 202, `{"value":[{"changeType":"updated","resource":"/app/calls/`+callNote+`","resourceData":{"state":"establishing"}}]}`),
			note(1, 202, `{"value":[{"changeType":"updated","resource":"/app/calls/`+callNote+`","resourceData":{"state":"established","createdDateTime":"2024-05-01T10:20:30.1234567Z"}}]}`),
			&exchange{method: "POST", path: "/app/calls/" + call + "/participants/invite",
				body: []byte(`{"participants":[{"@odata.type":"#microsoft.graph.invitationParticipantInfo","identity":{"user":{"id":"278405a3-f568-4b3e-b684-009193463064","displayName":"Johanna Lorenz"}}}],` +
					`"clientContext":"f2fa86af-3c51-4bc2-8fc0-475452d9764f"}`),
				status: 202, location: "https://graph.example.test/beta/app/calls/" + call + "/operations/" + op,
				respBody: []byte(`{"@odata.type":"#microsoft.graph.inviteParticipantsOperation","id":"` + op + `","status":"Running"}`)},
			note(1, 202, `{"value":[{"changeType":"deleted","resource":"/app/calls/`+callNote+`/operations/`+op+`","resourceData":{"status":"completed"}}]}`),
			note(1, 202, `{"value":[{"changeType":"updated","resource":"/app/calls/`+callNote+`/participants","resourceData":[{"id":"278405a3-f568-4b3e-b684-009193463064"}]}]}`),
			&exchange{method: "DELETE", path: "/app/calls/" + call, status: 204},
			note(1, 202, `{"value":[{"changeType":"deleted","resource":"/app/calls/`+callNote+`","resourceData":{"state":"terminated"}}]}`),
		)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Encode(Meta{ID: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}
