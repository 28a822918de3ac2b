package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// handoff is what a bot expects of reject, redirect and transfer under one
// profile, written from that profile's pages (not read from the profile
// table): the answer, and the notifications each call gets after those of
// its set-up.
type handoff struct {
	d           dialect
	status      int  // of an accepted reject, redirect or transfer
	withOp      bool // the answer carries a commsOperation
	targetField string
	// Summaries (see summary) of the notifications that follow the set-up.
	rejected, redirected, redirectDeclined []string
	transferred, transferDeclined          []string
}

var handoffs = []handoff{
	{d: betaDialect, status: http.StatusOK, withOp: true, targetField: "target",
		rejected:         []string{"deleted operation:completed", "deleted call"},
		redirected:       []string{"updated call:redirecting", "deleted operation:completed", "updated call:terminated", "deleted call"},
		redirectDeclined: []string{"updated call:redirecting", "deleted operation:failed", "updated call:terminated", "deleted call"},
		transferred: []string{"updated call:transferring", "updated call:transfer-accepted", "deleted operation:completed",
			"updated call:terminated", "deleted call"},
		transferDeclined: []string{"updated call:transferring", "deleted operation:failed", "updated call:established"},
	},
	{d: v1Dialect, status: http.StatusAccepted, targetField: "transferTarget",
		rejected:         []string{"deleted call"},
		redirected:       []string{"deleted call:terminated"},
		redirectDeclined: []string{"deleted call:terminated"},
		transferred:      []string{"updated call:transferring", "updated call:transferAccepted", "deleted call:terminated"},
		transferDeclined: []string{"updated call:transferring", "updated call:established"},
	},
}

// Set-up notifications of an incoming call and of an answered one.
var (
	incomingSetUp = []string{"created call:incoming"}
	answeredSetUp = []string{"created call:incoming", "updated call:establishing", "updated call:established"}
)

// checkHandoffAnswer checks the answer of an accepted reject, redirect or
// transfer: the profile's status, and its commsOperation (Running) or no
// body at all.
func checkHandoffAnswer(t *testing.T, h handoff, what string, r response) {
	t.Helper()
	if r.status != h.status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, h.status, r.body)
	}
	if !h.withOp {
		if len(r.body) != 0 {
			t.Errorf("%s: body %s, want none", what, r.body)
		}
		return
	}
	op := r.json(t)
	if op["@odata.type"] != typeCommsOperation || op["status"] != "Running" || !guidRE.MatchString(op["id"].(string)) {
		t.Errorf("%s: operation %s", what, r.body)
	}
}

// pathOf is the path of action on call c in dialect d.
func pathOf(d dialect, c guid.GUID, action string) string {
	return d.root + "/" + c.String() + "/" + action
}

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

// transferBody is a transfer to Heidi in dialect d, consultative when
// replaces is given.
func transferBody(h handoff, replaces string) map[string]any {
	target := map[string]any{"endpointType": "default", "identity": map[string]any{"user": map[string]any{
		"id": "550fae72-d251-43ec-868c-373732c2704f", "displayName": "Heidi Steen"}}}
	if replaces != "" {
		target["replacesCallId"] = replaces
	}
	return map[string]any{h.targetField: target}
}

// after returns the summaries of ns past the set-up.
func after(t *testing.T, ns []note, setUp []string) []string {
	t.Helper()
	got := summary(t, ns)
	if len(got) < len(setUp) || !cmp.Equal(got[:len(setUp)], setUp) {
		t.Fatalf("set-up notifications %v, want %v first", got, setUp)
	}
	return got[len(setUp):]
}

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

