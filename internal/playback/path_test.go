package playback

import "testing"

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
