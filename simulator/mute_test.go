package simulator

import (
	"net/http"
	"testing"

	"github.com/callconform/callconform/internal/guid"
)

// mute and unmute answer a completed operation with a Location; a roster
// update then shows the bot muted, and unmuted, under each profile.
func TestMuteSelf(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			c := e.mediaCallIn(md.dialect, rc)
			call := e.do("GET", md.root+"/"+c.String(), e.token(ClientCalling), nil).json(t)
			bot := call["myParticipantId"].(string)
			muted := func(ns []note) any {
				n := lastNoteOn(t, ns, md.res(c)+"/participants")
				for _, p := range rosterOf(t, n) {
					if md.typedOps && p["id"] == bot || !md.typedOps && jsonText(p["@odata.id"]) == jsonText(md.res(c)+"/participants/"+md.noteID(mustID(t, bot))) {
						return p["isMuted"]
					}
				}
				t.Fatalf("the bot %s is not in the roster %s", bot, n.Data)
				return nil
			}
			opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, "mute", map[string]any{"clientContext": "cc"}), md.opType(typeMuteOperation), "completed")
			ns := rc.waitNote(t, md.res(c)+"/participants", "the bot muted", func(n note) bool { return muted([]note{n}) == true })
			if got := muted(ns); got != true {
				t.Errorf("isMuted %v after mute", got)
			}
			// Someone joins while the bot is muted, so that the roster after
			// unmute differs from every earlier one: an identical item would
			// be a redelivery to the bot.
			if r := e.control("meeting-join", map[string]any{"callId": c.String(), "identity": map[string]any{"user": map[string]any{"id": heidiID}}}); r.status != http.StatusOK {
				t.Fatalf("meeting-join: %d %s", r.status, r.body)
			}
			opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, "unmute", nil), md.opType(typeUnmuteOperation), "completed")
			// The roster after the one that showed the bot muted.
			ns, err := rc.awaitCall(waitBound, md.res(c), "the roster after mute", func(ns []note) bool {
				rs := on(ns, md.res(c)+"/participants")
				for i, n := range rs {
					if muted([]note{n}) == true && memberWith(rosterOf(t, n), heidiID) != nil {
						return i+1 < len(rs)
					}
				}
				return false
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := muted(ns); got == true {
				t.Errorf("isMuted %v after unmute", got)
			}
			p := e.do("GET", md.root+"/"+c.String()+"/participants/"+bot, e.token(ClientCalling), nil).json(t)
			if p["isMuted"] != false {
				t.Errorf("GET participant after unmute: isMuted %v", p["isMuted"])
			}
		})
	}
}

// Participant mute server-mutes an invitee of a group call: the roster
// shows it muted, its stream serverMuted.
func TestMuteParticipant(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{InviteAnswer: "200"})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			c := e.mediaCallIn(md.dialect, rc)
			if r := e.do("POST", invitePathIn(md.dialect, c), tok, map[string]any{"participants": []any{heidi()}}); r.status != http.StatusOK {
				t.Fatalf("invite: %d %s", r.status, r.body)
			}
			rc.waitNote(t, md.res(c)+"/participants", "heidi joined", func(n note) bool { return memberWith(rosterOf(t, n), heidiID) != nil })
			pid := participantID(t, e, md.dialect, c, heidiID)
			opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, "participants/"+pid+"/mute", map[string]any{"clientContext": "cc"}),
				md.opType(typeMuteOperation), "completed")
			ns := rc.waitNote(t, md.res(c)+"/participants", "heidi muted", func(n note) bool {
				m := memberWith(rosterOf(t, n), heidiID)
				return m != nil && m["isMuted"] == true
			})
			m := memberWith(rosterOf(t, lastNoteOn(t, ns, md.res(c)+"/participants")), heidiID)
			if s := m["mediaStreams"].([]any)[0].(map[string]any); s["serverMuted"] != true {
				t.Errorf("heidi's stream %v; want serverMuted", s)
			}
			if r := e.action(md.dialect, c, "participants/"+guid.New().String()+"/mute", nil); r.status != http.StatusNotFound {
				t.Errorf("unknown participant: %d %s", r.status, r.body)
			}
			if r := e.action(md.dialect, guid.New(), "participants/"+pid+"/mute", nil); r.status != http.StatusNotFound {
				t.Errorf("unknown call: %d %s", r.status, r.body)
			}
		})
	}
}

// Mute is only for group calls (400), of established calls (409).
func TestMuteErrors(t *testing.T) {
	for _, md := range mediaDialects {
		t.Run(md.profile, func(t *testing.T) {
			e := dialectEnv(t, md.dialect, Config{})
			rc := newReceiver(t)
			p2p := e.answeredIn(md.dialect, rc)
			for _, a := range []string{"mute", "unmute"} {
				if r := e.action(md.dialect, p2p, a, nil); r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
					t.Errorf("%s on a peer-to-peer call: %d %s", a, r.status, r.body)
				}
			}
			incoming := e.incomingCall(rc.URL(), nil)
			if r := e.action(md.dialect, incoming, "mute", nil); r.status != http.StatusConflict {
				t.Errorf("mute on an incoming call: %d %s", r.status, r.body)
			}
			if r := e.action(md.dialect, guid.New(), "mute", nil); r.status != http.StatusNotFound {
				t.Errorf("unknown call: %d", r.status)
			}
			c := e.mediaCallIn(md.dialect, rc)
			if r := e.action(md.dialect, c, "mute", "[]"); r.status != http.StatusBadRequest {
				t.Errorf("array body: %d %s", r.status, r.body)
			}
			if r := e.action(md.dialect, c, "mute", "x"); r.status != http.StatusBadRequest {
				t.Errorf("malformed body: %d %s", r.status, r.body)
			}
		})
	}
}

const heidiID = "550fae72-d251-43ec-868c-373732c2704f"

// participantID returns the id of c's participant whose identity has id,
// from GET participants.
func participantID(t *testing.T, e *env, d dialect, c guid.GUID, id string) string {
	t.Helper()
	r := e.do("GET", d.root+"/"+c.String()+"/participants", e.token(ClientCalling), nil)
	for _, p := range r.json(t)["value"].([]any) {
		pm := p.(map[string]any)
		if memberWith([]map[string]any{pm}, id) != nil {
			return pm["id"].(string)
		}
	}
	t.Fatalf("no participant %s in %s", id, r.body)
	return ""
}
