package simulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestControlCapabilities(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("GET", "/_control", "", nil)
	var got struct{ Capabilities []string }
	if r.status != http.StatusOK || json.Unmarshal(r.body, &got) != nil {
		t.Fatalf("%d %s", r.status, r.body)
	}
	want := []string{"incoming-call", "transfer-accept", "transfer-reject", "redirect-accept", "redirect-reject", "participant-answer", "participant-decline", "participant-hang-up", "tone", "meeting-join"}
	for _, c := range want {
		if !slices.Contains(got.Capabilities, c) {
			t.Errorf("capabilities %v lack %q", got.Capabilities, c)
		}
	}
}

func TestIncomingCallDefaults(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	r := e.do("POST", "/_control/incoming-calls", "", map[string]any{"callback": rc.URL()})
	if r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	b := r.json(t)
	c := mustID(t, b["id"].(string))
	if b["id"] != c.String() || b["resource"] != callRes(c) || r.header.Get("Location") != e.srv.URL+"/app/calls/"+c.String() {
		t.Errorf("answer %s, Location %s", r.body, r.header.Get("Location"))
	}
	ns := rc.waitState(t, callRes(c), stateIncoming)
	if ns[0].ChangeType != "created" {
		t.Errorf("changeType %s", ns[0].ChangeType)
	}
	d := ns[0].data(t)
	source := d["source"].(map[string]any)
	user := source["identity"].(map[string]any)["user"].(map[string]any)
	targets := d["targets"].([]any)
	app := targets[0].(map[string]any)["identity"].(map[string]any)["application"].(map[string]any)
	if d["@odata.type"] != "#microsoft.graph.call" || d["@odata.id"] != callRes(c) || d["state"] != "incoming" ||
		d["direction"] != "incoming" || source["@odata.type"] != "#microsoft.graph.participantInfo" ||
		user["displayName"] != "Test User" || app["id"] != e.sim.AppID() ||
		!cmp.Equal(d["requestedModalities"], []any{"audio"}) {
		t.Errorf("created %s", ns[0].Data)
	}
	if st := e.sim.Stats(); st.LiveCalls != 1 {
		t.Errorf("live calls %d", st.LiveCalls)
	}
}

func TestIncomingCallAsGiven(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	source := map[string]any{"identity": map[string]any{"phone": map[string]any{"id": "+14255550100"}}}
	targets := []any{map[string]any{"identity": map[string]any{"application": map[string]any{"id": "x"}}}}
	c := e.incomingCall(rc.URL(), map[string]any{"source": source, "targets": targets, "requestedModalities": []string{"audio", "video"}})
	d := rc.waitState(t, callRes(c), stateIncoming)[0].data(t)
	want := map[string]any{"source": source, "targets": targets, "requestedModalities": []any{"audio", "video"}}
	got := map[string]any{"source": d["source"], "targets": d["targets"], "requestedModalities": d["requestedModalities"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
}

func TestIncomingCallRules(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	for _, tc := range []struct {
		name   string
		body   any
		hdr    []string
		status int
	}{
		{"no callback", map[string]any{}, nil, 400},
		{"relative callback", map[string]any{"callback": "/cb"}, nil, 400},
		{"source without identity", map[string]any{"callback": rc.URL(), "source": map[string]any{}}, nil, 400},
		{"targets not an array", map[string]any{"callback": rc.URL(), "targets": "bot"}, nil, 400},
		{"bad modality", map[string]any{"callback": rc.URL(), "requestedModalities": []string{"fax"}}, nil, 400},
		{"malformed", `{"callback"`, nil, 400},
		{"text/plain", `{}`, []string{"Content-Type", "text/plain"}, 415},
	} {
		r := e.do("POST", "/_control/incoming-calls", "", tc.body, tc.hdr...)
		if r.status != tc.status || r.errorCode(t) == "" {
			t.Errorf("%s: %d %s; want %d", tc.name, r.status, r.body, tc.status)
		}
	}
	if r := e.do("GET", "/_control/incoming-calls", "", nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", r.status)
	}
}

// Incoming calls belong to the bot: DELETE works on an unanswered one.
func TestIncomingCallCanBeDeleted(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c := e.incomingCall(rc.URL(), nil)
	if r := e.do("DELETE", "/app/calls/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	want := []string{"created call:incoming", "updated call:terminating", "updated call:terminated", "deleted call"}
	if diff := cmp.Diff(want, summary(t, rc.waitDeleted(t, callRes(c)))); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

// Under v1.0 the test-control API places calls under /communications/calls
// and the created notification has the v1.0 shape; its body still names
// the callback "callback".
func TestV1IncomingCall(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	r := e.do("POST", "/_control/incoming-calls", "", map[string]any{"callback": rc.URL()})
	if r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	b := r.json(t)
	c := mustID(t, b["id"].(string))
	if b["resource"] != v1Res(c) || r.header.Get("Location") != e.srv.URL+"/communications/calls/"+c.String() {
		t.Errorf("answer %s, Location %s", r.body, r.header.Get("Location"))
	}
	n := rc.waitState(t, v1Res(c), stateIncoming)[0]
	d := n.data(t)
	source, _ := d["source"].(map[string]any)
	identity, _ := source["identity"].(map[string]any)
	if n.ChangeType != "created" || n.Legacy != "/app/calls/"+c.String() || d["id"] != c.String() ||
		d["direction"] != "incoming" || !guidRE.MatchString(d["myParticipantId"].(string)) ||
		identity["@odata.type"] != "#microsoft.graph.identitySet" {
		t.Errorf("created %s on %s and %s", n.Data, n.Resource, n.Legacy)
	}
}
