package receiver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/timeline"
)

// bound is the upper bound of every wait in these tests.
const bound = 10 * time.Second

// start starts a receiver closed when the test ends.
func start(t *testing.T, cfg Config) *Receiver {
	t.Helper()
	rc, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := rc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return rc
}

// bounded returns a context that ends with the test or after bound.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), bound)
	t.Cleanup(cancel)
	return ctx
}

// client returns an HTTP client with room for many concurrent connections.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: bound}
}

// send sends method url with body and header and returns the status. It is
// safe to call from any goroutine: it reports with t.Error.
func send(t *testing.T, hc *http.Client, method, url, body string, header http.Header) int {
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Errorf("new request: %v", err)
		return 0
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// notifications returns a commsNotifications body whose items are the
// given JSON objects.
func notifications(items ...string) string {
	return `{"value": [` + strings.Join(items, ",") + `]}`
}

// eventsOf returns the events of kind k.
func eventsOf(tl *timeline.Timeline, k timeline.Kind) []timeline.Event {
	var out []timeline.Event
	for _, e := range tl.Events() {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func TestStartDefaults(t *testing.T) {
	rc := start(t, Config{})
	if !strings.HasPrefix(rc.URL(), "http://127.0.0.1:") {
		t.Errorf("URL() = %q, want a loopback http URL", rc.URL())
	}
	run := rc.NewInbox(nil)
	if want := rc.URL() + "/callbacks/"; !strings.HasPrefix(run.URL(), want) || len(run.URL()) != len(want)+32 {
		t.Errorf("run URL = %q, want %s + 32 hex digits", run.URL(), want)
	}
	if other := rc.NewInbox(nil); other.URL() == run.URL() {
		t.Errorf("two runs share the callback URL %s", run.URL())
	}
	hc := client(t)
	if got := send(t, hc, http.MethodPost, run.URL(), notifications(`{"a":1}`), nil); got != http.StatusAccepted {
		t.Errorf("status = %d, want 202", got)
	}
	if run.Len() != 1 || len(run.Timeline().Events()) != 1 {
		t.Errorf("Len = %d, private timeline has %d events; want 1 and 1", run.Len(), len(run.Timeline().Events()))
	}
}

func TestStartRefusesBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"public url without scheme":  {PublicURL: "tunnel.example/bot"},
		"public url with query":      {PublicURL: "https://tunnel.example/?x=1"},
		"verifier without audience":  {Verifier: &Verifier{OpenIDConfigURL: "http://127.0.0.1:1/"}},
		"verifier without config":    {Verifier: &Verifier{Audience: "app"}},
		"status out of range":        {Status: 42},
		"listen address unparseable": {Listen: "not an address"},
	} {
		t.Run(name, func(t *testing.T) {
			rc, err := Start(cfg)
			if err == nil {
				rc.Close()
				t.Fatal("Start succeeded, want an error")
			}
		})
	}
}

func TestConfiguredStatus(t *testing.T) {
	rc := start(t, Config{Status: http.StatusOK})
	run := rc.NewInbox(nil)
	if got := send(t, client(t), http.MethodPost, run.URL(), notifications(`{}`), nil); got != http.StatusOK {
		t.Errorf("status = %d, want the configured 200", got)
	}
}

func TestPublicURLWithPath(t *testing.T) {
	rc := start(t, Config{PublicURL: "https://tunnel.example/bot/"})
	if rc.URL() != "https://tunnel.example/bot" {
		t.Errorf("URL() = %q, want https://tunnel.example/bot", rc.URL())
	}
	run := rc.NewInbox(nil)
	path, ok := strings.CutPrefix(run.URL(), "https://tunnel.example/bot")
	if !ok {
		t.Fatalf("run URL %q is not under the public URL", run.URL())
	}
	local := "http://" + rc.ln.Addr().String()
	hc := client(t)
	for _, u := range []string{local + "/bot" + path, local + path} {
		if got := send(t, hc, http.MethodPost, u, notifications(`{}`), nil); got != http.StatusAccepted {
			t.Errorf("POST %s = %d, want 202 (a tunnel may forward with or without the prefix)", u, got)
		}
	}
	if got := send(t, hc, http.MethodPost, local+"/other"+path, notifications(`{}`), nil); got != http.StatusNotFound {
		t.Errorf("POST under another prefix = %d, want 404", got)
	}
	if run.Len() != 2 {
		t.Errorf("Len = %d, want 2", run.Len())
	}
}

func TestAcceptedItemsAreFlattenedAndRecorded(t *testing.T) {
	rc := start(t, Config{})
	tl := &timeline.Timeline{}
	run := rc.NewInbox(tl)
	hc := client(t)
	header := http.Header{"Authorization": {"Bearer s3cr3t-callback-token"}, "X-Trace": {"t1"}}
	if got := send(t, hc, http.MethodPost, run.URL(), notifications(`{"n":0}`, `{"n":1}`), header); got != http.StatusAccepted {
		t.Fatalf("status = %d, want 202", got)
	}
	if got := send(t, hc, http.MethodPost, run.URL(), notifications(` {"n" : 2} `), header); got != http.StatusAccepted {
		t.Fatalf("status = %d, want 202", got)
	}
	items := run.Since(0)
	if len(items) != 3 {
		t.Fatalf("Since(0) has %d items, want 3", len(items))
	}
	wantPost := []int{0, 0, 1}
	wantItem := []string{`{"n":0}`, `{"n":1}`, `{"n" : 2}`}
	for i, n := range items {
		if n.Index != i || n.Post != wantPost[i] || string(n.Item) != wantItem[i] {
			t.Errorf("item %d = {Index %d, Post %d, Item %s}, want {%d, %d, %s}", i, n.Index, n.Post, n.Item, i, wantPost[i], wantItem[i])
		}
		if n.At.IsZero() {
			t.Errorf("item %d has no arrival time", i)
		}
		if got := n.Header.Get("Authorization"); got != "Bearer "+timeline.Redacted {
			t.Errorf("item %d Authorization = %q, want it redacted", i, got)
		}
		if got := n.Header.Get("X-Trace"); got != "t1" {
			t.Errorf("item %d X-Trace = %q, want t1", i, got)
		}
	}
	if !items[1].At.Before(items[2].At) && !items[1].At.Equal(items[2].At) {
		t.Errorf("arrival times go backwards: %v then %v", items[1].At, items[2].At)
	}
	if got := run.Since(2); len(got) != 1 || got[0].Index != 2 {
		t.Errorf("Since(2) = %+v, want the item with index 2", got)
	}
	if got := run.Since(3); len(got) != 0 {
		t.Errorf("Since(3) has %d items, want none", len(got))
	}
	since := run.Since(0)
	since[0].Index = 99
	if run.Since(0)[0].Index != 0 {
		t.Error("Since returned the run's own slice, not a copy")
	}

	events := eventsOf(tl, timeline.Notify)
	if len(events) != 3 {
		t.Fatalf("timeline has %d notification events, want 3", len(events))
	}
	for i, e := range events {
		if e.URL != strings.TrimPrefix(run.URL(), rc.URL()) || string(e.Body) != wantItem[i] {
			t.Errorf("event %d = {URL %q, Body %s}, want {the callback path, %s}", i, e.URL, e.Body, wantItem[i])
		}
	}
	js, err := json.Marshal(tl.Events())
	if err != nil {
		t.Fatalf("marshal timeline: %v", err)
	}
	if bytes.Contains(js, []byte("s3cr3t-callback-token")) {
		t.Errorf("timeline contains the callback token: %s", js)
	}
}

func TestEmptyValueArrayIsAccepted(t *testing.T) {
	rc := start(t, Config{})
	run := rc.NewInbox(nil)
	hc := client(t)
	if got := send(t, hc, http.MethodPost, run.URL(), notifications(), nil); got != http.StatusAccepted {
		t.Errorf("status = %d, want 202", got)
	}
	send(t, hc, http.MethodPost, run.URL(), notifications(`{}`), nil)
	if items := run.Since(0); len(items) != 1 || items[0].Post != 1 {
		t.Errorf("items = %+v, want one item of POST 1 (the empty POST counts)", items)
	}
}

func TestRefusedPosts(t *testing.T) {
	cases := []struct {
		name   string
		method string
		body   string
		status int
	}{
		{"malformed JSON", http.MethodPost, `{"value": [`, http.StatusBadRequest},
		{"empty body", http.MethodPost, ``, http.StatusBadRequest},
		{"array", http.MethodPost, `[{"value": []}]`, http.StatusBadRequest},
		{"string", http.MethodPost, `"value"`, http.StatusBadRequest},
		{"null", http.MethodPost, `null`, http.StatusBadRequest},
		{"no value", http.MethodPost, `{"values": []}`, http.StatusBadRequest},
		{"value differently cased", http.MethodPost, `{"Value": []}`, http.StatusBadRequest},
		{"value an object", http.MethodPost, `{"value": {"a": 1}}`, http.StatusBadRequest},
		{"value null", http.MethodPost, `{"value": null}`, http.StatusBadRequest},
		{"oversized", http.MethodPost, notifications(`{"pad":"` + strings.Repeat("x", 200) + `"}`), http.StatusRequestEntityTooLarge},
		{"GET", http.MethodGet, ``, http.StatusMethodNotAllowed},
		{"PUT", http.MethodPut, notifications(`{}`), http.StatusMethodNotAllowed},
	}
	rc := start(t, Config{MaxBody: 128})
	hc := client(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := &timeline.Timeline{}
			run := rc.NewInbox(tl)
			defer run.Close()
			req, err := http.NewRequestWithContext(t.Context(), c.method, run.URL(), strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", c.method, err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, c.status)
			}
			if c.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q, want POST", resp.Header.Get("Allow"))
			}
			if run.Len() != 0 {
				t.Errorf("Len = %d, want nothing accepted", run.Len())
			}
			refusals := run.Refusals()
			if len(refusals) != 1 {
				t.Fatalf("Refusals = %+v, want one", refusals)
			}
			r := refusals[0]
			if r.Status != c.status || r.Method != c.method || r.Reason == "" || r.At.IsZero() {
				t.Errorf("refusal = %+v, want status %d, method %s, a reason and a time", r, c.status, c.method)
			}
			events := eventsOf(tl, timeline.Refusal)
			if len(events) != 1 || events[0].Status != c.status || events[0].Text != r.Reason || events[0].Method != c.method {
				t.Errorf("refusal events = %+v, want one with status %d and text %q", events, c.status, r.Reason)
			}
			if n := len(eventsOf(tl, timeline.Notify)); n != 0 {
				t.Errorf("timeline has %d notification events, want none", n)
			}
		})
	}
}

