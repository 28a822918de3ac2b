package simulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// v1Media is the v1.0 media dialect, the only one with the actions of
// callactions.go.
var v1Media = mediaDialects[1]

const johnID = "1d1d0005-0000-4000-8000-000000000005"

// john is a second invitee.
func john() map[string]any {
	return map[string]any{"identity": map[string]any{"user": map[string]any{"id": johnID, "displayName": "John Doe"}}}
}

// meetingWithTwo joins a meeting under v1.0, invites Heidi and John and
// returns the call and their participant ids once both joined.
func (e *env) meetingWithTwo(t *testing.T, rc *receiver) (guid.GUID, string, string) {
	t.Helper()
	c := e.mediaCallIn(v1Dialect, rc)
	if r := e.do("POST", invitePathIn(v1Dialect, c), e.token(ClientCalling), map[string]any{"participants": []any{heidi(), john()}}); r.status != http.StatusOK {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	rc.waitNote(t, v1Dialect.res(c)+"/participants", "both joined", func(n note) bool {
		ro := rosterOf(t, n)
		return memberWith(ro, heidiID) != nil && memberWith(ro, johnID) != nil
	})
	return c, participantID(t, e, v1Dialect, c, heidiID), participantID(t, e, v1Dialect, c, johnID)
}

// acceptedOp checks a 202 answer of a running operation of type typ on
// call c (the answer of startHoldMusic, stopHoldMusic and
// addLargeGalleryView) and returns the operation's id.
func acceptedOp(t *testing.T, e *env, c guid.GUID, r response, typ string) guid.GUID {
	t.Helper()
	if r.status != http.StatusAccepted {
		t.Fatalf("status %d, want 202: %s", r.status, r.body)
	}
	r.status = http.StatusOK // the rest is opAnswer's
	return opAnswer(t, e, v1Dialect, c, r, typ, "running")
}

// completion waits for the deleted notification of operation op of c and
// returns its resourceData, after checking it says completed.
func completion(t *testing.T, rc *receiver, c, op guid.GUID) map[string]any {
	t.Helper()
	res := v1Media.opRes(c, op)
	d := lastNoteOn(t, rc.waitDeleted(t, res), res).data(t)
	if d["status"] != statusCompleted {
		t.Errorf("completion of %s: %v", op, d)
	}
	return d
}

// startHoldMusic puts a participant on hold and stopHoldMusic takes it
// off, each with 202, a running operation and its completion; only one
// participant is on hold at a time (409 for a second), and stopHoldMusic
// needs the participant on hold.
func TestHoldMusic(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	c, heidiPid, johnPid := e.meetingWithTwo(t, rc)
	hold := func(pid, action string) response {
		return e.action(v1Dialect, c, "participants/"+pid+"/"+action,
			map[string]any{"clientContext": "cc-" + action, "customPrompt": prompt("https://bot.contoso.com/onhold.wav")})
	}
	op := acceptedOp(t, e, c, hold(heidiPid, "startHoldMusic"), typeStartHoldMusicOperation)
	if d := completion(t, rc, c, op); d["@odata.type"] != typeStartHoldMusicOperation || d["clientContext"] != "cc-startHoldMusic" {
		t.Errorf("start completion %v", d)
	}
	for name, r := range map[string]response{
		"second on hold":       hold(johnPid, "startHoldMusic"),
		"stop one not on hold": hold(johnPid, "stopHoldMusic"),
	} {
		if r.status != http.StatusConflict || r.errorCode(t) != codeInvalidCallState {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	op = acceptedOp(t, e, c, hold(heidiPid, "stopHoldMusic"), typeStopHoldMusicOperation)
	if d := completion(t, rc, c, op); d["@odata.type"] != typeStopHoldMusicOperation {
		t.Errorf("stop completion %v", d)
	}
	acceptedOp(t, e, c, hold(johnPid, "startHoldMusic"), typeStartHoldMusicOperation)
}

// The hold actions refuse a bad body (400), an unknown call or
// participant (404), a call not established (409), and are no 2018
// action; with Break hold-music-second-allowed a second participant goes
// on hold.
func TestHoldMusicErrors(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	c, heidiPid, _ := e.meetingWithTwo(t, rc)
	for _, action := range []string{"startHoldMusic", "stopHoldMusic"} {
		for name, body := range map[string]any{
			"prompt not an object": map[string]any{"customPrompt": "x"},
			"long context":         map[string]any{"clientContext": strings.Repeat("c", 257)},
			"not JSON":             "{",
		} {
			if r := e.action(v1Dialect, c, "participants/"+heidiPid+"/"+action, body); r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
				t.Errorf("%s %s: %d %s", action, name, r.status, r.body)
			}
		}
		if r := e.action(v1Dialect, c, "participants/"+guid.New().String()+"/"+action, nil); r.status != http.StatusNotFound {
			t.Errorf("%s unknown participant: %d %s", action, r.status, r.body)
		}
		if r := e.action(v1Dialect, guid.New(), "participants/"+heidiPid+"/"+action, nil); r.status != http.StatusNotFound {
			t.Errorf("%s unknown call: %d %s", action, r.status, r.body)
		}
		incoming := e.incomingCall(rc.URL(), nil)
		if r := e.action(v1Dialect, incoming, "participants/"+heidiPid+"/"+action, nil); r.status != http.StatusConflict {
			t.Errorf("%s incoming call: %d %s", action, r.status, r.body)
		}
		be := dialectEnv(t, betaDialect, Config{})
		if r := be.action(betaDialect, guid.New(), "participants/"+heidiPid+"/"+action, nil); r.status != http.StatusNotFound || r.errorCode(t) != codeNotFound {
			t.Errorf("%s beta-2018: %d %s", action, r.status, r.body)
		}
	}

	bad := dialectEnv(t, v1Dialect, Config{Break: []string{BreakHoldMusicSecondAllowed}})
	brc := newReceiver(t)
	bc, bHeidi, bJohn := bad.meetingWithTwo(t, brc)
	acceptedOp(t, bad, bc, bad.action(v1Dialect, bc, "participants/"+bHeidi+"/startHoldMusic", nil), typeStartHoldMusicOperation)
	acceptedOp(t, bad, bc, bad.action(v1Dialect, bc, "participants/"+bJohn+"/startHoldMusic", nil), typeStartHoldMusicOperation)
}

// sendDtmfTones answers 200 with a running operation, under its plain and
// its namespace-qualified name, and completes it with completionReason
// completedSuccessfully.
func TestSendDtmfTones(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	c := e.mediaCallIn(v1Dialect, rc)
	for _, name := range []string{"sendDtmfTones", "microsoft.graph.sendDtmfTones"} {
		r := e.action(v1Dialect, c, name, map[string]any{
			"tones": []string{"tone1", "tone0", "star", "pound"}, "delayBetweenTonesMs": 2000, "clientContext": "cc"})
		op := opAnswer(t, e, v1Dialect, c, r, typeSendDtmfTonesOperation, "running")
		d := completion(t, rc, c, op)
		if d["@odata.type"] != typeSendDtmfTonesOperation || d["completionReason"] != "completedSuccessfully" || d["clientContext"] != "cc" {
			t.Errorf("%s completion %v", name, d)
		}
	}
}

// sendDtmfTones refuses a body without tones or with an unknown one
// (400), an unknown call (404) and a call not established (409).
func TestSendDtmfTonesErrors(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	c := e.mediaCallIn(v1Dialect, rc)
	for name, body := range map[string]any{
		"no body":        nil,
		"no tones":       map[string]any{"clientContext": "cc"},
		"empty tones":    map[string]any{"tones": []string{}},
		"unknown tone":   map[string]any{"tones": []string{"tone10"}},
		"tone not text":  map[string]any{"tones": []any{1}},
		"tones a string": map[string]any{"tones": "tone1"},
		"negative delay": map[string]any{"tones": []string{"tone1"}, "delayBetweenTonesMs": -1},
		"delay a string": map[string]any{"tones": []string{"tone1"}, "delayBetweenTonesMs": "1"},
	} {
		if r := e.action(v1Dialect, c, "sendDtmfTones", body); r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	ok := map[string]any{"tones": []string{"tone1"}}
	if r := e.action(v1Dialect, guid.New(), "sendDtmfTones", ok); r.status != http.StatusNotFound {
		t.Errorf("unknown call: %d %s", r.status, r.body)
	}
	if r := e.action(v1Dialect, e.incomingCall(rc.URL(), nil), "sendDtmfTones", ok); r.status != http.StatusConflict {
		t.Errorf("incoming call: %d %s", r.status, r.body)
	}
}

// addLargeGalleryView answers 202 with a running operation and completes
// it; it refuses a bad body (400), an unknown call (404) and a call not
// established (409).
func TestAddLargeGalleryView(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	c := e.mediaCallIn(v1Dialect, rc)
	op := acceptedOp(t, e, c, e.action(v1Dialect, c, "addLargeGalleryView", map[string]any{"clientContext": "cc"}), typeLargeGalleryOperation)
	if d := completion(t, rc, c, op); d["@odata.type"] != typeLargeGalleryOperation || d["clientContext"] != "cc" {
		t.Errorf("completion %v", d)
	}
	if r := e.action(v1Dialect, c, "addLargeGalleryView", map[string]any{"clientContext": 1}); r.status != http.StatusBadRequest {
		t.Errorf("bad clientContext: %d %s", r.status, r.body)
	}
	if r := e.action(v1Dialect, guid.New(), "addLargeGalleryView", nil); r.status != http.StatusNotFound {
		t.Errorf("unknown call: %d %s", r.status, r.body)
	}
	if r := e.action(v1Dialect, e.incomingCall(rc.URL(), nil), "addLargeGalleryView", nil); r.status != http.StatusConflict {
		t.Errorf("incoming call: %d %s", r.status, r.body)
	}
}

// appHostedCall joins a meeting under v1.0 with app-hosted media and
// waits until it is established.
func (e *env) appHostedCall(t *testing.T, rc *receiver) guid.GUID {
	t.Helper()
	body := v1Dialect.meetingBody(rc.URL())
	body["mediaConfig"] = map[string]any{"@odata.type": typeAppHostedMediaConfig, "blob": "<Media Session Configuration>"}
	r := e.do("POST", v1Dialect.root, e.token(ClientCalling), body)
	if r.status != http.StatusCreated {
		t.Fatalf("create call: %d %s", r.status, r.body)
	}
	c := mustID(t, lastSegment(r.header.Get("Location")))
	rc.waitState(t, v1Dialect.res(c), stateEstablished)
	return c
}

// screenStreams returns the videoBasedScreenSharing streams of a roster's
// participants, as "direction" strings.
func screenStreams(roster []map[string]any) []string {
	var out []string
	for _, p := range roster {
		streams, _ := p["mediaStreams"].([]any)
		for _, s := range streams {
			if m, _ := s.(map[string]any); m["mediaType"] == "videoBasedScreenSharing" {
				out = append(out, m["direction"].(string))
			}
		}
	}
	return out
}

// changeScreenSharingRole, on an app-hosted call, answers 202 without a
// body and the roster shows the bot's screen sharing stream: sendOnly
// for a sharer, receiveOnly for a viewer.
func TestChangeScreenSharingRole(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	c := e.appHostedCall(t, rc)
	roster := v1Dialect.res(c) + "/participants"
	for role, want := range map[string]string{"sharer": "sendOnly", "viewer": "receiveOnly"} {
		r := e.action(v1Dialect, c, "changeScreenSharingRole", map[string]any{"role": role})
		if r.status != http.StatusAccepted || len(r.body) != 0 {
			t.Fatalf("%s: %d %q", role, r.status, r.body)
		}
		ns := rc.waitNote(t, roster, role, func(n note) bool {
			return cmp.Equal(screenStreams(rosterOf(t, n)), []string{want})
		})
		if diff := cmp.Diff([]string{want}, screenStreams(rosterOf(t, lastNoteOn(t, ns, roster)))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", role, diff)
		}
	}
}

// changeScreenSharingRole refuses a call whose media the service hosts
// and a bad role (400), an unknown call (404) and a call not established
// (409); with Break screen-sharing-any-media it takes the service-hosted
// call.
func TestChangeScreenSharingRoleErrors(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	app := e.appHostedCall(t, rc)
	service := e.mediaCallIn(v1Dialect, rc)
	sharer := map[string]any{"role": "sharer"}
	for name, tc := range map[string]struct {
		c    guid.GUID
		body any
		want int
	}{
		"service-hosted": {service, sharer, http.StatusBadRequest},
		"no role":        {app, map[string]any{}, http.StatusBadRequest},
		"unknown role":   {app, map[string]any{"role": "presenter"}, http.StatusBadRequest},
		"role casing":    {app, map[string]any{"role": "Sharer"}, http.StatusBadRequest},
		"unknown call":   {guid.New(), sharer, http.StatusNotFound},
		"incoming call":  {e.incomingCall(rc.URL(), nil), sharer, http.StatusConflict},
	} {
		if r := e.action(v1Dialect, tc.c, "changeScreenSharingRole", tc.body); r.status != tc.want {
			t.Errorf("%s: %d %s; want %d", name, r.status, r.body, tc.want)
		}
	}
	bad := dialectEnv(t, v1Dialect, Config{Break: []string{BreakScreenSharingAnyMedia}})
	brc := newReceiver(t)
	if r := bad.action(v1Dialect, bad.mediaCallIn(v1Dialect, brc), "changeScreenSharingRole", sharer); r.status != http.StatusAccepted {
		t.Errorf("break %s: %d %s", BreakScreenSharingAnyMedia, r.status, r.body)
	}
}

// logTeleconferenceDeviceQuality answers 200 without a body to a body
// with quality, 400 otherwise (200 with Break device-quality-unchecked),
// and is no 2018 action.
func TestLogDeviceQuality(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	path := v1Dialect.root + "/logTeleconferenceDeviceQuality"
	quality := map[string]any{"quality": map[string]any{"callChainId": guid.New().String(), "deviceName": "Jabra Speak 710"}}
	if r := e.do("POST", path, e.token(ClientCalling), quality); r.status != http.StatusOK || len(r.body) != 0 {
		t.Errorf("with quality: %d %q", r.status, r.body)
	}
	for name, body := range map[string]any{
		"no body":         nil,
		"no quality":      map[string]any{},
		"quality a array": map[string]any{"quality": []any{}},
		"not JSON":        "{",
	} {
		if r := e.do("POST", path, e.token(ClientCalling), body); r.status != http.StatusBadRequest || r.errorCode(t) != codeBadRequest {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if r := e.do("POST", path, "", quality); r.status != http.StatusUnauthorized {
		t.Errorf("no token: %d %s", r.status, r.body)
	}
	bad := dialectEnv(t, v1Dialect, Config{Break: []string{BreakDeviceQualityUnchecked}})
	if r := bad.do("POST", path, bad.token(ClientCalling), map[string]any{}); r.status != http.StatusOK {
		t.Errorf("break %s: %d %s", BreakDeviceQualityUnchecked, r.status, r.body)
	}
	be := dialectEnv(t, betaDialect, Config{})
	if r := be.do("POST", betaDialect.root+"/logTeleconferenceDeviceQuality", be.token(ClientCalling), quality); r.status == http.StatusOK {
		t.Errorf("beta-2018: %d %s", r.status, r.body)
	}
}
