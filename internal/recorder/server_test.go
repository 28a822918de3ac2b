package recorder

import (
	"context"
	"io"
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
