package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// inviteHeidi invites heidi into c in dialect d and returns the
// operation's id (its answer must be 200 or 202 with a Location).
func inviteHeidi(t *testing.T, e *env, d dialect, c guid.GUID) guid.GUID {
	t.Helper()
	r := e.do("POST", invitePathIn(d, c), e.token(ClientCalling), map[string]any{"participants": []any{heidi()}})
	if r.status != http.StatusOK && r.status != http.StatusAccepted {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	return mustID(t, lastSegment(r.header.Get("Location")))
}

// rosterHas reports whether any roster notification of ns shows id.
func rosterHas(t *testing.T, ns []note, id string) bool {
	for _, n := range ns {
		if strings.HasSuffix(n.Resource, "/participants") && memberWith(rosterOf(t, n), id) != nil {
			return true
		}
	}
	return false
}

// A participant in the call is dropped with no notification: the next
// notification of the call is its hang-up.
func TestDeleteActiveParticipant(t *testing.T) {
	md := mediaDialects[1]
	e := dialectEnv(t, md.dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.mediaCallIn(md.dialect, rc)
	// Two invitees: the roster after heidi's removal, if one were sent,
	// would differ from every earlier one (an identical item is a
	// redelivery, which a receiver drops).
	const johnID = "1d1d0005-0000-4000-8000-000000000005"
	john := map[string]any{"identity": map[string]any{"user": map[string]any{"id": johnID}}}
	if r := e.do("POST", invitePathIn(md.dialect, c), tok, map[string]any{"participants": []any{heidi(), john}}); r.status != http.StatusOK {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	before := rc.waitNote(t, md.res(c)+"/participants", "heidi joined", func(n note) bool { return memberWith(rosterOf(t, n), heidiID) != nil })
	pid := participantID(t, e, md.dialect, c, heidiID)
	if r := e.do("DELETE", md.root+"/"+c.String()+"/participants/"+pid, tok, nil); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("DELETE participant: %d %s", r.status, r.body)
	}
	if r := e.do("GET", md.root+"/"+c.String()+"/participants/"+pid, tok, nil); r.status != http.StatusNotFound {
		t.Errorf("GET the removed participant: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", md.root+"/"+c.String()+"/participants/"+pid, tok, nil); r.status != http.StatusNotFound {
		t.Errorf("DELETE it again: %d %s", r.status, r.body)
	}
	e.do("DELETE", md.root+"/"+c.String(), tok, nil)
	ns := rc.waitDeleted(t, md.res(c))
	if diff := cmp.Diff([]string{"updated call:terminating", "deleted call:terminated"}, summary(t, ns[len(before):])); diff != "" {
		t.Errorf("notifications after the participant's removal (-want +got):\n%s", diff)
	}
}

func TestDeleteParticipantErrors(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.mediaCallIn(v1Dialect, rc)
	bot := e.do("GET", v1Dialect.root+"/"+c.String(), tok, nil).json(t)["myParticipantId"].(string)
	for name, tc := range map[string]struct {
		path   string
		status int
	}{
		"unknown participant": {"/" + c.String() + "/participants/" + guid.New().String(), http.StatusNotFound},
		"not an id":           {"/" + c.String() + "/participants/x", http.StatusNotFound},
		"unknown call":        {"/" + guid.New().String() + "/participants/" + bot, http.StatusNotFound},
		"the bot":             {"/" + c.String() + "/participants/" + bot, http.StatusBadRequest},
	} {
		if r := e.do("DELETE", v1Dialect.root+tc.path, tok, nil); r.status != tc.status || r.errorCode(t) == "" {
			t.Errorf("%s: %d %s; want %d", name, r.status, r.body, tc.status)
		}
	}
	// The 2018 beta pages have it too (participant_delete.md): an unknown
	// participant is 404 there as well.
	be := dialectEnv(t, betaDialect, Config{})
	bc := be.mediaCallIn(betaDialect, rc)
	if r := be.do("DELETE", "/app/calls/"+bc.String()+"/participants/"+guid.New().String(), be.token(ClientCalling), nil); r.status != http.StatusNotFound {
		t.Errorf("beta-2018 DELETE of an unknown participant: %d %s", r.status, r.body)
	}
	// participants/invite is an action: DELETE is not one of its methods.
	for _, d := range []dialect{betaDialect, v1Dialect} {
		env := dialectEnv(t, d, Config{})
		call := env.mediaCallIn(d, rc)
		r := env.do("DELETE", d.root+"/"+call.String()+"/participants/invite", env.token(ClientCalling), nil)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != http.MethodPost {
			t.Errorf("%s DELETE participants/invite: %d Allow %q; want 405, Allow POST", d.profile, r.status, r.header.Get("Allow"))
		}
	}
}

// An invitee armed to wait is listed but not in the roster; deleting it
// cancels the invite: the operation fails 400/8508 and no roster shows it.
func TestDeleteInviteeCancelsInvite(t *testing.T) {
	md := mediaDialects[1]
	e := dialectEnv(t, md.dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.mediaCallIn(md.dialect, rc)
	if r := e.control("participant-answer", map[string]any{"callId": c.String(), "wait": true}); r.status != http.StatusOK {
		t.Fatalf("arm: %d %s", r.status, r.body)
	}
	op := inviteHeidi(t, e, md.dialect, c)
	pid := participantID(t, e, md.dialect, c, heidiID)
	if got := e.do("GET", md.root+"/"+c.String()+"/operations/"+op.String(), tok, nil).json(t)["status"]; got != "running" {
		t.Errorf("operation while heidi waits: %v", got)
	}
	if r := e.do("DELETE", md.root+"/"+c.String()+"/participants/"+pid, tok, nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE invitee: %d %s", r.status, r.body)
	}
	ns := rc.waitDeleted(t, md.opRes(c, op))
	done := lastNoteOn(t, ns, md.opRes(c, op))
	if done.data(t)["status"] != "failed" {
		t.Errorf("operation %s; want failed", done.Data)
	}
	if code, sub := resultOf(t, md, done); code != md.code(400) || sub != md.code(8508) {
		t.Errorf("resultInfo %v/%v; want 400/8508", code, sub)
	}
	e.do("DELETE", md.root+"/"+c.String(), tok, nil)
	if ns := rc.waitDeleted(t, md.res(c)); rosterHas(t, ns, heidiID) {
		t.Errorf("a roster shows the cancelled invitee: %v", ns)
	}
}

// participant-decline posted before the invite: the invitee declines, the
// operation fails (603) and no roster follows, under each profile.
func TestArmedDecline(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			c := e.mediaCallIn(md.dialect, rc)
			if r := e.control("participant-decline", map[string]any{"callId": c.String()}); r.status != http.StatusOK {
				t.Fatalf("arm: %d %s", r.status, r.body)
			}
			op := inviteHeidi(t, e, md.dialect, c)
			done := lastNoteOn(t, rc.waitDeleted(t, md.opRes(c, op)), md.opRes(c, op))
			if code, _ := resultOf(t, md, done); done.data(t)["status"] != "failed" || code != md.code(603) {
				t.Errorf("operation %s; want failed 603", done.Data)
			}
			// The next invite is answered as by default.
			op2 := inviteHeidi(t, e, md.dialect, c)
			ns := rc.waitNote(t, md.res(c)+"/participants", "heidi joined", func(n note) bool { return memberWith(rosterOf(t, n), heidiID) != nil })
			if d := lastNoteOn(t, ns, md.opRes(c, op2)); d.data(t)["status"] != "completed" {
				t.Errorf("second invite %s", d.Data)
			}
			e.do("DELETE", md.root+"/"+c.String(), tok, nil)
			all := rc.waitDeleted(t, md.res(c))
			var rosters []string
			for _, n := range all {
				if n.Resource == md.opRes(c, op) {
					rosters = append(rosters, "declined")
				}
				if strings.HasSuffix(n.Resource, "/participants") && memberWith(rosterOf(t, n), heidiID) != nil {
					rosters = append(rosters, "heidi")
				}
			}
			if len(rosters) == 0 || rosters[0] != "declined" {
				t.Errorf("heidi in a roster before the second invite: %v", rosters)
			}
		})
	}
}

// An invitee armed to wait joins on participant-answer (by identity id),
// or declines on participant-decline (by participant id).
func TestWaitingInviteeAnswersOrDeclines(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			e.control("participant-answer", map[string]any{"callId": c.String(), "wait": true})
			op := inviteHeidi(t, e, md.dialect, c)
			if r := e.control("participant-answer", map[string]any{"callId": c.String(), "identityId": strings.ToUpper(heidiID)}); r.status != http.StatusOK {
				t.Fatalf("participant-answer: %d %s", r.status, r.body)
			}
			ns := rc.waitNote(t, md.res(c)+"/participants", "heidi joined", func(n note) bool { return memberWith(rosterOf(t, n), heidiID) != nil })
			if d := lastNoteOn(t, ns, md.opRes(c, op)); d.data(t)["status"] != "completed" {
				t.Errorf("operation %s", d.Data)
			}
			if r := e.control("participant-answer", map[string]any{"callId": c.String(), "identityId": heidiID}); r.status != http.StatusNotFound {
				t.Errorf("answer again: %d %s", r.status, r.body)
			}
			e.control("participant-answer", map[string]any{"callId": c.String(), "wait": true})
			r := e.do("POST", invitePathIn(md.dialect, c), e.token(ClientCalling), map[string]any{"participants": []any{
				map[string]any{"identity": map[string]any{"user": map[string]any{"id": "1d1d0022-0000-4000-8000-000000000022"}}}}})
			op2 := mustID(t, lastSegment(r.header.Get("Location")))
			pid := participantID(t, e, md.dialect, c, "1d1d0022-0000-4000-8000-000000000022")
			if r := e.control("participant-decline", map[string]any{"callId": c.String(), "participantId": pid}); r.status != http.StatusOK {
				t.Fatalf("participant-decline: %d %s", r.status, r.body)
			}
			if d := lastNoteOn(t, rc.waitDeleted(t, md.opRes(c, op2)), md.opRes(c, op2)); d.data(t)["status"] != "failed" {
				t.Errorf("declined operation %s", d.Data)
			}
		})
	}
}

