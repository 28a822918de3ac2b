package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/simulator"
)

// testBot is a scripted calling bot: it talks to a Graph base URL (the
// recorder's), hosts its own callback and keeps every notification item it
// receives. Its waits are event-driven and bounded by the test's context.
type testBot struct {
	t      *testing.T
	base   string
	token  string
	appID  string
	cb     *httptest.Server
	client *http.Client

	mu      sync.Mutex
	items   []botItem
	posts   int
	changed chan struct{} // closed and replaced on each arrival
}

type botItem struct {
	Path         string          // the callback path it came to
	ChangeType   string          `json:"changeType"`
	Resource     string          `json:"resource"`
	ResourceData json.RawMessage `json:"resourceData"`
}

// state returns resourceData.state.
func (it botItem) state() string {
	var rd struct {
		State string `json:"state"`
	}
	_ = json.Unmarshal(it.ResourceData, &rd)
	return rd.State
}

// newTestBot starts the bot's callback server and gets a token through
// base (the token endpoint is proxied, not recorded).
func newTestBot(t *testing.T, base string, sim *simulator.Server) *testBot {
	t.Helper()
	b := &testBot{t: t, base: base, changed: make(chan struct{}), client: &http.Client{}}
	b.cb = httptest.NewServer(http.HandlerFunc(b.receive))
	t.Cleanup(b.cb.Close)
	var client simulator.Client
	for _, c := range sim.Sim.Clients() {
		if c.Kind == simulator.ClientCalling {
			client = c
		}
	}
	b.appID = client.ID
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ID},
		"client_secret": {client.Secret}, "scope": {"https://graph.microsoft.com/.default"}}
	resp, err := http.PostForm(base+sim.Sim.TokenPath(), form)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: status %d, %v", resp.StatusCode, err)
	}
	b.token = tok.AccessToken
	return b
}

func (b *testBot) receive(w http.ResponseWriter, r *http.Request) {
	var n struct {
		Value []botItem `json:"value"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &n); err != nil {
		http.Error(w, "not a notification", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	for _, it := range n.Value {
		it.Path = r.URL.Path
		b.items = append(b.items, it)
	}
	b.posts++
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// wait returns the first item received that satisfies ok, waiting for it
// until ctx ends.
func (b *testBot) wait(ctx context.Context, what string, ok func(botItem) bool) botItem {
	b.t.Helper()
	for {
		b.mu.Lock()
		for _, it := range b.items {
			if ok(it) {
				b.mu.Unlock()
				return it
			}
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			b.t.Fatalf("bot: no notification %s before the deadline", what)
			return botItem{}
		}
	}
}

// waitCall waits for a notification on call id with the given change type
// and state ("" = any).
func (b *testBot) waitCall(ctx context.Context, callID, changeType, state string) botItem {
	b.t.Helper()
	want := guid.Normalize(callID)
	return b.wait(ctx, fmt.Sprintf("%s %s on call %s", changeType, state, callID), func(it botItem) bool {
		return it.ChangeType == changeType && strings.HasSuffix(guid.Normalize(it.Resource), "/calls/"+want) &&
			(state == "" || it.state() == state)
	})
}

// call sends a request and returns the status, Location and body.
func (b *testBot) call(ctx context.Context, method, path string, body any) (int, string, []byte) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), out
}

// mustCall is call that fails the test on an unexpected status.
func (b *testBot) mustCall(ctx context.Context, want int, method, path string, body any) (string, []byte) {
	b.t.Helper()
	status, loc, out := b.call(ctx, method, path, body)
	if status != want {
		b.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, out)
	}
	return loc, out
}

// received returns how many items the bot received.
func (b *testBot) received() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.items)
}

// lastSegment returns the last path segment of a URL or path.
func lastSegment(s string) string {
	return s[strings.LastIndex(s, "/")+1:]
}
