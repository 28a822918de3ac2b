package recorder

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
)

// The kill test runs a recorder in a child process: this test binary,
// started again with these variables set.
const (
	childUpstreamEnv = "CALLCONFORM_RECORDER_CHILD_UPSTREAM"
	childJournalEnv  = "CALLCONFORM_RECORDER_CHILD_JOURNAL"
)

func TestMain(m *testing.M) {
	if up := os.Getenv(childUpstreamEnv); up != "" {
		os.Exit(runRecorderChild(up, os.Getenv(childJournalEnv)))
	}
	os.Exit(m.Run())
}

// runRecorderChild records until its stdin closes (or it is killed),
// saying where it listens on stdout.
func runRecorderChild(upstream, journal string) int {
	srv, err := Start("127.0.0.1:0", Config{Upstream: upstream, JournalPath: journal, AppID: testAppID, TenantID: testTenantID})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	fmt.Printf("listening %s\n", srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// Secrets a bot sends that must never reach the journal.
const (
	killJWT    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBpZCI6IjEyMzQifQ.c2lnbmF0dXJlLWJ5dGVz"
	killSecret = "kq3Zx9LmT2vB7nW4yH8pJ6rD"
	killPhone  = "+14255550123"
)

// botSide is a bot's callback that accepts every notification and counts
// the items.
type botSide struct {
	srv   *httptest.Server
	mu    sync.Mutex
	items int
}

func newBotSide(t *testing.T) *botSide {
	b := &botSide{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n struct{ Value []json.RawMessage }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &n)
		b.mu.Lock()
		b.items += len(n.Value)
		b.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

// createCall creates a call through the recorder at base, with planted
// secrets, and returns its id and the answer the bot got.
func createCall(t *testing.T, ctx context.Context, s *realSamples, base, callback string) (string, *http.Response, []byte) {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(s.createReq, &body); err != nil {
		t.Fatal(err)
	}
	body["callbackUri"] = callback
	body["clientSecret"] = killSecret
	body["targets"].([]any)[0].(map[string]any)["identity"].(map[string]any)["phone"] = map[string]any{"id": killPhone}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/communications/calls", bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+killJWT)
	req.Header.Set("X-Debug", "Bearer "+killJWT)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create a call through the recorder: %d %s", resp.StatusCode, answer)
	}
	loc := resp.Header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:], resp, answer
}

// startChild starts a recorder in a child process and returns its URL.
func startChild(t *testing.T, ctx context.Context, upstream, journal string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childUpstreamEnv+"="+upstream, childJournalEnv+"="+journal)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close() })
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		url, ok := strings.CutPrefix(strings.TrimSpace(l), "listening ")
		if !ok {
			t.Fatalf("the recorder did not start: %q", l)
		}
		return cmd, url
	case <-ctx.Done():
		t.Fatal("the recorder did not start in time")
	}
	return nil, ""
}

// TestKilledRecorderLosesOnlyTheExchangeInFlight: a recorder killed with
// SIGKILL while an exchange is in flight leaves a journal (mode 0600, no
// secret the bot sent in it) from which --finish writes a fixture holding
// every exchange that had completed, and not the one in flight.
func TestKilledRecorderLosesOnlyTheExchangeInFlight(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := loadRealSamples(t)
	g := newFakeGraph(t, s)
	bot := newBotSide(t)
	dir := t.TempDir()
	journal := filepath.Join(dir, "session.journal")
	cmd, base := startChild(t, ctx, g.base, journal)

	var calls []string
	for range 2 {
		call, _, _ := createCall(t, ctx, s, base, bot.srv.URL+"/cb")
		calls = append(calls, call)
		for k := range 2 {
			if code, err := g.notify(ctx, call, "create-p2p", k); err != nil || code != http.StatusAccepted {
				t.Fatalf("notification through the recorder: %d %v", code, err)
			}
		}
	}
	// The invite is in flight when the recorder dies.
	g.holdInvites(calls[1])
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/communications/calls/"+calls[1]+"/participants/invite", bytes.NewReader(s.inviteReq))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-g.held:
	case <-ctx.Done():
		t.Fatal("the invite never reached the upstream")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	info, err := os.Stat(journal)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", info.Mode().Perm())
	}
	raw, _ := os.ReadFile(journal)
	for _, secret := range []string{killJWT, killSecret, killPhone, testTenantID, testAppID} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the journal holds %q", secret)
		}
	}

	out := filepath.Join(dir, "session.yaml")
	res, err := Finish(journal, out, Meta{ID: "killed"})
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	if len(res.Notes) > 0 {
		t.Errorf("notes %q, want none: nothing was being written", res.Notes)
	}
	fxs, err := fixture.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	var sends []string
	for _, st := range fxs[0].Steps {
		if st.Send != "" {
			sends = append(sends, st.Send)
		}
	}
	want := []string{"POST /communications/calls", "POST /communications/calls"}
	if strings.Join(sends, "\n") != strings.Join(want, "\n") {
		t.Errorf("send steps %q, want %q: every request answered, not the one in flight", sends, want)
	}
	bot.mu.Lock()
	items := bot.items
	bot.mu.Unlock()
	if n := countExpectations(fxs[0]); n != items || n != 4 {
		t.Errorf("the fixture expects %d notifications, the bot received %d, want 4", n, items)
	}
	last := fxs[0].Steps[len(fxs[0].Steps)-1]
	if last.Await == nil || !strings.Contains(string(last.Await.Expect[len(last.Await.Expect)-1].Exemplar), `"state":"established"`) {
		t.Errorf("the last step is not the last notification that completed: %+v", last)
	}
}

// TestFinishSkipsATornLastLine: a journal whose last line was cut short
// (the recorder killed while writing it) gives the fixture of the lines
// before it, with a note; a bad line elsewhere is an error naming it.
func TestFinishSkipsATornLastLine(t *testing.T) {
	s := loadRealSamples(t)
	dir := t.TempDir()
	journal := filepath.Join(dir, "s.journal")
	writeSyntheticJournal(t, journal, s, 1)
	whole := filepath.Join(dir, "whole.yaml")
	if _, err := Finish(journal, whole, Meta{ID: "s"}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(journal)
	torn := append(bytes.Clone(good), []byte(`{"seq":9,"at":"2026-11-30T07:00:00Z","note":true,"body":{"value":[{"chan`)...)
	if err := os.WriteFile(journal, torn, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "torn.yaml")
	res, err := Finish(journal, out, Meta{ID: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "torn") {
		t.Errorf("notes %q, want one about the torn line", res.Notes)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Errorf("the fixture of the torn journal differs from the whole one's")
	}

	lines := bytes.SplitAfter(good, []byte("\n"))
	lines[2] = []byte("{not json\n")
	if err := os.WriteFile(journal, bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Finish(journal, out, Meta{ID: "s"}); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("a bad line in the middle: %v, want an error naming line 3", err)
	}
}
