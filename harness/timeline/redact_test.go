package timeline

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/internal/secret/secrettest"
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

// TestRedactLeavesNoSecret: thousands of secrets in the formats the
// services issue them, in JSON bodies, queries, forms, header lines and
// free text: RedactString and RedactBytes leave no part of any, and keep
// the ids, paths, timestamps and @odata.type values around them.
func TestRedactLeavesNoSecret(t *testing.T) {
	missed := map[string]int{}
	for _, s := range secrettest.Generate(3, 5000) {
		for _, c := range []struct{ name, out string }{
			{"RedactString", RedactString(s.Text)},
			{"RedactBytes", string(RedactBytes([]byte(s.Text)))},
		} {
			if leak := secrettest.Leak(c.out, s); leak != "" {
				if missed[c.name+": "+s.Kind+" in "+s.Context+" ("+s.Form+")"]++; len(missed) <= 5 {
					t.Logf("%s(%v) kept %q", c.name, s, leak)
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(missed)) {
		t.Errorf("%s: %d missed", k, missed[k])
	}
	for _, s := range secrettest.Innocents(4, 2000) {
		if got := RedactString(s); got != s {
			t.Errorf("RedactString(%q) = %q, want it kept", s, got)
		}
	}
}

func TestRedactHeaderByName(t *testing.T) {
	h := RedactHeader(http.Header{
		"X-Client-Secret":           {"Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD"},
		"Ocp-Apim-Subscription-Key": {"k1"},
		"Content-Type":              {"application/json"},
		"Location":                  {"https://a.example/c?sv=1&sig=Xo%2Bk%3D"},
	})
	want := http.Header{
		"X-Client-Secret":           {Redacted},
		"Ocp-Apim-Subscription-Key": {Redacted},
		"Content-Type":              {"application/json"},
		"Location":                  {"https://a.example/c?sv=1&sig=" + Redacted},
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("RedactHeader (-want +got):\n%s", diff)
	}
}
