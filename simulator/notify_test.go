package simulator

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/internal/callbacksign"
	"github.com/callconform/callconform/internal/guid"
)

func TestNotificationTokensVerifyWithServedJWKS(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c := e.createCall(rc.URL())
	ns := rc.waitState(t, callRes(c), stateEstablished)

	cfg := e.do("GET", e.sim.OpenIDConfigPath(), "", nil).json(t)
	keys := fetchJWKS(t, cfg["jwks_uri"].(string))
	for _, n := range ns {
		raw, ok := strings.CutPrefix(n.Auth, "Bearer ")
		if !ok {
			t.Fatalf("Authorization %q", n.Auth)
		}
		var claims callbacksign.Claims
		tok, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
			k := keys[fmt.Sprint(t.Header["kid"])]
			if k == nil {
				return nil, fmt.Errorf("no key %v in the JWKS", t.Header["kid"])
			}
			return k, nil
		}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(cfg["issuer"].(string)),
			jwt.WithAudience(e.sim.AppID()), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
		if err != nil || !tok.Valid {
			t.Fatalf("notification token does not verify: %v", err)
		}
		if claims.TenantID != e.sim.TenantID() || claims.TenantID2 != e.sim.TenantID() ||
			claims.NotBefore == nil || claims.IssuedAt == nil {
			t.Errorf("claims %+v", claims)
		}
	}
}

// Notifications to one bot reuse one signed token (the Signer's cache):
// signing one per notification would dominate the simulator's CPU.
func TestNotificationTokenIsReusedPerAudience(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c1, c2 := e.createCall(rc.URL()), e.createCall(rc.URL())
	n1, n2 := rc.waitState(t, callRes(c1), stateEstablished), rc.waitState(t, callRes(c2), stateEstablished)
	want, err := e.sim.signer.Token(e.sim.AppID())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range append(n1, n2...) {
		if n.Auth != "Bearer "+want {
			t.Errorf("%s carries another token than the cached one", n)
		}
	}
}

func TestDeliveryRetriesThenDelivers(t *testing.T) {
	delivered := &logSignal{match: "notification delivered", ch: make(chan slogRecord, 16)}
	e := newEnv(t, Config{Delivery: DeliveryConfig{Backoff: time.Millisecond}, Logger: newLogger(delivered)})
	rc := newReceiver(t)
	rc.setRespond(func(n int, _ *http.Request, _ []note) int {
		switch n {
		case 1:
			return http.StatusServiceUnavailable
		case 2:
			return http.StatusTooManyRequests
		}
		return http.StatusOK
	})
	c := e.createCall(rc.URL())
	ns := rc.waitState(t, callRes(c), stateEstablished)
	if diff := cmp.Diff([]string{"updated call:establishing", "updated call:established"}, summary(t, ns)); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	waitLog(t, delivered, 2)
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if st := e.sim.Stats(); st.Retried != 2 || st.Delivered != 2 || st.Lost != 0 || st.Queued != 0 || st.Workers != 0 {
		t.Errorf("stats %+v", st)
	}
}

// lostEnv is a simulator whose lost notifications are signalled.
func lostEnv(t *testing.T, d DeliveryConfig) (*env, *logSignal) {
	h := &logSignal{match: "notification lost", ch: make(chan slogRecord, 16)}
	return newEnv(t, Config{Delivery: d, Logger: newLogger(h)}), h
}

