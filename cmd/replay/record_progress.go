package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/callconform/callconform/internal/recorder"
)

// progressEvery is how often the progress line may change: a few times a
// second, so that a busy recording does not flood the terminal.
const progressEvery = 250 * time.Millisecond

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// showProgress keeps one line on w up to date with stats: calls, requests,
// notifications and bytes journaled, rewritten in place (carriage return)
// at most every progressEvery and only when it changed. The returned stop
// ends the line; the caller must call it.
func showProgress(w io.Writer, stats func() recorder.Stats) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		last := ""
		for {
			select {
			case <-done:
				if last != "" {
					_, _ = io.WriteString(w, "\n")
				}
				return
			case <-t.C:
			}
			line := progressLine(stats())
			if line != last {
				_, _ = fmt.Fprintf(w, "\r%s\x1b[K", line)
				last = line
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// progressLine says what a recording holds so far.
func progressLine(st recorder.Stats) string {
	return fmt.Sprintf("recording: %d call(s), %d request(s), %d notification(s), %s journaled",
		st.Calls, st.Requests, st.Notifications, byteSize(st.BytesWritten))
}

// byteSize writes n bytes as B, KiB, MiB or GiB.
func byteSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}
