package recorder

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recordedWith is a recorded fixture (it saves its rules) whose vars and
// body take the given lines.
func recordedWith(vars, body string) []byte {
	return []byte(`id: checked
title: A recorded fixture
vars:
` + vars + `
redaction:
  rules:
    - {kind: user-id, path: user.id}
    - {kind: display-name, path: displayName}
    - {kind: thread-id, path: threadId}
steps:
  - send: POST /app/calls
    body:
` + body + `
`)
}

func TestUnredacted(t *testing.T) {
	const real = "3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f"
	for _, tt := range []struct {
		name string
		data []byte
		want []Unscrubbed
	}{
		{"pseudonyms and vars pass",
			recordedWith("  userId1: 00000000-0000-4000-8000-000000000001\n  threadId1: 19:meeting_MDAwMDAwMDAtMDAwMC00MDAwLWIwMDAtMDAwMDAwMDAwMDAx@thread.v2",
				"      user: {id: '{{userId1}}', displayName: User 1}\n      chatInfo: {threadId: '{{threadId1}}'}\n      subject: call with User 1 about 00000000000040008000000000000001"),
			nil},
		{"a real id in a var, and elsewhere in text",
			recordedWith("  userId1: "+real, "      user: {id: '{{userId1}}'}\n      note: by "+strings.ToUpper(real)),
			[]Unscrubbed{{Line: 4, Path: "vars.userId1", Value: real}, {Line: 14, Path: "steps.body.note", Value: "by " + strings.ToUpper(real)}}},
		{"a real name at its path, and in a subject",
			recordedWith("  x: y", "      user: {displayName: Alice Realname}\n      subject: sync with alice realname"),
			[]Unscrubbed{{Line: 13, Path: "steps.body.user.displayName", Value: "Alice Realname"}, {Line: 14, Path: "steps.body.subject", Value: "sync with alice realname"}}},
		{"a real thread id",
			recordedWith("  x: y", "      chatInfo: {threadId: '19:meeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk@thread.v2'}"),
			[]Unscrubbed{{Line: 13, Path: "steps.body.chatInfo.threadId", Value: "19:meeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk@thread.v2"}}},
		{"a fixture without rules is not checked",
			[]byte("id: by-hand\ntitle: x\nsteps:\n  - send: POST /app/calls\n    body: {user: {id: " + real + ", displayName: Alice}}\n"),
			nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unredacted(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Unredacted (-want +got):\n%s\n%s", diff, tt.data)
			}
		})
	}
}

func TestUnredactedRefusesBadInput(t *testing.T) {
	for name, data := range map[string]string{
		"not YAML":  "id: [unclosed\n",
		"bad rules": "id: x\nredaction:\n  rules:\n    - {kind: x, pattern: '(('}\n",
		"no kind":   "id: x\nredaction:\n  rules:\n    - {path: x}\n",
	} {
		if _, err := Unredacted([]byte(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
