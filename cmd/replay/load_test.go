package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Ctrl-C while fixtures load stops the load: the command ends with the
// tool's own exit code and says it was interrupted, not that the fixtures
// are bad.
func TestInterruptWhileLoading(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{{"run", "../../fixtures"}, {"lint", "../../fixtures"}, {"serve", "../../fixtures/calls/answer-incoming-voip-call.yaml"}} {
		var stdout, stderr bytes.Buffer
		code := run(ctx, args, &stdout, &stderr)
		if code != exitRuntime || !strings.Contains(stderr.String(), "interrupted while loading fixtures") {
			t.Errorf("%v: exit %d, stderr %q; want %d and the interruption named", args, code, stderr.String(), exitRuntime)
		}
	}
}