// arm posts a test-control action on call c, with the id written compact
// and upper case: any casing names the call.
func (e *env) arm(action string, c guid.GUID) {
	e.t.Helper()
	r := e.do("POST", "/_control/"+action, "", map[string]any{"callId": strings.ToUpper(c.Compact())})
	if r.status != http.StatusOK {
		e.t.Fatalf("%s: %d %s", action, r.status, r.body)
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

func TestTransfer(t *testing.T) {
	for _, h := range handoffs {
		for _, kind := range []string{"blind", "consultative", "phone"} {
			t.Run(h.d.profile+"/"+kind, func(t *testing.T) {
				e := dialectEnv(t, h.d, Config{})
				rc := newReceiver(t)
				tok := e.token(ClientCalling)
				c := e.answeredIn(h.d, rc)
				body := transferBody(h, "")
				switch kind {
				case "consultative":
					body = transferBody(h, strings.ToUpper(guid.New().Compact()))
				case "phone":
					body[h.targetField].(map[string]any)["identity"] = map[string]any{"phone": map[string]any{"id": "+12345678901"}}
					body["clientContext"] = "9e90d1c1-f61e-43e7-9f75-d420159aae08"
				}
				checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, body))
				ns := rc.waitDeleted(t, h.d.res(c))
				if diff := cmp.Diff(h.transferred, after(t, ns, answeredSetUp)); diff != "" {
					t.Fatalf("notifications (-want +got):\n%s", diff)
				}
				checkTransferEnd(t, h, kind, ns)
				if r := e.do("GET", h.d.root+"/"+c.String(), tok, nil); r.status != http.StatusNotFound {
					t.Errorf("GET after the transfer: %d", r.status)
				}
			})
		}
	}
}

// checkTransferEnd checks why a transferred call ended: v1.0 blind
// resultInfo 0/7015, v1.0 consultative and beta-2018 terminationReason
// AppTransferred.
func checkTransferEnd(t *testing.T, h handoff, kind string, ns []note) {
	t.Helper()
	last := ns[len(ns)-1]
	switch {
	case h.d.profile != ProfileV1:
		if d := ns[len(ns)-2].data(t); d["terminationReason"] != "AppTransferred" {
			t.Errorf("terminated %s: want AppTransferred", ns[len(ns)-2].Data)
		}
	case kind == "consultative":
		if d := last.data(t); d["terminationReason"] != "AppTransferred" || d["resultInfo"] != nil {
			t.Errorf("deleted %s: want AppTransferred and no resultInfo", last.Data)
		}
	default:
		want := map[string]any{"@odata.type": typeResultInfo, "code": 0.0, "subcode": 7015.0, "message": "GracefulTransferCompleted"}
		if diff := cmp.Diff(want, last.data(t)["resultInfo"]); diff != "" {
			t.Errorf("deleted resultInfo (-want +got):\n%s", diff)
		}
	}
}

// A transfer from a group call (a meeting) names the transferee; under
// v1.0 it is refused without one.
func TestTransferFromGroupCall(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			c := e.establishedIn(h.d, rc)
			body := transferBody(h, "")
			if h.d.profile == ProfileV1 {
				r := e.do("POST", pathOf(h.d, c, "transfer"), tok, body)
				if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "transferee") {
					t.Errorf("without transferee: %d %s", r.status, r.body)
				}
			}
			body["transferee"] = map[string]any{"identity": map[string]any{"user": map[string]any{
				"id": "751f6800-3180-414d-bd94-333364659951", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"}},
				"participantId": "909c6581-5130-43e9-88f3-fcb3582cde37"}
			checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, body))
			ns := rc.waitDeleted(t, h.d.res(c))
			var got []string
			for _, s := range summary(t, on(ns, h.d.res(c))) {
				if !strings.HasSuffix(s, ":establishing") && !strings.HasSuffix(s, ":established") {
					got = append(got, s)
				}
			}
			want := slicesWithout(h.transferred, "deleted operation:completed")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("call notifications (-want +got):\n%s", diff)
			}
		})
	}
}

