package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// Each Break changes exactly what it names; the faithful behaviour it
// departs from is asserted by the tests of invite, notify and auth.

// inviteWith sets up an established call under cfg, invites heidi and
// returns the answer.
func inviteWith(t *testing.T, cfg Config, body any, hdr ...string) (*env, *receiver, guid.GUID, response) {
	t.Helper()
	e := newEnv(t, cfg)
	rc := newReceiver(t)
	c := e.establishedCall(rc)
	if body == nil {
		body = map[string]any{"participants": []any{heidi()}}
	}
	return e, rc, c, e.do("POST", invitePath(c), e.token(ClientCalling), body, hdr...)
}

// afterInvite returns the call's notifications that follow its
// establishment, waiting until the call's deleted notification: every
// notification of the invite precedes it.
func afterInvite(t *testing.T, e *env, rc *receiver, c guid.GUID) []note {
	t.Helper()
	if r := e.do("DELETE", "/app/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", r.status)
	}
	ns := rc.wait(t, "the call's deleted notification",
		hasNote(callRes(c), func(n note) bool { return n.ChangeType == "deleted" }))
	// Drop establishing, established and the three notifications of DELETE;
	// keep every other notification that arrived, whatever its resource.
	var out []note
	for _, n := range ns {
		if n.Resource != callRes(c) {
			out = append(out, n)
		}
	}
	return out
}

func TestBreakInviteNoLocation(t *testing.T) {
	for _, mode := range []string{"202", "200"} {
		_, _, _, r := inviteWith(t, Config{InviteAnswer: mode, Break: []string{BreakInviteNoLocation}}, nil)
		if r.status < 200 || r.status > 299 || r.header.Get("Location") != "" {
			t.Errorf("mode %s: %d, Location %q", mode, r.status, r.header.Get("Location"))
		}
	}
}

func TestBreakInviteWrongStatus(t *testing.T) {
	_, _, _, r := inviteWith(t, Config{Break: []string{BreakInviteWrongStatus}}, nil)
	if r.status != http.StatusCreated || r.header.Get("Location") == "" {
		t.Errorf("%d, Location %q", r.status, r.header.Get("Location"))
	}
}

func TestBreakSkipOperationNotification(t *testing.T) {
	e, rc, c, _ := inviteWith(t, Config{Break: []string{BreakSkipOperationNotification}}, nil)
	ns := afterInvite(t, e, rc, c)
	if diff := cmp.Diff([]string{"updated roster"}, summary(t, ns)); diff != "" {
		t.Errorf("notifications; want the roster only (-want +got):\n%s", diff)
	}
	// The operation still completes.
	e2, rc2, c2, r2 := inviteWith(t, Config{Break: []string{BreakSkipOperationNotification}}, nil)
	rc2.waitRoster(t, callRes(c2))
	got := e2.do("GET", "/app/calls/"+c2.String()+"/operations/"+lastSegment(r2.header.Get("Location")), e2.token(ClientCalling), nil)
	if got.json(t)["status"] != "completed" {
		t.Errorf("operation %s", got.body)
	}
}

func TestBreakRosterBeforeOperation(t *testing.T) {
	e, rc, c, _ := inviteWith(t, Config{Break: []string{BreakRosterBeforeOperation}}, nil)
	if diff := cmp.Diff([]string{"updated roster", "deleted operation:completed"}, summary(t, afterInvite(t, e, rc, c))); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

func TestBreakWrongResource(t *testing.T) {
	e, rc, c, r := inviteWith(t, Config{Break: []string{BreakWrongResource}}, nil)
	op := mustID(t, lastSegment(r.header.Get("Location")))
	ns := afterInvite(t, e, rc, c)
	if diff := cmp.Diff([]string{"deleted operation:completed", "updated roster"}, summary(t, ns)); diff != "" {
		t.Fatalf("notifications (-want +got):\n%s", diff)
	}
	res := ns[0].Resource
	if !strings.HasSuffix(res, "/operations/"+op.Compact()) || strings.HasPrefix(res, callRes(c)+"/") {
		t.Errorf("operation completion on %s; the call is %s", res, callRes(c))
	}
}

func TestBreakNoBodyValidation(t *testing.T) {
	six := []any{}
	for range 6 {
		six = append(six, heidi())
	}
	for name, tc := range map[string]struct {
		body any
		hdr  []string
	}{
		"six participants":   {map[string]any{"participants": six}, nil},
		"no participants":    {map[string]any{"clientContext": 7}, nil},
		"not JSON":           {"participants=heidi", []string{"Content-Type", "text/plain"}},
		"long clientContext": {map[string]any{"participants": []any{heidi()}, "clientContext": strings.Repeat("c", 300)}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, _, r := inviteWith(t, Config{Break: []string{BreakNoBodyValidation}}, tc.body, tc.hdr...)
			if r.status != http.StatusAccepted {
				t.Errorf("%d %s", r.status, r.body)
			}
		})
	}
}

func TestBreakUnsignedNotifications(t *testing.T) {
	e := newEnv(t, Config{Break: []string{BreakUnsignedNotifications}})
	rc := newReceiver(t)
	c := e.createCall(rc.URL())
	for _, n := range rc.waitState(t, callRes(c), stateEstablished) {
		if n.Auth != "" {
			t.Errorf("Authorization %q", n.Auth)
		}
	}
}

func TestBreakNoAuth(t *testing.T) {
	e := newEnv(t, Config{Break: []string{BreakNoAuth}})
	rc := newReceiver(t)
	for _, auth := range []string{"", "Bearer garbage", "Bearer " + e.token(ClientDelegated)} {
		r := e.do("POST", "/app/calls", "", meetingBody(rc.URL()), "Authorization", auth)
		if r.status != http.StatusCreated {
			t.Errorf("Authorization %.20q: %d %s", auth, r.status, r.body)
		}
	}
}

func TestBreakUnknownCall500(t *testing.T) {
	for _, brk := range [][]string{nil, {BreakUnknownCall500}} {
		e := newEnv(t, Config{Break: brk})
		want := http.StatusNotFound
		if brk != nil {
			want = http.StatusInternalServerError
		}
		unknown := guid.New().String()
		if r := e.do("GET", "/app/calls/"+unknown, e.token(ClientCalling), nil); r.status != want {
			t.Errorf("break %v: GET an unknown call: %d, want %d: %s", brk, r.status, want, r.body)
		}
		if r := e.do("POST", "/app/calls/"+unknown+"/participants/invite", e.token(ClientCalling),
			map[string]any{"participants": []any{heidi()}}); r.status != want {
			t.Errorf("break %v: invite on an unknown call: %d, want %d: %s", brk, r.status, want, r.body)
		}
	}
}

func TestBreakInviteNotEstablished(t *testing.T) {
	for _, brk := range [][]string{nil, {BreakInviteNotEstablished}} {
		e := newEnv(t, Config{Break: brk})
		rc := newReceiver(t)
		// An incoming call the bot has not answered stays incoming.
		c := e.incomingCall(rc.URL(), nil)
		want := http.StatusConflict
		if brk != nil {
			want = http.StatusAccepted // beta-2018's invite answer
		}
		r := e.do("POST", invitePath(c), e.token(ClientCalling), map[string]any{"participants": []any{heidi()}})
		if r.status != want {
			t.Errorf("break %v: invite on an incoming call: %d, want %d: %s", brk, r.status, want, r.body)
		}
	}
}
