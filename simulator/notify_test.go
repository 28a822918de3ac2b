package simulator

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/callconform/callconform/internal/callbacksign"
	"github.com/callconform/callconform/internal/guid"
)

func TestNotificationTokensVerifyWithServedJWKS(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c := e.createCall(rc.URL())
	ns := rc.waitFor(t, callRes(c), 2)

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
	n1, n2 := rc.waitFor(t, callRes(c1), 2), rc.waitFor(t, callRes(c2), 2)
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
	rc.respond = func(n int, r *http.Request) int {
		switch n {
		case 1:
			return http.StatusServiceUnavailable
		case 2:
			return http.StatusTooManyRequests
		}
		return http.StatusOK
	}
	c := e.createCall(rc.URL())
	ns := rc.waitFor(t, callRes(c), 2)
	if got := summary(t, ns); !reflect.DeepEqual(got, []string{"updated call:establishing", "updated call:established"}) {
		t.Errorf("notifications %v", got)
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
	rc.respond = func(int, *http.Request) int { return http.StatusInternalServerError }
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
	rc.respond = func(int, *http.Request) int { return http.StatusUnauthorized }
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
	rc.respond = func(_ int, r *http.Request) int {
		<-r.Context().Done() // never answers in time
		return http.StatusOK
	}
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
	rc.respond = func(n int, r *http.Request) int {
		if r.Method != http.MethodPost {
			t.Errorf("followed the redirect with %s", r.Method)
		}
		return http.StatusFound
	}
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
	rc.respond = func(_ int, r *http.Request) int {
		once.Do(func() { close(arrived) })
		<-r.Context().Done()
		return http.StatusOK
	}
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
	ns := rc.waitFor(t, callRes(c), 2)
	if gap := ns[1].At.Sub(ns[0].At); gap < step {
		t.Errorf("established arrived %v after establishing; StepDelay is %v", gap, step)
	}
}

// Under 200 concurrent calls, each call's notifications arrive in order and
// every call is gone at the end.
func TestNotificationOrderUnderLoad(t *testing.T) {
	const calls = 200
	delivered := &logSignal{match: "notification delivered", ch: make(chan slogRecord, 7*calls)}
	e := newEnv(t, Config{Logger: newLogger(delivered)})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitBound)
	defer cancel()
	errs := make(chan error, calls)
	ids := make(chan guid.GUID, calls)
	for range calls {
		go func() { errs <- flow(ctx, e.srv.URL, tok, rc, ids) }()
	}
	for range calls {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(ids)
	all := rc.wait(t, "every call's deleted notification", func(ns []note) bool {
		n := 0
		for _, x := range ns {
			if x.ChangeType == "deleted" && !strings.Contains(x.Resource, "/operations/") {
				n++
			}
		}
		return n == calls
	})
	want := []string{"updated call:establishing", "updated call:established", "deleted operation:completed",
		"updated roster", "updated call:terminating", "updated call:terminated", "deleted call"}
	for c := range ids {
		if got := summary(t, under(all, callRes(c))); !reflect.DeepEqual(got, want) {
			t.Errorf("call %s: %v", c.Compact(), got)
		}
	}
	if st := e.sim.Stats(); st.LiveCalls != 0 {
		t.Errorf("live calls %d after every call was deleted", st.LiveCalls)
	}
	waitLog(t, delivered, 7*calls)
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if st := e.sim.Stats(); st.Workers != 0 || st.Queued != 0 || st.Lost != 0 || st.Delivered != calls*7 {
		t.Errorf("stats %+v", st)
	}
}

// flow creates a call, waits until it is established, invites, waits for the
// roster and deletes the call.
func flow(ctx context.Context, base, tok string, rc *receiver, ids chan<- guid.GUID) error {
	r, err := doRequest(base, "POST", "/app/calls", tok, meetingBody(rc.URL()))
	if err != nil || r.status != http.StatusCreated {
		return fmt.Errorf("create: %v %d %s", err, r.status, r.body)
	}
	c, ok := guid.Parse(lastSegment(r.header.Get("Location")))
	if !ok {
		return fmt.Errorf("Location %q", r.header.Get("Location"))
	}
	ids <- c
	if _, err := rc.await(waitBound, "established", func(ns []note) bool { return len(on(ns, callRes(c))) >= 2 }); err != nil {
		return err
	}
	r, err = doRequest(base, "POST", invitePath(c), tok, map[string]any{"participants": []any{heidi()}})
	if err != nil || r.status != http.StatusAccepted {
		return fmt.Errorf("invite: %v %d %s", err, r.status, r.body)
	}
	if _, err := rc.await(waitBound, "roster", func(ns []note) bool { return len(on(ns, callRes(c)+"/participants")) >= 1 }); err != nil {
		return err
	}
	r, err = doRequest(base, "DELETE", "/app/calls/"+c.String(), tok, nil)
	if err != nil || r.status != http.StatusNoContent {
		return fmt.Errorf("delete: %v %d", err, r.status)
	}
	return ctx.Err()
}