func slicesWithout(s []string, drop string) []string {
	var out []string
	for _, v := range s {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

func TestTransferDeclined(t *testing.T) {
	for _, h := range handoffs {
		for _, consultative := range []bool{false, true} {
			t.Run(h.d.profile+map[bool]string{false: "/blind", true: "/consultative"}[consultative], func(t *testing.T) {
				e := dialectEnv(t, h.d, Config{})
				rc := newReceiver(t)
				tok := e.token(ClientCalling)
				c := e.answeredIn(h.d, rc)
				e.arm(CapabilityTransferReject, c)
				replaces := ""
				if consultative {
					replaces = guid.New().String()
				}
				checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, transferBody(h, replaces)))
				ns := rc.waitNote(t, h.d.res(c), "established again", func(n note) bool {
					return n.state() == stateEstablished && strings.Contains(string(n.Data), "resultInfo")
				})
				if diff := cmp.Diff(h.transferDeclined, after(t, ns, answeredSetUp)); diff != "" {
					t.Fatalf("notifications (-want +got):\n%s", diff)
				}
				checkTransferFailure(t, h, ns[len(ns)-1], replaces)
				// The call goes on: GET shows it established, and its next
				// transfer (no longer armed) is accepted.
				if r := e.do("GET", h.d.root+"/"+c.String(), tok, nil); !strings.Contains(string(r.body), `"state":"established"`) {
					t.Errorf("GET after the failed transfer: %d %s", r.status, r.body)
				}
				checkHandoffAnswer(t, h, "second transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, transferBody(h, "")))
				rc.waitDeleted(t, h.d.res(c))
			})
		}
	}
}

// checkTransferFailure checks the resultInfo of a call a declined transfer
// brought back: 500/7000 (consultative 500/7700 and a replacesContext),
// the key spelled subCode as the v1.0 page spells it; numbers under v1.0,
// strings under beta-2018.
func checkTransferFailure(t *testing.T, h handoff, n note, replaces string) {
	t.Helper()
	d := n.data(t)
	sub := "7000"
	if replaces != "" {
		sub = "7700"
		if d["replacesContext"] != replaces {
			t.Errorf("replacesContext %v, want %s", d["replacesContext"], replaces)
		}
	}
	ri, _ := d["resultInfo"].(map[string]any)
	want := map[string]any{"code": "500", "subCode": sub}
	got := map[string]any{"code": ri["code"], "subCode": ri["subCode"]}
	if h.d.profile == ProfileV1 {
		want = map[string]any{"code": 500.0, "subCode": map[string]float64{"7000": 7000, "7700": 7700}[sub]}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resultInfo of %s (-want +got):\n%s", n.Data, diff)
	}
}

func TestTransferErrors(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			e := dialectEnv(t, h.d, Config{})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			incoming := e.incomingCall(rc.URL(), nil)
			answered := e.answeredIn(h.d, rc)
			other := "transferTarget"
			if h.targetField == other {
				other = "target"
			}
			target := transferBody(h, "")[h.targetField]
			for name, tc := range map[string]struct {
				call   guid.GUID
				body   any
				status int
			}{
				"unknown call":             {guid.New(), transferBody(h, ""), http.StatusNotFound},
				"incoming call":            {incoming, transferBody(h, ""), http.StatusConflict},
				"no target":                {answered, map[string]any{"clientContext": "c"}, http.StatusBadRequest},
				"other profile's name":     {answered, map[string]any{other: target}, http.StatusBadRequest},
				"target without identity":  {answered, map[string]any{h.targetField: map[string]any{"endpointType": "default"}}, http.StatusBadRequest},
				"bad replacesCallId":       {answered, transferBody(h, "replacesCallId-value"), http.StatusBadRequest},
				"transferee not an object": {answered, map[string]any{h.targetField: target, "transferee": "x"}, http.StatusBadRequest},
				"malformed JSON":           {answered, `{"` + h.targetField + `":`, http.StatusBadRequest},
			} {
				if r := e.do("POST", pathOf(h.d, tc.call, "transfer"), tok, tc.body); r.status != tc.status {
					t.Errorf("%s: %d %s", name, r.status, r.body)
				}
			}
			// A transfer under way: a second one is refused.
			h2 := newHold(func(n note) bool { return n.state() == stateTransferring })
			rc.setRespond(h2.respond)
			defer h2.free()
			checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, answered, "transfer"), tok, transferBody(h, "")))
			h2.waitHeld(t)
			if r := e.do("POST", pathOf(h.d, answered, "transfer"), tok, transferBody(h, "")); r.status != http.StatusConflict {
				t.Errorf("transfer while transferring: %d %s", r.status, r.body)
			}
			if r := e.do("GET", h.d.root+"/"+answered.String(), tok, nil); !strings.Contains(string(r.body), `"state":"transferring"`) {
				t.Errorf("GET while transferring: %s", r.body)
			}
			h2.free()
			rc.waitDeleted(t, h.d.res(answered))
		})
	}
}

