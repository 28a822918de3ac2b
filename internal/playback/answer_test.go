package playback

import (
	"encoding/json"
	"testing"
)

func TestRebaseKeepsWhatTheMatcherAccepts(t *testing.T) {
	base := "http://127.0.0.1:8490"
	tests := []struct{ v, matcher, want string }{
		{"http://abc/app/calls/1", `"~^https?://[^/]+/app/calls/1$"`, base + "/app/calls/1"},
		{"/app/calls/1/operations/2", `"~/operations/[^/]+$"`, base + "/app/calls/1/operations/2"},
		{"/app/calls/1", `"~^/app/calls/1$"`, "/app/calls/1"}, // anchored: stays a path
		{"plain", `"plain"`, "plain"},
	}
	for _, tt := range tests {
		if got := rebase(tt.v, base, json.RawMessage(tt.matcher)); got != tt.want {
			t.Errorf("rebase(%q, %s) = %q, want %q", tt.v, tt.matcher, got, tt.want)
		}
	}
}
