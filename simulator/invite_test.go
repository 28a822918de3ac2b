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

func invitePath(c guid.GUID) string { return "/app/calls/" + c.String() + "/participants/invite" }

func TestInviteValidation(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.establishedCall(rc)
	other := e.establishedCall(rc)
	p := func(extra map[string]any) map[string]any {
		m := heidi()
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	six := []any{}
	for range 6 {
		six = append(six, heidi())
	}
	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"no participants", map[string]any{"clientContext": "x"}, "participants"},
		{"empty participants", map[string]any{"participants": []any{}}, "participants"},
		{"participants not an array", map[string]any{"participants": heidi()}, "participants"},
		{"six participants", map[string]any{"participants": six}, "at most 5"},
		{"participant not an object", map[string]any{"participants": []any{"heidi"}}, "participants[0]"},
		{"no identity", map[string]any{"participants": []any{map[string]any{"region": "westus"}}}, "participants[0].identity"},
		{"identity not an object", map[string]any{"participants": []any{heidi(), map[string]any{"identity": "u"}}}, "participants[1].identity"},
		{"clientContext too long", map[string]any{"participants": []any{heidi()}, "clientContext": strings.Repeat("c", 257)}, "clientContext"},
		{"clientContext not a string", map[string]any{"participants": []any{heidi()}, "clientContext": 7}, "clientContext"},
		{"replacesCallId placeholder", map[string]any{"participants": []any{p(map[string]any{"replacesCallId": "replacesCallId-value"})}}, "replacesCallId"},
		{"replacesCallId not a string", map[string]any{"participants": []any{p(map[string]any{"replacesCallId": 5})}}, "replacesCallId"},
		{"replacesCallId unknown", map[string]any{"participants": []any{p(map[string]any{"replacesCallId": guid.New().String()})}}, "not found"},
		{"replacesCallId is the call", map[string]any{"participants": []any{p(map[string]any{"replacesCallId": c.Compact()})}}, "replacesCallId"},
		{"malformed JSON", `{"participants": [`, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", invitePath(c), tok, tc.body)
			if r.status != http.StatusBadRequest || r.errorCode(t) != "BadRequest" {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not name %q", msg, tc.want)
			}
		})
	}
	if r := e.do("POST", invitePath(c), tok, `{"participants":[]}`, "Content-Type", "text/plain"); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", r.status)
	}
	if r := e.do("POST", invitePath(guid.New()), tok, map[string]any{"participants": []any{heidi()}}); r.status != http.StatusNotFound {
		t.Errorf("unknown call: %d", r.status)
	}
	incoming := e.incomingCall(rc.URL(), nil)
	r := e.do("POST", invitePath(incoming), tok, map[string]any{"participants": []any{heidi()}})
	if r.status != http.StatusConflict || r.errorCode(t) != "InvalidCallState" {
		t.Errorf("invite into an unanswered call: %d %s", r.status, r.body)
	}
	// Five participants are fine, and a replacesCallId on a participant other
	// than the first is ignored, even when it is not an id.
	five := []any{heidi(), p(map[string]any{"replacesCallId": "whatever"}), heidi(), heidi(), heidi()}
	if r := e.do("POST", invitePath(other), tok, map[string]any{"participants": five}); r.status != http.StatusAccepted {
		t.Errorf("five participants: %d %s", r.status, r.body)
	}
}