func TestArmOutcomeErrors(t *testing.T) {
	e := newEnv(t, Config{})
	for _, action := range handoffCapabilities() {
		for name, tc := range map[string]struct {
			body   any
			status int
		}{
			"unknown call": {map[string]any{"callId": guid.New().String()}, http.StatusNotFound},
			"no callId":    {map[string]any{}, http.StatusBadRequest},
			"not an id":    {map[string]any{"callId": "call-1"}, http.StatusBadRequest},
			"not a string": {map[string]any{"callId": 7}, http.StatusBadRequest},
			"no body":      {nil, http.StatusBadRequest},
		} {
			if r := e.do("POST", "/_control/"+action, "", tc.body); r.status != tc.status || r.errorCode(t) == "" {
				t.Errorf("%s %s: %d %s", action, name, r.status, r.body)
			}
		}
	}
}

// A transfer or redirect of a call of another application is not found.
func TestHandoffOfAnotherAppsCall(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c := e.answeredCall(rc)
	other := e.forge(e.appClaims(guid.New().String(), RoleInitiate, RoleInitiateGroupCalls))
	for _, action := range []string{"reject", "redirect", "transfer"} {
		if r := e.do("POST", "/app/calls/"+c.String()+"/"+action, other, map[string]any{}); r.status != http.StatusNotFound {
			t.Errorf("%s: %d %s", action, r.status, r.body)
		}
	}
}

// hungUp is the end of a call the bot hangs up, as each profile's pages
// show it.
var hungUp = map[string][]string{
	ProfileBeta2018: {"updated call:terminating", "updated call:terminated", "deleted call"},
	ProfileV1:       {"updated call:terminating", "deleted call:terminated"},
}

// Under 200 concurrent flows of every hand-off (an incoming call rejected,
// one redirected, an answered call transferred, and one whose transfer is
// declined and which is then hung up), each call's notifications arrive in
// the profile's order and every call is gone at the end. Delivery is at
// least once: a redelivery counts once.
func TestHandoffsUnderLoad(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			const flows = 200
			e := dialectEnv(t, h.d, Config{})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			errs := make(chan error, flows)
			ids := make(chan [4]guid.GUID, flows)
			for range flows {
				go func() { errs <- handoffFlow(h, e.srv.URL, tok, rc, ids) }()
			}
			for range flows {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			close(ids)
			want := [4][]string{
				slices.Concat(incomingSetUp, h.rejected),
				slices.Concat(incomingSetUp, h.redirected),
				slices.Concat(answeredSetUp, h.transferred),
				slices.Concat(answeredSetUp, h.transferDeclined, hungUp[h.d.profile]),
			}
			for c := range ids {
				for i, id := range c {
					if diff := cmp.Diff(want[i], summary(t, rc.waitDeleted(t, h.d.res(id)))); diff != "" {
						t.Errorf("call %d of a flow, %s (-want +got):\n%s", i, id, diff)
					}
				}
			}
			if st := e.sim.Stats(); st.LiveCalls != 0 || st.Lost != 0 {
				t.Errorf("stats %+v after every call ended", st)
			}
		})
	}
}

