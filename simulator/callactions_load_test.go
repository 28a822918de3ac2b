package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// actionFlowWant are the notifications of one call of actionFlow, in
// order, as summary writes them.
var actionFlowWant = []string{
	"updated call:establishing", "updated call:established", "updated roster",
	"updated roster",              // someone joins
	"deleted operation:completed", // startHoldMusic
	"deleted operation:completed", // sendDtmfTones
	"deleted operation:completed", // addLargeGalleryView
	"updated roster",              // changeScreenSharingRole
	"deleted operation:completed", // stopHoldMusic
	"updated call:terminating", "deleted call:terminated",
}

// Under 200 concurrent v1.0 calls with app-hosted media, each letting
// someone join, putting them on hold, sending DTMF tones, adding the large
// gallery view, becoming the screen sharer, taking them off hold and
// hanging up, each call's notifications arrive in order.
func TestCallActionsOrderUnderLoad(t *testing.T) {
	const flows = 200
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	errs := make(chan error, flows)
	ids := make(chan guid.GUID, flows)
	for range flows {
		go func() { errs <- actionFlow(e.srv.URL, tok, rc, ids) }()
	}
	for range flows {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(ids)
	for c := range ids {
		if diff := cmp.Diff(actionFlowWant, summary(t, rc.waitDeleted(t, v1Dialect.res(c)))); diff != "" {
			t.Errorf("call %s (-want +got):\n%s", c, diff)
		}
	}
}

// actionFlow runs the actions of TestCallActionsOrderUnderLoad on one new
// call, waiting for the notifications it needs by what they say, and
// sends the call's id to ids.
func actionFlow(base, tok string, rc *receiver, ids chan<- guid.GUID) error {
	body := v1Dialect.meetingBody(rc.URL())
	body["mediaConfig"] = map[string]any{"@odata.type": typeAppHostedMediaConfig, "blob": "<Media Session Configuration>"}
	r, err := doRequest(base, "POST", v1Dialect.root, tok, body)
	if err != nil || r.status != http.StatusCreated {
		return fmt.Errorf("create: %v %d %s", err, r.status, r.body)
	}
	c, _ := guid.Parse(lastSegment(r.header.Get("Location")))
	ids <- c
	if err := awaitState(rc, v1Dialect.res(c), stateEstablished); err != nil {
		return err
	}
	r, err = doRequest(base, "POST", "/_control/meeting-join", "", map[string]any{"callId": c.String(), "identity": map[string]any{"user": map[string]any{"id": heidiID}}})
	var joined struct{ ParticipantID string }
	if err != nil || r.status != http.StatusOK || json.Unmarshal(r.body, &joined) != nil || joined.ParticipantID == "" {
		return fmt.Errorf("meeting-join: %v %d %s", err, r.status, r.body)
	}
	path := v1Dialect.root + "/" + c.String() + "/"
	held := path + "participants/" + joined.ParticipantID + "/"
	steps := []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", held + "startHoldMusic", map[string]any{}, http.StatusAccepted},
		{"POST", path + "sendDtmfTones", map[string]any{"tones": []string{"tone1", "pound"}}, http.StatusOK},
		{"POST", path + "addLargeGalleryView", nil, http.StatusAccepted},
		{"POST", path + "changeScreenSharingRole", map[string]any{"role": "sharer"}, http.StatusAccepted},
		{"POST", held + "stopHoldMusic", nil, http.StatusAccepted},
		{"DELETE", v1Dialect.root + "/" + c.String(), nil, http.StatusNoContent},
	}
	for _, st := range steps {
		r, err := doRequest(base, st.method, st.path, tok, st.body)
		if err != nil || r.status != st.status {
			return fmt.Errorf("%s %s: %v %d %s", st.method, st.path, err, r.status, r.body)
		}
	}
	return nil
}
