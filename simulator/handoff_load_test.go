package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// hungUp is the end of a call the bot hangs up, as each profile's pages
// show it.
var hungUp = map[string][]string{
	ProfileBeta2018: {"updated call:terminating", "updated call:terminated", "deleted call"},
	ProfileV1:       {"updated call:terminating", "deleted call:terminated"},
}

// Under 200 concurrent flows of every hand-off (an incoming call rejected,
// one redirected, an answered call transferred, and one whose transfer is
// declined and which is then hung up), each call's notifications arrive in
// the profile's order and every call is gone at the end. Delivery is at
// least once: a redelivery counts once.
func TestHandoffsUnderLoad(t *testing.T) {
	for _, h := range handoffs {
		t.Run(h.d.profile, func(t *testing.T) {
			const flows = 200
			e := dialectEnv(t, h.d, Config{})
			rc := newReceiver(t)
			tok := e.token(ClientCalling)
			errs := make(chan error, flows)
			ids := make(chan [4]guid.GUID, flows)
			for range flows {
				go func() { errs <- handoffFlow(h, e.srv.URL, tok, rc, ids) }()
			}
			for range flows {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			close(ids)
			want := [4][]string{
				slices.Concat(incomingSetUp, h.rejected),
				slices.Concat(incomingSetUp, h.redirected),
				slices.Concat(answeredSetUp, h.transferred),
				slices.Concat(answeredSetUp, h.transferDeclined, hungUp[h.d.profile]),
			}
			for c := range ids {
				for i, id := range c {
					if diff := cmp.Diff(want[i], summary(t, rc.waitDeleted(t, h.d.res(id)))); diff != "" {
						t.Errorf("call %d of a flow, %s (-want +got):\n%s", i, id, diff)
					}
				}
			}
			if st := e.sim.Stats(); st.LiveCalls != 0 || st.Lost != 0 {
				t.Errorf("stats %+v after every call ended", st)
			}
		})
	}
}

// handoffFlow, under h: rejects an incoming call, redirects another,
// transfers an answered one, and arms a declined transfer for a fourth,
// which it hangs up once it is established again. It waits for the
// notification that carries the state it needs, never for a number of
// them, and sends the four call ids to ids.
func handoffFlow(h handoff, base, tok string, rc *receiver, ids chan<- [4]guid.GUID) error {
	var c [4]guid.GUID
	var err error
	for i, action := range []string{"reject", "redirect"} {
		if c[i], err = incomingIn(base, rc); err != nil {
			return err
		}
		body := map[string]any{"reason": "busy"}
		if action == "redirect" {
			body = redirectBody(h.d, 2)
		}
		if r, err := doRequest(base, "POST", pathOf(h.d, c[i], action), tok, body); err != nil || r.status != h.status {
			return fmt.Errorf("%s: %v %d %s", action, err, r.status, r.body)
		}
	}
	for i := 2; i < 4; i++ {
		if c[i], err = answeredCallIn(h.d, base, tok, rc); err != nil {
			return err
		}
	}
	if r, err := doRequest(base, "POST", "/_control/transfer-reject", "", map[string]any{"callId": c[3].String()}); err != nil || r.status != http.StatusOK {
		return fmt.Errorf("transfer-reject: %v %d %s", err, r.status, r.body)
	}
	for _, id := range c[2:] {
		if r, err := doRequest(base, "POST", pathOf(h.d, id, "transfer"), tok, transferBody(h, "")); err != nil || r.status != h.status {
			return fmt.Errorf("transfer: %v %d %s", err, r.status, r.body)
		}
	}
	back := func(ns []note) bool {
		transferring := false
		for _, n := range ns {
			transferring = transferring || n.state() == stateTransferring
			if transferring && n.Resource == h.d.res(c[3]) && n.state() == stateEstablished {
				return true
			}
		}
		return false
	}
	if _, err := rc.awaitCall(waitBound, h.d.res(c[3]), "established after the declined transfer", back); err != nil {
		return err
	}
	if r, err := doRequest(base, "DELETE", h.d.root+"/"+c[3].String(), tok, nil); err != nil || r.status != http.StatusNoContent {
		return fmt.Errorf("delete: %v %d", err, r.status)
	}
	ids <- c
	return nil
}

// incomingIn places an incoming call; an operation on it may follow at
// once, its notifications come after created.
func incomingIn(base string, rc *receiver) (guid.GUID, error) {
	r, err := doRequest(base, "POST", "/_control/incoming-calls", "", map[string]any{"callback": rc.URL()})
	if err != nil || r.status != http.StatusCreated {
		return guid.GUID{}, fmt.Errorf("incoming call: %v %d %s", err, r.status, r.body)
	}
	var placed struct{ ID string }
	_ = json.Unmarshal(r.body, &placed)
	c, _ := guid.Parse(placed.ID)
	return c, nil
}
