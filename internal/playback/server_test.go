package playback

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
)

// bound is how long a test waits for what must happen: it only matters
// when the code is broken.
const bound = 15 * time.Second

func startSmall(t *testing.T, cfg Config) *Server {
	t.Helper()
	f, err := fixture.Parse("small.yaml", []byte(strings.ReplaceAll(smallFixture, "{{tenantIdVar}}", "t1")))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start("127.0.0.1:0", cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		closed := make(chan struct{})
		go func() { srv.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(bound):
			t.Errorf("Close did not return within %s", bound)
		}
	})
	return srv
}

// dial opens a raw connection to srv whose reads give up after bound.
func dial(t *testing.T, srv *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetReadDeadline(time.Now().Add(bound)); err != nil {
		t.Fatal(err)
	}
	return c
}

// awaitClosed reads c until the server closes it, and fails the test if
// the read bound passes first.
func awaitClosed(t *testing.T, c net.Conn, what string) {
	t.Helper()
	_, err := io.Copy(io.Discard, c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: the server kept the connection open for %s", what, bound)
	}
}

// getOnce sends one keep-alive request on c and reads its answer, leaving
// the connection idle.
func getOnce(t *testing.T, c net.Conn, r *bufio.Reader) {
	t.Helper()
	if _, err := io.WriteString(c, "GET /nowhere HTTP/1.1\r\nHost: bot.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || resp.Close {
		t.Fatalf("answer %d (close %v), want a kept-alive 404", resp.StatusCode, resp.Close)
	}
}

func TestSlowBodyIsCutOff(t *testing.T) {
	srv := startSmall(t, Config{ReadTimeout: 200 * time.Millisecond})
	c := dial(t, srv)
	if _, err := fmt.Fprintf(c, "POST /app/calls HTTP/1.1\r\nHost: bot.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", maxBody); err != nil {
		t.Fatal(err)
	}
	// Trickle the body, a byte at a time, until the server hangs up.
	stop := make(chan struct{})
	trickled := make(chan struct{})
	go func() {
		defer close(trickled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := io.WriteString(c, " "); err != nil {
					return
				}
			}
		}
	}()
	defer func() { close(stop); <-trickled }()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Fatalf("the server was still reading the body after %s", bound)
	case err == nil:
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a body cut off answered %d, want 400 or a closed connection", resp.StatusCode)
		}
	}
	awaitClosed(t, c, "a slow body")
	if rep := srv.Report(); rep.Scenarios[0].Steps[0].State != StepNeverMade || len(rep.Unmatched) != 0 {
		t.Errorf("a request cut off counted:\n%s", rep)
	}
}

func TestSlowHeadersAreCutOff(t *testing.T) {
	srv := startSmall(t, Config{ReadTimeout: 200 * time.Millisecond})
	c := dial(t, srv)
	if _, err := io.WriteString(c, "GET /nowhere HTTP/1.1\r\nHost: bot.test\r\n"); err != nil { // no blank line
		t.Fatal(err)
	}
	awaitClosed(t, c, "headers never ended")
}

func TestIdleConnectionIsClosed(t *testing.T) {
	srv := startSmall(t, Config{IdleTimeout: 200 * time.Millisecond})
	c := dial(t, srv)
	getOnce(t, c, bufio.NewReader(c))
	awaitClosed(t, c, "an idle keep-alive connection")
}

// closeWithin calls srv.Close and fails the test unless it returns nil
// within bound.
func closeWithin(t *testing.T, srv *Server, what string) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(bound):
		t.Fatalf("Close did not return within %s while %s", bound, what)
	}
}

func TestCloseClosesIdleConnectionsAtOnce(t *testing.T) {
	srv := startSmall(t, Config{})
	srv.grace = time.Hour // Close must not wait for an idle connection at all
	idle := dial(t, srv)
	getOnce(t, idle, bufio.NewReader(idle))
	closeWithin(t, srv, "a client held an idle keep-alive connection")
	awaitClosed(t, idle, "an idle keep-alive connection after Close")
}

func TestCloseCutsWhatOutlastsTheGrace(t *testing.T) {
	srv := startSmall(t, Config{})
	srv.grace = 100 * time.Millisecond
	silent := dial(t, srv) // connected, never sends a request
	partial := dial(t, srv)
	if _, err := io.WriteString(partial, "GET /nowhere HTTP/1.1\r\n"); err != nil { // a request that never ends
		t.Fatal(err)
	}
	closeWithin(t, srv, "clients held connections past the grace")
	awaitClosed(t, silent, "a connection without a request after Close")
	awaitClosed(t, partial, "a connection with half a request after Close")
}

func TestServerReadsAreBounded(t *testing.T) {
	s := newHTTPServer(http.NotFoundHandler(), withDefaults(Config{}))
	if s.ReadHeaderTimeout != maxHeaderWait || s.ReadTimeout != DefaultReadTimeout || s.IdleTimeout != DefaultIdleTimeout {
		t.Errorf("timeouts: header %v, read %v, idle %v; want %v, %v, %v",
			s.ReadHeaderTimeout, s.ReadTimeout, s.IdleTimeout, maxHeaderWait, DefaultReadTimeout, DefaultIdleTimeout)
	}
	s = newHTTPServer(http.NotFoundHandler(), withDefaults(Config{ReadTimeout: time.Second}))
	if s.ReadHeaderTimeout != time.Second {
		t.Errorf("header timeout %v with a read timeout of 1s, want 1s", s.ReadHeaderTimeout)
	}
}