// inviteFlow checks the page's invite: the answer, then the operation's
// completion and the roster, in this order.
func inviteFlow(t *testing.T, cfg Config, wantStatus int) {
	e := newEnv(t, cfg)
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.establishedCall(rc)
	r := e.do("POST", invitePath(c), tok, map[string]any{
		"participants": []any{heidi()}, "clientContext": "d45324c1-fcb5-430a-902c-f20af696537c",
	})
	op := checkInviteAnswer(t, e, r, c, wantStatus)
	ns := rc.waitRoster(t, callRes(c))
	want := []string{"updated call:establishing", "updated call:established", "deleted operation:completed", "updated roster"}
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Fatalf("notifications (-want +got):\n%s", diff)
	}
	checkOperationNote(t, ns[2], callRes(c)+"/operations/"+op.Compact())
	checkRoster(t, ns[3], callRes(c))
	got := e.do("GET", "/app/calls/"+c.Compact()+"/operations/"+op.Compact(), tok, nil)
	if got.status != http.StatusOK || got.json(t)["status"] != "completed" {
		t.Errorf("GET operation: %d %s", got.status, got.body)
	}
	list := e.do("GET", "/app/calls/"+c.String()+"/participants", tok, nil).json(t)["value"].([]any)
	if len(list) != 2 {
		t.Errorf("GET participants: %v", list)
	}
}

