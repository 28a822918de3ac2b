package simulator

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The v1.0 tone and playPrompt completion notifications have the shape of
// the recorded real ones (graph-calling-bots p2p-outgoing 04 and 05).
func TestV1MediaNotificationsHaveTheShapeOfRealTraffic(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	md := mediaDialects[1]
	c := e.mediaCallIn(v1Dialect, rc)
	op := opAnswer(t, e, v1Dialect, c, e.action(v1Dialect, c, "playPrompt", map[string]any{"clientContext": "c",
		"prompts": []any{prompt("https://bot.example.com/audio/welcome.wav")}}), typePlayPromptOperation, "running")
	e.action(v1Dialect, c, "subscribeToTone", nil)
	e.control("tone", map[string]any{"callId": c.String(), "tone": "tone5"})
	ns := rc.waitNote(t, md.res(c), "the tone", func(n note) bool { return strings.Contains(string(n.Data), "toneInfo") })
	recItem, recBody := sampleItem(t, "graph-calling-bots/p2p-outgoing/01-establishing")
	for _, tc := range []struct {
		event, sample string
		n             note
		extra         []string
	}{
		{"tone", "graph-calling-bots/p2p-outgoing/04-tone", lastNoteOn(t, ns, md.res(c)), []string{callChainIDExtra}},
		{"playPrompt completed", "graph-calling-bots/p2p-outgoing/05-play-prompt-completed", lastNoteOn(t, ns, md.opRes(c, op)), nil},
	} {
		t.Run(tc.event, func(t *testing.T) {
			checkEnvelope(t, tc.n, recItem, recBody)
			item, _ := sampleItem(t, tc.sample)
			want := resourceDataShape(t, item)
			_, got := items(t, tc.n)
			have := resourceDataShape(t, mustJSON(t, got))
			for _, p := range tc.extra {
				if !have.drop(p) || want.drop(p) {
					t.Errorf("extra %s: the simulator does not send it, or the sample has it", p)
				}
			}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("resourceData shape (-real traffic +simulator):\n%s\nsimulator sent %s", diff, tc.n.Body)
			}
		})
	}
}

// The v1.0 answers of the media actions have the documented status and
// members.
func TestV1MediaAnswersAreTheDocumentedOnes(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	c := e.mediaCallIn(v1Dialect, rc)
	for _, tc := range []struct {
		name, action string
		body         map[string]any
	}{
		{"play-prompt", "playPrompt", map[string]any{"clientContext": "c", "prompts": []any{prompt("https://cdn.contoso.com/beep.wav")}}},
		{"record-response", "recordResponse", map[string]any{"clientContext": "c", "maxRecordDurationInSeconds": 10}},
		{"cancel-media-processing", "cancelMediaProcessing", map[string]any{"clientContext": "c"}},
		{"subscribe-to-tone", "subscribeToTone", map[string]any{"clientContext": "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := documented(t, tc.name)
			r := e.action(v1Dialect, c, tc.action, tc.body)
			if r.status != doc.Response.Status || (r.header.Get("Location") == "") != (doc.Response.Headers["Location"] == "") {
				t.Errorf("status %d, Location %q; documented %d, %q", r.status, r.header.Get("Location"), doc.Response.Status, doc.Response.Headers["Location"])
			}
			if diff := cmp.Diff(topKinds(t, doc.Response.Body), topKinds(t, r.body)); diff != "" {
				t.Errorf("members (-documented +simulator):\n%s", diff)
			}
		})
	}
}
