package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The resultInfo codes of reject, redirect and transfer are numbers, as
// v1.0 writes them.
func TestHandoffReasonsAreNumbers(t *testing.T) {
	for _, why := range []endReason{endTransferred, transferFailed, consultFailed, endRedirectDeclined} {
		num(t, why.code)
		num(t, why.subCode)
		if why.message == "" {
			t.Errorf("%+v has no message", why)
		}
	}
}

// Break transfer-with-body (v1.0): transfer answers 200 with a
// commsOperation and notifies its completion; reject and redirect keep
// their 202.
func TestBreakTransferWithBody(t *testing.T) {
	h := handoffs[1]
	e := dialectEnv(t, h.d, Config{Break: []string{BreakTransferWithBody}})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.answeredIn(h.d, rc)
	r := e.do("POST", pathOf(h.d, c, "transfer"), tok, transferBody(h, ""))
	if r.status != http.StatusOK || r.json(t)["@odata.type"] != typeCommsOperation {
		t.Errorf("transfer: %d %s", r.status, r.body)
	}
	ns := rc.waitDeleted(t, h.d.res(c))
	want := []string{"updated call:transferring", "updated call:transferAccepted", "deleted operation:completed", "deleted call:terminated"}
	if diff := cmp.Diff(want, after(t, ns, answeredSetUp)); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	in := e.incomingCall(rc.URL(), nil)
	if r := e.do("POST", pathOf(h.d, in, "redirect"), tok, redirectBody(h.d, 1)); r.status != http.StatusAccepted || len(r.body) != 0 {
		t.Errorf("redirect: %d %s", r.status, r.body)
	}
}

// Break no-transfer-accepted: transferring is followed by the end.
func TestBreakNoTransferAccepted(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{Break: []string{BreakNoTransferAccepted}})
			rc := newReceiver(t)
			c := e.answeredIn(h.d, rc)
			checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), e.token(ClientCalling), transferBody(h, "")))
			ns := rc.waitDeleted(t, h.d.res(c))
			want := slicesWithout(h.transferred, "updated call:transferAccepted")
			want = slicesWithout(want, "updated call:transfer-accepted")
			if diff := cmp.Diff(want, after(t, ns, answeredSetUp)); diff != "" {
				t.Errorf("notifications (-want +got):\n%s", diff)
			}
		})
	}
}

// Break transfer-failure-no-result: a declined transfer brings the call
// back to established without a resultInfo.
func TestBreakTransferFailureNoResult(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{Break: []string{BreakTransferFailureNoResult}})
			rc := newReceiver(t)
			c := e.answeredIn(h.d, rc)
			e.arm(CapabilityTransferReject, c)
			checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), e.token(ClientCalling), transferBody(h, "")))
			ns := waitBackToEstablished(t, rc, h.d.res(c))
			last := ns[len(ns)-1]
			if diff := cmp.Diff(h.transferDeclined, after(t, ns, answeredSetUp)); diff != "" {
				t.Fatalf("notifications (-want +got):\n%s", diff)
			}
			if _, ok := last.data(t)["resultInfo"]; ok {
				t.Errorf("established %s carries a resultInfo", last.Data)
			}
		})
	}
}

// Break reject-ignored: reject answers as accepted, and the call is still
// incoming: it can be answered, and no deleted came before its
// establishing (a call's notifications arrive in order).
func TestBreakRejectIgnored(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{Break: []string{BreakRejectIgnored}})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			c := e.incomingCall(rc.URL(), nil)
			checkHandoffAnswer(t, h, "reject", e.do("POST", pathOf(h.d, c, "reject"), tok, map[string]any{"reason": "busy"}))
			if r := e.do("GET", h.d.root+"/"+c.String(), tok, nil); !strings.Contains(string(r.body), `"state":"incoming"`) {
				t.Errorf("GET after the ignored reject: %d %s", r.status, r.body)
			}
			if r := e.do("POST", pathOf(h.d, c, "answer"), tok, h.d.answerBody(rc.URL())); r.status != h.d.answerStatus {
				t.Fatalf("answer: %d %s", r.status, r.body)
			}
			ns := on(rc.waitState(t, h.d.res(c), stateEstablished), h.d.res(c))
			if diff := cmp.Diff(answeredSetUp, summary(t, ns)); diff != "" {
				t.Errorf("notifications (-want +got):\n%s", diff)
			}
		})
	}
}

// Break redirect-timeout-unchecked (v1.0): a timeout out of 15..90 is
// accepted.
func TestBreakRedirectTimeoutUnchecked(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{Break: []string{BreakRedirectTimeoutUnchecked}})
	rc := newReceiver(t)
	c := e.incomingCall(rc.URL(), nil)
	body := redirectBody(v1Dialect, 1)
	body["timeout"] = 5
	if r := e.do("POST", pathOf(v1Dialect, c, "redirect"), e.token(ClientCalling), body); r.status != http.StatusAccepted {
		t.Errorf("timeout 5: %d %s", r.status, r.body)
	}
}

// waitBackToEstablished waits for the notification that brings call
// resource res back to established after transferring, and returns the
// call's notifications.
func waitBackToEstablished(t *testing.T, rc *receiver, res string) []note {
	t.Helper()
	ns, err := rc.awaitCall(waitBound, res, "established after transferring", func(ns []note) bool {
		transferring := false
		for _, n := range ns {
			switch {
			case n.Resource != res:
			case n.state() == stateTransferring:
				transferring = true
			case transferring && n.state() == stateEstablished:
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}
