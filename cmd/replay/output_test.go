package main

import (
	"bytes"
	"context"
	"regexp"
	"sync"
	"testing"
)

// watchedOutput keeps what a command writes and wakes waiters on each write.
type watchedOutput struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newWatchedOutput() *watchedOutput { return &watchedOutput{changed: make(chan struct{})} }

func (o *watchedOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, err := o.buf.Write(p)
	close(o.changed)
	o.changed = make(chan struct{})
	return n, err
}

func (o *watchedOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor returns the first submatch of re in the output, waiting for it
// until ctx ends.
func (o *watchedOutput) waitFor(ctx context.Context, t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	for {
		o.mu.Lock()
		m := re.FindStringSubmatch(o.buf.String())
		ch := o.changed
		o.mu.Unlock()
		if m != nil {
			return m[1]
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("no %q in the output before the deadline:\n%s", re, o.String())
		}
	}
}
