package secret

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/callconform/callconform/internal/secret/secrettest"
)

// samplesPerKind is how many secrets of each kind the property tests make.
const samplesPerKind = 5000

// TestFindCoversEverySecret: thousands of secrets in the formats the
// services issue them, written where they turn up, are each covered
// completely by Find's matches; Redact leaves no part of any.
func TestFindCoversEverySecret(t *testing.T) {
	missed := map[string]int{}
	var first []string
	for _, s := range secrettest.Generate(1, samplesPerKind) {
		key := fmt.Sprintf("%s in %s (%s)", s.Kind, s.Context, s.Form)
		if gap := uncovered(Find(s.Text), s.Start, s.End); gap >= 0 {
			missed[key]++
			if len(first) < 10 {
				first = append(first, fmt.Sprintf("%v: byte %d not covered", s, gap))
			}
			continue
		}
		out := Redact(s.Text, func(Match, string) string { return "REDACTED" })
		if leak := secrettest.Leak(out, s); leak != "" {
			missed[key+" after Redact"]++
			if len(first) < 10 {
				first = append(first, fmt.Sprintf("%v: Redact kept %q in %q", s, leak, out))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(missed)) {
		t.Errorf("%s: %d missed", k, missed[k])
	}
	for _, f := range first {
		t.Log(f)
	}
}

// uncovered returns the first byte of [start, end) no match covers, or -1.
func uncovered(ms []Match, start, end int) int {
	at := start
	for _, m := range ms {
		if m.Start > at {
			break
		}
		at = max(at, m.End)
	}
	if at >= end {
		return -1
	}
	return at
}

// TestFindLeavesIDsAlone: GUIDs, Teams thread ids, call resource paths,
// ISO timestamps and @odata.type values are not secrets.
func TestFindLeavesIDsAlone(t *testing.T) {
	bad := 0
	for _, s := range secrettest.Innocents(2, 5000) {
		if ms := Find(s); len(ms) > 0 {
			if bad++; bad <= 10 {
				t.Errorf("Find(%q) = %q", s, s[ms[0].Start:ms[0].End])
			}
		}
	}
	if bad > 10 {
		t.Errorf("... %d in all", bad)
	}
}