func TestBodyOfExactlyMaxBodyIsAccepted(t *testing.T) {
	body := notifications(`{"pad":"` + strings.Repeat("x", 100) + `"}`)
	rc := start(t, Config{MaxBody: int64(len(body))})
	run := rc.NewInbox(nil)
	hc := client(t)
	if got := send(t, hc, http.MethodPost, run.URL(), body, nil); got != http.StatusAccepted {
		t.Errorf("body of MaxBody bytes: status = %d, want 202", got)
	}
	if got := send(t, hc, http.MethodPost, run.URL(), body+" ", nil); got != http.StatusRequestEntityTooLarge {
		t.Errorf("body of MaxBody+1 bytes: status = %d, want 413", got)
	}
}

func TestUnknownAndClosedPathsAre404(t *testing.T) {
	rc := start(t, Config{})
	tl := &timeline.Timeline{}
	run := rc.NewInbox(tl)
	hc := client(t)
	for _, u := range []string{rc.URL() + "/callbacks/unknown", rc.URL() + "/callbacks/", rc.URL() + "/", run.URL() + "/extra"} {
		if got := send(t, hc, http.MethodPost, u, notifications(`{}`), nil); got != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", u, got)
		}
	}
	if got := send(t, hc, http.MethodGet, rc.URL()+"/callbacks/unknown", "", nil); got != http.StatusNotFound {
		t.Errorf("GET on an unknown path = %d, want 404 (not 405)", got)
	}
	if got := send(t, hc, http.MethodPost, run.URL(), notifications(`{"before":"close"}`), nil); got != http.StatusAccepted {
		t.Fatalf("POST before Close = %d, want 202", got)
	}
	run.Close()
	run.Close() // idempotent
	if got := send(t, hc, http.MethodPost, run.URL(), notifications(`{"after":"close"}`), nil); got != http.StatusNotFound {
		t.Errorf("POST after Close = %d, want 404", got)
	}
	if got := send(t, hc, http.MethodGet, run.URL(), "", nil); got != http.StatusNotFound {
		t.Errorf("GET after Close = %d, want 404", got)
	}
	if run.Len() != 1 || len(run.Refusals()) != 0 || len(tl.Events()) != 1 {
		t.Errorf("after Close: Len %d, refusals %d, events %d; want 1, 0, 1 (404s record nothing)", run.Len(), len(run.Refusals()), len(tl.Events()))
	}
}

