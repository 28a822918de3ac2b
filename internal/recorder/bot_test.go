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
// receives. A notification delivered again (same callback path, same body:
// the upstream delivers at least once) is counted as a redelivery, not
// kept twice. Its waits are event-driven and bounded by the caller's
// context. The methods that return an error may be called from any
// goroutine; the others fail the test and belong to the test's goroutine.
type testBot struct {
	t           *testing.T
	base        string
	token       string
	appID       string
	cb          *httptest.Server
	client      *http.Client
	mu          sync.Mutex
	stall       bool // see stallFirstDeliveries
	items       []botItem
	seen        map[string]bool // callback path + body of each notification received
	redelivered int
	changed     chan struct{} // closed and replaced on each arrival
	closed      chan struct{} // closed when the test ends: a held delivery lets go
}

// botItem is one notification item the bot received.
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
	b := &testBot{t: t, base: base, changed: make(chan struct{}), closed: make(chan struct{}), seen: map[string]bool{}, client: &http.Client{}}
	b.cb = httptest.NewServer(http.HandlerFunc(b.receive))
	t.Cleanup(b.cb.Close)
	t.Cleanup(func() { close(b.closed) }) // runs before b.cb.Close, which waits for held deliveries
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
	key := r.URL.Path + "\x00" + string(body)
	b.mu.Lock()
	first := !b.seen[key]
	if first {
		b.seen[key] = true
		for _, it := range n.Value {
			it.Path = r.URL.Path
			b.items = append(b.items, it)
		}
	} else {
		b.redelivered++
	}
	close(b.changed)
	b.changed = make(chan struct{})
	stall := b.stall && first
	b.mu.Unlock()
	if stall {
		select {
		case <-r.Context().Done():
		case <-b.closed:
		}
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// stallFirstDeliveries makes the bot hold the first delivery of each
// notification, unanswered, until the upstream gives up on it, so that
// every notification is delivered again.
func (b *testBot) stallFirstDeliveries() {
	b.mu.Lock()
	b.stall = true
	b.mu.Unlock()
}

// waitFor returns the first item received that satisfies ok, or an error
// once ctx ends.
func (b *testBot) waitFor(ctx context.Context, what string, ok func(botItem) bool) (botItem, error) {
	var found botItem
	err := b.waitUntil(ctx, "notification "+what, func() bool {
		for _, it := range b.items {
			if ok(it) {
				found = it
				return true
			}
		}
		return false
	})
	return found, err
}

// waitUntil waits until cond, called with the bot's lock held at each
// arrival, is true, and returns an error once ctx ends.
func (b *testBot) waitUntil(ctx context.Context, what string, cond func() bool) error {
	for {
		b.mu.Lock()
		done, ch := cond(), b.changed
		b.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("bot: no %s: %w", what, ctx.Err())
		}
	}
}

// wait is waitFor that fails the test.
func (b *testBot) wait(ctx context.Context, what string, ok func(botItem) bool) botItem {
	b.t.Helper()
	it, err := b.waitFor(ctx, what, ok)
	if err != nil {
		b.t.Fatal(err)
	}
	return it
}

// awaitCall waits for a notification on call id with the given change
// type and state ("" = any), and returns an error once ctx ends.
func (b *testBot) awaitCall(ctx context.Context, callID, changeType, state string) error {
	want := guid.Normalize(callID)
	_, err := b.waitFor(ctx, fmt.Sprintf("%s %s on call %s", changeType, state, callID), func(it botItem) bool {
		return it.ChangeType == changeType && strings.HasSuffix(guid.Normalize(it.Resource), "/calls/"+want) &&
			(state == "" || it.state() == state)
	})
	return err
}

// waitCall is awaitCall that fails the test.
func (b *testBot) waitCall(ctx context.Context, callID, changeType, state string) {
	b.t.Helper()
	if err := b.awaitCall(ctx, callID, changeType, state); err != nil {
		b.t.Fatal(err)
	}
}

// do sends a request and returns the status, Location and body.
func (b *testBot) do(ctx context.Context, method, path string, body any) (int, string, []byte, error) {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return 0, "", nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, "", nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", nil, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), out, nil
}

// expect is do that returns an error on a status other than want.
func (b *testBot) expect(ctx context.Context, want int, method, path string, body any) (string, []byte, error) {
	status, loc, out, err := b.do(ctx, method, path, body)
	if err == nil && status != want {
		err = fmt.Errorf("%s %s: status %d, want %d: %s", method, path, status, want, out)
	}
	return loc, out, err
}

// mustCall is expect that fails the test.
func (b *testBot) mustCall(ctx context.Context, want int, method, path string, body any) (string, []byte) {
	b.t.Helper()
	loc, out, err := b.expect(ctx, want, method, path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	return loc, out
}

// distinctPosts returns how many distinct notification POSTs the bot
// received.
func (b *testBot) distinctPosts() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.seen)
}

// received returns how many distinct notification items the bot received,
// and how many deliveries repeated one it had.
func (b *testBot) received() (items, redelivered int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.items), b.redelivered
}

// lastSegment returns the last path segment of a URL or path.
func lastSegment(s string) string {
	return s[strings.LastIndex(s, "/")+1:]
}