// participant-hang-up: the participant leaves, the roster no longer
// shows it; meeting-join: someone joins, the roster shows them.
func TestHangUpAndMeetingJoin(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			r := e.control("meeting-join", map[string]any{"callId": c.String(), "identity": map[string]any{"user": map[string]any{"id": heidiID, "displayName": "Heidi"}}})
			if r.status != http.StatusOK {
				t.Fatalf("meeting-join: %d %s", r.status, r.body)
			}
			pid := r.json(t)["participantId"].(string)
			// A second joiner, so that the roster after heidi leaves differs
			// from every earlier one (an identical item is a redelivery).
			const johnID = "1d1d0005-0000-4000-8000-000000000005"
			e.control("meeting-join", map[string]any{"callId": c.String(), "identity": map[string]any{"user": map[string]any{"id": johnID}}})
			rc.waitNote(t, md.res(c)+"/participants", "john joined", func(n note) bool { return memberWith(rosterOf(t, n), johnID) != nil })
			if r := e.control("participant-hang-up", map[string]any{"callId": c.String(), "participantId": pid}); r.status != http.StatusOK {
				t.Fatalf("participant-hang-up: %d %s", r.status, r.body)
			}
			ns, err := rc.awaitCall(waitBound, md.res(c), "heidi left", func(ns []note) bool {
				rs := on(ns, md.res(c)+"/participants")
				return len(rs) > 0 && rosterHas(t, rs[:len(rs)-1], heidiID) && memberWith(rosterOf(t, rs[len(rs)-1]), heidiID) == nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if last := rosterOf(t, lastNoteOn(t, ns, md.res(c)+"/participants")); len(last) != 2 {
				t.Errorf("roster after heidi left: %v", last)
			}
			if r := e.control("participant-hang-up", map[string]any{"callId": c.String(), "participantId": pid}); r.status != http.StatusNotFound {
				t.Errorf("hang up again: %d %s", r.status, r.body)
			}
		})
	}
}

