package match

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/internal/guid"
)

func TestMatchers(t *testing.T) {
	doc := `{"s":"establishing","n":200,"ns":"200","b":true,"z":null,"a":["audio","video"],"e":[],
	        "o":{"k":1},"o2":{"k":1,"x":2},"id":"57dab8b1-894c-409a-b240-bd8beae78896","empty":"","tilde":"~x"}`
	tests := []struct {
		matcher string
		path    string
		want    string // "" = match, else a substring of the reason
	}{
		{`"establishing"`, "s", ""},
		{`"established"`, "s", `want "established", got "establishing"`},
		{`200`, "n", ""},
		{`200`, "ns", `want 200, got "200"`}, // JSON-type aware
		{`"200"`, "n", `want "200", got 200`},
		{`true`, "b", ""},
		{`null`, "z", ""},
		{`null`, "missing", "got <absent>"},
		{`""`, "missing", "got <absent>"}, // a missing field never equals ""
		{`""`, "empty", ""},
		{`["audio","video"]`, "a", ""},
		{`["video","audio"]`, "a", "want"},
		{`[]`, "e", ""},
		{`[]`, "missing", "<absent>"},
		{`{"k":1}`, "o", ""},
		{`{"k":1}`, "o2", `want {"k":1}`}, // an object literal is the whole object, not a subset
		{`"~^establ"`, "s", ""},
		{`"~(?i)^ESTABLISHING$"`, "s", ""},
		{`"~^x"`, "s", "matching"},
		{`"~."`, "missing", "<absent>"},
		{`"~."`, "o", "got object"},
		{`{"$exists":true}`, "s", ""},
		{`{"$exists":true}`, "missing", "want present"},
		{`{"$exists":false}`, "missing", ""},
		{`{"$absent":true}`, "s", "want absent"},
		{`{"$oneOf":["a","establishing"]}`, "s", ""},
		{`{"$oneOf":["a","~^b"]}`, "s", "want one of"},
		{`{"$type":"array"}`, "a", ""},
		{`{"$type":"string"}`, "n", "want a string, got number"},
		{`{"$type":"boolean"}`, "b", ""},
		{`{"$sameId":"57DAB8B1894C409AB240BD8BEAE78896"}`, "id", ""},
		{`{"$sameId":"57DAB8B1894C409AB240BD8BEAE78897"}`, "id", "dashes and case ignored"},
		{`{"$eq":"~x"}`, "tilde", ""},
	}
	for _, tt := range tests {
		m, err := Compile(json.RawMessage(tt.matcher))
		if err != nil {
			t.Fatalf("Compile(%s): %v", tt.matcher, err)
		}
		got := m.Match(gjson.Get(doc, tt.path))
		switch {
		case tt.want == "" && got != "":
			t.Errorf("%s on %s: want a match, got %q", tt.matcher, tt.path, got)
		case tt.want != "" && !strings.Contains(got, tt.want):
			t.Errorf("%s on %s: reason %q does not contain %q", tt.matcher, tt.path, got, tt.want)
		}
	}
}

func TestCompileRefusals(t *testing.T) {
	for _, bad := range []string{`"~("`, `{"$nope":1}`, `{"$exists":"yes"}`, `{"$oneOf":[]}`, `{"$type":"int"}`, `{"$sameId":""}`, `{"$exists":true,"x":1}`, `{bad json`} {
		if _, err := Compile(json.RawMessage(bad)); err == nil {
			t.Errorf("Compile(%s) accepted a bad matcher", bad)
		}
	}
}

func TestCompileResource(t *testing.T) {
	m, err := CompileResource(json.RawMessage(`"/app/calls/57dab8b1-894c-409a-b240-bd8beae78896"`))
	if err != nil {
		t.Fatal(err)
	}
	if r := m.Match(gjson.Parse(`"/app/calls/57DAB8B1894C409AB240BD8BEAE78896"`)); r != "" {
		t.Errorf("a plain resource is compared as ids are: %s", r)
	}
	if r := m.Match(gjson.Parse(`"/app/calls/other"`)); r == "" {
		t.Error("a different resource matched")
	}
}

func TestEqualID(t *testing.T) {
	tests := []struct {
		got, want string
		eq        bool
	}{
		{"57dab8b1-894c-409a-b240-bd8beae78896", "57DAB8B1894C409AB240BD8BEAE78896", true},
		{"/app/calls/57DAB8B1894C409AB240BD8BEAE78896", "/app/calls/57dab8b1-894c-409a-b240-bd8beae78896", true},
		{"57dab8b1", "57dab8b1894c", false},
		{"57dab8b1894c", "57dab8b1", false},
		{"", "", true},
		{"a-b", "ac", false},
		{"/app/calls/ÉTÉ", "/app/calls/été", true}, // case folding beyond ASCII, as guid.Normalize does
		{"/app/calls/ÉTÉ", "/app/calls/ete", false},
	}
	for _, tt := range tests {
		if got := equalID(tt.got, guid.Normalize(tt.want)); got != tt.eq {
			t.Errorf("equalID(%q, %q) = %v, want %v", tt.got, tt.want, got, tt.eq)
		}
	}
}

func TestShowClipsOnACharacter(t *testing.T) {
	v := `"` + strings.Repeat("é", 200) + `"` // 401 bytes; byte 300 is inside an é
	got := Show(gjson.Parse(v))
	if want := v[:299] + "…"; got != want {
		t.Errorf("Show = %q, want %q", got, want)
	}
	if !utf8.ValidString(got) {
		t.Errorf("Show cut a character in two: %q", got)
	}
}

func TestSortedKeys(t *testing.T) {
	if diff := cmp.Diff([]string{"a", "b", "c"}, SortedKeys(map[string]int{"c": 1, "a": 2, "b": 3})); diff != "" {
		t.Errorf("SortedKeys (-want +got):\n%s", diff)
	}
}
