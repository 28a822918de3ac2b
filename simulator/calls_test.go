package simulator

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCreateCallValidation(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	with := func(k string, v any) map[string]any {
		b := meetingBody(rc.URL())
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	target := map[string]any{"identity": map[string]any{"user": map[string]any{"id": "x"}}}
	for _, tc := range []struct {
		name string
		body map[string]any
		want string // in the message
	}{
		{"no callback", with("callback", nil), "callback"},
		{"callbackUri instead", func() map[string]any { b := with("callback", nil); b["callbackUri"] = rc.URL(); return b }(), "callbackUri"},
		{"relative callback", with("callback", "/api/calls"), "callback"},
		{"ftp callback", with("callback", "ftp://bot.contoso.com/cb"), "callback"},
		{"callback not a string", with("callback", 42), "callback"},
		{"neither targets nor meeting", func() map[string]any { b := with("meetingInfo", nil); delete(b, "chatInfo"); return b }(), "targets"},
		{"targets not an array", with("targets", target), "targets"},
		{"target without identity", with("targets", []any{map[string]any{"region": "westus"}}), "identity"},
		{"bad modality", with("requestedModalities", []string{"smell"}), "requestedModalities"},
		{"modalities not an array", with("requestedModalities", "audio"), "requestedModalities"},
		{"mediaConfig not an object", with("mediaConfig", "service"), "mediaConfig"},
		{"mediaConfig unknown type", with("mediaConfig", map[string]any{"@odata.type": "#microsoft.graph.x"}), "mediaConfig"},
		{"meetingInfo not an object", with("meetingInfo", []any{}), "meetingInfo"},
		{"source not an object", with("source", "bot"), "source"},
		{"source without identity", with("source", map[string]any{}), "source.identity"},
		{"wrong @odata.type", with("@odata.type", "#microsoft.graph.participant"), "@odata.type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/app/calls", tok, tc.body)
			if r.status != http.StatusBadRequest || r.errorCode(t) != "BadRequest" {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not name %q", msg, tc.want)
			}
		})
	}
	if st := e.sim.Stats(); st.LiveCalls != 0 || st.Queued != 0 {
		t.Errorf("refused requests left state: %+v", st)
	}
}

