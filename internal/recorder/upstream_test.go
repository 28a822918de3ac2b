package recorder

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// fakeGraph is an upstream under a base path (/v1.0) that answers a call
// creation and an invite with the real service's documented bodies, and
// posts notifications, built from real samples, to the callback a call was
// created with (the recorder's). An invite to a call in hold waits until
// release is closed.
type fakeGraph struct {
	t       testing.TB
	s       *realSamples
	srv     *httptest.Server
	base    string // srv.URL + "/v1.0"
	hold    map[string]bool
	held    chan struct{} // closed when a held invite arrived
	release chan struct{}

	mu        sync.Mutex
	callbacks map[string]string // call id → callback URL it was created with
	n         int
}

func newFakeGraph(t testing.TB, s *realSamples) *fakeGraph {
	g := &fakeGraph{t: t, s: s, hold: map[string]bool{}, held: make(chan struct{}), release: make(chan struct{}), callbacks: map[string]string{}}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	g.base = g.srv.URL + "/v1.0"
	t.Cleanup(func() {
		select {
		case <-g.release:
		default:
			close(g.release)
		}
		g.srv.Close()
	})
	return g
}

func (g *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p := strings.TrimPrefix(r.URL.Path, "/v1.0")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req-"+fmt.Sprint(time.Now().UnixNano()))
	switch {
	case r.Method == "POST" && p == "/communications/calls":
		g.mu.Lock()
		ids := idsOf(1000 + g.n)
		g.n++
		g.callbacks[ids.call] = gjson.GetBytes(body, "callbackUri").String()
		g.mu.Unlock()
		w.Header().Set("Location", g.base+"/communications/calls/"+ids.call)
		w.WriteHeader(http.StatusCreated)
		answer := answerWithID(g.t, ids.with(g.s.createAnswer), ids.call)
		// The real answer names the service's own URL in @odata.context.
		answer = bytes.ReplaceAll(answer, []byte("https://graph.microsoft.com/v1.0"), []byte(g.base))
		_, _ = w.Write(answer)
	case r.Method == "POST" && strings.HasSuffix(p, "/participants/invite"):
		call := strings.Split(p, "/")[3]
		g.mu.Lock()
		hold := g.hold[call]
		g.mu.Unlock()
		if hold {
			close(g.held)
			select {
			case <-g.release:
			case <-r.Context().Done():
			}
			return
		}
		ids := g.idsOfCall(call)
		w.Header().Set("Location", g.base+"/communications/calls/"+call+"/operations/"+ids.op)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(answerWithID(g.t, ids.with(g.s.inviteAnswer), ids.op))
	default:
		http.Error(w, `{"error":{"code":"NotFound"}}`, http.StatusNotFound)
	}
}

// holdInvites makes an invite to call wait until the test ends.
func (g *fakeGraph) holdInvites(call string) {
	g.mu.Lock()
	g.hold[call] = true
	g.mu.Unlock()
}

// idsOfCall returns the ids of the flow whose call is call.
func (g *fakeGraph) idsOfCall(call string) flowIDs {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range g.n {
		if ids := idsOf(1000 + i); ids.call == call {
			return ids
		}
	}
	g.t.Fatalf("no call %s", call)
	return flowIDs{}
}

// notify posts a notification sample of scenario sc (k-th) about call to
// the callback it was created with, as the service does, and returns the
// status the recorder answered (the bot's).
func (g *fakeGraph) notify(ctx context.Context, call, sc string, k int) (int, error) {
	g.mu.Lock()
	cb := g.callbacks[call]
	g.mu.Unlock()
	ids := g.idsOfCall(call)
	req, err := http.NewRequestWithContext(ctx, "POST", cb, bytes.NewReader(ids.with(g.s.notes[sc][k])))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer signed-by-the-service")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
