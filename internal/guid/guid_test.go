package guid

import (
	"regexp"
	"testing"
)

var dashedRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewIsVersion4AndUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s := NewString()
		if !dashedRE.MatchString(s) {
			t.Fatalf("NewString() = %q, not a dashed lower-case version 4 GUID", s)
		}
		if seen[s] {
			t.Fatalf("NewString() repeated %q", s)
		}
		seen[s] = true
	}
}

func TestFormsRoundTrip(t *testing.T) {
	// The reference page writes one call id in these two forms.
	const dashed, compact = "57dab8b1-894c-409a-b240-bd8beae78896", "57DAB8B1894C409AB240BD8BEAE78896"
	for _, in := range []string{dashed, compact, "57DAB8B1-894C-409A-B240-BD8BEAE78896", "57dab8b1894c409ab240bd8beae78896"} {
		g, ok := Parse(in)
		if !ok {
			t.Fatalf("Parse(%q) failed", in)
		}
		if g.String() != dashed || g.Compact() != compact || g.Hex() != "57dab8b1894c409ab240bd8beae78896" {
			t.Errorf("Parse(%q) = %s / %s / %s", in, g, g.Compact(), g.Hex())
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{"", "57dab8b1", "57dab8b1x894c-409a-b240-bd8beae78896", "57DAB8B1894C409AB240BD8BEAE7889Z", "57dab8b1-894c-409a-b240-bd8beae788961"} {
		if _, ok := Parse(in); ok {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

func TestNormalize(t *testing.T) {
	if got := Normalize("/app/calls/57DAB8B1-894c-409A"); got != "/app/calls/57dab8b1894c409a" {
		t.Errorf("Normalize = %q", got)
	}
}
