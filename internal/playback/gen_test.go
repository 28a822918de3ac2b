package playback

import (
	"encoding/json"
	"regexp"
	"testing"
)

func TestSampleMatchesAndPrefersFill(t *testing.T) {
	const id = "0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a4b"
	tests := []struct {
		expr, fill, want string
	}{
		{`(?i)^completed$`, "", "completed"},
		{`(?i)^running$`, id, "running"},
		{`^/app/calls/[^/]+$`, id, "/app/calls/" + id},
		{`^https?://[^/]+(/[^/]+)*/app/calls/[0-9A-Fa-f-]{32,36}$`, id, "http://" + id + "/app/calls/" + id},
		{`/operations/([^/]+)$`, id, "/operations/" + id},
		{`^[0-9]+$`, id, "0"}, // the id does not fit: the smallest match
		{`^(established|establishing)$`, "", "established"},
	}
	for _, tt := range tests {
		got, err := sample(tt.expr, tt.fill)
		if err != nil {
			t.Errorf("sample(%q): %v", tt.expr, err)
			continue
		}
		if got != tt.want {
			t.Errorf("sample(%q, fill) = %q, want %q", tt.expr, got, tt.want)
		}
		if !regexp.MustCompile(tt.expr).MatchString(got) {
			t.Errorf("sample(%q) = %q does not match", tt.expr, got)
		}
	}
	if _, err := sample(`a^b`, ""); err == nil {
		t.Error("sample of an unmatchable expression: want an error")
	}
}

func TestSampleValueForms(t *testing.T) {
	tests := []struct{ matcher, want string }{
		{`"established"`, `"established"`},
		{`[]`, `[]`},
		{`["audio","video"]`, `["audio","video"]`},
		{`{"$type":"array"}`, `[]`},
		{`{"$type":"string"}`, `"F"`},
		{`{"$sameId":"/app/calls/X"}`, `"/app/calls/X"`},
		{`{"$oneOf":[{"$sameId":"/a"},{"$sameId":"/b"}]}`, `"/a"`},
		{`{"$eq":"~literal"}`, `"~literal"`},
		{`{"$exists":true}`, `"F"`},
		{`42`, `42`},
	}
	for _, tt := range tests {
		v, err := sampleValue(json.RawMessage(tt.matcher), "F")
		if err != nil {
			t.Errorf("sampleValue(%s): %v", tt.matcher, err)
			continue
		}
		b, _ := jsonMarshal(v)
		if string(b) != tt.want {
			t.Errorf("sampleValue(%s) = %s, want %s", tt.matcher, b, tt.want)
		}
	}
	if v, _ := sampleValue(json.RawMessage(`{"$absent":true}`), ""); v != (absent{}) {
		t.Errorf("$absent gives %v, want absent", v)
	}
}
