package simulator

import (
	"encoding/json"
	"testing"
)

// FuzzMember: of an object a decoder accepts, member finds every member as
// decoding into a map finds it (the last of duplicates, the value's bytes),
// and no other; it never panics, whatever it is given.
func FuzzMember(f *testing.F) {
	for _, seed := range []string{
		`{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"user":{"id":"o"}},"allowConversationWithoutHost":true}`,
		` { "a" : [1, {"b":"}"}, "\"]"] , "c":null,"d":-1.5e3 } `,
		`{"a":1,"a":2}`, `{"\u0061":"escaped"}`, `{"x\"y":{"z":"\\"}}`, `{}`, `[]`, `{"a":`, `{"a" 1}`, `"x"`, ``,
	} {
		f.Add([]byte(seed), "a")
	}
	f.Fuzz(func(t *testing.T, obj []byte, name string) {
		got, ok := member(obj, name)
		var m map[string]json.RawMessage
		if json.Unmarshal(obj, &m) != nil || kindOf(obj) != '{' {
			return // not an object a decoder accepts: anything but a panic
		}
		for k, v := range m {
			if g, ok := member(obj, k); !ok || string(g) != string(v) {
				t.Fatalf("member(%q, %q) = %q, %v; decoding gives %q", obj, k, g, ok, v)
			}
		}
		if want, has := m[name]; ok != has || string(got) != string(want) {
			t.Fatalf("member(%q, %q) = %q, %v; decoding gives %q, %v", obj, name, got, ok, want, has)
		}
	})
}