func TestParticipantControlErrors(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			p2p := e.answeredIn(md.dialect, rc)
			incoming := e.incomingCall(rc.URL(), nil)
			user := map[string]any{"user": map[string]any{"id": heidiID}}
			for name, tc := range map[string]struct {
				action string
				body   any
				status int
			}{
				"answer: no participant":      {"participant-answer", map[string]any{"callId": c.String()}, http.StatusBadRequest},
				"answer: none waiting":        {"participant-answer", map[string]any{"callId": c.String(), "identityId": heidiID}, http.StatusNotFound},
				"answer: unknown call":        {"participant-answer", map[string]any{"callId": guid.New().String(), "identityId": heidiID}, http.StatusNotFound},
				"decline: none waiting":       {"participant-decline", map[string]any{"callId": c.String(), "participantId": guid.New().String()}, http.StatusNotFound},
				"decline: no callId":          {"participant-decline", map[string]any{}, http.StatusBadRequest},
				"decline: callId number":      {"participant-decline", map[string]any{"callId": 5}, http.StatusBadRequest},
				"hang-up: no participant":     {"participant-hang-up", map[string]any{"callId": c.String()}, http.StatusBadRequest},
				"hang-up: unknown":            {"participant-hang-up", map[string]any{"callId": c.String(), "identityId": heidiID}, http.StatusNotFound},
				"join: no identity":           {"meeting-join", map[string]any{"callId": c.String()}, http.StatusBadRequest},
				"join: identity string":       {"meeting-join", map[string]any{"callId": c.String(), "identity": "heidi"}, http.StatusBadRequest},
				"join: peer-to-peer call":     {"meeting-join", map[string]any{"callId": p2p.String(), "identity": user}, http.StatusConflict},
				"join: incoming call":         {"meeting-join", map[string]any{"callId": incoming.String(), "identity": user}, http.StatusConflict},
				"join: body not JSON":         {"meeting-join", "{", http.StatusBadRequest},
				"join: body not an object":    {"meeting-join", "[]", http.StatusBadRequest},
				"answer: participantId wrong": {"participant-answer", map[string]any{"callId": c.String(), "participantId": 7}, http.StatusBadRequest},
			} {
				if r := e.control(tc.action, tc.body); r.status != tc.status || r.errorCode(t) == "" {
					t.Errorf("%s: %d %s; want %d", name, r.status, r.body, tc.status)
				}
			}
			if r := e.do("GET", "/_control/meeting-join", "", nil); r.status != http.StatusMethodNotAllowed {
				t.Errorf("GET a control action: %d", r.status)
			}
		})
	}
}
