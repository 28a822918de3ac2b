package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sharingCall joins a meeting under v1.0 with content sharing
// notifications on (or off) and waits until it is established.
func sharingCall(t *testing.T, e *env, rc *receiver, on bool) string {
	t.Helper()
	body := v1MeetingBody(rc.URL())
	body["callOptions"] = map[string]any{"@odata.type": "#microsoft.graph.outgoingCallOptions", "isContentSharingNotificationEnabled": on}
	r := e.do("POST", v1Dialect.root, e.token(ClientCalling), body)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	c := mustID(t, lastSegment(r.header.Get("Location")))
	rc.waitState(t, v1Res(c), stateEstablished)
	return c.String()
}

// A participant that shares content: created on the call's
// contentsharingsessions; another presenter: updated; the presenter
// leaves: deleted. GET lists the session while it lasts.
func TestContentSharingSessions(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := sharingCall(t, e, rc, true)
	res := "/communications/calls/" + c + "/contentsharingsessions/"
	join := func(id string) string {
		r := e.control("meeting-join", map[string]any{"callId": c, "contentSharing": true, "identity": map[string]any{"user": map[string]any{"id": id}}})
		if r.status != http.StatusOK {
			t.Fatalf("meeting-join: %d %s", r.status, r.body)
		}
		return r.json(t)["participantId"].(string)
	}
	join(heidiID)
	ns, err := rc.awaitCall(waitBound, "/communications/calls/"+c, "a session", func(ns []note) bool {
		for _, n := range ns {
			if strings.HasPrefix(n.Resource, res) {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	var sid string
	for _, n := range ns {
		if strings.HasPrefix(n.Resource, res) {
			sid = n.data(t)["id"].(string)
		}
	}
	list := e.do("GET", "/communications/calls/"+c+"/contentSharingSessions", tok, nil)
	if v := list.json(t)["value"].([]any); len(v) != 1 || v[0].(map[string]any)["id"] != sid {
		t.Errorf("GET contentSharingSessions: %s", list.body)
	}
	if r := e.do("GET", "/communications/calls/"+c+"/contentSharingSessions/"+sid, tok, nil); r.status != http.StatusOK {
		t.Errorf("GET the session: %d %s", r.status, r.body)
	}
	john := join("1d1d0005-0000-4000-8000-000000000005")
	if r := e.control("participant-hang-up", map[string]any{"callId": c, "participantId": john}); r.status != http.StatusOK {
		t.Fatalf("hang-up: %d %s", r.status, r.body)
	}
	ns = rc.waitNote(t, res+sid, "the session ended", func(n note) bool { return n.ChangeType == "deleted" })
	var got []string
	for _, n := range ns {
		if n.Resource == res+sid {
			got = append(got, n.ChangeType)
			if n.data(t)["@odata.type"] != "#microsoft.graph.contentSharingSession" {
				t.Errorf("session data %s", n.Data)
			}
		}
	}
	if diff := cmp.Diff([]string{"created", "updated", "deleted"}, got); diff != "" {
		t.Errorf("session notifications (-want +got):\n%s", diff)
	}
	if r := e.do("GET", "/communications/calls/"+c+"/contentSharingSessions/"+sid, tok, nil); r.status != http.StatusNotFound {
		t.Errorf("GET the ended session: %d %s", r.status, r.body)
	}
}

// Without the call option, sharing is not notified; a bad option is 400.
func TestContentSharingNeedsTheCallOption(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	c := sharingCall(t, e, rc, false)
	e.control("meeting-join", map[string]any{"callId": c, "contentSharing": true, "identity": map[string]any{"user": map[string]any{"id": heidiID}}})
	rc.waitNote(t, "/communications/calls/"+c+"/participants", "heidi joined", func(n note) bool { return memberWith(rosterOf(t, n), heidiID) != nil })
	e.do("DELETE", "/communications/calls/"+c, e.token(ClientCalling), nil)
	for _, n := range rc.waitDeleted(t, "/communications/calls/"+c) {
		if strings.Contains(n.Resource, "contentsharingsessions") {
			t.Errorf("session notified without the call option: %s", n)
		}
	}
	body := v1MeetingBody(rc.URL())
	body["callOptions"] = map[string]any{"isContentSharingNotificationEnabled": "yes"}
	if r := e.do("POST", v1Dialect.root, e.token(ClientCalling), body); r.status != http.StatusBadRequest {
		t.Errorf("option not a boolean: %d %s", r.status, r.body)
	}
	body["callOptions"] = "on"
	if r := e.do("POST", v1Dialect.root, e.token(ClientCalling), body); r.status != http.StatusBadRequest {
		t.Errorf("callOptions not an object: %d %s", r.status, r.body)
	}
}
