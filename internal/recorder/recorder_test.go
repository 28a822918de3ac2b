package recorder

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/testbed"
	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/secret"
	"github.com/callconform/callconform/simulator"
)

// Real-looking identities the bot sends: none may reach the fixture.
const (
	realUserID      = "3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f"
	realOrganizerID = "c0ffee00-1234-4abc-8def-0123456789ab"
	realTenantID    = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
	realName        = "Alice Realname"
	realOrganizer   = "Bob Organizer"
)

// flowsBound bounds a test that drives call flows, from its first request
// to the end of its replay. The flows take seconds; the bound is only
// reached when something is stuck, however busy the machine.
const flowsBound = 3 * time.Minute

// recording starts a simulator and a recorder in front of it.
func recording(t *testing.T) (*simulator.Server, *Server) {
	t.Helper()
	return recordingWith(t, simulator.Config{})
}

// recordingWith is recording with a simulator made from cfg.
func recordingWith(t *testing.T, cfg simulator.Config) (*simulator.Server, *Server) {
	t.Helper()
	sim, err := simulator.Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	rec, err := Start("127.0.0.1:0", Config{Upstream: sim.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rec.Close() })
	return sim, rec
}

// stopAndWrite ends the recording (every exchange in progress finishes)
// and writes the fixture.
func stopAndWrite(t *testing.T, rec *Server, meta Meta) (string, []byte) {
	t.Helper()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "recorded.yaml")
	if err := rec.Recorder.WriteFile(out, meta); err != nil {
		t.Fatalf("write: %v", err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return out, data
}

// replay runs a fixture file against a fresh embedded simulator.
func replay(t *testing.T, ctx context.Context, path string) *harness.Result {
	t.Helper()
	fxs, err := fixture.Load(path)
	if err != nil {
		t.Fatalf("the recorded fixture does not load: %v", err)
	}
	env, err := testbed.Open(ctx, testbed.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	return env.Runner.Run(ctx, fxs[0])
}

func failureOf(r *harness.Result) string {
	if r.Failure == nil {
		return r.Reason
	}
	return r.Failure.Message
}

// TestRoundTrip drives the simulator through the recorder the way the
// reference page's flow goes (join a meeting, take an incoming call, answer
// it, move the caller into the meeting with replacesCallId), writes the
// fixture, and replays it against a fresh simulator.
func TestRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), flowsBound)
	defer cancel()
	sim, rec := recording(t)
	bot := newTestBot(t, rec.URL, sim)
	driveReferenceFlow(t, ctx, bot)

	st := rec.Recorder.Stats()
	if st.Requests != 4 {
		t.Errorf("recorded %d requests, want 4 (the token request is forwarded, not recorded)", st.Requests)
	}
	path, data := stopAndWrite(t, rec, Meta{ID: "round-trip", Title: "Round trip"})
	t.Logf("fixture:\n%s", data)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	client := simulator.Client{}
	for _, c := range sim.Sim.Clients() {
		if c.Kind == simulator.ClientCalling {
			client = c
		}
	}
	checkNothingLeaks(t, string(data), map[string]string{
		"the access token": bot.token, "the client secret": client.Secret,
		"the user id": realUserID, "the user id (compact)": guid.Normalize(realUserID),
		"the organizer id": realOrganizerID, "the tenant id": realTenantID,
		"the display name": realName, "the organizer's name": realOrganizer,
		"the bot's callback": bot.cb.URL, "the simulator's address in a Location": sim.URL + "/app",
	})
	checkReferenceFixture(t, string(data))

	if r := replay(t, ctx, path); r.Status != harness.Passed {
		t.Fatalf("replay of the recorded fixture: %s: %s", r.Status, failureOf(r))
	}
	fx, _ := fixture.Parse(path, data)
	if n, want := countExpectations(fx), distinctItems(bot); n != want {
		t.Errorf("the fixture expects %d notifications, the bot received %d", n, want)
	}
}

