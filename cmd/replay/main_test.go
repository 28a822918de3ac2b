package main

import (
	"strings"
	"testing"
)

// TestEveryCommandHasHelpWithExamples: `replay CMD --help` prints the usage
// once, to stdout, with examples, and exits 0.
func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	for _, c := range commands() {
		for _, flag := range []string{"--help", "-h"} {
			code, out, errOut := replay(t, c.name, flag)
			if code != 0 {
				t.Errorf("%s %s: exit %d", c.name, flag, code)
			}
			if !strings.Contains(out, "Examples:") {
				t.Errorf("%s %s: no examples in:\n%s", c.name, flag, out)
			}
			if strings.Count(out, "Usage:") != 1 || errOut != "" {
				t.Errorf("%s %s: usage printed %d times to stdout, stderr %q", c.name, flag, strings.Count(out, "Usage:"), errOut)
			}
		}
	}
}

func TestUnknownCommandAndFlag(t *testing.T) {
	if code, _, errOut := replay(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr %q", code, errOut)
	}
	for _, c := range commands() {
		if code, _, errOut := replay(t, c.name, "--no-such-flag"); code != 2 || !strings.Contains(errOut, "no-such-flag") {
			t.Errorf("%s --no-such-flag: exit %d, stderr %q", c.name, code, errOut)
		}
	}
}
