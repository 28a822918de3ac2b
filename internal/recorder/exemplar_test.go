package recorder

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/fixture"
)

// leafPaths lists the paths of every leaf of a JSON value, with the kind
// of each container on the way (o object, a array), so that two values
// compare by shape: the same members, arrays where arrays were.
func leafPaths(raw []byte) []string {
	var out []string
	var walk func(r gjson.Result, path string)
	walk = func(r gjson.Result, path string) {
		switch {
		case r.IsObject():
			r.ForEach(func(k, v gjson.Result) bool { walk(v, path+"{"+k.String()+"}"); return true })
		case r.IsArray():
			i := 0
			r.ForEach(func(_, v gjson.Result) bool { walk(v, path+"["+strconv.Itoa(i)+"]"); i++; return true })
		default:
			out = append(out, path)
		}
	}
	walk(gjson.ParseBytes(raw), "")
	slices.Sort(out)
	return out
}

// recordOneFlow records, through an in-process recorder, a call created,
// established and a participant invited (the invite's operation completed,
// the roster updated), with the real service's bodies. It returns the
// fixture and the Location and body the bot got for its create.
func recordOneFlow(t *testing.T) (fx *fixture.Fixture, s *realSamples, g *fakeGraph, rec *Server, loc string, answer []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s = loadRealSamples(t)
	g = newFakeGraph(t, s)
	bot := newBotSide(t)
	dir := t.TempDir()
	rec, err := Start("127.0.0.1:0", Config{Upstream: g.base, JournalPath: filepath.Join(dir, "j"), AppID: testAppID, TenantID: testTenantID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rec.Close() })
	call, resp, answer := createCall(t, ctx, s, rec.URL, bot.srv.URL+"/cb")
	for k := range 2 {
		if code, err := g.notify(ctx, call, "create-p2p", k); err != nil || code != http.StatusAccepted {
			t.Fatalf("notification: %d %v", code, err)
		}
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", rec.URL+"/communications/calls/"+call+"/participants/invite", strings.NewReader(string(s.inviteReq)))
	iresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, iresp.Body)
	iresp.Body.Close()
	for k := range 2 {
		if code, err := g.notify(ctx, call, "invite", k); err != nil || code != http.StatusAccepted {
			t.Fatalf("notification: %d %v", code, err)
		}
	}
	out := filepath.Join(dir, "flow.yaml")
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Recorder.WriteFile(out, Meta{ID: "flow"}); err != nil {
		t.Fatal(err)
	}
	fxs, err := fixture.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	return fxs[0], s, g, rec, resp.Header.Get("Location"), answer
}

// TestExemplarsKeepTheWholeItem: each expectation's exemplar is the
// notification item as the service sent it: every member (@odata.type
// everywhere, resource and resourceUrl), arrays as arrays, with the ids
// the fixture captures as variables and personal values redacted.
func TestExemplarsKeepTheWholeItem(t *testing.T) {
	fx, s, _, _, _, _ := recordOneFlow(t)
	var sent [][]byte
	for _, sc := range []string{"create-p2p", "invite"} {
		for _, body := range s.notes[sc] {
			for _, it := range gjson.GetBytes(body, "value").Array() {
				sent = append(sent, []byte(it.Raw))
			}
		}
	}
	var got []json.RawMessage
	for _, st := range fx.Steps {
		if st.Await != nil {
			for _, e := range st.Await.Expect {
				got = append(got, e.Exemplar)
			}
		}
	}
	if len(got) != len(sent) {
		t.Fatalf("%d exemplars, want one per notification item (%d)", len(got), len(sent))
	}
	for i := range sent {
		if diff := cmp.Diff(leafPaths(sent[i]), leafPaths(got[i])); diff != "" {
			t.Errorf("exemplar %d does not keep the item's shape (-sent +exemplar):\n%s", i, diff)
		}
		ex := gjson.ParseBytes(got[i])
		if url := ex.Get("resourceUrl").String(); !strings.HasPrefix(url, "/communications/calls/{{callId}}") {
			t.Errorf("exemplar %d: resourceUrl %q, want the call as its variable", i, url)
		}
		if gjson.GetBytes(sent[i], "resource").Exists() && !strings.HasPrefix(ex.Get("resource").String(), "/app/calls/{{callId}}") {
			t.Errorf("exemplar %d: resource %q, want the call as its variable", i, ex.Get("resource"))
		}
		if ex.Get(`\@odata\.type`).String() != "#microsoft.graph.commsNotification" {
			t.Errorf("exemplar %d lost its @odata.type: %s", i, got[i])
		}
	}
	roster := gjson.ParseBytes(got[len(got)-1])
	if !roster.Get("resourceData").IsArray() || roster.Get(`resourceData.0.\@odata\.type`).String() != "#microsoft.graph.participant" {
		t.Errorf("the roster's resourceData is not kept as an array of participants: %s", got[len(got)-1])
	}
	op := gjson.ParseBytes(got[2])
	if op.Get("resourceUrl").String() != "/communications/calls/{{callId}}/operations/{{opId}}" {
		t.Errorf("the operation's resourceUrl %q, want its ids as variables", op.Get("resourceUrl"))
	}
	// The invited user's id is personal (a user id); the caller's is too.
	if strings.Contains(string(got[2]), idsOf(1000).invitee) || strings.Contains(string(got[2]), `"displayName":"string"`) {
		t.Errorf("the operation's exemplar holds the invited user's id or name: %s", got[2])
	}
	for i, ex := range got {
		if strings.Contains(string(ex), idsOf(1000).user) {
			t.Errorf("exemplar %d holds the caller's user id: %s", i, ex)
		}
	}
}

