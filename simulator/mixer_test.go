package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
)

// betaMedia is the beta-2018 media dialect, the only one with muteAll and
// configureMixer.
var betaMedia = mediaDialects[0]

// betaMeetingWithHeidi joins a meeting under beta-2018, invites Heidi and
// returns the call and her participant id once she joined.
func (e *env) betaMeetingWithHeidi(t *testing.T, rc *receiver) (guid.GUID, string) {
	t.Helper()
	c := e.mediaCallIn(betaDialect, rc)
	if r := e.do("POST", invitePathIn(betaDialect, c), e.token(ClientCalling), map[string]any{"participants": []any{heidi()}}); r.status != http.StatusOK {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	rc.waitNote(t, betaDialect.res(c)+"/participants", "heidi joined", func(n note) bool { return memberWith(rosterOf(t, n), heidiID) != nil })
	return c, participantID(t, e, betaDialect, c, heidiID)
}

// muteAll (beta-2018) mutes the participants it names, or every one but
// the bot when it names none: 200, a completed commsOperation, and a
// roster update showing them muted.
func TestMuteAll(t *testing.T) {
	for name, body := range map[string]func(pid string) any{
		"named":   func(pid string) any { return map[string]any{"participants": []string{pid}, "clientContext": "cc"} },
		"nobody":  func(string) any { return map[string]any{"clientContext": "cc"} },
		"no body": func(string) any { return nil },
	} {
		t.Run(name, func(t *testing.T) {
			e := dialectEnv(t, betaDialect, Config{InviteAnswer: "200"})
			rc := newReceiver(t)
			c, pid := e.betaMeetingWithHeidi(t, rc)
			opAnswer(t, e, betaDialect, c, e.action(betaDialect, c, "participants/muteAll", body(pid)), typeCommsOperation, "completed")
			ns := rc.waitNote(t, betaDialect.res(c)+"/participants", "heidi muted", func(n note) bool {
				m := memberWith(rosterOf(t, n), heidiID)
				return m != nil && m["isMuted"] == true
			})
			for _, m := range rosterOf(t, lastNoteOn(t, ns, betaDialect.res(c)+"/participants")) {
				if memberWith([]map[string]any{m}, heidiID) == nil && m["isMuted"] == true {
					t.Errorf("the bot was muted too: %v", m)
				}
			}
		})
	}
}

// muteAll refuses a bad body (400), an unknown participant or call (404),
// a call not established (409), and is no v1.0 action (405).
func TestMuteAllErrors(t *testing.T) {
	e := dialectEnv(t, betaDialect, Config{InviteAnswer: "200"})
	rc := newReceiver(t)
	c, _ := e.betaMeetingWithHeidi(t, rc)
	for name, body := range map[string]any{
		"participants object": map[string]any{"participants": map[string]any{}},
		"participant number":  map[string]any{"participants": []any{1}},
		"long context":        map[string]any{"clientContext": strings.Repeat("c", 257)},
	} {
		if r := e.action(betaDialect, c, "participants/muteAll", body); r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if r := e.action(betaDialect, c, "participants/muteAll", map[string]any{"participants": []string{guid.New().String()}}); r.status != http.StatusNotFound {
		t.Errorf("unknown participant: %d %s", r.status, r.body)
	}
	if r := e.action(betaDialect, guid.New(), "participants/muteAll", nil); r.status != http.StatusNotFound {
		t.Errorf("unknown call: %d %s", r.status, r.body)
	}
	if r := e.action(betaDialect, e.incomingCall(rc.URL(), nil), "participants/muteAll", nil); r.status != http.StatusConflict {
		t.Errorf("incoming call: %d %s", r.status, r.body)
	}
	ve := dialectEnv(t, v1Dialect, Config{})
	// A participant id's path under v1.0: no POST there.
	if r := ve.action(v1Dialect, guid.New(), "participants/muteAll", nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("v1.0: %d %s", r.status, r.body)
	}
}

// configureMixer (beta-2018) answers 200 with a running commsOperation and
// completes it.
func TestConfigureMixer(t *testing.T) {
	e := dialectEnv(t, betaDialect, Config{InviteAnswer: "200"})
	rc := newReceiver(t)
	c, pid := e.betaMeetingWithHeidi(t, rc)
	r := e.action(betaDialect, c, "participants/configureMixer", map[string]any{"clientContext": "cc",
		"participantMixerLevels": []any{map[string]any{"participant": pid, "exclusiveMode": true}}})
	op := opAnswer(t, e, betaDialect, c, r, typeCommsOperation, "Running")
	res := betaMedia.opRes(c, op)
	d := lastNoteOn(t, rc.waitDeleted(t, res), res).data(t)
	if d["status"] != statusCompleted || d["clientContext"] != "cc" {
		t.Errorf("completion %v", d)
	}
}

// configureMixer refuses a bad body (400), an unknown call (404), a call
// not established (409).
func TestConfigureMixerErrors(t *testing.T) {
	e := dialectEnv(t, betaDialect, Config{})
	rc := newReceiver(t)
	c := e.mediaCallIn(betaDialect, rc)
	for name, body := range map[string]any{
		"no body":        nil,
		"no levels":      map[string]any{"clientContext": "cc"},
		"empty levels":   map[string]any{"participantMixerLevels": []any{}},
		"level a string": map[string]any{"participantMixerLevels": []any{"x"}},
		"no participant": map[string]any{"participantMixerLevels": []any{map[string]any{"exclusiveMode": true}}},
	} {
		if r := e.action(betaDialect, c, "participants/configureMixer", body); r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	ok := map[string]any{"participantMixerLevels": []any{map[string]any{"participant": guid.New().String()}}}
	if r := e.action(betaDialect, guid.New(), "participants/configureMixer", ok); r.status != http.StatusNotFound {
		t.Errorf("unknown call: %d %s", r.status, r.body)
	}
	if r := e.action(betaDialect, e.incomingCall(rc.URL(), nil), "participants/configureMixer", ok); r.status != http.StatusConflict {
		t.Errorf("incoming call: %d %s", r.status, r.body)
	}
}
