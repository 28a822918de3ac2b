package simulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// errorMessage checks that r is a 400 Graph error and returns its message.
func errorMessage(t *testing.T, r response) string {
	t.Helper()
	if r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
		t.Fatalf("%d %s; want 400 BadRequest", r.status, r.body)
	}
	return r.json(t)["error"].(map[string]any)["message"].(string)
}

// with returns body b with member k set to v, or removed when v is nil.
func with(b map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(b))
	for key, val := range b {
		out[key] = val
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func TestV1CreateValidation(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	meeting, p2p := v1MeetingBody(rc.URL()), v1P2PBody(rc.URL())
	target := p2p["targets"].([]any)[0]
	six := []any{target, target, target, target, target, target}
	for _, tc := range []struct {
		name string
		body map[string]any
		want string // in the message
	}{
		{"no callbackUri", with(p2p, "callbackUri", nil), "callbackUri is required"},
		{"beta-2018's callback", with(with(p2p, "callbackUri", nil), "callback", rc.URL()), "callbackUri is required (v1.0 names it callbackUri; callback is the beta-2018 name)"},
		{"relative callbackUri", with(p2p, "callbackUri", "/cb"), "callbackUri"},
		{"no mediaConfig", with(p2p, "mediaConfig", nil), "mediaConfig is required"},
		{"mediaConfig without type", with(p2p, "mediaConfig", map[string]any{"removeFromDefaultAudioGroup": false}), "mediaConfig.@odata.type"},
		{"six targets", with(p2p, "targets", six), "at most 5 targets"},
		{"meetingInfo without type", with(meeting, "meetingInfo", map[string]any{"organizer": map[string]any{}}), "meetingInfo.@odata.type"},
		{"organizer's meeting without chatInfo", with(meeting, "chatInfo", nil), "chatInfo.threadId"},
		{"organizer not an object", with(meeting, "meetingInfo", map[string]any{
			"@odata.type": "#microsoft.graph.organizerMeetingInfo", "organizer": "bob"}), "meetingInfo.organizer"},
		{"meeting id missing", with(meeting, "meetingInfo", map[string]any{
			"@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo", "passcode": "x"}), "joinMeetingId"},
		{"passcode not a string", with(meeting, "meetingInfo", map[string]any{
			"@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo", "joinMeetingId": "1", "passcode": 1}), "passcode"},
		{"meeting token missing", with(meeting, "meetingInfo", map[string]any{
			"@odata.type": "#microsoft.graph.tokenMeetingInfo"}), "token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg := errorMessage(t, e.do("POST", "/communications/calls", tok, tc.body)); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not say %q", msg, tc.want)
			}
		})
	}
	if st := e.sim.Stats(); st.LiveCalls != 0 || st.Queued != 0 {
		t.Errorf("refused requests left state: %+v", st)
	}
}

// Each profile serves its own root only: a bot written for one profile
// gets 404 from the other.
func TestProfilesServeTheirRootOnly(t *testing.T) {
	for _, tc := range []struct {
		d     dialect
		other string
	}{{betaDialect, "/communications/calls"}, {v1Dialect, "/app/calls"}} {
		t.Run(tc.d.profile, func(t *testing.T) {
			e := dialectEnv(t, tc.d, Config{})
			r := e.do("POST", tc.other, e.token(ClientCalling), tc.d.meetingBody("https://bot.contoso.com/cb"))
			if r.status != http.StatusNotFound || r.errorCode(t) != codeNotFound {
				t.Errorf("POST %s: %d %s", tc.other, r.status, r.body)
			}
		})
	}
	e := dialectEnv(t, v1Dialect, Config{})
	if r := e.do("POST", "/applications/"+e.sim.AppID()+"/calls", e.token(ClientCalling), v1MeetingBody("https://bot.contoso.com/cb")); r.status != http.StatusNotFound {
		t.Errorf("v1.0 served /applications/{id}/calls: %d", r.status)
	}
}

// The v1.0 page's peer-to-peer call: 201, an absolute Location under
// /communications/calls, a call body in the v1.0 names; then establishing
// (no direction) and established (direction outgoing, mediaState), and no
// roster: a peer-to-peer call gets call state notifications only.
func TestV1CreatePeerToPeer(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	r := e.do("POST", "/communications/calls", e.token(ClientCalling), v1P2PBody(rc.URL()))
	if r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(e.srv.URL) + `/communications/calls/([0-9a-f-]{36})$`).FindStringSubmatch(r.header.Get("Location"))
	if m == nil {
		t.Fatalf("Location %q", r.header.Get("Location"))
	}
	body := r.json(t)
	for k, want := range map[string]any{"@odata.type": "#microsoft.graph.call", "id": m[1], "state": "establishing",
		"direction": "outgoing", "callbackUri": rc.URL()} {
		if body[k] != want {
			t.Errorf("body %s = %v; want %v", k, body[k], want)
		}
	}
	for _, k := range []string{"myParticipantId", "callChainId"} {
		if s, _ := body[k].(string); !guidRE.MatchString(s) {
			t.Errorf("body %s = %v; want a GUID", k, body[k])
		}
	}
	for _, k := range []string{"callback", "activeModalities"} {
		if _, ok := body[k]; ok {
			t.Errorf("body has the beta-2018 member %s: %s", k, r.body)
		}
	}
	c := mustID(t, m[1])
	ns := rc.waitState(t, v1Res(c), stateEstablished)
	if diff := cmp.Diff([]string{"updated call:establishing", "updated call:established"}, summary(t, ns)); diff != "" {
		t.Fatalf("notifications (-want +got):\n%s", diff)
	}
	if d := ns[0].data(t); d["direction"] != nil {
		t.Errorf("establishing says direction: %s", ns[0].Data)
	}
	d := ns[1].data(t)
	if diff := cmp.Diff(map[string]any{"@odata.type": "#microsoft.graph.callMediaState", "audio": "active"}, d["mediaState"]); d["direction"] != "outgoing" || diff != "" {
		t.Errorf("established %s; mediaState (-want +got):\n%s", ns[1].Data, diff)
	}
	if _, ok := d["activeModalities"]; ok {
		t.Errorf("established carries activeModalities: %s", ns[1].Data)
	}
	got := e.do("GET", "/communications/calls/"+c.String(), e.token(ClientCalling), nil).json(t)
	if got["state"] != "established" || got["mediaState"] == nil || got["callbackUri"] != rc.URL() {
		t.Errorf("GET after established: %v", got)
	}
	hangUp(t, e, v1Dialect, c)
	want := []string{"updated call:establishing", "updated call:established", "updated call:terminating", "deleted call:terminated"}
	if diff := cmp.Diff(want, summary(t, rc.waitDeleted(t, v1Res(c)))); diff != "" {
		t.Errorf("notifications of a peer-to-peer call (-want +got):\n%s", diff)
	}
}

