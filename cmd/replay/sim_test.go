package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/simulator"
)

// syncBuffer is an io.Writer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// banner is what replay sim printed on start.
type banner struct {
	base, tokenURL, appID, clientID, secret string
	lines                                   []string
}

// startSim runs replay sim with args until the test ends and returns its
// banner and a function that stops it and returns runSim's error.
func startSim(t *testing.T, args ...string) (banner, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		err := runSim(ctx, args, pw, stderr)
		pw.Close()
		done <- err
	}()
	lines := make(chan string, 256)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, pr)
	}()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("replay sim did not stop after its context was cancelled")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })

	var b banner
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("replay sim ended before serving: %v\nstderr: %s", stop(), stderr.String())
			}
			b.lines = append(b.lines, l)
			f := strings.Fields(l)
			switch {
			case strings.HasPrefix(l, "  base URL"):
				b.base = f[2]
			case strings.HasPrefix(l, "  token URL"):
				b.tokenURL = f[2]
			case strings.HasPrefix(l, "  app id"):
				b.appID = f[2]
			case len(f) > 4 && f[0] == "calling":
				b.clientID, b.secret = f[2], f[4]
			case strings.HasPrefix(l, "Serving until interrupted"):
				return b, stop
			}
		case <-timeout:
			t.Fatalf("no banner; printed so far:\n%s", strings.Join(b.lines, "\n"))
		}
	}
}

func TestSimServesUntilCancelled(t *testing.T) {
	b, stop := startSim(t, "--listen", "127.0.0.1:0", "--invite-answer", "200")
	if !strings.HasPrefix(b.base, "http://127.0.0.1:") || b.tokenURL == "" || b.clientID == "" || b.secret == "" {
		t.Fatalf("banner:\n%s", strings.Join(b.lines, "\n"))
	}
	banner := strings.Join(b.lines, "\n")
	for _, want := range []string{"OpenID config   " + b.base + "/.well-known/openid-configuration", "tenant id", "none ", "delegated ",
		"replay run --target " + b.base} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}

	resp, err := http.PostForm(b.tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {b.clientID},
		"client_secret": {b.secret}, "scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token: %d", resp.StatusCode)
	}

	established := make(chan struct{}, 4)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"state":"established"`)) {
			established <- struct{}{}
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer bot.Close()
	call, _ := json.Marshal(map[string]any{
		"callback":            bot.URL,
		"requestedModalities": []string{},
		"meetingInfo":         map[string]any{"organizer": map[string]any{"user": map[string]any{"id": "u"}}},
	})
	req, _ := http.NewRequest("POST", b.base+"/app/calls", bytes.NewReader(call))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(resp.Header.Get("Location"), b.base+"/app/calls/") {
		t.Fatalf("create call: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	select {
	case <-established:
	case <-time.After(10 * time.Second):
		t.Fatal("no established notification")
	}
	if err := stop(); err != nil {
		t.Fatalf("runSim: %v", err)
	}
	if _, err := http.Get(b.base + "/_control"); err == nil {
		t.Error("still serving after the context ended")
	}
}

func TestSimHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runSim(context.Background(), []string{"--help"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage: replay sim", "--listen", "--config", "--invite-answer", "Examples:",
		"replay sim --listen 127.0.0.1:0", "invite-no-location"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestSimUsageErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("inviteAnswer: \"200\"\ncolour: blue\n"), 0o600)
	badDuration := filepath.Join(dir, "duration.yaml")
	os.WriteFile(badDuration, []byte("stepDelay: 5\n"), 0o600)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"unknown flag":             {[]string{"--nope"}, "nope"},
		"missing value":            {[]string{"--listen"}, "listen"},
		"extra argument":           {[]string{"now"}, "now"},
		"bad invite answer":        {[]string{"--listen", "127.0.0.1:0", "--invite-answer", "201"}, "201"},
		"unknown profile":          {[]string{"--listen", "127.0.0.1:0", "--profile", "v2"}, "v2"},
		"v1.0 answers invites 200": {[]string{"--listen", "127.0.0.1:0", "--profile", "v1.0", "--invite-answer", "202"}, "InviteAnswer 202"},
		"unknown break":            {[]string{"--listen", "127.0.0.1:0", "--break", "teleport"}, "teleport"},
		"unknown config key":       {[]string{"--config", unknown}, unknown},
		"bad duration":             {[]string{"--config", badDuration}, badDuration},
		"missing config file":      {[]string{"--config", filepath.Join(dir, "none.yaml")}, "none.yaml"},
	} {
		t.Run(name, func(t *testing.T) {
			err := runSim(context.Background(), tc.args, io.Discard, io.Discard)
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != exitUsage {
				t.Fatalf("error %v is not a usage error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}
}

func TestSimListenFailureIsARuntimeError(t *testing.T) {
	err := runSim(context.Background(), []string{"--listen", "256.0.0.1:0"}, io.Discard, io.Discard)
	var ee *exitError
	if err == nil || errors.As(err, &ee) {
		t.Errorf("error %v; want a runtime error", err)
	}
}

func TestSimConfigFile(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "sim.yaml")
	yaml := "appId: AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE\ninviteAnswer: \"200\"\nbreak: [invite-wrong-status]\ndelivery: {attempts: 2, backoff: 10ms}\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	b, stop := startSim(t, "--config", cfg, "--listen", "127.0.0.1:0")
	banner := strings.Join(b.lines, "\n")
	if b.appID != "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" || b.clientID != b.appID || !strings.Contains(banner, "breaks          invite-wrong-status") {
		t.Errorf("banner:\n%s", banner)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// Every setting of simulator.Config that a file can give is read from the
// config file, under the names the help shows.
func TestSimConfigFileEverySetting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sim.yaml")
	yaml := `profile: v1.0
