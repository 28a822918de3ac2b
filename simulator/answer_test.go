package simulator

import (
	"net/http"
	"strings"
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

// The v1.0 answer: 202 without a body or Location, then establishing and
// established (mediaState, no direction: the call is incoming) on the
// answer's callbackUri; GET shows the call established.
func TestV1AnswerFlow(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	bot, answerCB := newReceiver(t), newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.incomingCall(bot.URL(), nil)
	bot.waitState(t, v1Res(c), stateIncoming)
	r := e.do("POST", "/communications/calls/"+c.Compact()+"/answer", tok, v1AnswerBody(answerCB.URL()))
	if r.status != http.StatusAccepted || len(r.body) != 0 || r.header.Get("Location") != "" {
		t.Fatalf("answer: %d %q, Location %q; want 202 without a body or Location", r.status, r.body, r.header.Get("Location"))
	}
	ns := answerCB.waitState(t, v1Res(c), stateEstablished)
	if diff := cmp.Diff([]string{"updated call:establishing", "updated call:established"}, summary(t, ns)); diff != "" {
		t.Fatalf("notifications on the answer callback (-want +got):\n%s", diff)
	}
	d := ns[1].data(t)
	if d["direction"] != nil || d["mediaState"] == nil || d["activeModalities"] != nil {
		t.Errorf("established %s", ns[1].Data)
	}
	call := e.do("GET", "/communications/calls/"+c.String(), tok, nil).json(t)
	if call["state"] != "established" || call["direction"] != "incoming" || call["callbackUri"] != answerCB.URL() {
		t.Errorf("call %v", call)
	}
	r = e.do("POST", "/communications/calls/"+c.String()+"/answer", tok, v1AnswerBody(answerCB.URL()))
	if r.status != http.StatusConflict || r.errorCode(t) != codeInvalidCallState {
		t.Errorf("second answer: %d %s", r.status, r.body)
	}
}

func TestV1AnswerValidation(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.incomingCall(rc.URL(), nil)
	good := v1AnswerBody(rc.URL())
	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"no callbackUri", with(good, "callbackUri", nil), "callbackUri is required"},
		{"beta-2018's callback", with(with(good, "callbackUri", nil), "callback", rc.URL()), "callback is the beta-2018 name"},
		{"no acceptedModalities", with(good, "acceptedModalities", nil), "acceptedModalities is required"},
		{"beta-2018's acceptModalities", with(with(good, "acceptedModalities", nil), "acceptModalities", []string{"audio"}),
			"acceptModalities is the beta-2018 name"},
		{"no accepted modality", with(good, "acceptedModalities", []string{}), "acceptedModalities is required"},
		{"no mediaConfig", with(good, "mediaConfig", nil), "mediaConfig is required"},
		{"mediaConfig without type", with(good, "mediaConfig", map[string]any{}), "mediaConfig.@odata.type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg := errorMessage(t, e.do("POST", "/communications/calls/"+c.String()+"/answer", tok, tc.body)); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not say %q", msg, tc.want)
			}
		})
	}
	// Refused answers left the call incoming: it can still be answered.
	if r := e.do("POST", "/communications/calls/"+c.String()+"/answer", tok, good); r.status != http.StatusAccepted {
		t.Errorf("answer after refused ones: %d %s", r.status, r.body)
	}
}

// Break media-config-optional: create and answer accept a body without
// mediaConfig.
func TestBreakMediaConfigOptional(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{Break: []string{BreakMediaConfigOptional}})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	if r := e.do("POST", "/communications/calls", tok, with(v1P2PBody(rc.URL()), "mediaConfig", nil)); r.status != http.StatusCreated {
		t.Errorf("create without mediaConfig: %d %s", r.status, r.body)
	}
	c := e.incomingCall(rc.URL(), nil)
	if r := e.do("POST", "/communications/calls/"+c.String()+"/answer", tok, with(v1AnswerBody(rc.URL()), "mediaConfig", nil)); r.status != http.StatusAccepted {
		t.Errorf("answer without mediaConfig: %d %s", r.status, r.body)
	}
}

// Break answer-with-body: the v1.0 answer answers 200 with a commsOperation,
// as beta-2018 did.
func TestBreakAnswerWithBody(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{Break: []string{BreakAnswerWithBody}})
	rc := newReceiver(t)
	c := e.incomingCall(rc.URL(), nil)
	r := e.do("POST", "/communications/calls/"+c.String()+"/answer", e.token(ClientCalling), v1AnswerBody(rc.URL()))
	if r.status != http.StatusOK || r.json(t)["@odata.type"] != "#microsoft.graph.commsOperation" {
		t.Errorf("answer: %d %s", r.status, r.body)
	}
}

// With EstablishedFirst, established arrives before establishing, as the
// v1.0 pages say they may, for a created call and an answered one; the
// call is established all the same.
func TestV1EstablishedFirst(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{EstablishedFirst: true})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	c := e.createIn(v1Dialect, rc.URL())
	want := []string{"updated call:established", "updated call:establishing", "updated roster"}
	if diff := cmp.Diff(want, summary(t, rc.waitRoster(t, v1Res(c)))); diff != "" {
		t.Errorf("created call (-want +got):\n%s", diff)
	}
	in := e.incomingCall(rc.URL(), nil)
	if r := e.do("POST", "/communications/calls/"+in.String()+"/answer", tok, v1AnswerBody(rc.URL())); r.status != http.StatusAccepted {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	ns := rc.waitState(t, v1Res(in), stateEstablishing)
	want = []string{"created call:incoming", "updated call:established", "updated call:establishing"}
	if diff := cmp.Diff(want, summary(t, ns)); diff != "" {
		t.Errorf("answered call (-want +got):\n%s", diff)
	}
	for _, id := range []string{c.String(), in.String()} {
		if got := e.do("GET", "/communications/calls/"+id, tok, nil).json(t); got["state"] != "established" {
			t.Errorf("GET after both notifications: %v", got["state"])
		}
	}
}