// TestConcurrentPosts sends 200 POSTs of 1 to 3 items at once and checks that
// nothing is lost and that each POST's items are contiguous and in order.
func TestConcurrentPosts(t *testing.T) {
	const posts = 200
	rc := start(t, Config{})
	tl := &timeline.Timeline{}
	run := rc.NewInbox(tl)
	hc := client(t)
	total := 0
	var wg sync.WaitGroup
	for p := range posts {
		n := 1 + p%3
		total += n
		items := make([]string, n)
		for k := range items {
			items[k] = fmt.Sprintf(`{"p":%d,"k":%d}`, p, k)
		}
		wg.Go(func() {
			if got := send(t, hc, http.MethodPost, run.URL(), notifications(items...), nil); got != http.StatusAccepted {
				t.Errorf("POST %d: status %d, want 202", p, got)
			}
		})
	}
	wg.Wait()

	items := run.Since(0)
	if len(items) != total || run.Len() != total {
		t.Fatalf("received %d items (Len %d), want %d", len(items), run.Len(), total)
	}
	type ref struct{ P, K int }
	postOf := map[int]int{} // POST index -> p
	seen := map[int]bool{}  // p
	for i := 0; i < len(items); {
		var first ref
		if err := json.Unmarshal(items[i].Item, &first); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		n := 1 + first.P%3
		if seen[first.P] {
			t.Fatalf("items of POST p=%d are not contiguous (seen again at index %d)", first.P, i)
		}
		seen[first.P] = true
		if _, dup := postOf[items[i].Post]; dup {
			t.Fatalf("Post index %d given to two POSTs", items[i].Post)
		}
		postOf[items[i].Post] = first.P
		for k := range n {
			it := items[i+k]
			var got ref
			if err := json.Unmarshal(it.Item, &got); err != nil {
				t.Fatalf("item %d: %v", i+k, err)
			}
			if got != (ref{first.P, k}) || it.Index != i+k || it.Post != items[i].Post || !it.At.Equal(items[i].At) {
				t.Fatalf("item %d = %s (Index %d, Post %d), want p=%d k=%d, Index %d, Post %d, same At", i+k, it.Item, it.Index, it.Post, first.P, k, i+k, items[i].Post)
			}
		}
		i += n
	}
	if len(seen) != posts {
		t.Errorf("saw items of %d POSTs, want %d", len(seen), posts)
	}
	for post := range posts {
		if _, ok := postOf[post]; !ok {
			t.Errorf("no items with Post index %d", post)
		}
	}
	events := eventsOf(tl, timeline.Notify)
	if len(events) != total {
		t.Fatalf("timeline has %d notification events, want %d", len(events), total)
	}
	for i, e := range events {
		if !bytes.Equal(e.Body, items[i].Item) {
			t.Fatalf("timeline event %d = %s, item %d = %s: the timeline is out of arrival order", i, e.Body, i, items[i].Item)
		}
	}
}

