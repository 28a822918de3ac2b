package simulator

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// clockEnv is a simulator whose deadlines follow a fake clock.
func clockEnv(t *testing.T, cfg Config) (*env, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	cfg.Clock = clk
	return newEnv(t, cfg), clk
}

// wantEnd checks the notifications of a call the service ended: its last
// two are terminated with resultInfo why, and deleted.
func wantEnd(t *testing.T, ns []note, want []string, why endReason) {
	t.Helper()
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Fatalf("notifications (-want +got):\n%s", diff)
	}
	got := ns[len(ns)-2].data(t)["resultInfo"]
	wantInfo := map[string]any{"code": why.code, "subCode": why.subCode, "message": why.message}
	if diff := cmp.Diff(any(wantInfo), got); diff != "" {
		t.Errorf("resultInfo of terminated (-want +got):\n%s", diff)
	}
}

// An incoming call the bot never answers ends AnswerTimeout after the bot
// was told of it, as the real service ends it: terminated with resultInfo
// 408/1106, then deleted. It is gone at once.
func TestUnansweredIncomingCallEnds(t *testing.T) {
	e, clk := clockEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.incomingCall(rc.URL(), nil)
	rc.waitState(t, callRes(c), stateIncoming)
	clk.waitPending(t, 1) // armed once the created notification was delivered
	clk.Advance(defaultAnswerTimeout - time.Nanosecond)
	if r := e.do("GET", "/app/calls/"+c.String(), tok, nil); r.status != http.StatusOK {
		t.Fatalf("the call ended before its answer timeout: GET %d", r.status)
	}
	clk.Advance(time.Nanosecond)
	if r := e.do("GET", "/app/calls/"+c.String(), tok, nil); r.status != http.StatusNotFound {
		t.Errorf("GET after the answer timeout: %d", r.status)
	}
	if st := e.sim.Stats(); st.LiveCalls != 0 {
		t.Errorf("live calls %d after the answer timeout", st.LiveCalls)
	}
	r := e.do("POST", "/app/calls/"+c.String()+"/answer", tok, map[string]any{"callback": rc.URL()})
	if r.status != http.StatusNotFound {
		t.Errorf("answer after the answer timeout: %d %s", r.status, r.body)
	}
	wantEnd(t, rc.waitDeleted(t, callRes(c)),
		[]string{"created call:incoming", "updated call:terminated", "deleted call"}, endNotAnswered)
}

