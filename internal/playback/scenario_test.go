package playback

import "testing"

func TestCallPathIn(t *testing.T) {
	for in, want := range map[string]string{
		"/app/calls/c1/participants/invite":          "/app/calls/c1",
		"/beta/app/calls/c1/answer":                  "/app/calls/c1",
		"http://h:1/applications/a1/calls/c2":        "/applications/a1/calls/c2",
		"https://h/v1.0/communications/calls/c3?x=1": "/communications/calls/c3",
		"/app/calls": "",
	} {
		if got := callPathIn(in); got != want {
			t.Errorf("callPathIn(%q) = %q, want %q", in, got, want)
		}
	}
}