// checkInviteAnswer checks the status, Location and body of an invite's
// answer and returns the operation id.
func checkInviteAnswer(t *testing.T, e *env, r response, c guid.GUID, wantStatus int) guid.GUID {
	t.Helper()
	if r.status != wantStatus {
		t.Fatalf("invite: %d %s; want %d", r.status, r.body, wantStatus)
	}
	loc := r.header.Get("Location")
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(e.srv.URL+"/app/calls/"+c.String()) + `/operations/([0-9a-f-]{36})$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("Location %q", loc)
	}
	op := mustID(t, m[1])
	if wantStatus == http.StatusAccepted && len(r.body) != 0 {
		t.Errorf("202 with a body: %s", r.body)
	}
	if wantStatus == http.StatusOK {
		b := r.json(t)
		if b["@odata.type"] != "#microsoft.graph.commsOperation" || b["id"] != op.String() || b["status"] != "Running" ||
			b["clientContext"] != "d45324c1-fcb5-430a-902c-f20af696537c" || b["createdDateTime"] == nil || b["lastActionDateTime"] == nil {
			t.Errorf("200 body %s", r.body)
		}
	}
	return op
}

// checkOperationNote checks the completion notification of an invite.
func checkOperationNote(t *testing.T, n note, opRes string) {
	t.Helper()
	if n.Resource != opRes {
		t.Errorf("operation resource %s; want %s", n.Resource, opRes)
	}
	d := n.data(t)
	if d["@odata.type"] != "#microsoft.graph.commsOperation" || d["@odata.id"] != opRes || d["@odata.etag"] == nil ||
		d["status"] != "completed" || d["clientContext"] != "d45324c1-fcb5-430a-902c-f20af696537c" {
		t.Errorf("operation completion %s", n.Data)
	}
}

// checkRoster checks a roster notification of call resource res holding the
// bot and heidi, as she was invited.
func checkRoster(t *testing.T, n note, res string) {
	t.Helper()
	if n.Resource != res+"/participants" {
		t.Errorf("roster resource %s", n.Resource)
	}
	var roster []struct {
		Type string `json:"@odata.type"`
		ID   string `json:"@odata.id"`
		Etag string `json:"@odata.etag"`
		Info struct {
			Identity   json.RawMessage `json:"identity"`
			Region     string          `json:"region"`
			LanguageID string          `json:"languageId"`
		} `json:"info"`
		MediaStreams []map[string]any `json:"mediaStreams"`
	}
	if err := json.Unmarshal(n.Data, &roster); err != nil || len(roster) != 2 {
		t.Fatalf("roster is not an array of 2: %v %s", err, n.Data)
	}
	wantIdentity, _ := json.Marshal(heidi()["identity"])
	var sawBot, sawHeidi bool
	for _, p := range roster {
		if p.Type != "#microsoft.graph.participant" || !strings.HasPrefix(p.ID, res+"/participants/") || p.Etag == "" ||
			len(p.MediaStreams) != 1 {
			t.Errorf("participant %+v", p)
			continue
		}
		ms := p.MediaStreams[0]
		if ms["mediaType"] != "audio" || ms["label"] != "main-audio" || ms["sourceId"] == "" ||
			ms["direction"] != "sendReceive" || ms["serverMuted"] != false {
			t.Errorf("media stream %v", ms)
		}
		switch {
		case jsonEqual(p.Info.Identity, wantIdentity):
			sawHeidi = p.Info.Region == "westus" && p.Info.LanguageID == "en-US"
		case strings.Contains(string(p.Info.Identity), `"application"`):
			sawBot = true
		}
	}
	if !sawBot || !sawHeidi {
		t.Errorf("roster lacks the bot or the invitee as sent: %s", n.Data)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && cmp.Equal(x, y)
}

func TestInviteAnswers202(t *testing.T) { inviteFlow(t, Config{}, http.StatusAccepted) }

func TestInviteAnswers200(t *testing.T) { inviteFlow(t, Config{InviteAnswer: "200"}, http.StatusOK) }

// The page's end-to-end "invite participant from initial incoming call": the
// meeting call gets the operation's completion and the roster, then the
// replaced P2P call gets terminated (AppInitiated) and deleted on its own
// callback, and only after the bot acknowledged the roster.
func TestInviteReplacesCall(t *testing.T) {
	e := newEnv(t, Config{InviteAnswer: "200"})
	p2pCB, meetingCB := newReceiver(t), newReceiver(t)
	tok := e.token(ClientCalling)
	p2p := e.answeredCall(p2pCB)
	meeting := e.establishedCall(meetingCB)

	// Hold the bot on the roster: until it acknowledges it, the replaced
	// call must still exist (it ends, and is notified, only after).
	roster := newHold(func(n note) bool { return n.Resource == callRes(meeting)+"/participants" })
	defer roster.free()
	meetingCB.setRespond(roster.respond)
	r := e.do("POST", invitePath(meeting), tok, map[string]any{
		"participants": []any{map[string]any{
			"@odata.type":    "#microsoft.graph.invitationParticipantInfo",
			"identity":       map[string]any{"user": map[string]any{"id": "8A34A46B-3D17-4ADC-8DCE-DC4E7D572698"}},
			"replacesCallId": "/app/calls/" + p2p.Compact(),
		}},
		"clientContext": "A904FBD5A31041E881E861877A3DE3CD",
	})
	if r.status != http.StatusOK || r.header.Get("Location") == "" {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	if b := r.json(t); b["@odata.type"] != "#microsoft.graph.inviteParticipantsOperation" || b["status"] != "Running" {
		t.Errorf("invite body %s", r.body)
	}
	roster.waitHeld(t)
	if r := e.do("GET", "/app/calls/"+p2p.String(), tok, nil); r.status != http.StatusOK {
		t.Errorf("the replaced call ended before the bot acknowledged the roster: GET %d", r.status)
	}
	roster.free()

	want := []string{"created call:incoming", "updated call:establishing", "updated call:established",
		"updated call:terminated", "deleted call"}
	ns := p2pCB.waitDeleted(t, callRes(p2p))
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Fatalf("replaced call notifications (-want +got):\n%s", diff)
	}
	if ns[3].data(t)["terminationReason"] != "AppInitiated" {
		t.Errorf("terminated %s", ns[3].Data)
	}
	all := meetingCB.waitRoster(t, callRes(meeting))
	if diff := cmp.Diff([]string{"deleted operation:completed", "updated roster"}, summary(t, all[2:])); diff != "" {
		t.Fatalf("meeting notifications (-want +got):\n%s", diff)
	}
	if all[2].data(t)["@odata.type"] != "#microsoft.graph.inviteParticipantsOperation" ||
		all[2].data(t)["clientContext"] != "A904FBD5A31041E881E861877A3DE3CD" {
		t.Errorf("operation completion %s", all[2].Data)
	}
	if r := e.do("GET", "/app/calls/"+p2p.String(), tok, nil); r.status != http.StatusNotFound {
		t.Errorf("replaced call still there: %d", r.status)
	}
	if st := e.sim.Stats(); st.LiveCalls != 1 {
		t.Errorf("live calls %d; want the meeting only", st.LiveCalls)
	}
}

func TestInviteReplacesCallIDForms(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	meeting := e.establishedCall(rc)
	for _, form := range []func(guid.GUID) string{
		func(i guid.GUID) string { return i.String() },
		func(i guid.GUID) string { return i.Compact() },
		func(i guid.GUID) string { return "/app/calls/" + i.Compact() },
		func(i guid.GUID) string { return "/applications/" + e.sim.AppID() + "/calls/" + i.String() },
	} {
		p2p := e.answeredCall(rc)
		ref := form(p2p)
		p := heidi()
		p["replacesCallId"] = ref
		if r := e.do("POST", invitePath(meeting), tok, map[string]any{"participants": []any{p}}); r.status != http.StatusAccepted {
			t.Fatalf("replacesCallId %q: %d %s", ref, r.status, r.body)
		}
		got := summary(t, on(rc.waitDeleted(t, callRes(p2p)), callRes(p2p)))
		if diff := cmp.Diff([]string{"updated call:terminated", "deleted call"}, got[len(got)-2:]); diff != "" {
			t.Errorf("replacesCallId %q (-want +got):\n%s", ref, diff)
		}
	}
}

func TestInviteReplacesOnlyFromFirstParticipant(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	meeting := e.establishedCall(rc)
	p2p := e.answeredCall(rc)
	second := heidi()
	second["replacesCallId"] = p2p.String()
	if r := e.do("POST", invitePath(meeting), tok, map[string]any{"participants": []any{heidi(), second}}); r.status != http.StatusAccepted {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	// The meeting's notifications are sent in order: once its deleted
	// notification arrived, anything the roster would have triggered ran.
	if r := e.do("DELETE", "/app/calls/"+meeting.String(), tok, nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", r.status)
	}
	rc.waitDeleted(t, callRes(meeting))
	if r := e.do("GET", "/app/calls/"+p2p.String(), tok, nil); r.status != http.StatusOK {
		t.Errorf("the second participant's replacesCallId ended the call: %d", r.status)
	}
}

func TestInviteCannotReplaceTwice(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	m1, m2 := e.establishedCall(rc), e.establishedCall(rc)
	p2p := e.answeredCall(rc)
	p := heidi()
	p["replacesCallId"] = p2p.String()
	if r := e.do("POST", invitePath(m1), tok, map[string]any{"participants": []any{p}}); r.status != http.StatusAccepted {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	r := e.do("POST", invitePath(m2), tok, map[string]any{"participants": []any{p}})
	if r.status != http.StatusConflict && r.status != http.StatusBadRequest {
		t.Errorf("second replacement of the same call: %d %s", r.status, r.body)
	}
}

// v1Invitee is the invitee of the v1.0 invite page's first example.
func v1Invitee() map[string]any {
	return map[string]any{
		"@odata.type": "#microsoft.graph.invitationParticipantInfo",
		"identity": map[string]any{"user": map[string]any{
			"id": "1d1d0022-0000-4000-8000-000000000022", "displayName": "Participant"}},
	}
}

// The v1.0 invite: 200 with an absolute Location and the
// inviteParticipantsOperation (running, its participants), then the
// operation's completion and the roster, in this order.
func TestV1InviteFlow(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.establishedIn(v1Dialect, rc)
	r := e.do("POST", invitePathIn(v1Dialect, c), tok, map[string]any{
		"participants": []any{v1Invitee()}, "clientContext": "c11e0023-0000-4000-8000-000000000023"})
	if r.status != http.StatusOK {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(e.srv.URL+"/communications/calls/"+c.String()) + `/operations/([0-9a-f-]{36})$`).
		FindStringSubmatch(r.header.Get("Location"))
	if m == nil {
		t.Fatalf("Location %q", r.header.Get("Location"))
	}
	b := r.json(t)
	participants, _ := b["participants"].([]any)
	if b["@odata.type"] != "#microsoft.graph.inviteParticipantsOperation" || b["id"] != m[1] || b["status"] != "running" ||
		b["clientContext"] != "c11e0023-0000-4000-8000-000000000023" || len(participants) != 1 {
		t.Errorf("invite body %s", r.body)
	}
	if v, ok := b["resultInfo"]; !ok || v != nil {
		t.Errorf("resultInfo %v; want null, as the page shows it", v)
	}
	ns := rc.waitNote(t, v1Res(c)+"/participants", "the invitee in the roster", func(n note) bool {
		return strings.Contains(string(n.Data), "1d1d0022-0000-4000-8000-000000000022")
	})
	want := []string{"updated call:establishing", "updated call:established", "updated roster",
		"deleted operation:completed", "updated roster"}
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Fatalf("notifications (-want +got):\n%s", diff)
	}
	op := ns[3]
	if op.Resource != v1Res(c)+"/operations/"+m[1] || op.Legacy != "/app/calls/"+c.String()+"/operations/"+m[1] {
		t.Errorf("operation completion on %s and %s", op.Resource, op.Legacy)
	}
	if d := op.data(t); d["@odata.type"] != "#microsoft.graph.inviteParticipantsOperation" || d["id"] != m[1] ||
		d["clientContext"] != "c11e0023-0000-4000-8000-000000000023" || len(d["participants"].([]any)) != 1 {
		t.Errorf("operation completion %s", op.Data)
	}
	got := e.do("GET", "/communications/calls/"+c.Compact()+"/operations/"+mustID(t, m[1]).Compact(), tok, nil)
	if got.status != http.StatusOK || got.json(t)["status"] != "completed" {
		t.Errorf("GET operation: %d %s", got.status, got.body)
	}
}

// NoInviteLocation leaves the Location out, as the v1.0 page's examples
// do; Break invite-answer-202 answers as beta-2018 did.
func TestV1InviteAnswerForms(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      Config
		status   int
		location bool
		body     bool
	}{
		{"default", Config{}, http.StatusOK, true, true},
		{"no Location", Config{NoInviteLocation: true}, http.StatusOK, false, true},
		{"break invite-answer-202", Config{Break: []string{BreakInviteAnswer202}}, http.StatusAccepted, true, false},
		{"break invite-no-location", Config{Break: []string{BreakInviteNoLocation}}, http.StatusOK, false, true},
		{"break invite-wrong-status", Config{Break: []string{BreakInviteWrongStatus}}, http.StatusCreated, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := dialectEnv(t, v1Dialect, tc.cfg)
			rc := newReceiver(t)
			c := e.establishedIn(v1Dialect, rc)
			r := e.do("POST", invitePathIn(v1Dialect, c), e.token(ClientCalling), map[string]any{"participants": []any{v1Invitee()}})
			if r.status != tc.status || (r.header.Get("Location") != "") != tc.location || (len(r.body) != 0) != tc.body {
				t.Errorf("%d, Location %q, body %q", r.status, r.header.Get("Location"), r.body)
			}
		})
	}
}

func TestV1InviteValidation(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.establishedIn(v1Dialect, rc)
	p2p := e.answeredIn(v1Dialect, rc)
	six := []any{}
	for range 6 {
		six = append(six, v1Invitee())
	}
	replacing := func(ref string) map[string]any {
		return map[string]any{"participants": []any{with(v1Invitee(), "replacesCallId", ref)}}
	}
	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"six participants", map[string]any{"participants": six}, "at most 5"},
		{"clientContext too long", map[string]any{"participants": []any{v1Invitee()}, "clientContext": strings.Repeat("c", 257)}, "clientContext"},
		{"replacesCallId a path", replacing("/communications/calls/" + p2p.String()), "is not a call id"},
		{"replacesCallId a placeholder", replacing("replacesCallId-value"), "is not a call id"},
		{"replacesCallId unknown", replacing(guid.New().String()), "not found"},
		{"replacesCallId the call", replacing(c.String()), "the call being invited into"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg := errorMessage(t, e.do("POST", invitePathIn(v1Dialect, c), tok, tc.body)); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not say %q", msg, tc.want)
			}
		})
	}
	five := []any{v1Invitee(), v1Invitee(), v1Invitee(), v1Invitee(), v1Invitee()}
	long := strings.Repeat("é", 256) // characters, not bytes
	if r := e.do("POST", invitePathIn(v1Dialect, c), tok, map[string]any{"participants": five, "clientContext": long}); r.status != http.StatusOK {
		t.Errorf("five participants, clientContext of 256 characters: %d %s", r.status, r.body)
	}
}

// Breaks more-than-five-invitees and long-client-context lift the limits.
func TestBreakInviteLimits(t *testing.T) {
	six := []any{}
	for range 6 {
		six = append(six, v1Invitee())
	}
	for _, tc := range []struct {
		brk  string
		body map[string]any
	}{
		{BreakMoreThanFiveInvitees, map[string]any{"participants": six}},
		{BreakLongClientContext, map[string]any{"participants": []any{v1Invitee()}, "clientContext": strings.Repeat("c", 300)}},
	} {
		t.Run(tc.brk, func(t *testing.T) {
			e := dialectEnv(t, v1Dialect, Config{Break: []string{tc.brk}})
			rc := newReceiver(t)
			c := e.establishedIn(v1Dialect, rc)
			if r := e.do("POST", invitePathIn(v1Dialect, c), e.token(ClientCalling), tc.body); r.status != http.StatusOK {
				t.Errorf("%d %s", r.status, r.body)
			}
		})
	}
	e := dialectEnv(t, v1Dialect, Config{Break: []string{BreakMoreThanFiveInvitees}})
	body := v1P2PBody("https://bot.contoso.com/cb")
	body["targets"] = six
	if r := e.do("POST", "/communications/calls", e.token(ClientCalling), body); r.status != http.StatusCreated {
		t.Errorf("create with six targets: %d %s", r.status, r.body)
	}
}

// The v1.0 invite with replacesCallId (a bare id, here compact upper case):
// the meeting gets the completion and the roster; then, once the bot
// acknowledged the roster, the replaced call is terminating and deleted
// with resultInfo 200/7015, on its own callback.
func TestV1InviteReplacesCall(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	p2pCB, meetingCB := newReceiver(t), newReceiver(t)
	tok := e.token(ClientCalling)
	p2p := e.answeredIn(v1Dialect, p2pCB)
	meeting := e.establishedIn(v1Dialect, meetingCB)
	roster := newHold(func(n note) bool {
		return n.Resource == v1Res(meeting)+"/participants" && strings.Contains(string(n.Data), "1d1d0022")
	})
	defer roster.free()
	meetingCB.setRespond(roster.respond)
	r := e.do("POST", invitePathIn(v1Dialect, meeting), tok, map[string]any{
		"participants": []any{with(v1Invitee(), "replacesCallId", strings.ToUpper(p2p.Compact()))}})
	if r.status != http.StatusOK {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	roster.waitHeld(t)
	if r := e.do("GET", "/communications/calls/"+p2p.String(), tok, nil); r.status != http.StatusOK {
		t.Errorf("the replaced call ended before the bot acknowledged the roster: GET %d", r.status)
	}
	roster.free()
	ns := p2pCB.waitDeleted(t, v1Res(p2p))
	want := []string{"created call:incoming", "updated call:establishing", "updated call:established",
		"updated call:terminating", "deleted call:terminated"}
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Fatalf("replaced call notifications (-want +got):\n%s", diff)
	}
	wantResultInfo(t, ns[4], endReplaced.why)
	if r := e.do("GET", "/communications/calls/"+p2p.String(), tok, nil); r.status != http.StatusNotFound {
		t.Errorf("replaced call still there: %d", r.status)
	}
}