func TestConcurrentRunsAreKeptApart(t *testing.T) {
	rc := start(t, Config{})
	hc := client(t)
	tlA, tlB := &timeline.Timeline{}, &timeline.Timeline{}
	a, b := rc.NewInbox(tlA), rc.NewInbox(tlB)
	const each = 50
	var wg sync.WaitGroup
	for i := range each {
		for name, run := range map[string]*Inbox{"A": a, "B": b} {
			wg.Go(func() {
				send(t, hc, http.MethodPost, run.URL(), notifications(fmt.Sprintf(`{"run":%q,"i":%d}`, name, i)), nil)
			})
		}
	}
	wg.Go(func() { send(t, hc, http.MethodGet, a.URL(), "", nil) }) // a refusal on A only
	wg.Wait()
	for name, run := range map[string]*Inbox{"A": a, "B": b} {
		items := run.Since(0)
		if len(items) != each {
			t.Errorf("run %s has %d items, want %d", name, len(items), each)
		}
		for _, it := range items {
			var v struct{ Run string }
			if err := json.Unmarshal(it.Item, &v); err != nil || v.Run != name {
				t.Errorf("run %s holds %s", name, it.Item)
			}
		}
	}
	if len(a.Refusals()) != 1 || len(b.Refusals()) != 0 {
		t.Errorf("refusals: A %d, B %d; want 1 and 0", len(a.Refusals()), len(b.Refusals()))
	}
	if len(tlA.Events()) != each+1 || len(tlB.Events()) != each {
		t.Errorf("timelines: A %d events, B %d; want %d and %d", len(tlA.Events()), len(tlB.Events()), each+1, each)
	}
}

func TestCloseReceiver(t *testing.T) {
	rc, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	run := rc.NewInbox(nil)
	if err := rc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := run.Wait(bounded(t), 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait on a run of a closed receiver = %v, want ErrClosed", err)
	}
	late := rc.NewInbox(nil)
	if err := late.Wait(bounded(t), 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait on a run made after Close = %v, want ErrClosed", err)
	}
	if _, err := http.Post(run.URL(), "application/json", strings.NewReader(notifications(`{}`))); err == nil {
		t.Error("POST after Close succeeded, want a connection error")
	}
}
