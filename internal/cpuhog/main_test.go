package main

import (
	"context"
	"testing"
	"time"
)

func TestHogStopsWhenItsContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { hog(ctx, 2); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("hog did not stop after its context ended")
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-n", "0"}, {"-for", "0s"}, {"-bogus"}} {
		if err := run(args); err == nil {
			t.Errorf("run(%q) accepted", args)
		}
	}
}

func TestRunStopsAfterFor(t *testing.T) {
	done := make(chan error, 1)
	go func() { done <- run([]string{"-n", "1", "-for", "10ms"}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop after -for")
	}
}
