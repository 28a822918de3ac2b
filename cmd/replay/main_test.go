package main

import (
	"flag"
	"io"
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

func TestFlagsAfterPositionals(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	listen := fs.String("listen", "", "")
	quiet := fs.Bool("q", false, "")
	help, err := parseFlags(fs, []string{"a.yaml", "--listen", "127.0.0.1:1", "b", "-q", "--", "-c"}, io.Discard)
	if help || err != nil {
		t.Fatalf("help %v, err %v", help, err)
	}
	if *listen != "127.0.0.1:1" || !*quiet || strings.Join(fs.Args(), " ") != "a.yaml b -c" {
		t.Errorf("listen %q, q %v, args %q", *listen, *quiet, fs.Args())
	}
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("listen", "", "")
	if _, err := parseFlags(fs, []string{"a.yaml", "--listen"}, io.Discard); err == nil || !strings.Contains(err.Error(), "flag needs an argument") {
		t.Errorf("a value flag at the end: err %v", err)
	}
}