// handoffFlow, under h: rejects an incoming call, redirects another,
// transfers an answered one, and arms a declined transfer for a fourth,
// which it hangs up once it is established again. It waits for the
// notification that carries the state it needs, never for a number of
// them, and sends the four call ids to ids.
func handoffFlow(h handoff, base, tok string, rc *receiver, ids chan<- [4]guid.GUID) error {
	var c [4]guid.GUID
	var err error
	for i, action := range []string{"reject", "redirect"} {
		if c[i], err = incomingIn(base, rc); err != nil {
			return err
		}
		body := map[string]any{"reason": "busy"}
		if action == "redirect" {
			body = redirectBody(h.d, 2)
		}
		if r, err := doRequest(base, "POST", pathOf(h.d, c[i], action), tok, body); err != nil || r.status != h.status {
			return fmt.Errorf("%s: %v %d %s", action, err, r.status, r.body)
		}
	}
	for i := 2; i < 4; i++ {
		if c[i], err = answeredCallIn(h.d, base, tok, rc); err != nil {
			return err
		}
	}
	if r, err := doRequest(base, "POST", "/_control/transfer-reject", "", map[string]any{"callId": c[3].String()}); err != nil || r.status != http.StatusOK {
		return fmt.Errorf("transfer-reject: %v %d %s", err, r.status, r.body)
	}
	for _, id := range c[2:] {
		if r, err := doRequest(base, "POST", pathOf(h.d, id, "transfer"), tok, transferBody(h, "")); err != nil || r.status != h.status {
			return fmt.Errorf("transfer: %v %d %s", err, r.status, r.body)
		}
	}
	back := func(ns []note) bool {
		transferring := false
		for _, n := range ns {
			transferring = transferring || n.state() == stateTransferring
			if transferring && n.Resource == h.d.res(c[3]) && n.state() == stateEstablished {
				return true
			}
		}
		return false
	}
	if _, err := rc.awaitCall(waitBound, h.d.res(c[3]), "established after the declined transfer", back); err != nil {
		return err
	}
	if r, err := doRequest(base, "DELETE", h.d.root+"/"+c[3].String(), tok, nil); err != nil || r.status != http.StatusNoContent {
		return fmt.Errorf("delete: %v %d", err, r.status)
	}
	ids <- c
	return nil
}

// incomingIn places an incoming call; an operation on it may follow at
// once, its notifications come after created.
func incomingIn(base string, rc *receiver) (guid.GUID, error) {
	r, err := doRequest(base, "POST", "/_control/incoming-calls", "", map[string]any{"callback": rc.URL()})
	if err != nil || r.status != http.StatusCreated {
		return guid.GUID{}, fmt.Errorf("incoming call: %v %d %s", err, r.status, r.body)
	}
	var placed struct{ ID string }
	_ = json.Unmarshal(r.body, &placed)
	c, _ := guid.Parse(placed.ID)
	return c, nil
}

// A call hung up while its transfer is under way ends as a hung-up call:
// the transfer's notifications still queued are not sent.
func TestHangUpWhileTransferring(t *testing.T) {
	for _, h := range handoffs {
		for _, declined := range []bool{false, true} {
			t.Run(h.d.profile+map[bool]string{false: "/accepted", true: "/declined"}[declined], func(t *testing.T) {
				e := dialectEnv(t, h.d, Config{})
				rc := newReceiver(t)
				tok := e.token(ClientCalling)
				c := e.answeredIn(h.d, rc)
				if declined {
					e.arm(CapabilityTransferReject, c)
				}
				held := newHold(func(n note) bool { return n.state() == stateTransferring })
				rc.setRespond(held.respond)
				defer held.free()
				checkHandoffAnswer(t, h, "transfer", e.do("POST", pathOf(h.d, c, "transfer"), tok, transferBody(h, "")))
				held.waitHeld(t)
				if r := e.do("DELETE", h.d.root+"/"+c.String(), tok, nil); r.status != http.StatusNoContent {
					t.Fatalf("DELETE: %d %s", r.status, r.body)
				}
				held.free()
				ns := on(rc.waitDeleted(t, h.d.res(c)), h.d.res(c))
				want := slices.Concat([]string{"updated call:transferring"}, hungUp[h.d.profile])
				if diff := cmp.Diff(want, after(t, ns, answeredSetUp)); diff != "" {
					t.Errorf("notifications (-want +got):\n%s", diff)
				}
			})
		}
	}
}
