package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Each media Break changes exactly what it names; the faithful behaviour
// is asserted by the tests of mute, media, tone and participants_ops.

func TestBreakMuteNoRoster(t *testing.T) {
	md := mediaDialects[1]
	e := dialectEnv(t, md.dialect, Config{Break: []string{BreakMuteNoRoster}})
	rc := newReceiver(t)
	c := e.mediaCallIn(md.dialect, rc)
	opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, "mute", nil), typeMuteOperation, "completed")
	e.control("meeting-join", map[string]any{"callId": c.String(), "identity": map[string]any{"user": map[string]any{"id": heidiID}}})
	ns := rc.waitNote(t, md.res(c)+"/participants", "heidi joined", func(n note) bool { return memberWith(rosterOf(t, n), heidiID) != nil })
	var got []string
	for _, n := range on(ns, md.res(c)+"/participants") {
		got = append(got, strings.Repeat("heidi ", map[bool]int{true: 1}[memberWith(rosterOf(t, n), heidiID) != nil])+
			"muted:"+jsonText(rosterOf(t, n)[0]["isMuted"]))
	}
	if diff := cmp.Diff([]string{"muted:false", "heidi muted:true"}, got); diff != "" {
		t.Errorf("rosters; want no update at mute (-want +got):\n%s", diff)
	}
}

func TestBreakPromptNoCompletion(t *testing.T) {
	md := mediaDialects[1]
	e := dialectEnv(t, md.dialect, Config{Break: []string{BreakPromptNoCompletion}})
	rc := newReceiver(t)
	c := e.mediaCallIn(md.dialect, rc)
	op := opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, "playPrompt", map[string]any{"prompts": []any{prompt("https://x/a.wav")}}),
		typePlayPromptOperation, "running")
	e.action(md.dialect, c, "subscribeToTone", nil)
	e.control("tone", map[string]any{"callId": c.String(), "tone": "tone1"})
	ns := rc.waitNote(t, md.res(c), "the tone", func(n note) bool { return strings.Contains(string(n.Data), "toneInfo") })
	if got := on(ns, md.opRes(c, op)); len(got) != 0 {
		t.Errorf("the prompt's completion was notified: %v", got)
	}
	if r := e.do("GET", md.root+"/"+c.String()+"/operations/"+op.String(), e.token(ClientCalling), nil); r.json(t)["status"] != "completed" {
		t.Errorf("the operation still completes: %s", r.body)
	}
}

func TestBreakCancelNotFailing(t *testing.T) {
	md := mediaDialects[1]
	e := dialectEnv(t, md.dialect, Config{Break: []string{BreakCancelNotFailing}})
	rc := newReceiver(t)
	c := e.mediaCallIn(md.dialect, rc)
	rec := opAnswer(t, e, md.dialect, c, e.action(md.dialect, c, "recordResponse", map[string]any{"maxRecordDurationInSeconds": 120}),
		typeRecordOperation, "running")
	e.action(md.dialect, c, "cancelMediaProcessing", nil)
	done := lastNoteOn(t, rc.waitDeleted(t, md.opRes(c, rec)), md.opRes(c, rec))
	if code, _ := resultOf(t, md, done); done.data(t)["status"] != "completed" || code != md.code(200) {
		t.Errorf("cancelled record %s; want completed 200", done.Data)
	}
}

func TestBreakToneSequenceFixed(t *testing.T) {
	md := mediaDialects[0]
	e := dialectEnv(t, md.dialect, Config{Break: []string{BreakToneSequenceFixed}})
	rc := newReceiver(t)
	c := e.mediaCallIn(md.dialect, rc)
	e.action(md.dialect, c, "subscribeToTone", nil)
	for _, tone := range []string{"tone1", "tone2"} {
		if r := e.control("tone", map[string]any{"callId": c.String(), "tone": tone}); r.status != http.StatusOK {
			t.Fatalf("tone: %d %s", r.status, r.body)
		}
	}
	ns := rc.waitNote(t, md.res(c), "the second tone", func(n note) bool { return strings.Contains(string(n.Data), `"tone2"`) })
	var seqs []string
	for _, n := range on(ns, md.res(c)) {
		if ti, ok := n.data(t)["toneInfo"].(map[string]any); ok {
			seqs = append(seqs, jsonText(ti["sequenceId"]))
		}
	}
	if diff := cmp.Diff([]string{"1", "1"}, seqs); diff != "" {
		t.Errorf("sequenceIds (-want +got):\n%s", diff)
	}
}

func TestBreakDeleteKeepsInvite(t *testing.T) {
	md := mediaDialects[1]
	e := dialectEnv(t, md.dialect, Config{Break: []string{BreakDeleteKeepsInvite}})
	rc := newReceiver(t)
	c := e.mediaCallIn(md.dialect, rc)
	e.control("participant-answer", map[string]any{"callId": c.String(), "wait": true})
	op := inviteHeidi(t, e, md.dialect, c)
	pid := participantID(t, e, md.dialect, c, heidiID)
	if r := e.do("DELETE", md.root+"/"+c.String()+"/participants/"+pid, e.token(ClientCalling), nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	ns := rc.waitNote(t, md.res(c)+"/participants", "heidi joined", func(n note) bool { return memberWith(rosterOf(t, n), heidiID) != nil })
	if d := lastNoteOn(t, ns, md.opRes(c, op)); d.data(t)["status"] != "completed" {
		t.Errorf("invite %s; want completed", d.Data)
	}
}

func TestBreakDeleteParticipantNotifies(t *testing.T) {
	md := mediaDialects[1]
	e := dialectEnv(t, md.dialect, Config{Break: []string{BreakDeleteParticipantNotifies}})
	rc := newReceiver(t)
	c := e.mediaCallIn(md.dialect, rc)
	const johnID = "1d1d0005-0000-4000-8000-000000000005"
	for _, id := range []string{heidiID, johnID} {
		e.control("meeting-join", map[string]any{"callId": c.String(), "identity": map[string]any{"user": map[string]any{"id": id}}})
	}
	rc.waitNote(t, md.res(c)+"/participants", "john joined", func(n note) bool { return memberWith(rosterOf(t, n), johnID) != nil })
	pid := participantID(t, e, md.dialect, c, heidiID)
	if r := e.do("DELETE", md.root+"/"+c.String()+"/participants/"+pid, e.token(ClientCalling), nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", r.status)
	}
	rc.waitNote(t, md.res(c)+"/participants", "a roster without heidi", func(n note) bool {
		r := rosterOf(t, n)
		return memberWith(r, johnID) != nil && memberWith(r, heidiID) == nil
	})
}

func TestBreakContentSharingSilent(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{Break: []string{BreakContentSharingSilent}})
	rc := newReceiver(t)
	c := sharingCall(t, e, rc, true)
	r := e.control("meeting-join", map[string]any{"callId": c, "contentSharing": true, "identity": map[string]any{"user": map[string]any{"id": heidiID}}})
	pid := r.json(t)["participantId"].(string)
	e.control("participant-hang-up", map[string]any{"callId": c, "participantId": pid})
	e.do("DELETE", "/communications/calls/"+c, e.token(ClientCalling), nil)
	for _, n := range rc.waitDeleted(t, "/communications/calls/"+c) {
		if strings.Contains(n.Resource, "contentsharingsessions") {
			t.Errorf("a session was notified: %s", n)
		}
	}
}
