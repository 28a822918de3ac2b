package interop

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/simulator"
	"github.com/google/go-cmp/cmp"
)

// The beta-2018 profile has no /communications/calls root, so its flows
// are driven with raw requests, as the 2018 page writes them; what is under
// test is that the SDK's models read every notification the simulator
// sends. Each call's notifications are compared with the sequence the
// simulator documents, so that "every notification parsed" covers them all.

// meetingCall is the page's "join channel meeting without media" request.
func meetingCall(callback string) map[string]any {
	return map[string]any{
		"subject":  "Test Call",
		"callback": callback,
		"source": map[string]any{
			"@odata.type": "#microsoft.graph.participantInfo",
			"identity":    map[string]any{"application": map[string]any{"id": simulator.DefaultAppID}},
		},
		"requestedModalities": []string{},
		"chatInfo": map[string]any{
			"threadId": "19:meeting_interop@thread.v2", "messageId": "0", "replyChainMessageId": "0",
		},
		"meetingInfo": map[string]any{
			"@odata.type": "#microsoft.graph.organizerMeetingInfo",
			"organizer": map[string]any{"user": map[string]any{
				"id": "90ed37dc-d8e3-4e11-9de3-30a955dda06f", "tenantId": simulator.DefaultTenantID}},
		},
	}
}

// invitee is the page's first invitee.
func invitee() map[string]any {
	return map[string]any{
		"@odata.type":  "#microsoft.graph.invitationParticipantInfo",
		"endpointType": "default",
		"identity": map[string]any{"user": map[string]any{
			"id": "550fae72-d251-43ec-868c-373732c2704f", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
			"displayName": "Heidi Steen"}},
	}
}

// betaRes returns the notification resource prefixes of a call under
// /app/calls: compact upper case (the page's) and dashed.
func betaRes(id string) []string {
	g, ok := guid.Parse(id)
	if !ok {
		return []string{"/app/calls/" + id}
	}
	return []string{"/app/calls/" + g.Compact(), "/app/calls/" + g.String()}
}

// locationID returns the last segment of a Location header.
func locationID(t *testing.T, r reply) string {
	t.Helper()
	loc := r.header.Get("Location")
	if loc == "" {
		t.Fatalf("no Location in the answer (%d %s)", r.status, r.body)
	}
	return loc[strings.LastIndex(loc, "/")+1:]
}

// TestBeta2018NotificationsParse runs the beta-2018 flows (create a
// meeting call, invite into it, place and answer an incoming call, invite
// with replacesCallId to end it, hang up) and requires every notification
// the simulator sent to parse into the SDK's models with nothing lost but
// what a known gap of the SDK explains.
func TestBeta2018NotificationsParse(t *testing.T) {
	srv := startSim(t, simulator.Config{})
	tok := callingToken(t, srv)
	meetingCB, p2pCB := newCallback(t), newCallback(t)

	// Create a call (join a meeting) and wait until it is established.
	r := do(t, srv, tok, http.MethodPost, "/app/calls", meetingCall(meetingCB.URL()))
	if r.status != http.StatusCreated {
		t.Fatalf("create call: %d %s", r.status, r.body)
	}
	meeting := locationID(t, r)
	meetingCB.waitFor(t, "established meeting call", has("updated call:established"), betaRes(meeting)...)

	// Invite into it: the operation completes, the roster follows.
	r = do(t, srv, tok, http.MethodPost, "/app/calls/"+meeting+"/participants/invite",
		map[string]any{"participants": []any{invitee()}, "clientContext": "interop-invite"})
	if r.status != http.StatusAccepted {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	meetingCB.waitFor(t, "roster after the invite", has("updated roster"), betaRes(meeting)...)

	// An incoming call, answered.
	r = do(t, srv, "", http.MethodPost, "/_control/incoming-calls", map[string]any{"callback": p2pCB.URL()})
	if r.status != http.StatusCreated {
		t.Fatalf("incoming call: %d %s", r.status, r.body)
	}
	var placed struct{ ID string }
	if err := json.Unmarshal(r.body, &placed); err != nil || placed.ID == "" {
		t.Fatalf("incoming call answer %s: %v", r.body, err)
	}
	p2pCB.waitFor(t, "incoming call", has("created call:incoming"), betaRes(placed.ID)...)
	r = do(t, srv, tok, http.MethodPost, "/app/calls/"+placed.ID+"/answer", map[string]any{
		"callback": p2pCB.URL(), "acceptModalities": []string{"audio"},
		"mediaConfig": map[string]any{"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
	})
	if r.status != http.StatusOK {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	p2pCB.waitFor(t, "established answered call", has("updated call:established"), betaRes(placed.ID)...)

	// Move the answered call into the meeting: it ends on its own callback.
	replacing := invitee()
	replacing["replacesCallId"] = placed.ID
	r = do(t, srv, tok, http.MethodPost, "/app/calls/"+meeting+"/participants/invite",
		map[string]any{"participants": []any{replacing}, "clientContext": "interop-replace"})
	if r.status != http.StatusAccepted {
		t.Fatalf("invite replacing the answered call: %d %s", r.status, r.body)
	}
	p2pCB.waitFor(t, "deleted replaced call", has("deleted call"), betaRes(placed.ID)...)

	// Hang up the meeting call.
	if r = do(t, srv, tok, http.MethodDelete, "/app/calls/"+meeting, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	meetingCB.waitFor(t, "deleted meeting call", has("deleted call"), betaRes(meeting)...)

	wantMeeting := []string{
		"updated call:establishing", "updated call:established",
		"deleted operation:completed", "updated roster",
		"deleted operation:completed", "updated roster",
		"updated call:terminating", "updated call:terminated", "deleted call",
	}
	if diff := cmp.Diff(wantMeeting, summaries(meetingCB.notes(betaRes(meeting)...))); diff != "" {
		t.Errorf("meeting call's notifications (-want +got):\n%s", diff)
	}
	wantP2P := []string{"created call:incoming", "updated call:establishing", "updated call:established",
		"updated call:terminated", "deleted call"}
	if diff := cmp.Diff(wantP2P, summaries(p2pCB.notes(betaRes(placed.ID)...))); diff != "" {
		t.Errorf("answered call's notifications (-want +got):\n%s", diff)
	}

	notes, objects, gaps := parseAll(t, meetingCB, p2pCB)
	if want := len(wantMeeting) + len(wantP2P); notes != want {
		t.Errorf("parsed %d notifications, want %d", notes, want)
	}
	t.Logf("beta-2018: %d notifications, %d resourceData objects parsed; %d losses explained by known SDK gaps", notes, objects, len(gaps))
}
