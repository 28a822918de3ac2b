package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// keepAlive posts a keepAlive to call c (any id form) and returns the answer.
func (e *env) keepAlive(c string) response {
	e.t.Helper()
	return e.do("POST", "/communications/calls/"+c+"/keepAlive", e.token(ClientCalling), nil)
}

// keptAlive checks that a keepAlive answered 200 without a body.
func keptAlive(t *testing.T, r response) {
	t.Helper()
	if r.status != http.StatusOK || len(r.body) != 0 {
		t.Fatalf("keepAlive: %d %q; want 200 without a body", r.status, r.body)
	}
}

// A call lives KeepAliveTimeout (45 minutes) from its last keepAlive: each
// keepAlive pushes its end back, and without one it ends as the real
// service ends an inactive call: one deleted, state terminated, resultInfo
// 408/8537. A keepAlive after the end answers 404.
func TestKeepAliveExpiry(t *testing.T) {
	e, clk := clockEnv(t, Config{Profile: ProfileV1})
	rc := newReceiver(t)
	c := e.establishedIn(v1Dialect, rc)
	for i, form := range []string{c.String(), c.Compact(), strings.ToUpper(c.String()), strings.ToLower(c.Compact())} {
		clk.Advance(44 * time.Minute)
		keptAlive(t, e.keepAlive(form))
		if r := e.do("GET", "/communications/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusOK {
			t.Fatalf("GET %d minutes in, after keepAlives: %d", 44*(i+1), r.status)
		}
	}
	clk.Advance(defaultKeepAliveTimeout - time.Nanosecond)
	if r := e.do("GET", "/communications/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusOK {
		t.Fatalf("the call ended before its keepAlive timeout: GET %d", r.status)
	}
	clk.Advance(time.Nanosecond)
	if r := e.do("GET", "/communications/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusNotFound {
		t.Errorf("GET after the keepAlive timeout: %d", r.status)
	}
	ns := on(rc.waitDeleted(t, v1Res(c)), v1Res(c))
	want := []string{"updated call:establishing", "updated call:established", "deleted call:terminated"}
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Fatalf("notifications (-want +got):\n%s", diff)
	}
	wantResultInfo(t, ns[2], endKeepAliveTimeout)
	r := e.keepAlive(c.String())
	if r.status != http.StatusNotFound || r.errorCode(t) != codeNotFound {
		t.Errorf("keepAlive after the end: %d %s", r.status, r.body)
	}
	if st := e.sim.Stats(); st.LiveCalls != 0 || clk.pending() != 0 {
		t.Errorf("live calls %d, %d timers pending after the end", st.LiveCalls, clk.pending())
	}
}

// Without any keepAlive a call ends KeepAliveTimeout after its start, as
// Config sets it.
func TestKeepAliveTimeoutFollowsConfig(t *testing.T) {
	e, clk := clockEnv(t, Config{Profile: ProfileV1, KeepAliveTimeout: time.Hour})
	rc := newReceiver(t)
	c := e.establishedIn(v1Dialect, rc)
	clk.Advance(defaultKeepAliveTimeout)
	if r := e.do("GET", "/communications/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusOK {
		t.Fatalf("GET after 45m with KeepAliveTimeout 1h: %d", r.status)
	}
	clk.Advance(time.Hour - defaultKeepAliveTimeout)
	rc.waitDeleted(t, v1Res(c))
}

// keepAlive on a call that ended (here by DELETE) or never existed answers
// 404 with a Graph error; a deleted call holds no keepAlive timer.
func TestKeepAliveOnEndedCall(t *testing.T) {
	e, clk := clockEnv(t, Config{Profile: ProfileV1})
	rc := newReceiver(t)
	c := e.establishedIn(v1Dialect, rc)
	hangUp(t, e, v1Dialect, c)
	if n := clk.pending(); n != 0 {
		t.Errorf("%d timers pending after DELETE", n)
	}
	for _, id := range []string{c.String(), guid.New().String(), "not-an-id"} {
		if r := e.keepAlive(id); r.status != http.StatusNotFound || r.errorCode(t) != codeNotFound {
			t.Errorf("keepAlive %s: %d %s", id, r.status, r.body)
		}
	}
}

// Break keepalive-ended-call-ok: keepAlive on an ended call answers 200.
func TestBreakKeepAliveEndedOK(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{Break: []string{BreakKeepAliveEndedOK}})
	rc := newReceiver(t)
	c := e.establishedIn(v1Dialect, rc)
	hangUp(t, e, v1Dialect, c)
	keptAlive(t, e.keepAlive(c.String()))
}

// beta-2018 has no keepAlive: the route does not exist, and a call does
// not end for want of one.
func TestBetaHasNoKeepAlive(t *testing.T) {
	e, clk := clockEnv(t, Config{})
	rc := newReceiver(t)
	c := e.establishedCall(rc)
	if r := e.do("POST", "/app/calls/"+c.String()+"/keepAlive", e.token(ClientCalling), nil); r.status != http.StatusNotFound {
		t.Errorf("beta-2018 keepAlive: %d", r.status)
	}
	clk.Advance(2 * defaultKeepAliveTimeout)
	if r := e.do("GET", "/app/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusOK {
		t.Errorf("a beta-2018 call ended without keepAlive: GET %d", r.status)
	}
}

// A deadline that fires as a keepAlive comes (its timer had started) does
// not end the call: the keepAlive moved the call's end.
func TestKeepAliveLateDeadlineIsIgnored(t *testing.T) {
	e, clk := clockEnv(t, Config{Profile: ProfileV1})
	rc := newReceiver(t)
	c := e.establishedIn(v1Dialect, rc)
	clk.Advance(defaultKeepAliveTimeout - time.Minute)
	keptAlive(t, e.keepAlive(c.String()))
	clk.Advance(time.Minute) // the first deadline, whose timer the keepAlive reset
	e.sim.keepAliveExpired(e.sim.calls.get(c))
	if r := e.do("GET", "/communications/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusOK {
		t.Errorf("the call ended at its first deadline although a keepAlive came: GET %d", r.status)
	}
}

// An answered call needs keepAlives too, from the start of the call.
func TestKeepAliveExpiresAnsweredCall(t *testing.T) {
	e, clk := clockEnv(t, Config{Profile: ProfileV1})
	rc := newReceiver(t)
	c := e.answeredIn(v1Dialect, rc)
	clk.Advance(defaultKeepAliveTimeout)
	ns := on(rc.waitDeleted(t, v1Res(c)), v1Res(c))
	wantResultInfo(t, ns[len(ns)-1], endKeepAliveTimeout)
}
