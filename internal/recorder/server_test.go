package recorder

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
)

// TestShutdownWithAnExchangeInProgress: a recording stopped while the
// upstream has not answered still writes a fixture that loads, the request
// recorded without an answer.
func TestShutdownWithAnExchangeInProgress(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), flowsBound)
	defer cancel()
	entered := make(chan struct{})
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/app/calls" {
			w.Header().Set("Location", "/app/calls/57dab8b1-894c-409a-b240-bd8beae78896")
			w.WriteHeader(http.StatusCreated)
			return
		}
		close(entered)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer up.Close()
	defer close(release)
	rec, err := Start("127.0.0.1:0", Config{Upstream: up.URL})
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", rec.URL+path, strings.NewReader(`{"a":1}`))
		return http.DefaultClient.Do(req)
	}
	resp, err := post("/app/calls")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	go func() {
		if resp, err := post("/app/calls/57dab8b1-894c-409a-b240-bd8beae78896/participants/invite"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	select {
	case <-entered:
	case <-ctx.Done():
		t.Fatal("the request never reached the upstream")
	}
	sctx, scancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer scancel()
	_ = rec.Shutdown(sctx) // the deadline passes: the exchange is cut
	out := filepath.Join(t.TempDir(), "cut.yaml")
	if err := rec.Recorder.WriteFile(out, Meta{}); err != nil {
		t.Fatal(err)
	}
	fxs, err := fixture.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	steps := fxs[0].Steps
	if len(steps) != 2 || steps[0].Expect == nil || steps[1].Send != "POST /app/calls/{{callId}}/participants/invite" ||
		!strings.HasPrefix(steps[1].Name, "no answer was recorded") || steps[1].Expect != nil {
		data, _ := os.ReadFile(out)
		t.Errorf("steps not as expected:\n%s", data)
	}
}

// TestSlowClientIsCutOff: a client that sends its body a byte at a time
// loses its connection after ReadTimeout instead of holding it forever.
func TestSlowClientIsCutOff(t *testing.T) {
	upstream := httptest.NewServer(http.NotFoundHandler())
	defer upstream.Close()
	srv, err := Start("127.0.0.1:0", Config{Upstream: upstream.URL, ReadTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST /app/calls HTTP/1.1\r\nHost: bot.test\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		buf := make([]byte, 512)
		for {
			if _, err := c.Read(buf); err != nil {
				return // the server hung up (after answering, or not)
			}
		}
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	bound := time.After(30 * time.Second) // only reached when the server never cuts the client off
	for {
		select {
		case <-closed:
			return
		case <-bound:
			t.Fatal("the recorder was still reading a slow body after 30 s")
		case <-tick.C:
			_, _ = io.WriteString(c, " ")
		}
	}
}
