package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

func TestReject(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{})
			rc, other := newReceiver(t), newReceiver(t)
			tok := e.token(ClientCalling)
			c := e.incomingCall(rc.URL(), nil)
			rc.waitState(t, h.d.res(c), stateIncoming)
			checkHandoffAnswer(t, h, "reject", e.do("POST", pathOf(h.d, c, "reject"), tok, map[string]any{"reason": "Busy"}))
			ns := rc.waitDeleted(t, h.d.res(c))
			if diff := cmp.Diff(h.rejected, after(t, ns, incomingSetUp)); diff != "" {
				t.Errorf("notifications (-want +got):\n%s", diff)
			}
			if _, ok := ns[len(ns)-1].data(t)["state"]; ok {
				t.Errorf("deleted %s: the pages' deleted of a rejected call has no state", ns[len(ns)-1].Data)
			}
			if r := e.do("GET", h.d.root+"/"+c.String(), tok, nil); r.status != http.StatusNotFound {
				t.Errorf("GET after reject: %d", r.status)
			}
			// With a callback of its own, the end goes there.
			c2 := e.incomingCall(rc.URL(), nil)
			rc.waitState(t, h.d.res(c2), stateIncoming)
			body := map[string]any{"reason": "none", h.d.callback: other.URL()}
			checkHandoffAnswer(t, h, "reject", e.do("POST", pathOf(h.d, c2, "reject"), tok, body))
			other.waitDeleted(t, h.d.res(c2))
		})
	}
}

func TestRejectErrors(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			incoming := e.incomingCall(rc.URL(), nil)
			answered := e.answeredIn(h.d, rc)
			for name, tc := range map[string]struct {
				call   guid.GUID
				body   any
				status int
				code   string
			}{
				"unknown call":   {guid.New(), map[string]any{"reason": "busy"}, http.StatusNotFound, codeNotFound},
				"answered call":  {answered, map[string]any{"reason": "busy"}, http.StatusConflict, codeInvalidCallState},
				"unknown reason": {incoming, map[string]any{"reason": "tired"}, http.StatusBadRequest, codeBadRequest},
				"reason number":  {incoming, map[string]any{"reason": 3}, http.StatusBadRequest, codeBadRequest},
				"not an object":  {incoming, `["busy"]`, http.StatusBadRequest, codeBadRequest},
				"bad callback":   {incoming, map[string]any{h.d.callback: "bot/calls"}, http.StatusBadRequest, codeBadRequest},
			} {
				r := e.do("POST", pathOf(h.d, tc.call, "reject"), tok, tc.body)
				if r.status != tc.status || r.errorCode(t) != tc.code {
					t.Errorf("%s: %d %s", name, r.status, r.body)
				}
			}
			// Refused rejects changed nothing: the incoming call can still
			// be answered, the answered one is still established.
			if r := e.do("POST", pathOf(h.d, incoming, "answer"), tok, h.d.answerBody(rc.URL())); r.status != h.d.answerStatus {
				t.Errorf("answer after refused rejects: %d %s", r.status, r.body)
			}
			if r := e.do("GET", h.d.root+"/"+answered.String(), tok, nil); !strings.Contains(string(r.body), `"state":"established"`) {
				t.Errorf("answered call after a refused reject: %s", r.body)
			}
		})
	}
}
