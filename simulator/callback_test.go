package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// note is one notification item as a receiver got it.
type note struct {
	ChangeType string
	Resource   string          // resourceUrl when the item has one (v1.0), else resource
	Legacy     string          // resource when the item has a resourceUrl too (v1.0)
	Data       json.RawMessage // resourceData
	Body       []byte          // the whole POST body that carried it
	Auth       string          // Authorization header of its POST
	CType      string          // Content-Type of its POST
	Keys       []string        // member names of the item
	At         time.Time       // when it first arrived
}

func (n note) data(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(n.Data, &m); err != nil {
		t.Fatalf("resourceData of %s %s is not an object: %s", n.ChangeType, n.Resource, n.Data)
	}
	return m
}

// state is resourceData.state, "" when there is none.
func (n note) state() string {
	var d struct{ State string }
	_ = json.Unmarshal(n.Data, &d)
	return d.State
}

func (n note) String() string {
	return fmt.Sprintf("%s %s %s", n.ChangeType, n.Resource, n.Data)
}

// receiver is a bot's callback. Delivery is at least once: a notification
// whose POST timed out may arrive again, byte for byte. The receiver keeps
// each distinct item once, in the order it first arrived, and counts the
// redeliveries apart; tests judge the distinct items and never count POSTs
// to infer a state. Every arrival wakes the waiters.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	// respond, when set (setRespond), chooses the status of a POST from its
	// items (n counts POSTs from 1, redeliveries included); it may block.
	// Nil answers 202. Only the items of a 2xx POST count as received.
	respond     func(n int, r *http.Request, items []note) int
	posts       int
	notes       []note            // distinct items, in the order they first arrived
	byCall      map[string][]note // the same, by call resource
	seen        map[string]bool   // raw items received
	redelivered int               // items received again
	changed     chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{changed: make(chan struct{}), byCall: make(map[string][]note), seen: make(map[string]bool)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) URL() string { return rc.srv.URL + "/api/calls" }

// rawNote is one item of a POST with its raw bytes, the identity of a
// redelivery.
type rawNote struct {
	raw string
	note
}

func parseItems(body []byte, r *http.Request, at time.Time) []rawNote {
	var env struct {
		Value []json.RawMessage `json:"value"`
	}
	_ = json.Unmarshal(body, &env)
	out := make([]rawNote, 0, len(env.Value))
	for _, raw := range env.Value {
		var item map[string]json.RawMessage
		_ = json.Unmarshal(raw, &item)
		nt := note{Data: item["resourceData"], Auth: r.Header.Get("Authorization"),
			CType: r.Header.Get("Content-Type"), At: at, Body: body}
		_ = json.Unmarshal(item["changeType"], &nt.ChangeType)
		_ = json.Unmarshal(item["resource"], &nt.Resource)
		if url, ok := item["resourceUrl"]; ok {
			nt.Legacy = nt.Resource
			_ = json.Unmarshal(url, &nt.Resource)
		}
		for k := range item {
			nt.Keys = append(nt.Keys, k)
		}
		out = append(out, rawNote{raw: string(bytes.TrimSpace(raw)), note: nt})
	}
	return out
}

// setRespond sets how the receiver answers from now on: a notification of
// an earlier flow may be arriving while a test sets it.
func (rc *receiver) setRespond(f func(n int, r *http.Request, items []note) int) {
	rc.mu.Lock()
	rc.respond = f
	rc.mu.Unlock()
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	items := parseItems(body, r, time.Now())
	rc.mu.Lock()
	rc.posts++
	n := rc.posts
	respond := rc.respond
	rc.mu.Unlock()
	status := http.StatusAccepted
	if respond != nil {
		plain := make([]note, len(items))
		for i, it := range items {
			plain[i] = it.note
		}
		status = respond(n, r, plain)
	}
	if status >= 200 && status <= 299 {
		rc.record(items)
	}
	w.WriteHeader(status)
}

// record keeps the items not seen before and wakes the waiters.
func (rc *receiver) record(items []rawNote) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, it := range items {
		if rc.seen[it.raw] {
			rc.redelivered++
			continue
		}
		rc.seen[it.raw] = true
		rc.notes = append(rc.notes, it.note)
		c := callOf(it.Resource)
		rc.byCall[c] = append(rc.byCall[c], it.note)
	}
	close(rc.changed)
	rc.changed = make(chan struct{})
}

// callOf returns the call resource a notification resource is on or under:
// what follows "/calls/" up to the next slash.
func callOf(res string) string {
	i := strings.Index(res, "/calls/")
	if i < 0 {
		return res
	}
	j := i + len("/calls/")
	if k := strings.IndexByte(res[j:], '/'); k >= 0 {
		return res[:j+k]
	}
	return res
}

