package interop

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
	"time"

	"github.com/callconform/callconform/simulator"
)

// waitBound bounds every wait for a notification or an answer. It only
// matters when something is broken.
const waitBound = 30 * time.Second

// startSim starts a simulator on a free loopback port, closed at the end
// of the test.
func startSim(t *testing.T, cfg simulator.Config) *simulator.Server {
	t.Helper()
	srv, err := simulator.Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("start the simulator: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close the simulator: %v", err)
		}
	})
	return srv
}

// callingCredentials returns the credentials of the simulator's built-in
// client with the calling permissions.
func callingCredentials(t *testing.T, srv *simulator.Server) Credentials {
	t.Helper()
	for _, c := range srv.Sim.Clients() {
		if c.Kind == simulator.ClientCalling {
			return Credentials{TokenURL: srv.TokenURL, ClientID: c.ID, ClientSecret: c.Secret}
		}
	}
	t.Fatal("the simulator has no calling client")
	return Credentials{}
}

// callingToken fetches a token of the calling client with ClientCredentials.
func callingToken(t *testing.T, srv *simulator.Server) string {
	t.Helper()
	p, err := NewClientCredentials(callingCredentials(t, srv), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	tok, err := p.GetAuthorizationToken(ctx, mustURL(t, srv.URL), nil)
	if err != nil || tok == "" {
		t.Fatalf("token: %q, %v", tok, err)
	}
	return tok
}

// reply is an answer of the simulator to a raw request.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends a raw request with a JSON body (nil for none) to the simulator.
func do(t *testing.T, srv *simulator.Server, token, method, path string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the answer: %v", method, path, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// note is one notification as plain JSON, for the tests' own bookkeeping
// (what arrived, for which call), independent of the parser under test.
type note struct {
	ChangeType   string          `json:"changeType"`
	Resource     string          `json:"resource"`
	ResourceURL  string          `json:"resourceUrl"`
	ResourceData json.RawMessage `json:"resourceData"`
}

// path returns the note's resource path: resourceUrl, else resource.
func (n note) path() string {
	if n.ResourceURL != "" {
		return n.ResourceURL
	}
	return n.Resource
}

// summary is "changeType kind[:state or status]", e.g. "updated call:established".
func (n note) summary() string {
	s := n.ChangeType + " "
	switch p := n.path(); {
	case strings.HasSuffix(p, "/participants"):
		return s + "roster"
	case strings.Contains(p, "/operations/"):
		var d struct{ Status string }
		_ = json.Unmarshal(n.ResourceData, &d)
		return s + "operation:" + d.Status
	default:
		var d struct{ State string }
		_ = json.Unmarshal(n.ResourceData, &d)
		s += "call"
		if d.State != "" {
			s += ":" + d.State
		}
		return s
	}
}

// objects counts the resourceData objects of the note: 1 for an object,
// the length of an array, 0 for none.
func (n note) objects() int {
	var arr []json.RawMessage
	switch {
	case len(n.ResourceData) == 0 || string(n.ResourceData) == "null":
		return 0
	case json.Unmarshal(n.ResourceData, &arr) == nil:
		return len(arr)
	}
	return 1
}

// received is one notification POST body and its items.
type received struct {
	body  []byte
	notes []note
}

// callback is the bot's notification endpoint: it keeps every POST body,
// a redelivery (the same bytes again) once, and answers 202.
type callback struct {
	srv     *httptest.Server
	arrived chan struct{}

	mu     sync.Mutex
	bodies []received
	seen   map[string]bool
	bad    []string
}

func newCallback(t *testing.T) *callback {
	c := &callback{arrived: make(chan struct{}, 1), seen: make(map[string]bool)}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

// URL returns the callback URL to give the simulator.
func (c *callback) URL() string { return c.srv.URL + "/callback" }

func (c *callback) serve(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	var env struct {
		Value []note `json:"value"`
	}
	c.mu.Lock()
	if !c.seen[string(b)] {
		c.seen[string(b)] = true
		if err := json.Unmarshal(b, &env); err != nil {
			c.bad = append(c.bad, fmt.Sprintf("%v: %s", err, b))
		}
		c.bodies = append(c.bodies, received{body: b, notes: env.Value})
	}
	c.mu.Unlock()
	select {
	case c.arrived <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusAccepted)
}

// all returns what arrived so far.
func (c *callback) all() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.bodies...)
}

// notes returns the items that arrived so far for resources under prefix
// (a call's resource path, either root), in arrival order.
func (c *callback) notes(prefix ...string) []note {
	var out []note
	for _, r := range c.all() {
		for _, n := range r.notes {
			for _, p := range prefix {
				if strings.HasPrefix(strings.ToLower(n.path()), strings.ToLower(p)) {
					out = append(out, n)
					break
				}
			}
		}
	}
	return out
}

// waitFor waits until done holds for the notes under prefix, at most
// waitBound, and returns them.
func (c *callback) waitFor(t *testing.T, what string, done func([]note) bool, prefix ...string) []note {
	t.Helper()
	timer := time.NewTimer(waitBound)
	defer timer.Stop()
	for {
		ns := c.notes(prefix...)
		if done(ns) {
			return ns
		}
		select {
		case <-c.arrived:
		case <-timer.C:
			t.Fatalf("no %s within %v; got %q", what, waitBound, summaries(c.notes(prefix...)))
		}
	}
}

// has returns a done func of waitFor: some note has that summary.
func has(summary string) func([]note) bool {
	return func(ns []note) bool {
		for _, n := range ns {
			if n.summary() == summary {
				return true
			}
		}
		return false
	}
}

func summaries(ns []note) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.summary()
	}
	return out
}

// parseAll parses every body the callbacks received with Parse and
// returns the number of notifications and of resourceData objects parsed,
// and the losses known gaps explain. Any other problem fails the test,
// naming the body.
func parseAll(t *testing.T, cbs ...*callback) (notifications, objects int, gaps []*LossError) {
	t.Helper()
	for _, cb := range cbs {
		cb.mu.Lock()
		bad := cb.bad
		cb.mu.Unlock()
		if len(bad) > 0 {
			t.Errorf("bodies that are not JSON: %q", bad)
		}
		for _, r := range cb.all() {
			ns, err := Parse(r.body)
			explained, rest := Tolerate(err)
			if rest != nil {
				t.Errorf("the SDK cannot read a notification the simulator sent:\n%v\nbody: %s", rest, r.body)
				continue
			}
			gaps = append(gaps, explained...)
			if len(ns) != len(r.notes) {
				t.Errorf("Parse returned %d notifications, the body has %d: %s", len(ns), len(r.notes), r.body)
			}
			for i, n := range ns {
				if i < len(r.notes) && n.Objects() != r.notes[i].objects() {
					t.Errorf("Parse read %d objects of value[%d], the body has %d: %s", n.Objects(), i, r.notes[i].objects(), r.body)
				}
				objects += n.Objects()
			}
			notifications += len(ns)
		}
	}
	return notifications, objects, gaps
}

// mustURL parses a URL of the test.
func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// count returns a done func of waitFor: n notes have that summary.
func count(summary string, n int) func([]note) bool {
	return func(ns []note) bool {
		k := 0
		for _, x := range ns {
			if x.summary() == summary {
				k++
			}
		}
		return k >= n
	}
}