// A call answered in time keeps no deadline: it does not end, whatever the
// clock says, and the simulator holds no timer for it.
func TestAnsweredCallHasNoDeadline(t *testing.T) {
	e, clk := clockEnv(t, Config{})
	rc := newReceiver(t)
	c := e.answeredCall(rc)
	if n := clk.pending(); n != 0 {
		t.Errorf("%d deadlines pending for an established call", n)
	}
	clk.Advance(defaultAnswerTimeout + defaultEstablishTimeout)
	if r := e.do("GET", "/app/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusOK ||
		r.json(t)["state"] != stateEstablished {
		t.Errorf("an established call after the deadlines: %d %s", r.status, r.body)
	}
}

// A call that stays establishing (here its bot holds the establishing
// notification) ends EstablishTimeout after it was created, with resultInfo
// 408/10057; the established notification queued behind is not sent.
func TestStuckEstablishingCallEnds(t *testing.T) {
	e, clk := clockEnv(t, Config{})
	rc := newReceiver(t)
	establishing := newHold(func(n note) bool { return n.state() == stateEstablishing })
	defer establishing.free()
	rc.setRespond(establishing.respond)
	c := e.createCall(rc.URL())
	establishing.waitHeld(t)
	clk.Advance(defaultEstablishTimeout)
	if r := e.do("GET", "/app/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusNotFound {
		t.Errorf("GET after the establish timeout: %d", r.status)
	}
	establishing.free()
	wantEnd(t, rc.waitDeleted(t, callRes(c)),
		[]string{"updated call:establishing", "updated call:terminated", "deleted call"}, endNotEstablished)
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if st := e.sim.Stats(); st.Skipped != 1 || st.LiveCalls != 0 {
		t.Errorf("stats %+v; want the established notification skipped", st)
	}
}

// An answered call that stays establishing ends too, from the answer on.
func TestAnsweredCallStuckEstablishingEnds(t *testing.T) {
	e, clk := clockEnv(t, Config{})
	rc := newReceiver(t)
	establishing := newHold(func(n note) bool { return n.state() == stateEstablishing })
	defer establishing.free()
	rc.setRespond(establishing.respond)
	c := e.incomingCall(rc.URL(), nil)
	r := e.do("POST", "/app/calls/"+c.String()+"/answer", e.token(ClientCalling), map[string]any{"callback": rc.URL()})
	if r.status != http.StatusOK {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	establishing.waitHeld(t)
	clk.Advance(defaultEstablishTimeout)
	establishing.free()
	wantEnd(t, rc.waitDeleted(t, callRes(c)),
		[]string{"created call:incoming", "updated call:establishing", "updated call:terminated", "deleted call"}, endNotEstablished)
}

// A call deleted before its deadline is ended once, by DELETE.
func TestDeletedCallDoesNotExpire(t *testing.T) {
	e, clk := clockEnv(t, Config{})
	rc := newReceiver(t)
	c := e.incomingCall(rc.URL(), nil)
	rc.waitState(t, callRes(c), stateIncoming)
	clk.waitPending(t, 1)
	if r := e.do("DELETE", "/app/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", r.status)
	}
	if n := clk.pending(); n != 0 {
		t.Errorf("%d deadlines pending after DELETE", n)
	}
	clk.Advance(defaultAnswerTimeout)
	want := []string{"created call:incoming", "updated call:terminating", "updated call:terminated", "deleted call"}
	if diff := cmp.Diff(want, summary(t, rc.waitDeleted(t, callRes(c)))); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

// Close cancels every deadline: nothing is ended, or notified, after it.
func TestCloseStopsDeadlines(t *testing.T) {
	e, clk := clockEnv(t, Config{})
	rc := newReceiver(t)
	for range 3 {
		e.createCall(rc.URL())
	}
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if n := clk.pending(); n != 0 {
		t.Errorf("%d deadlines pending after Close", n)
	}
}

// AnswerTimeout and EstablishTimeout are read from Config; the clock runs
// the operations' times too.
func TestDeadlinesFollowConfig(t *testing.T) {
	e, clk := clockEnv(t, Config{AnswerTimeout: time.Minute})
	rc := newReceiver(t)
	c := e.incomingCall(rc.URL(), nil)
	rc.waitState(t, callRes(c), stateIncoming)
	clk.waitPending(t, 1)
	clk.Advance(defaultAnswerTimeout)
	r := e.do("POST", "/app/calls/"+c.String()+"/answer", e.token(ClientCalling), map[string]any{"callback": rc.URL()})
	if r.status != http.StatusOK {
		t.Fatalf("answer within AnswerTimeout: %d %s", r.status, r.body)
	}
	if got, want := r.json(t)["createdDateTime"], clk.Now().Format(time.RFC3339); got != want {
		t.Errorf("createdDateTime %v; want the clock's %v", got, want)
	}
}

// Past MaxCalls live calls, creating a call and placing an incoming call
// answer 429 TooManyRequests with a Retry-After; once a call ends, calls
// can be created again.
func TestMaxCalls(t *testing.T) {
	e := newEnv(t, Config{MaxCalls: 2})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	first := e.createCall(rc.URL())
	e.incomingCall(rc.URL(), nil)
	for name, r := range map[string]response{
		"create":        e.do("POST", "/app/calls", tok, meetingBody(rc.URL())),
		"incoming call": e.do("POST", "/_control/incoming-calls", "", map[string]any{"callback": rc.URL()}),
	} {
		if r.status != http.StatusTooManyRequests || r.errorCode(t) != codeTooManyRequests {
			t.Errorf("%s past MaxCalls: %d %s", name, r.status, r.body)
		}
		if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s <= 0 {
			t.Errorf("%s: Retry-After %q", name, r.header.Get("Retry-After"))
		}
	}
	if st := e.sim.Stats(); st.LiveCalls != 2 {
		t.Errorf("live calls %d; want MaxCalls", st.LiveCalls)
	}
	if r := e.do("DELETE", "/app/calls/"+first.String(), tok, nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", r.status)
	}
	e.createCall(rc.URL())
}

func TestDefaultBounds(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.answerTimeout != 15*time.Second || s.establishTimeout != 2*time.Minute || s.maxCalls != 10_000 {
		t.Errorf("answer timeout %v, establish timeout %v, max calls %d", s.answerTimeout, s.establishTimeout, s.maxCalls)
	}
	if _, ok := s.clock.(SystemClock); !ok {
		t.Errorf("clock %T; want SystemClock", s.clock)
	}
}
