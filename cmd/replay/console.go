package main

import (
	"io"
	"sync"

	"github.com/callconform/callconform/internal/excerpt"
)

// consoleWriter serializes writes to a console stream from several
// goroutines and escapes the control characters in what is written
// (excerpt.Printable), so that text from outside (a bot's request, a
// target's answer, a fixture) cannot move the cursor, clear the screen or
// hide what follows. Each Write must hold whole characters, as fmt's
// functions write: a character split across two writes is shown escaped.
type consoleWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (c *consoleWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.w, excerpt.Printable(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