// awaitLocked blocks until ready holds or bound passes. ready runs under
// the receiver's lock, after every arrival, and must not block; listed
// gives the notifications a timeout reports.
func (rc *receiver) awaitLocked(bound time.Duration, what string, ready func() bool, listed func() []note) error {
	timer := time.NewTimer(bound)
	defer timer.Stop()
	for {
		rc.mu.Lock()
		if ready() {
			rc.mu.Unlock()
			return nil
		}
		ch := rc.changed
		rc.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			rc.mu.Lock()
			defer rc.mu.Unlock()
			var b strings.Builder
			for _, n := range listed() {
				b.WriteString("\n  " + n.String())
			}
			return fmt.Errorf("timed out after %v waiting for %s; received (%d redelivered):%s", bound, what, rc.redelivered, b.String())
		}
	}
}

// awaitIn waits until done holds for the notifications view returns (under
// the receiver's lock) and returns a copy of them.
func (rc *receiver) awaitIn(bound time.Duration, what string, view func() []note, done func([]note) bool) ([]note, error) {
	var out []note
	err := rc.awaitLocked(bound, what, func() bool {
		ns := view()
		if !done(ns) {
			return false
		}
		out = slices.Clone(ns)
		return true
	}, view)
	return out, err
}

// await waits until done holds for every distinct notification received.
func (rc *receiver) await(bound time.Duration, what string, done func([]note) bool) ([]note, error) {
	return rc.awaitIn(bound, what, func() []note { return rc.notes }, done)
}

// awaitCall waits until done holds for the distinct notifications on call
// resource res and its sub-resources; only those are scanned, so that many
// concurrent waiters stay cheap.
func (rc *receiver) awaitCall(bound time.Duration, res, what string, done func([]note) bool) ([]note, error) {
	return rc.awaitIn(bound, what+" on "+res, func() []note { return rc.byCall[callOf(res)] }, done)
}

func (rc *receiver) wait(t *testing.T, what string, done func([]note) bool) []note {
	t.Helper()
	ns, err := rc.await(waitBound, what, done)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// waitNote waits for a notification on resource res that match accepts and
// returns the distinct notifications on res's call and its sub-resources,
// in arrival order.
func (rc *receiver) waitNote(t *testing.T, res, what string, match func(note) bool) []note {
	t.Helper()
	ns, err := rc.awaitCall(waitBound, res, what, hasNote(res, match))
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func hasNote(res string, match func(note) bool) func([]note) bool {
	return func(ns []note) bool {
		for _, n := range ns {
			if n.Resource == res && match(n) {
				return true
			}
		}
		return false
	}
}

// waitState waits for the notification that call resource res reached
// state; it returns the call's notifications like waitNote.
func (rc *receiver) waitState(t *testing.T, res, state string) []note {
	t.Helper()
	return rc.waitNote(t, res, "state "+state, func(n note) bool { return n.state() == state })
}

// waitDeleted waits for the deleted notification of res (a call's last,
// or an operation's completion); it returns the call's notifications like
// waitNote.
func (rc *receiver) waitDeleted(t *testing.T, res string) []note {
	t.Helper()
	return rc.waitNote(t, res, "deleted", func(n note) bool { return n.ChangeType == "deleted" })
}

// waitRoster waits for a roster notification of call resource res.
func (rc *receiver) waitRoster(t *testing.T, res string) []note {
	t.Helper()
	return rc.waitNote(t, res+"/participants", "roster", func(note) bool { return true })
}

// waitRedelivered waits until at least n items arrived again.
func (rc *receiver) waitRedelivered(t *testing.T, n int) {
	t.Helper()
	if err := rc.awaitLocked(waitBound, fmt.Sprintf("%d redeliveries", n),
		func() bool { return rc.redelivered >= n }, func() []note { return rc.notes }); err != nil {
		t.Fatal(err)
	}
}

// count returns the number of POSTs received, redeliveries and refused
// ones included.
func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.posts
}

// on keeps the notifications whose resource is res.
func on(ns []note, res string) []note {
	var out []note
	for _, n := range ns {
		if n.Resource == res {
			out = append(out, n)
		}
	}
	return out
}

// hold blocks the first POST whose items match, so that a test can look at
// the simulator while the bot is still handling that notification.
type hold struct {
	match   func(note) bool
	held    chan struct{}
	release chan struct{}
	once    sync.Once
	freed   sync.Once
}

func newHold(match func(note) bool) *hold {
	return &hold{match: match, held: make(chan struct{}), release: make(chan struct{})}
}

// respond is a receiver's respond func: 202, after release for the held POST.
// A hold never outlives waitBound, so a broken test cannot hang.
func (h *hold) respond(_ int, _ *http.Request, items []note) int {
	for _, it := range items {
		if !h.match(it) {
			continue
		}
		first := false
		h.once.Do(func() { first = true })
		if first {
			close(h.held)
			select {
			case <-h.release:
			case <-time.After(waitBound):
			}
		}
	}
	return http.StatusAccepted
}

// waitHeld waits until the matching POST is being held.
func (h *hold) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-h.held:
	case <-time.After(waitBound):
		t.Fatal("the notification to hold never arrived")
	}
}

// free lets the held POST answer; it is safe to call more than once.
func (h *hold) free() { h.freed.Do(func() { close(h.release) }) }
