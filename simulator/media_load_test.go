package simulator

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// mediaFlows are, per profile, the notifications of one call of mediaFlow
// in order, as summary writes them.
var mediaFlows = []struct {
	md   mediaDialect
	want []string
}{
	{mediaDialects[0], []string{"updated call:establishing", "updated call:established",
		"updated roster", "deleted operation:completed", "deleted operation:completed",
		"updated call:established", "updated call:established", "updated roster", "deleted operation:failed",
		"updated call:terminating", "updated call:terminated", "deleted call"}},
	{mediaDialects[1], []string{"updated call:establishing", "updated call:established", "updated roster",
		"updated roster", "deleted operation:completed",
		"updated call:established", "updated call:established", "updated roster", "deleted operation:failed",
		"updated call:terminating", "deleted call:terminated"}},
}

// Under 200 concurrent calls, each muting the bot, playing a prompt,
// subscribing to tones and receiving two, letting someone join, recording
// and cancelling the record, and hanging up, each call's notifications
// arrive in order, under each profile. The Clock never moves, so that no
// record ends by itself: the cancel always finds it running.
func TestMediaOrderUnderLoad(t *testing.T) {
	for _, mf := range mediaFlows {
		t.Run(mf.md.profile, func(t *testing.T) {
			const flows = 200
			e := dialectEnv(t, mf.md.dialect, Config{Clock: newFakeClock()})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			errs := make(chan error, flows)
			ids := make(chan guid.GUID, flows)
			for range flows {
				go func() { errs <- mediaFlow(mf.md, e.srv.URL, tok, rc, ids) }()
			}
			for range flows {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			close(ids)
			for c := range ids {
				if diff := cmp.Diff(mf.want, summary(t, rc.waitDeleted(t, mf.md.res(c)))); diff != "" {
					t.Errorf("call %s (-want +got):\n%s", c, diff)
				}
			}
		})
	}
}

// mediaFlow runs the actions of TestMediaOrderUnderLoad on one new call,
// waiting for the notifications it needs by what they say, never by their
// number, and sends the call's id to ids.
func mediaFlow(md mediaDialect, base, tok string, rc *receiver, ids chan<- guid.GUID) error {
	body := md.meetingBody(rc.URL())
	body["mediaConfig"] = serviceHosted()
	r, err := doRequest(base, "POST", md.root, tok, body)
	if err != nil || r.status != http.StatusCreated {
		return fmt.Errorf("create: %v %d %s", err, r.status, r.body)
	}
	c, _ := guid.Parse(lastSegment(r.header.Get("Location")))
	ids <- c
	if err := awaitState(rc, md.res(c), stateEstablished); err != nil {
		return err
	}
	path := md.root + "/" + c.String() + "/"
	steps := []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", base + path + "mute", nil, http.StatusOK},
		{"POST", base + path + "playPrompt", map[string]any{"prompts": []any{prompt("https://x/a.wav")}}, http.StatusOK},
		{"POST", base + path + "subscribeToTone", map[string]any{}, http.StatusOK},
		{"POST", base + "/_control/tone", map[string]any{"callId": c.String(), "tone": "tone1"}, http.StatusOK},
		{"POST", base + "/_control/tone", map[string]any{"callId": c.String(), "tone": "pound"}, http.StatusOK},
		{"POST", base + "/_control/meeting-join", map[string]any{"callId": c.String(), "identity": map[string]any{"user": map[string]any{"id": heidiID}}}, http.StatusOK},
		{"POST", base + path + md.record, map[string]any{"maxRecordDurationInSeconds": 60}, http.StatusOK},
		{"POST", base + path + "cancelMediaProcessing", nil, http.StatusOK},
		{"DELETE", base + md.root + "/" + c.String(), nil, http.StatusNoContent},
	}
	for _, st := range steps {
		r, err := doRequest("", st.method, st.path, tok, st.body)
		if err != nil || r.status != st.status {
			return fmt.Errorf("%s %s: %v %d %s", st.method, st.path, err, r.status, r.body)
		}
	}
	return nil
}
