package simulator

import (
	"net/http"
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

// after returns the summaries of ns past the set-up.
func after(t *testing.T, ns []note, setUp []string) []string {
	t.Helper()
	got := summary(t, ns)
	if len(got) < len(setUp) || !cmp.Equal(got[:len(setUp)], setUp) {
		t.Fatalf("set-up notifications %v, want %v first", got, setUp)
	}
	return got[len(setUp):]
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
