package simulator

import (
	"net/http"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
	"github.com/google/go-cmp/cmp"
)

// The page's "Answer incoming VOIP call with service hosted media".
func TestAnswerFlow(t *testing.T) {
	e := newEnv(t, Config{})
	bot, answerCB := newReceiver(t), newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.incomingCall(bot.URL(), map[string]any{"requestedModalities": []string{"audio", "video"}})
	bot.waitState(t, callRes(c), stateIncoming)

	r := e.do("POST", "/app/calls/"+c.Compact()+"/answer", tok, map[string]any{
		"callback":         answerCB.URL(),
		"acceptModalities": []string{"audio", "video"},
		"clientContext":    "ctx-1",
		"mediaConfig": map[string]any{
			"@odata.type":   "#microsoft.graph.serviceHostedMediaConfig",
			"preFetchMedia": []any{map[string]any{"url": "https://cdn.contoso.com/beep.wav", "resourceId": "1D6DE2D4-CD51-4309-8DAA-70768651088E"}},
		},
	})
	if r.status != http.StatusOK {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	op := r.json(t)
	if op["@odata.type"] != "#microsoft.graph.commsOperation" || op["status"] != "Running" || op["clientContext"] != "ctx-1" ||
		!guidRE.MatchString(op["id"].(string)) {
		t.Errorf("answer body %s", r.body)
	}
	for _, k := range []string{"createdDateTime", "lastActionDateTime"} {
		if _, err := time.Parse(time.RFC3339, op[k].(string)); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	ns := answerCB.waitState(t, callRes(c), stateEstablished)
	if diff := cmp.Diff([]string{"updated call:establishing", "updated call:established"}, summary(t, ns)); diff != "" {
		t.Fatalf("notifications on the answer callback (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"audio", "video"}, ns[1].data(t)["activeModalities"]); diff != "" {
		t.Errorf("activeModalities (-want +got):\n%s", diff)
	}
	got := e.do("GET", "/app/calls/"+c.String()+"/operations/"+op["id"].(string), tok, nil).json(t)
	if got["status"] != "completed" {
		t.Errorf("answer operation after established: %v", got)
	}
	call := e.do("GET", "/app/calls/"+c.String(), tok, nil).json(t)
	if call["state"] != "established" || call["direction"] != "incoming" || call["callback"] != answerCB.URL() {
		t.Errorf("call %v", call)
	}
	// The call's notifications go out in order: established was the last,
	// so whatever the control callback was sent has arrived.
	if diff := cmp.Diff([]string{"created call:incoming"}, summary(t, bot.wait(t, "nothing", func([]note) bool { return true }))); diff != "" {
		t.Errorf("the control callback got more than created (-want +got):\n%s", diff)
	}
}

func TestAnswerDefaultsToRequestedModalities(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	c := e.incomingCall(rc.URL(), map[string]any{"requestedModalities": []string{"audio", "video"}})
	r := e.do("POST", "/app/calls/"+c.String()+"/answer", e.token(ClientCalling), map[string]any{"callback": rc.URL()})
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	ns := on(rc.waitState(t, callRes(c), stateEstablished), callRes(c))
	if diff := cmp.Diff([]any{"audio", "video"}, ns[len(ns)-1].data(t)["activeModalities"]); diff != "" {
		t.Errorf("activeModalities (-want +got):\n%s", diff)
	}
}

func TestAnswerRules(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	good := map[string]any{"callback": rc.URL(), "acceptModalities": []string{"audio"}}

	incoming := e.incomingCall(rc.URL(), nil)
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"no callback", map[string]any{"acceptModalities": []string{"audio"}}},
		{"relative callback", map[string]any{"callback": "/cb"}},
		{"bad modality", map[string]any{"callback": rc.URL(), "acceptModalities": []string{"hologram"}}},
		{"mediaConfig not an object", map[string]any{"callback": rc.URL(), "mediaConfig": 1}},
	} {
		r := e.do("POST", "/app/calls/"+incoming.String()+"/answer", tok, tc.body)
		if r.status != http.StatusBadRequest || r.errorCode(t) != "BadRequest" {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if r := e.do("POST", "/app/calls/"+guid.New().String()+"/answer", tok, good); r.status != http.StatusNotFound {
		t.Errorf("unknown call: %d", r.status)
	}
	if r := e.do("POST", "/app/calls/"+incoming.String()+"/answer", tok, good); r.status != http.StatusOK {
		t.Fatalf("first answer: %d %s", r.status, r.body)
	}
	r := e.do("POST", "/app/calls/"+incoming.String()+"/answer", tok, good)
	if r.status != http.StatusConflict || r.errorCode(t) != "InvalidCallState" {
		t.Errorf("second answer: %d %s", r.status, r.body)
	}
	outgoing := e.createCall(rc.URL())
	r = e.do("POST", "/app/calls/"+outgoing.String()+"/answer", tok, good)
	if r.status != http.StatusConflict || r.errorCode(t) != "InvalidCallState" {
		t.Errorf("answering an outgoing call: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/app/calls/"+incoming.String()+"/answer", e.token(ClientNone), good); r.status != http.StatusForbidden {
		t.Errorf("answer without a calls role: %d", r.status)
	}
}
