package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/simulator"
)

var (
	recordingAt = regexp.MustCompile(`point the bot's Graph base URL at (\S+)`)
	callbacksAt = regexp.MustCompile(`notifications are expected at (\S+)`)
)

// TestRecordInterrupted: a recording ended by cancelling its context (what
// SIGINT and SIGTERM do) writes what it captured: a complete fixture that
// loads, mode 0600, exit 0.
func TestRecordInterrupted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	out := filepath.Join(t.TempDir(), "join meeting.yaml")

	recCtx, interrupt := context.WithCancel(ctx)
	defer interrupt()
	stdout, stderr := newWatchedOutput(), newWatchedOutput()
	done := make(chan error, 1)
	go func() {
		done <- runRecord(recCtx, []string{"--upstream", sim.URL, "--listen", "127.0.0.1:0", "--out", out}, stdout, stderr)
	}()
	base := stdout.waitFor(ctx, t, recordingAt)
	// The banner's next line may be written a moment after the first.
	if cb := stdout.waitFor(ctx, t, callbacksAt); cb != base+"/callbacks/{n}" {
		t.Errorf("the banner says notifications are expected at %s, want %s/callbacks/{n}:\n%s", cb, base, stdout)
	}

	// A bot joins a meeting through the recorder and hears it established.
	established := make(chan struct{})
	var once sync.Once
	botCB := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"established"`) {
			once.Do(func() { close(established) })
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer botCB.Close()
	token := simToken(t, sim)
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/app/calls", strings.NewReader(`{"callback":"`+botCB.URL+`","requestedModalities":[],"meetingInfo":{"organizer":{"user":{"id":"11111111-2222-4333-8444-555555555555"}}}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("join through the recorder: %d", resp.StatusCode)
	}
	select {
	case <-established:
	case <-ctx.Done():
		t.Fatal("the bot never heard its call established")
	}

	interrupt()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("record returned %v after the interrupt, want nil (exit 0); stderr:\n%s", err, stderr)
		}
	case <-ctx.Done():
		t.Fatal("record did not return after the interrupt")
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatalf("no fixture written: %v\nstdout:\n%s", err, stdout)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	fxs, err := fixture.Load(out)
	if err != nil {
		t.Fatalf("the fixture written on interrupt does not load: %v", err)
	}
	f := fxs[0]
	if f.ID != "join-meeting" || len(f.Steps) < 2 || f.Steps[0].Send != "POST /app/calls" || f.Steps[1].Await == nil {
		t.Errorf("fixture %q with steps %+v, want join-meeting: a send and an await", f.ID, f.Steps)
	}
	data, _ := os.ReadFile(out)
	if strings.Contains(string(data), token) || strings.Contains(string(data), "11111111-2222-4333-8444-555555555555") {
		t.Error("the fixture holds the token or the organizer's id")
	}
	if !strings.Contains(stdout.String(), "wrote "+out) {
		t.Errorf("record does not say what it wrote:\n%s", stdout)
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.tmp")); len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
	if code, lintOut, _ := replay(t, "lint", out); code != 0 {
		t.Errorf("replay lint refuses the recorded fixture (exit %d):\n%s", code, lintOut)
	}
}

func simToken(t *testing.T, sim *simulator.Server) string {
	t.Helper()
	for _, c := range sim.Sim.Clients() {
		if c.Kind != simulator.ClientCalling {
			continue
		}
		resp, err := http.PostForm(sim.TokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID},
			"client_secret": {c.Secret}, "scope": {"https://graph.microsoft.com/.default"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	t.Fatal("no calling client")
	return ""
}

// TestRecordNothingRecorded: interrupted before any request, record writes
// no file (a fixture needs a step) and exits 0.
func TestRecordNothingRecorded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := filepath.Join(t.TempDir(), "empty.yaml")
	recCtx, interrupt := context.WithCancel(ctx)
	stdout := newWatchedOutput()
	done := make(chan error, 1)
	go func() {
		done <- runRecord(recCtx, []string{"--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--out", out}, stdout, io.Discard)
	}()
	stdout.waitFor(ctx, t, recordingAt)
	interrupt()
	if err := <-done; err != nil {
		t.Fatalf("record: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a fixture was written for an empty recording: %v", err)
	}
	if !strings.Contains(stdout.String(), "nothing was recorded") {
		t.Errorf("record does not say nothing was recorded:\n%s", stdout)
	}
}

func TestRecordUsage(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte("- {kind: ticket, pattern: '(('}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", filepath.Join(dir, "f.yaml")}, "--upstream and --out are required"},
		{[]string{"--upstream", "http://127.0.0.1:1"}, "--upstream and --out are required"},
		{[]string{"--upstream", "ftp://x", "--out", filepath.Join(dir, "f.yaml")}, "--upstream wants an http(s) base URL"},
		{[]string{"--upstream", "http://127.0.0.1:1", "--out", filepath.Join(dir, "no/such/f.yaml")}, "does not exist"},
		{[]string{"--upstream", "http://127.0.0.1:1", "--out", filepath.Join(dir, "f.yaml"), "--redact-rules", rules}, "bad pattern"},
	} {
		code, _, errOut := replay(t, append([]string{"record"}, tt.args...)...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("record %v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}