// The page's "Join channel meeting without media": 201 + Location, then
// establishing (direction outgoing) and established (activeModalities []).
func TestJoinMeetingWithoutMediaFlow(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	r := e.do("POST", "/app/calls", e.token(ClientCalling), meetingBody(rc.URL()))
	if r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(e.srv.URL) + `/app/calls/([0-9a-f-]{36})$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("Location %q", loc)
	}
	body := r.json(t)
	if body["@odata.type"] != "#microsoft.graph.call" || body["id"] != m[1] || body["state"] != "establishing" ||
		body["direction"] != "outgoing" || !guidRE.MatchString(body["myParticipantId"].(string)) ||
		body["callback"] != rc.URL() || body["subject"] != "Test Call" {
		t.Errorf("call body %s", r.body)
	}
	if _, ok := body["mediaConfig"]; ok {
		t.Errorf("mediaConfig invented: %s", r.body)
	}
	c := mustID(t, m[1])
	ns := rc.waitState(t, callRes(c), stateEstablished)
	if diff := cmp.Diff([]string{"updated call:establishing", "updated call:established"}, summary(t, ns)); diff != "" {
		t.Fatalf("notifications (-want +got):\n%s", diff)
	}
	d1, d2 := ns[0].data(t), ns[1].data(t)
	if d1["@odata.type"] != "#microsoft.graph.call" || d1["@odata.id"] != callRes(c) || d1["direction"] != "outgoing" ||
		d1["@odata.etag"] == nil {
		t.Errorf("establishing %s", ns[0].Data)
	}
	if string(ns[1].Data) == "" || !strings.Contains(string(ns[1].Data), `"activeModalities":[]`) || d2["@odata.id"] != callRes(c) {
		t.Errorf("established %s", ns[1].Data)
	}
	for _, n := range ns {
		sort.Strings(n.Keys)
		if diff := cmp.Diff([]string{"changeType", "resource", "resourceData"}, n.Keys); diff != "" || n.CType != "application/json" {
			t.Errorf("content type %q, notification members (-want +got):\n%s", n.CType, diff)
		}
	}
	got := e.do("GET", "/app/calls/"+c.String(), e.token(ClientCalling), nil).json(t)
	if diff := cmp.Diff([]any{}, got["activeModalities"]); got["state"] != "established" || diff != "" {
		t.Errorf("GET after established: %v", got)
	}
}

func TestPeerToPeerCallModalities(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	r := e.do("POST", "/app/calls", e.token(ClientCalling), map[string]any{
		"callback":            rc.URL(),
		"targets":             []any{map[string]any{"identity": map[string]any{"user": map[string]any{"id": "u1"}}}},
		"requestedModalities": []string{"audio", "video"},
		"mediaConfig":         map[string]any{"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
	})
	if r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	c := mustID(t, r.json(t)["id"].(string))
	ns := rc.waitState(t, callRes(c), stateEstablished)
	if diff := cmp.Diff([]any{"audio", "video"}, ns[1].data(t)["activeModalities"]); diff != "" {
		t.Errorf("activeModalities (-want +got):\n%s", diff)
	}
	list := e.do("GET", "/app/calls/"+c.String()+"/participants", e.token(ClientCalling), nil).json(t)
	if v := list["value"].([]any); len(v) != 2 {
		t.Errorf("participants of a P2P call: %v", list)
	}
}

func TestGetCallAcceptsBothIDForms(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c := e.createCall(rc.URL())
	for _, form := range []string{c.String(), c.Compact(), strings.ToLower(c.Compact()), strings.ToUpper(c.String())} {
		r := e.do("GET", "/app/calls/"+form, e.token(ClientCalling), nil)
		if r.status != http.StatusOK || r.json(t)["id"] != c.String() {
			t.Errorf("GET %s: %d %s", form, r.status, r.body)
		}
	}
}

func TestDeleteCallFlow(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.establishedCall(rc)
	if st := e.sim.Stats(); st.LiveCalls != 1 {
		t.Fatalf("live calls %d", st.LiveCalls)
	}
	r := e.do("DELETE", "/app/calls/"+c.Compact(), tok, nil)
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	if st := e.sim.Stats(); st.LiveCalls != 0 {
		t.Errorf("live calls after DELETE: %d", st.LiveCalls)
	}
	for _, req := range []string{"GET", "DELETE"} {
		if r := e.do(req, "/app/calls/"+c.String(), tok, nil); r.status != http.StatusNotFound || r.errorCode(t) != "NotFound" {
			t.Errorf("%s after DELETE: %d", req, r.status)
		}
	}
	ns := rc.waitDeleted(t, callRes(c))
	want := []string{"updated call:establishing", "updated call:established",
		"updated call:terminating", "updated call:terminated", "deleted call"}
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Fatalf("notifications (-want +got):\n%s", diff)
	}
	if d := ns[3].data(t); d["terminationReason"] != "AppInitiated" {
		t.Errorf("terminated %s", ns[3].Data)
	}
	if d := ns[4].data(t); len(d) != 3 || d["@odata.id"] != callRes(c) {
		t.Errorf("deleted %s", ns[4].Data)
	}
}

func TestUniformIDs(t *testing.T) {
	e := newEnv(t, Config{UniformIDs: true})
	rc := newReceiver(t)
	c := e.createCall(rc.URL())
	ns := rc.waitState(t, "/app/calls/"+c.String(), stateEstablished)
	if ns[0].data(t)["@odata.id"] != "/app/calls/"+c.String() {
		t.Errorf("@odata.id %v", ns[0].data(t)["@odata.id"])
	}
}

func TestEtagsChange(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c := e.createCall(rc.URL())
	ns := rc.waitState(t, callRes(c), stateEstablished)
	t1, t2 := ns[0].data(t)["@odata.etag"], ns[1].data(t)["@odata.etag"]
	if !regexp.MustCompile(`^W/"\d+"$`).MatchString(t1.(string)) || t1 == t2 {
		t.Errorf("etags %v %v", t1, t2)
	}
}