// TestAnswersAreRebasedOnTheRecorder: the bot finds the recorder's address
// in the Location and in the body of an answer (so that following them
// keeps it behind the recorder); the fixture keeps the answer with the
// Location relative to the upstream's base and the upstream's absolute
// URLs under {{baseUrl}}, ids as variables.
func TestAnswersAreRebasedOnTheRecorder(t *testing.T) {
	fx, _, g, rec, loc, answer := recordOneFlow(t)
	if !strings.HasPrefix(loc, rec.URL+"/communications/calls/") {
		t.Errorf("the bot got Location %q, want it under the recorder's %s", loc, rec.URL)
	}
	if ctx := gjson.GetBytes(answer, `\@odata\.context`).String(); !strings.HasPrefix(ctx, rec.URL+"/$metadata") {
		t.Errorf("the bot got @odata.context %q, want it under the recorder's %s", ctx, rec.URL)
	}
	if strings.Contains(string(answer), g.base) {
		t.Errorf("the answer the bot got still names the upstream %s", g.base)
	}
	create := fx.Steps[0]
	if create.Answer == nil {
		t.Fatal("the create step has no answer")
	}
	want := map[string]string{"Location": "/communications/calls/{{callId}}", "Content-Type": "application/json"}
	if diff := cmp.Diff(want, create.Answer.Headers); diff != "" {
		t.Errorf("answer headers (-want +got):\n%s", diff)
	}
	if create.Answer.Status != http.StatusCreated {
		t.Errorf("answer status %d, want 201", create.Answer.Status)
	}
	body := gjson.ParseBytes(create.Answer.Body)
	if got := body.Get(`\@odata\.context`).String(); got != "{{baseUrl}}/$metadata#app/calls/$entity" {
		t.Errorf("answer @odata.context %q, want it under {{baseUrl}}", got)
	}
	if got := body.Get("id").String(); got != "{{callId}}" {
		t.Errorf("answer id %q, want {{callId}}", got)
	}
	if got := body.Get("callbackUri").String(); got != "{{callbackUrl}}" {
		t.Errorf("answer callbackUri %q, want {{callbackUrl}}", got)
	}
	invite := fx.Steps[2]
	if invite.Answer == nil || invite.Answer.Headers["Location"] != "/communications/calls/{{callId}}/operations/{{opId}}" {
		t.Errorf("the invite's answer %+v, want its Location relative with both ids as variables", invite.Answer)
	}
}

// TestMatchNamesWhatIdentifiesARequest: a send step's match lists the
// body fields that identify the request (targets and their ids, the
// modalities, the call an invite replaces), not the optional ones
// (callback, media configuration, display names, @odata.type, client
// context).
func TestMatchNamesWhatIdentifiesARequest(t *testing.T) {
	fx, _, _, _, _, _ := recordOneFlow(t)
	want := map[string][]string{
		"POST /communications/calls": { // in the order of the body the bot sent
			`requestedModalities`,
			`targets.0.identity.phone.id`,
			`targets.0.identity.user.id`,
		},
		"POST /communications/calls/{{callId}}/participants/invite": {
			`participants.0.replacesCallId`,
			`participants.0.identity.user.id`,
		},
	}
	got := map[string][]string{}
	for _, st := range fx.Steps {
		if st.Send != "" {
			got[st.Send] = st.Match
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("match (-want +got):\n%s", diff)
	}
	for _, st := range fx.Steps {
		for _, p := range st.Match {
			if !gjson.GetBytes(st.Body, p).Exists() {
				t.Errorf("%s: match path %q reads nothing in the body %s", st.Send, p, st.Body)
			}
		}
	}
}