appId: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
tenantId: 11111111-2222-4333-8444-555555555555
baseUrl: https://sim.example.test
inviteAnswer: "200"
uniformIds: true
stepDelay: 5ms
break: [wrong-resource, no-resource-url]
delivery: {attempts: 2, backoff: 10ms, maxBackoff: 1s, timeout: 3s}
answerTimeout: 20s
establishTimeout: 90s
keepAliveTimeout: 30m
maxCalls: 50
server: {readHeaderTimeout: 4s, readTimeout: 6s, idleTimeout: 7s, shutdownTimeout: 8s}
establishedFirst: true
resourceUrlOnly: true
noInviteLocation: true
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := loadSimConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := simulator.Config{
		Profile: "v1.0", AppID: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", TenantID: "11111111-2222-4333-8444-555555555555",
		BaseURL: "https://sim.example.test", InviteAnswer: "200", UniformIDs: true, StepDelay: 5 * time.Millisecond,
		Break:         []string{"wrong-resource", "no-resource-url"},
		Delivery:      simulator.DeliveryConfig{Attempts: 2, Backoff: 10 * time.Millisecond, MaxBackoff: time.Second, Timeout: 3 * time.Second},
		AnswerTimeout: 20 * time.Second, EstablishTimeout: 90 * time.Second, KeepAliveTimeout: 30 * time.Minute, MaxCalls: 50,
		Server: simulator.ServerConfig{ReadHeaderTimeout: 4 * time.Second, ReadTimeout: 6 * time.Second,
			IdleTimeout: 7 * time.Second, ShutdownTimeout: 8 * time.Second},
		EstablishedFirst: true, ResourceURLOnly: true, NoInviteLocation: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	// The simulator accepts what the file gives.
	_, stop := startSim(t, "--config", path, "--listen", "127.0.0.1:0")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// replay sim --profile v1.0 serves the calls API as a bot written with the
// Graph SDK calls it, and says so in its banner.
func TestSimProfileV1(t *testing.T) {
	b, stop := startSim(t, "--listen", "127.0.0.1:0", "--profile", "v1.0")
	banner := strings.Join(b.lines, "\n")
	for _, want := range []string{"profile v1.0", "calls API       " + b.base + "/communications/calls", "--profile v1.0"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	tok := bannerToken(t, b)
	established := make(chan struct{}, 4)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"state":"established"`)) && bytes.Contains(body, []byte(`"resourceUrl":"/communications/calls/`)) {
			established <- struct{}{}
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer bot.Close()
	call, _ := json.Marshal(map[string]any{
		"@odata.type": "#microsoft.graph.call", "callbackUri": bot.URL, "requestedModalities": []string{"audio"},
		"mediaConfig": map[string]any{"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
		"targets":     []any{map[string]any{"identity": map[string]any{"user": map[string]any{"id": "u"}}}},
	})
	req, _ := http.NewRequest("POST", b.base+"/communications/calls", bytes.NewReader(call))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(resp.Header.Get("Location"), b.base+"/communications/calls/") {
		t.Fatalf("create call: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	select {
	case <-established:
	case <-time.After(10 * time.Second):
		t.Fatal("no established notification in the v1.0 shape")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// bannerToken gets a token of the calling client a replay sim banner names.
func bannerToken(t *testing.T, b banner) string {
	t.Helper()
	resp, err := http.PostForm(b.tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {b.clientID},
		"client_secret": {b.secret}, "scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}
