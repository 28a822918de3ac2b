package playback

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestSetPath(t *testing.T) {
	tests := []struct {
		path, value, want string
	}{
		{`resourceData.state`, `"established"`, `{"resourceData":{"state":"established"}}`},
		{`resourceData.\@odata\.type`, `"#microsoft.graph.call"`, `{"resourceData":{"@odata.type":"#microsoft.graph.call"}}`},
		{`a.1.b`, `true`, `{"a":[null,{"b":true}]}`},
		{`resourceData.#(info.identity.user.id=="u1").mediaStreams`, `[]`, `{"resourceData":[{"info":{"identity":{"user":{"id":"u1"}}},"mediaStreams":[]}]}`},
	}
	for _, tt := range tests {
		v, _ := decodeJSON([]byte(tt.value))
		doc, err := setPath(nil, tt.path, v)
		if err != nil {
			t.Errorf("setPath(%q): %v", tt.path, err)
			continue
		}
		b, _ := jsonMarshal(doc)
		if string(b) != tt.want {
			t.Errorf("setPath(%q) = %s, want %s", tt.path, b, tt.want)
		}
	}
	// A query finds the element it created before instead of adding one.
	doc, _ := setPath(nil, `r.#(id=="u1").a`, "x")
	doc, _ = setPath(doc, `r.#(id=="u1").b`, "y")
	if b, _ := jsonMarshal(doc); string(b) != `{"r":[{"a":"x","b":"y","id":"u1"}]}` {
		t.Errorf("second query = %s", b)
	}
	for _, bad := range []string{`a|b`, `@this`, `a.#`, `a.#(x>1)`, `a.*`} {
		if _, err := setPath(nil, bad, "x"); err == nil {
			t.Errorf("setPath(%q): want an error", bad)
		}
	}
}

// FuzzSetPath feeds setPath any path a fixture could hold: it returns a
// document or an error, never panics, and a plain key path it accepts
// reads back, with gjson, the value it set.
func FuzzSetPath(f *testing.F) {
	for _, p := range []string{`resourceData.state`, `resourceData.\@odata\.type`, `a.1.b`, `a.#`, `r.#(id=="u1").a`,
		`r.#(info.identity)#.x`, `a|b`, `a.#(x>1)`, `#(`, `a.#(b=="\")")`, `\`, `..`, `a.999.b`} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		doc, err := setPath(nil, path, "v")
		if err != nil {
			return
		}
		b, err := jsonMarshal(doc)
		if err != nil {
			t.Fatalf("setPath(%q) made a document that does not marshal: %v", path, err)
		}
		if plainKeys(path) {
			if got := gjson.GetBytes(b, path); got.String() != "v" {
				t.Errorf("setPath(%q) = %s: gjson reads %q there, want \"v\"", path, b, got.Raw)
			}
		}
	})
}

// plainKeys reports whether path is dot-separated keys of letters only.
func plainKeys(path string) bool {
	for _, k := range strings.Split(path, ".") {
		if k == "" {
			return false
		}
		for _, c := range k {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}