// driveReferenceFlow makes the reference page's flow: the bot joins a
// meeting, takes an incoming call, answers it and moves the caller into
// the meeting.
func driveReferenceFlow(t *testing.T, ctx context.Context, bot *testBot) {
	t.Helper()
	loc, created := bot.mustCall(ctx, 201, "POST", "/app/calls", map[string]any{
		"callback":            bot.cb.URL + "/meeting",
		"source":              map[string]any{"identity": map[string]any{"application": map[string]any{"id": bot.appID}}},
		"requestedModalities": []string{},
		"chatInfo":            map[string]any{"threadId": "19:meeting_thread@thread.v2", "messageId": "0"},
		"meetingInfo": map[string]any{
			"@odata.type": "#microsoft.graph.organizerMeetingInfo",
			"organizer":   map[string]any{"user": map[string]any{"id": realOrganizerID, "tenantId": realTenantID, "displayName": realOrganizer}},
		},
	})
	meeting := lastSegment(loc)
	if !strings.Contains(string(created), `"callback":"`+bot.cb.URL+`/meeting"`) {
		t.Errorf("the answer does not give the bot its own callback back: %s", created)
	}
	bot.waitCall(ctx, meeting, "updated", "established")

	bot.mustCall(ctx, 201, "POST", "/_control/incoming-calls", map[string]any{
		"callback": bot.cb.URL + "/incoming",
		"source": map[string]any{"@odata.type": "#microsoft.graph.participantInfo",
			"identity": map[string]any{"user": map[string]any{"id": realUserID, "displayName": realName, "tenantId": realTenantID}}},
		"requestedModalities": []string{"audio"},
	})
	incoming := bot.wait(ctx, "created (incoming call)", func(it botItem) bool { return it.ChangeType == "created" })
	p2p := lastSegment(incoming.Resource) // as the notification writes it: upper case, no dashes
	bot.mustCall(ctx, 200, "POST", "/app/calls/"+p2p+"/answer", map[string]any{
		"callback":         bot.cb.URL + "/p2p",
		"acceptModalities": []string{"audio"},
		"mediaConfig":      map[string]any{"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
	})
	bot.waitCall(ctx, p2p, "updated", "established")

	bot.mustCall(ctx, 202, "POST", "/app/calls/"+meeting+"/participants/invite", map[string]any{
		"participants": []any{map[string]any{
			"@odata.type":    "#microsoft.graph.invitationParticipantInfo",
			"identity":       map[string]any{"user": map[string]any{"id": strings.ToUpper(strings.ReplaceAll(realUserID, "-", "")), "displayName": realName}},
			"replacesCallId": p2p,
		}},
		"clientContext": "d45324c1-fcb5-430a-902c-f20af696537c",
	})
	bot.waitCall(ctx, p2p, "deleted", "")
	bot.wait(ctx, "meeting roster", func(it botItem) bool { return strings.HasSuffix(it.Resource, "/participants") })
}

// checkNothingLeaks fails the test for each value of leaks (by what it is)
// that text holds, in any case, and for each line replay lint would refuse.
func checkNothingLeaks(t *testing.T, text string, leaks map[string]string) {
	t.Helper()
	for what, v := range leaks {
		if strings.Contains(strings.ToLower(text), strings.ToLower(v)) {
			t.Errorf("the fixture contains %s", what)
		}
	}
	for i, line := range strings.Split(text, "\n") {
		if ms := secret.Find(line); len(ms) > 0 {
			t.Errorf("line %d looks like a secret to replay lint: %s", i+1, line)
		}
	}
}

// checkReferenceFixture checks that the fixture of the reference flow
// generalizes it: trigger, captures, variables, order, pseudonyms.
func checkReferenceFixture(t *testing.T, text string) {
	t.Helper()
	plain := strings.ReplaceAll(text, "'", "")
	for _, want := range []string{
		"trigger: incoming-call",
		"requires: [incoming-call]",
		"callback: {{callbackUrl}}",
		"replacesCallId: {{callId2}}",
		"status: 201",
		`regex: /calls/([^/]+)$`,
		"Location: ~/app/calls/{{callId}}/operations/[^/]+$",
		"status: ~(?i)^running$",
		"resource: /app/calls/{{callId2}}",
		"after: [op2Completed]",
		"after: [call2Established, op2Completed]",
		"userId1: 00000000-0000-4000-8000-",
		"displayName: User ",
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("the fixture lacks %q", want)
		}
	}
}

func countExpectations(f *fixture.Fixture) int {
	n := 0
	for _, st := range f.Steps {
		if st.Await != nil {
			n += len(st.Await.Expect)
		}
	}
	return n
}

// distinctItems returns how many distinct notification items bot received.
func distinctItems(bot *testBot) int {
	n, _ := bot.received()
	return n
}
