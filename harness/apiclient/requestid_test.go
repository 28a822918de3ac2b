package apiclient

import (
	"regexp"
	"testing"
)

// guidRE matches a lower-case dashed RFC 4122 version 4 UUID.
var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewGUID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		g := NewGUID()
		if !guidRE.MatchString(g) {
			t.Fatalf("NewGUID() = %q, want a version 4 UUID", g)
		}
		if seen[g] {
			t.Fatalf("NewGUID() repeated %q", g)
		}
		seen[g] = true
	}
}
