package match

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// FuzzMatch compiles a matcher from JSON, as a fixture writes it, and
// matches it against a JSON value, as a notification carries it. Neither
// may panic; a literal matches itself, and so does a resource.
func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{
		{`"establishing"`, `"establishing"`},
		{`200`, `"200"`},
		{`[200, 202]`, `[200,202]`},
		{`{"k":[1,{"a":null}]}`, `{"k":[1,{"a":null}]}`},
		{`"~^/app/calls/[^/]+$"`, `"/app/calls/57dab8b1"`},
		{`"~("`, `"x"`},
		{`{"$exists":true}`, `null`},
		{`{"$absent":true}`, ``},
		{`{"$oneOf":["a","~^b",{"$type":"array"}]}`, `[1]`},
		{`{"$oneOf":[{"$oneOf":[{"$oneOf":[]}]}]}`, `1`},
		{`{"$type":"object"}`, `{}`},
		{`{"$sameId":"57DAB8B1894C409AB240BD8BEAE78896"}`, `"57dab8b1-894c-409a-b240-bd8beae78896"`},
		{`"/app/calls/57DAB8B1894C409AB240BD8BEAE78896"`, `"/app/calls/57dab8b1-894c-409a-b240-bd8beae78896"`},
		{`{"$eq":"~x"}`, `"~x"`},
		{`{"$nope":1}`, `1`},
		{`{"$exists":true,"x":1}`, `{}`},
		{`1e400`, `1e400`},
		{`"\u00e9"`, `"é"`},
		{`{bad`, `]`},
		{``, ``},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, matcher, value []byte) {
		got := gjson.ParseBytes(value)
		for _, compile := range []func(json.RawMessage) (Matcher, error){Compile, CompileResource} {
			m, err := compile(matcher)
			if err != nil {
				if err.Error() == "" {
					t.Errorf("refused %q without a reason", matcher)
				}
				continue
			}
			if m.String() == "" {
				t.Errorf("matcher %q renders as nothing", matcher)
			}
			_ = m.Match(got)
		}
		checkSelfMatch(t, matcher)
	})
}

// checkSelfMatch checks that a literal matcher matches the value it is
// written as, and that a resource matches itself.
func checkSelfMatch(t *testing.T, matcher []byte) {
	raw := bytes.TrimSpace(matcher)
	if !gjson.ValidBytes(raw) {
		return
	}
	self := gjson.ParseBytes(raw)
	if m, err := Compile(raw); err == nil {
		if _, ok := m.(literal); ok && !isForm(self) {
			if r := m.Match(self); r != "" {
				t.Errorf("literal %s does not match itself: %s", raw, r)
			}
		}
	}
	if self.Type == gjson.String && self.Str != "" && !strings.HasPrefix(self.Str, "~") {
		m, err := CompileResource(raw)
		if err != nil {
			t.Fatalf("resource %s refused: %v", raw, err)
		}
		if r := m.Match(self); r != "" {
			t.Errorf("resource %s does not match itself: %s", raw, r)
		}
	}
}

// isForm reports whether v is written as a matcher form: an object whose
// only key starts with "$".
func isForm(v gjson.Result) bool {
	if !v.IsObject() {
		return false
	}
	n, form := 0, false
	v.ForEach(func(k, _ gjson.Result) bool {
		n++
		form = strings.HasPrefix(k.Str, "$")
		return true
	})
	return n == 1 && form
}