// hangUp deletes call c in dialect d.
func hangUp(t *testing.T, e *env, d dialect, c guid.GUID) {
	t.Helper()
	if r := e.do("DELETE", d.root+"/"+c.String(), e.token(ClientCalling), nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
}

// A group call has up to 5 targets, each a participant beside the bot.
func TestV1GroupCall(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	body := v1P2PBody(rc.URL())
	target := body["targets"].([]any)[0]
	body["targets"] = []any{target, target, target, target, target}
	r := e.do("POST", "/communications/calls", e.token(ClientCalling), body)
	if r.status != http.StatusCreated {
		t.Fatalf("five targets: %d %s", r.status, r.body)
	}
	c := mustID(t, r.json(t)["id"].(string))
	rc.waitState(t, v1Res(c), stateEstablished)
	list := e.do("GET", "/communications/calls/"+c.String()+"/participants", e.token(ClientCalling), nil).json(t)["value"].([]any)
	if len(list) != 6 {
		t.Errorf("%d participants; want the bot and 5 targets", len(list))
	}
}

// botOf returns the identity of the bot (the participant that is not a
// user) in a roster notification.
func botOf(t *testing.T, n note) map[string]any {
	t.Helper()
	var roster []struct {
		Info struct {
			Type     string         `json:"@odata.type"`
			Identity map[string]any `json:"identity"`
		} `json:"info"`
	}
	if err := json.Unmarshal(n.Data, &roster); err != nil {
		t.Fatalf("roster %s: %v", n.Data, err)
	}
	for _, p := range roster {
		if _, user := p.Info.Identity["user"]; !user {
			if p.Info.Type != "#microsoft.graph.participantInfo" {
				t.Errorf("info.@odata.type %q", p.Info.Type)
			}
			return p.Info.Identity
		}
	}
	t.Fatalf("no bot in the roster %s", n.Data)
	return nil
}

// A meeting join is followed by a roster update, in which the bot is the
// applicationInstance or the application its source names (the
// application itself when the request names no source), typed as the real
// service types identity sets.
func TestV1JoinMeetingRoster(t *testing.T) {
	instance := map[string]any{"id": "a5510000-0000-4000-8000-00000000b075", "displayName": "Example Calling Bot"}
	for _, tc := range []struct {
		name   string
		source any
		member string
	}{
		{"no source", nil, "application"},
		{"application", map[string]any{"identity": map[string]any{"application": map[string]any{"id": DefaultAppID}}}, "application"},
		{"application instance", map[string]any{"identity": map[string]any{"applicationInstance": instance}}, "applicationInstance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := dialectEnv(t, v1Dialect, Config{})
			rc := newReceiver(t)
			r := e.do("POST", "/communications/calls", e.token(ClientCalling), with(v1MeetingBody(rc.URL()), "source", tc.source))
			if r.status != http.StatusCreated {
				t.Fatalf("%d %s", r.status, r.body)
			}
			c := mustID(t, r.json(t)["id"].(string))
			ns := rc.waitRoster(t, v1Res(c))
			if diff := cmp.Diff([]string{"updated call:establishing", "updated call:established", "updated roster"}, summary(t, ns)); diff != "" {
				t.Fatalf("notifications (-want +got):\n%s", diff)
			}
			bot := botOf(t, ns[2])
			member, _ := bot[tc.member].(map[string]any)
			if bot["@odata.type"] != "#microsoft.graph.identitySet" || member == nil || member["@odata.type"] != "#microsoft.graph.identity" {
				t.Errorf("bot identity %v; want a typed %s", bot, tc.member)
			}
		})
	}
}

// A meeting can be joined by its id, with or without a passcode.
func TestV1JoinByMeetingID(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	for name, info := range map[string]map[string]any{
		"with passcode":    {"@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo", "joinMeetingId": "1234567890", "passcode": "A1b2C3"},
		"without passcode": {"@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo", "joinMeetingId": "1234567890"},
	} {
		t.Run(name, func(t *testing.T) {
			body := with(with(v1MeetingBody(rc.URL()), "chatInfo", nil), "meetingInfo", info)
			r := e.do("POST", "/communications/calls", e.token(ClientCalling), body)
			if r.status != http.StatusCreated {
				t.Fatalf("%d %s", r.status, r.body)
			}
			rc.waitRoster(t, v1Res(mustID(t, r.json(t)["id"].(string))))
		})
	}
}
