package recorder

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callconform/callconform/harness/fixture"
)

func TestFixtureID(t *testing.T) {
	for in, want := range map[string]string{
		"fixtures/recorded/Join Meeting.yaml": "join-meeting",
		"invite_group_call.v2.yml":            "invite-group-call.v2",
		"--.yaml":                             "recorded",
		"/tmp/x/42.yaml":                      "42",
	} {
		if got := FixtureID(in); got != want {
			t.Errorf("FixtureID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(p, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	info, _ := os.Stat(p)
	if string(b) != "new" || info.Mode().Perm() != 0o600 {
		t.Errorf("content %q mode %v", b, info.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left in the folder: %v", entries)
	}
	if err := WriteAtomic(filepath.Join(dir, "no", "such", "f.yaml"), []byte("x"), 0o600); err == nil {
		t.Error("no error writing into a missing folder")
	}
}

// TestEncodeYAMLRoundTrip: strings that YAML would read as something else
// (null, numbers, booleans, flow collections, comments) come back as they
// were written.
func TestEncodeYAMLRoundTrip(t *testing.T) {
	body := `{"tilde":"~","regex":"~(?i)^running$","tmpl":"{{callbackUrl}}","yes":"yes","num":"123","colon":"a: b",` +
		`"dash":"- x","hash":"#x","empty":"","nl":"a\nb","quote":"it's \"q\"","flow":["a,b","[c]","{d}"],` +
		`"n":1.5,"i":-3,"t":true,"z":null,"nested":{"deep":[{"k":"v"}]},"unicode":"Zoë → ✓"}`
	f := &fixture.Fixture{ID: "round-trip", Title: "x", Steps: []fixture.Step{{Send: "POST /x", Body: json.RawMessage(body)}}}
	data, err := encodeYAML(f, "a header\non two lines", map[int]string{0: "the step"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := fixture.Parse("x.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	var a, b any
	_ = json.Unmarshal([]byte(body), &a)
	_ = json.Unmarshal(got.Steps[0].Body, &b)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("body changed:\n%s\nwant:\n%s\nYAML:\n%s", jb, ja, data)
	}
	if !strings.HasPrefix(string(data), "# a header\n# on two lines\nid: round-trip\n") || !strings.Contains(string(data), "# the step\n") {
		t.Errorf("comments missing:\n%s", data)
	}
}
