package timeline

import (
	"net/http"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	tests := []struct{ in, want string }{
		{"Bearer " + jwt, "Bearer REDACTED"},
		{"token=" + jwt, "token=REDACTED"},
		{`{"access_token":"abc123secretvalue","x":1}`, `{"access_token":"REDACTED","x":1}`},
		{"grant_type=client_credentials&client_secret=s3cr3t&scope=x", "grant_type=client_credentials&client_secret=REDACTED&scope=x"},
		{"authorization: BEARER abcdefgh12345", "authorization: BEARER REDACTED"},
		{`{"state":"established"}`, `{"state":"established"}`},
	}
	for _, tt := range tests {
		if got := RedactString(tt.in); got != tt.want {
			t.Errorf("RedactString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	h := RedactHeader(http.Header{"Authorization": {"Bearer " + jwt}, "X-Other": {"keep"}})
	if h.Get("Authorization") != "Bearer REDACTED" || h.Get("X-Other") != "keep" {
		t.Errorf("RedactHeader = %v", h)
	}
	var tl Timeline
	e := tl.Add(Event{Kind: Request, Header: http.Header{"Authorization": {"Bearer " + jwt}}})
	if strings.Contains(e.Header.Get("Authorization"), jwt) {
		t.Error("Timeline.Add kept a token")
	}
}