func TestDeliveryGivesUpAndCountsLost(t *testing.T) {
	e, lost := lostEnv(t, DeliveryConfig{Attempts: 3, Backoff: time.Millisecond})
	rc := newReceiver(t)
	rc.setRespond(func(int, *http.Request, []note) int { return http.StatusInternalServerError })
	e.createCall(rc.URL())
	waitLog(t, lost, 2)
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if got := rc.count(); got != 6 {
		t.Errorf("%d POSTs; want 3 attempts for each of 2 notifications", got)
	}
	if st := e.sim.Stats(); st.Lost != 2 || st.Retried != 4 || st.Delivered != 0 || st.Queued != 0 || st.Workers != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliveryDoesNotRetryClientErrors(t *testing.T) {
	e, lost := lostEnv(t, DeliveryConfig{Backoff: time.Millisecond})
	rc := newReceiver(t)
	rc.setRespond(func(int, *http.Request, []note) int { return http.StatusUnauthorized })
	e.createCall(rc.URL())
	waitLog(t, lost, 2)
	e.sim.Close()
	if got, st := rc.count(), e.sim.Stats(); got != 2 || st.Lost != 2 || st.Retried != 0 {
		t.Errorf("%d POSTs, stats %+v", got, st)
	}
}

func TestDeliveryToRefusedConnection(t *testing.T) {
	e, lost := lostEnv(t, DeliveryConfig{Attempts: 2, Backoff: time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/cb"
	ln.Close()
	e.createCall(dead)
	waitLog(t, lost, 2)
	e.sim.Close()
	if st := e.sim.Stats(); st.Lost != 2 || st.Retried != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliveryTimeout(t *testing.T) {
	e, lost := lostEnv(t, DeliveryConfig{Attempts: 2, Backoff: time.Millisecond, Timeout: 20 * time.Millisecond})
	rc := newReceiver(t)
	rc.setRespond(func(_ int, r *http.Request, _ []note) int {
		<-r.Context().Done() // never answers in time
		return http.StatusOK
	})
	e.createCall(rc.URL())
	waitLog(t, lost, 2)
	e.sim.Close()
	if st := e.sim.Stats(); st.Lost != 2 || st.Retried != 2 || st.Delivered != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliveryDoesNotFollowRedirects(t *testing.T) {
	e, lost := lostEnv(t, DeliveryConfig{})
	rc := newReceiver(t)
	rc.setRespond(func(_ int, r *http.Request, _ []note) int {
		if r.Method != http.MethodPost {
			t.Errorf("followed the redirect with %s", r.Method)
		}
		return http.StatusFound
	})
	e.createCall(rc.URL())
	waitLog(t, lost, 2)
	if got := rc.count(); got != 2 {
		t.Errorf("%d requests", got)
	}
}

func TestCloseStopsBlockedDelivery(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	arrived := make(chan struct{})
	var once sync.Once
	rc.setRespond(func(_ int, r *http.Request, _ []note) int {
		once.Do(func() { close(arrived) })
		<-r.Context().Done()
		return http.StatusOK
	})
	e.createCall(rc.URL())
	select {
	case <-arrived:
	case <-time.After(waitBound):
		t.Fatal("no POST")
	}
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if st := e.sim.Stats(); st.Workers != 0 || st.Queued != 0 || st.Lost != 2 {
		t.Errorf("stats after Close %+v", st)
	}
}

func TestStepDelaySpacesNotifications(t *testing.T) {
	const step = 30 * time.Millisecond
	e := newEnv(t, Config{StepDelay: step})
	rc := newReceiver(t)
	c := e.createCall(rc.URL())
	ns := rc.waitState(t, callRes(c), stateEstablished)
	if gap := ns[1].At.Sub(ns[0].At); gap < step {
		t.Errorf("established arrived %v after establishing; StepDelay is %v", gap, step)
	}
}

// loadFlow is what one goroutine of the under-load test does, and the
// notifications each of its calls must get, in order.
type loadFlow struct {
	d                 dialect
	p2pWant, meetWant []string
	notesPerFlow      int
}

var loadFlows = []loadFlow{
	{d: betaDialect,
		p2pWant: []string{"created call:incoming", "updated call:establishing", "updated call:established",
			"updated call:terminated", "deleted call"},
		meetWant: []string{"updated call:establishing", "updated call:established", "deleted operation:completed",
			"updated roster", "updated call:terminating", "updated call:terminated", "deleted call"},
		notesPerFlow: 12},
	{d: v1Dialect,
		p2pWant: []string{"created call:incoming", "updated call:establishing", "updated call:established",
			"updated call:terminating", "deleted call:terminated"},
		meetWant: []string{"updated call:establishing", "updated call:established", "updated roster",
			"deleted operation:completed", "updated roster", "updated call:terminating", "deleted call:terminated"},
		notesPerFlow: 12},
}

// Under 200 concurrent flows of every operation (an incoming call
// answered, a meeting joined, GET, keepAlive under v1.0, an invite that
// replaces the answered call, DELETE), each call's notifications arrive in
// the profile's order and every call is gone at the end. Delivery is at
// least once: a POST that timed out on this busy machine may arrive again,
// and counts once.
func TestNotificationOrderUnderLoad(t *testing.T) {
	for _, lf := range loadFlows {
		t.Run(lf.d.profile, func(t *testing.T) { notificationOrderUnderLoad(t, lf) })
	}
}

func notificationOrderUnderLoad(t *testing.T, lf loadFlow) {
	const flows = 200
	delivered := &logSignal{match: "notification delivered", ch: make(chan slogRecord, lf.notesPerFlow*flows)}
	e := dialectEnv(t, lf.d, Config{Logger: newLogger(delivered)})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	errs := make(chan error, flows)
	ids := make(chan [2]guid.GUID, flows)
	for range flows {
		go func() { errs <- flow(lf.d, e.srv.URL, tok, rc, ids) }()
	}
	for range flows {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(ids)
	for c := range ids {
		p2p, meeting := c[0], c[1]
		if diff := cmp.Diff(lf.p2pWant, summary(t, rc.waitDeleted(t, lf.d.res(p2p)))); diff != "" {
			t.Errorf("answered call %s (-want +got):\n%s", p2p, diff)
		}
		if diff := cmp.Diff(lf.meetWant, summary(t, rc.waitDeleted(t, lf.d.res(meeting)))); diff != "" {
			t.Errorf("meeting %s (-want +got):\n%s", meeting, diff)
		}
	}
	if st := e.sim.Stats(); st.LiveCalls != 0 {
		t.Errorf("live calls %d after every call ended", st.LiveCalls)
	}
	waitLog(t, delivered, lf.notesPerFlow*flows)
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if st := e.sim.Stats(); st.Workers != 0 || st.Queued != 0 || st.Lost != 0 || st.Delivered != uint64(lf.notesPerFlow*flows) {
		t.Errorf("stats %+v", st)
	}
}

// flow, in dialect d: places an incoming call and answers it, joins a
// meeting, GETs it (and keeps it alive under v1.0), invites into it a
// participant that replaces the answered call, and deletes the meeting.
// It waits for the notification that carries the state it needs, never
// for a number of them, and sends the ids of both calls to ids.
func flow(d dialect, base, tok string, rc *receiver, ids chan<- [2]guid.GUID) error {
	p2p, err := answeredCallIn(d, base, tok, rc)
	if err != nil {
		return err
	}
	r, err := doRequest(base, "POST", d.root, tok, d.meetingBody(rc.URL()))
	if err != nil || r.status != http.StatusCreated || !strings.HasPrefix(r.header.Get("Location"), base+d.root+"/") {
		return fmt.Errorf("create: %v %d %s, Location %q", err, r.status, r.body, r.header.Get("Location"))
	}
	meeting, _ := guid.Parse(lastSegment(r.header.Get("Location")))
	ids <- [2]guid.GUID{p2p, meeting}
	if err := awaitState(rc, d.res(meeting), stateEstablished); err != nil {
		return err
	}
	if err := getAndKeepAlive(d, base, tok, meeting); err != nil {
		return err
	}
	invitee := heidi()
	invitee["replacesCallId"] = d.replacesCallID(p2p)
	r, err = doRequest(base, "POST", invitePathIn(d, meeting), tok, map[string]any{"participants": []any{invitee}})
	if err != nil || r.status != d.inviteStatus {
		return fmt.Errorf("invite: %v %d %s", err, r.status, r.body)
	}
	// The replaced call ends once the invite's roster was delivered.
	gone := hasNote(d.res(p2p), func(n note) bool { return n.ChangeType == "deleted" })
	if _, err := rc.awaitCall(waitBound, d.res(p2p), "the replaced call's end", gone); err != nil {
		return err
	}
	r, err = doRequest(base, "DELETE", d.root+"/"+meeting.String(), tok, nil)
	if err != nil || r.status != http.StatusNoContent {
		return fmt.Errorf("delete: %v %d", err, r.status)
	}
	return nil
}

// answeredCallIn places an incoming call and answers it in dialect d, and
// waits until it is established.
func answeredCallIn(d dialect, base, tok string, rc *receiver) (guid.GUID, error) {
	r, err := doRequest(base, "POST", "/_control/incoming-calls", "", map[string]any{"callback": rc.URL()})
	if err != nil || r.status != http.StatusCreated {
		return guid.GUID{}, fmt.Errorf("incoming call: %v %d %s", err, r.status, r.body)
	}
	var placed struct{ ID string }
	_ = json.Unmarshal(r.body, &placed)
	c, _ := guid.Parse(placed.ID)
	if err := awaitState(rc, d.res(c), stateIncoming); err != nil {
		return c, err
	}
	r, err = doRequest(base, "POST", d.root+"/"+c.String()+"/answer", tok, d.answerBody(rc.URL()))
	if err != nil || r.status != d.answerStatus {
		return c, fmt.Errorf("answer: %v %d %s", err, r.status, r.body)
	}
	return c, awaitState(rc, d.res(c), stateEstablished)
}

// getAndKeepAlive GETs call c, which must be established, and under v1.0
// keeps it alive.
func getAndKeepAlive(d dialect, base, tok string, c guid.GUID) error {
	r, err := doRequest(base, "GET", d.root+"/"+c.Compact(), tok, nil)
	if err != nil || r.status != http.StatusOK || !strings.Contains(string(r.body), `"state":"established"`) {
		return fmt.Errorf("get: %v %d %s", err, r.status, r.body)
	}
	if d.profile != ProfileV1 {
		return nil
	}
	r, err = doRequest(base, "POST", d.root+"/"+c.String()+"/keepAlive", tok, nil)
	if err != nil || r.status != http.StatusOK {
		return fmt.Errorf("keepAlive: %v %d %s", err, r.status, r.body)
	}
	return nil
}

// awaitState waits for the notification that call resource res reached
// state.
func awaitState(rc *receiver, res, state string) error {
	_, err := rc.awaitCall(waitBound, res, state, hasNote(res, func(n note) bool { return n.state() == state }))
	return err
}

// A notification whose POST timed out after the bot got it is delivered
// again; the redelivery is the same notification, byte for byte, and the
// call's flow goes on.
func TestTimedOutNotificationIsRedelivered(t *testing.T) {
	e := newEnv(t, Config{Delivery: DeliveryConfig{Timeout: 500 * time.Millisecond, Attempts: 10, Backoff: time.Millisecond}})
	rc := newReceiver(t)
	var once sync.Once
	rc.setRespond(func(_ int, r *http.Request, items []note) int {
		first := false
		once.Do(func() { first = true })
		if first {
			<-r.Context().Done() // the bot got it, but its answer comes too late
		}
		return http.StatusAccepted
	})
	c := e.createCall(rc.URL())
	ns := rc.waitState(t, callRes(c), stateEstablished)
	rc.waitRedelivered(t, 1)
	if diff := cmp.Diff([]string{"updated call:establishing", "updated call:established"}, summary(t, ns)); diff != "" {
		t.Errorf("distinct notifications (-want +got):\n%s", diff)
	}
	if st := e.sim.Stats(); st.Retried == 0 {
		t.Errorf("stats %+v: the timed-out POST was not retried", st)
	}
}

func TestDeliveryDefaults(t *testing.T) {
	n := newNotifier(DeliveryConfig{}, 0, slog.New(slog.DiscardHandler), nil)
	got := DeliveryConfig{Attempts: n.attempts, Backoff: n.backoff, MaxBackoff: n.maxBackoff, Timeout: n.timeout}
	want := DeliveryConfig{Attempts: 5, Backoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second, Timeout: 15 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if err := n.close(); err != nil {
		t.Fatal(err)
	}
}

// Retry waits are spread over [d/2, d], so that the retries of many calls
// do not hit a slow bot together.
func TestJitterSpreadsWaits(t *testing.T) {
	const d = 100 * time.Millisecond
	seen := map[time.Duration]bool{}
	for range 1000 {
		w := jitter(d)
		if w < d/2 || w > d {
			t.Fatalf("jitter(%v) = %v, outside [%v, %v]", d, w, d/2, d)
		}
		seen[w] = true
	}
	if len(seen) < 100 {
		t.Errorf("%d distinct waits out of 1000: not spread", len(seen))
	}
	if jitter(0) != 0 || jitter(1) != 1 {
		t.Error("jitter of 0 or 1ns changed it")
	}
}

// Close releases the keep-alive connections the notifier holds to bots, so
// that a bot's server does not wait for them when it shuts down.
func TestCloseReleasesConnectionsToBots(t *testing.T) {
	delivered := &logSignal{match: "notification delivered", ch: make(chan slogRecord, 2)}
	e := newEnv(t, Config{Logger: newLogger(delivered)})
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	allClosed := make(chan struct{})
	bot := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	bot.Config.ConnState = func(c net.Conn, st http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch st {
		case http.StateNew:
			open[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(open, c)
			if len(open) == 0 && allClosed != nil {
				close(allClosed)
				allClosed = nil
			}
		}
	}
	bot.Start()
	defer bot.Close()
	e.createCall(bot.URL + "/cb")
	waitLog(t, delivered, 2)
	mu.Lock()
	n, done := len(open), allClosed
	mu.Unlock()
	if n == 0 {
		t.Fatal("no connection from the notifier is open: nothing to test")
	}
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(waitBound):
		t.Fatalf("%d connections of the notifier still open %v after Close", n, waitBound)
	}
}
