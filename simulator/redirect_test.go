package simulator

import (
	"net/http"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// redirectBody is a redirect to n targets in dialect d: the v1.0 page's
// invitationParticipantInfo, the 2018 page's identity sets.
func redirectBody(d dialect, n int) map[string]any {
	targets := make([]any, n)
	for i := range targets {
		user := map[string]any{"user": map[string]any{"id": guid.New().String(), "displayName": "Heidi Steen"}}
		if d.profile == ProfileV1 {
			targets[i] = map[string]any{"@odata.type": typeInvitationParticipant, "identity": user}
		} else {
			targets[i] = user
		}
	}
	return map[string]any{"targets": targets}
}

func TestRedirect(t *testing.T) {
	for _, h := range handoffs {
		for _, targets := range []int{1, 3} { // one target, and simulring
			t.Run(h.d.profile+"/"+map[int]string{1: "one", 3: "simulring"}[targets], func(t *testing.T) {
				e := dialectEnv(t, h.d, Config{})
				rc, redirectCB := newReceiver(t), newReceiver(t)
				tok := e.token(ClientCalling)
				c := e.incomingCall(rc.URL(), nil)
				rc.waitState(t, h.d.res(c), stateIncoming)
				body := redirectBody(h.d, targets)
				body[h.d.callback] = redirectCB.URL()
				checkHandoffAnswer(t, h, "redirect", e.do("POST", pathOf(h.d, c, "redirect"), tok, body))
				// The notifications go to the redirect's callbackUri.
				ns := redirectCB.waitDeleted(t, h.d.res(c))
				if diff := cmp.Diff(h.redirected, summary(t, ns)); diff != "" {
					t.Errorf("notifications (-want +got):\n%s", diff)
				}
				end := ns[len(ns)-1].data(t)
				if h.d.profile == ProfileV1 {
					if end["direction"] != "incoming" || end["resultInfo"] != nil {
						t.Errorf("deleted %s: want direction incoming and no resultInfo, as the page shows it", ns[len(ns)-1].Data)
					}
				} else if reason := ns[len(ns)-2].data(t)["terminationReason"]; reason != "AppRedirected" {
					t.Errorf("terminated %s: want terminationReason AppRedirected", ns[len(ns)-2].Data)
				}
				if r := e.do("GET", h.d.root+"/"+c.String(), tok, nil); r.status != http.StatusNotFound {
					t.Errorf("GET after redirect: %d", r.status)
				}
			})
		}
	}
}

func TestRedirectTimeout(t *testing.T) {
	for _, tc := range []struct {
		d       dialect
		timeout any
		status  int
	}{
		{v1Dialect, 15, http.StatusAccepted}, {v1Dialect, 90, http.StatusAccepted},
		{v1Dialect, 14, http.StatusBadRequest}, {v1Dialect, 91, http.StatusBadRequest},
		{v1Dialect, "60", http.StatusBadRequest}, {v1Dialect, 60.5, http.StatusBadRequest},
		// The 2018 page sends "60" and 99.
		{betaDialect, "60", http.StatusOK}, {betaDialect, 99, http.StatusOK},
		{betaDialect, "soon", http.StatusBadRequest}, {betaDialect, 0, http.StatusBadRequest},
	} {
		e := dialectEnv(t, tc.d, Config{})
		rc := newReceiver(t)
		c := e.incomingCall(rc.URL(), nil)
		body := redirectBody(tc.d, 1)
		body["timeout"] = tc.timeout
		r := e.do("POST", pathOf(tc.d, c, "redirect"), e.token(ClientCalling), body)
		if r.status != tc.status {
			t.Errorf("%s timeout %v: %d %s", tc.d.profile, tc.timeout, r.status, r.body)
		}
	}
}

func TestRedirectErrors(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			incoming := e.incomingCall(rc.URL(), nil)
			answered := e.answeredIn(h.d, rc)
			notInfo := map[string]any{"targets": []any{map[string]any{"identity": "heidi"}}}
			for name, tc := range map[string]struct {
				call   guid.GUID
				body   any
				status int
			}{
				"unknown call":       {guid.New(), redirectBody(h.d, 1), http.StatusNotFound},
				"answered call":      {answered, redirectBody(h.d, 1), http.StatusConflict},
				"no targets":         {incoming, map[string]any{"targets": []any{}}, http.StatusBadRequest},
				"targets absent":     {incoming, map[string]any{"timeout": 30}, http.StatusBadRequest},
				"26 targets":         {incoming, redirectBody(h.d, 26), http.StatusBadRequest},
				"identity not set":   {incoming, notInfo, http.StatusBadRequest},
				"maskCaller not set": {incoming, map[string]any{"targets": redirectBody(h.d, 1)["targets"], "maskCaller": "yes"}, http.StatusBadRequest},
			} {
				if r := e.do("POST", pathOf(h.d, tc.call, "redirect"), tok, tc.body); r.status != tc.status {
					t.Errorf("%s: %d %s", name, r.status, r.body)
				}
			}
			if h.d.profile == ProfileV1 {
				// v1.0 targets are invitationParticipantInfo: an identity set
				// alone (the 2018 form) is refused.
				bare := map[string]any{"targets": []any{map[string]any{"user": map[string]any{"id": "x"}}}}
				if r := e.do("POST", pathOf(h.d, incoming, "redirect"), tok, bare); r.status != http.StatusBadRequest {
					t.Errorf("identity set as target: %d %s", r.status, r.body)
				}
			}
			checkHandoffAnswer(t, h, "redirect after refusals", e.do("POST", pathOf(h.d, incoming, "redirect"), tok, redirectBody(h.d, 1)))
		})
	}
}

func TestRedirectDeclined(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{})
			rc := newReceiver(t)
			c := e.incomingCall(rc.URL(), nil)
			e.arm(CapabilityRedirectReject, c)
			checkHandoffAnswer(t, h, "redirect", e.do("POST", pathOf(h.d, c, "redirect"), e.token(ClientCalling), redirectBody(h.d, 2)))
			ns := rc.waitDeleted(t, h.d.res(c))
			if diff := cmp.Diff(h.redirectDeclined, after(t, ns, incomingSetUp)); diff != "" {
				t.Errorf("notifications (-want +got):\n%s", diff)
			}
			terminated := ns[len(ns)-1]
			if h.d.profile != ProfileV1 {
				terminated = ns[len(ns)-2]
			}
			ri, _ := terminated.data(t)["resultInfo"].(map[string]any)
			if code := ri["code"]; code != 480.0 && code != "480" {
				t.Errorf("terminated %s: want resultInfo 480/10076", terminated.Data)
			}
		})
	}
}

// Redirect-accept undoes an armed redirect-reject; an armed outcome serves
// one redirect only.
func TestRedirectAcceptRearms(t *testing.T) {
	h := handoffs[1]
	e := dialectEnv(t, h.d, Config{})
	rc := newReceiver(t)
	c := e.incomingCall(rc.URL(), nil)
	e.arm(CapabilityRedirectReject, c)
	e.arm(CapabilityRedirectAccept, c)
	checkHandoffAnswer(t, h, "redirect", e.do("POST", pathOf(h.d, c, "redirect"), e.token(ClientCalling), redirectBody(h.d, 1)))
	ns := rc.waitDeleted(t, h.d.res(c))
	if ri := ns[len(ns)-1].data(t)["resultInfo"]; ri != nil {
		t.Errorf("redirect armed accept after reject ended with %v", ri)
	}
}
