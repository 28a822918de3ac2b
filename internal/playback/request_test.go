package playback

import (
	"strings"
	"testing"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/judge"
)

func inviteStep(t *testing.T) *fixture.Step {
	t.Helper()
	f, err := fixture.Parse("f.yaml", []byte(`id: f
title: F
vars: {userId: u-default}
steps:
  - send: POST /app/calls/{{callId}}/participants/invite
    body:
      callback: "{{callbackUrl}}"
      participants: [{identity: {user: {id: "{{userId}}"}}, replacesCallId: "/app/calls/{{p2pId}}", n: 1}]
`))
	if err != nil {
		t.Fatal(err)
	}
	return &f.Steps[0]
}

// matchStep compiles st and compares req with it, every field of its body.
func matchStep(st *fixture.Step, req request, bound func(string) (string, bool)) ([]judge.Mismatch, map[string]string) {
	return compileSend(st, 0).matchStep(&req, bound, nil, false)
}

func TestMatchStepBindsAndCompares(t *testing.T) {
	st := inviteStep(t)
	bound := func(name string) (string, bool) {
		v, ok := map[string]string{"callId": "57DAB8B1894C409AB240BD8BEAE78896", "callbackUrl": "http://old/cb"}[name]
		return v, ok
	}
	body := `{"callback":"http://bot/cb","participants":[{"identity":{"user":{"id":"u9"}},"replacesCallId":"/app/calls/p2p-1","n":1.0}],"extra":true}`
	diffs, binds := matchStep(st, request{method: "post", path: "/beta/app/calls/57dab8b1-894c-409a-b240-bd8beae78896/participants/invite", body: []byte(body)}, bound)
	if len(diffs) != 0 {
		t.Fatalf("diffs %+v", diffs)
	}
	want := map[string]string{"callbackUrl": "http://bot/cb", "userId": "u9", "p2pId": "p2p-1"}
	for k, v := range want {
		if binds[k] != v {
			t.Errorf("bind %s = %q, want %q (binds %v)", k, binds[k], v, binds)
		}
	}
	if _, ok := binds["callId"]; ok {
		t.Error("a bound variable was bound again")
	}

	bad := `{"callback":"http://bot/cb","participants":[{"identity":{"user":{}},"replacesCallId":"p2p-1","n":2}]}`
	diffs, binds = matchStep(st, request{method: "POST", path: "/app/calls/other/participants/invite", body: []byte(bad)}, bound)
	if binds != nil {
		t.Errorf("a request with differences bound %v", binds)
	}
	var got []string
	for _, d := range diffs {
		got = append(got, d.Field+": "+d.Want+" | "+d.Got)
	}
	for _, w := range []string{
		"path: /app/calls/57DAB8B1894C409AB240BD8BEAE78896/participants/invite | /app/calls/other/participants/invite",
		`body.participants.0.identity.user.id: "{{userId}}" | <absent>`,
		`body.participants.0.n: 1 | 2`,
		`body.participants.0.replacesCallId: "/app/calls/{{p2pId}}" | "p2p-1"`,
	} {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("diffs lack %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	diffs, _ = matchStep(st, request{method: "POST", path: "/app/calls/x/participants/invite", body: []byte("not json")}, bound)
	if len(diffs) != 2 || diffs[1].Field != "body" || diffs[1].Reason != "the body is not JSON" {
		t.Errorf("non-JSON body: %+v", diffs)
	}
}
