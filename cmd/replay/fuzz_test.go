package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzParseFlags: any command line gives flags, help, or a usage error of
// one line; never a panic.
func FuzzParseFlags(f *testing.F) {
	for _, s := range []string{
		"", "--help", "a.yaml\n--target\nhttp://x", "--targte=x", "--within\n-1s", "--\n-x", "-", "---", "--=x",
		"--parallel\nx", "-v=maybe", "--label-filter", "x\n--json\ny",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		fs, _, _ := runFlags(io.Discard)
		help, err := parseFlags(fs, strings.Split(line, "\n"), io.Discard)
		if err == nil {
			return
		}
		var ee *exitError
		if help || !errors.As(err, &ee) || ee.code != exitUsage {
			t.Fatalf("%q: help %v, err %v: want a usage error", line, help, err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("%q: the error is not one line: %q", line, err)
		}
	})
}

// FuzzEditDistance: the distance is a distance: zero only between equal
// strings, symmetric, at least the difference of the lengths and at most
// the longer length.
func FuzzEditDistance(f *testing.F) {
	for _, p := range [][2]string{{"", ""}, {"rnu", "run"}, {"kitten", "sitting"}, {"ab", "ba"}, {"é", "e"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		d := editDistance(a, b)
		if d != editDistance(b, a) {
			t.Fatalf("d(%q, %q) = %d, d(b, a) = %d", a, b, d, editDistance(b, a))
		}
		if (d == 0) != (a == b) {
			t.Fatalf("d(%q, %q) = %d", a, b, d)
		}
		if lo, hi := min(len(a), len(b)), max(len(a), len(b)); d < hi-lo || d > hi {
			t.Fatalf("d(%q, %q) = %d, want within [%d, %d]", a, b, d, hi-lo, hi)
		}
	})
}
