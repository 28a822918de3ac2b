package simulator

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/realtraffic"
	"github.com/google/go-cmp/cmp"
)

// A shape is a JSON value flattened to path → kind ("object", "array",
// "string", "number", "bool", "null"). Paths join member names with "/";
// the elements of an array share the path of the array plus "[]", so an
// array's shape is the union of its elements'. A path whose kind differs
// between values holds every kind seen, sorted and joined with "|".
type shape map[string]string

func shapeOf(t *testing.T, raw []byte, root string) shape {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("shape of %s: %v", raw, err)
	}
	s := shape{}
	s.walk(v, root)
	return s
}

func (s shape) walk(v any, path string) {
	var kind string
	switch x := v.(type) {
	case map[string]any:
		kind = "object"
		for k, val := range x {
			s.walk(val, path+"/"+k)
		}
	case []any:
		kind = "array"
		for _, el := range x {
			s.walk(el, path+"[]")
		}
	case string:
		kind = "string"
	case float64:
		kind = "number"
	case bool:
		kind = "bool"
	default:
		kind = "null"
	}
	s.add(path, kind)
}

func (s shape) add(path, kind string) {
	old, ok := s[path]
	if !ok || old == kind {
		s[path] = kind
		return
	}
	kinds := strings.Split(old, "|")
	for _, k := range kinds {
		if k == kind {
			return
		}
	}
	kinds = append(kinds, kind)
	sort.Strings(kinds)
	s[path] = strings.Join(kinds, "|")
}

func (s shape) merge(o shape) {
	for p, k := range o {
		for _, kind := range strings.Split(k, "|") {
			s.add(p, kind)
		}
	}
}

// below reports whether path is p or below it.
func below(path, p string) bool {
	return path == p || strings.HasPrefix(path, p+"/") || strings.HasPrefix(path, p+"[]")
}

// drop removes p and every path below it, and reports whether p was there.
func (s shape) drop(p string) bool {
	_, had := s[p]
	for path := range s {
		if below(path, p) {
			delete(s, path)
		}
	}
	return had
}

// keepOnly removes every path below p, keeping p's own kind.
func (s shape) keepOnly(p string) {
	for path := range s {
		if path != p && below(path, p) {
			delete(s, path)
		}
	}
}

// sampleItem returns the one notification item of a realtraffic sample
// named "source/scenario/name", and its whole body.
func sampleItem(t *testing.T, ref string) (item, body []byte) {
	t.Helper()
	parts := strings.Split(ref, "/")
	for _, s := range realtraffic.Scenario(parts[0], parts[1]) {
		if s.Name != parts[2] {
			continue
		}
		items, err := s.Items()
		if err != nil || len(items) != 1 {
			t.Fatalf("sample %s: %v, %d items", ref, err, len(items))
		}
		return items[0], s.Body
	}
	t.Fatalf("no realtraffic sample %s", ref)
	return nil, nil
}

// shapeCase compares the resourceData of one event the simulator notifies
// under v1.0 with real traffic of the same event. notSimulated lists what
// the samples show and the simulator does not send; extra, what the
// simulator sends that these samples lack (each with the sample that shows
// the real service sending it); passthrough, members whose content is the
// request's, compared by kind only. Every entry must still be needed: a
// stale one fails the test too.
type shapeCase struct {
	event        string
	samples      []string
	notSimulated []string
	extra        []string
	passthrough  []string
}

// notSimulatedCall are members of real call notifications the simulator
// does not model.
var notSimulatedCall = []string{"resourceData/meetingCapability", "resourceData/coOrganizers"}

// notSimulatedParticipant are members of real roster items the simulator
// does not model: the endpoint's id and client, the replacement links.
var notSimulatedParticipant = []string{"resourceData[]/info/endpointId", "resourceData[]/info/clientVersion",
	"resourceData[]/info/replacementLink", "resourceData[]/replacementLink"}

// callChainIDExtra: the recordings (graph-calling-bots) carry callChainId
// on every call notification; the documentation's samples of these events
// leave it out.
const callChainIDExtra = "resourceData/callChainId"

var shapeCases = []shapeCase{
	{event: "establishing (created)", samples: []string{"graph-calling-bots/p2p-outgoing/01-establishing"}},
	{event: "established (created)", samples: []string{"graph-calling-bots/p2p-outgoing/02-established",
		"graph-calling-bots/p2p-outgoing/03-established-media-active"}, notSimulated: notSimulatedCall},
	{event: "created (incoming)", samples: []string{"graph-docs-v1.0/answer/01-incoming", "graph-docs-v1.0/redirect/01-incoming",
		"graph-docs-v1.0/reject/01-incoming"},
		notSimulated: []string{"resourceData/@odata.id", "resourceData/@odata.etag", "resourceData/callbackUri"},
		extra:        []string{callChainIDExtra}, passthrough: []string{"resourceData/source", "resourceData/targets"}},
	{event: "establishing (answered)", samples: []string{"graph-calling-bots/p2p-outgoing/01-establishing"}},
	{event: "established (answered)", samples: []string{"graph-calling-bots/p2p-outgoing/03-established-media-active"},
		notSimulated: notSimulatedCall},
	{event: "roster (meeting join)", samples: []string{"graph-calling-bots/group-call/03-roster-bot-joined"},
		notSimulated: notSimulatedParticipant},
	// The operation lists the invitees as the bot sent them: the content of
	// their identities, and their other members (the documented invite
	// answer, answers/graph-docs-v1.0/invite.json, echoes replacesCallId).
	{event: "operation completed (invite)", samples: []string{"graph-docs-v1.0/invite/01-operation-completed"},
		extra:       []string{"resourceData/participants[]/languageId", "resourceData/participants[]/replacesCallId"},
		passthrough: []string{"resourceData/participants[]/identity/user"}},
	{event: "roster (invite)", samples: []string{"graph-calling-bots/group-call/04-roster-user-joined"},
		notSimulated: notSimulatedParticipant},
	{event: "terminating (replaced)", samples: []string{"graph-docs-contrib-v1.0/delete/01-terminating"}, extra: []string{callChainIDExtra}},
	{event: "deleted (replaced)", samples: []string{"graph-calling-bots/p2p-outgoing/06-deleted-terminated"}, notSimulated: notSimulatedCall},
	{event: "terminating (hang-up)", samples: []string{"graph-docs-contrib-v1.0/delete/01-terminating"}, extra: []string{callChainIDExtra}},
	{event: "deleted (hang-up)", samples: []string{"graph-calling-bots/p2p-outgoing/06-deleted-terminated"}, notSimulated: notSimulatedCall},
	{event: "deleted (keepAlive timeout)", samples: []string{"graph-calling-bots/p2p-outgoing/06-deleted-terminated"}, notSimulated: notSimulatedCall},
}

// Every notification the simulator sends under v1.0 has the shape of the
// real traffic of the same event: the envelope and item members of a
// recording, and the resourceData members and their kinds of the event's
// samples.
func TestV1NotificationsHaveTheShapeOfRealTraffic(t *testing.T) {
	events := v1Events(t)
	recItem, recBody := sampleItem(t, "graph-calling-bots/p2p-outgoing/01-establishing")
	for _, c := range shapeCases {
		t.Run(c.event, func(t *testing.T) {
			n, ok := events[c.event]
			if !ok {
				t.Fatalf("the scenario produced no %s", c.event)
			}
			checkEnvelope(t, n, recItem, recBody)
			want := shape{}
			for _, ref := range c.samples {
				item, _ := sampleItem(t, ref)
				want.merge(resourceDataShape(t, item))
			}
			_, item := items(t, n)
			got := resourceDataShape(t, mustJSON(t, item))
			for _, p := range c.notSimulated {
				if !want.drop(p) || got.drop(p) {
					t.Errorf("notSimulated %s: the samples lack it, or the simulator sends it", p)
				}
			}
			for _, p := range c.extra {
				if !got.drop(p) || want.drop(p) {
					t.Errorf("extra %s: the simulator does not send it, or the samples have it", p)
				}
			}
			for _, p := range c.passthrough {
				want.keepOnly(p)
				got.keepOnly(p)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("resourceData shape (-real traffic +simulator):\n%s\nsimulator sent %s", diff, n.Body)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resourceDataShape is the shape of an item's resourceData, under the path
// "resourceData".
func resourceDataShape(t *testing.T, item []byte) shape {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(item, &m); err != nil {
		t.Fatal(err)
	}
	return shapeOf(t, m["resourceData"], "resourceData")
}

// checkEnvelope compares the body and item members of n, resourceData
// aside, with those of a recording of the real service.
func checkEnvelope(t *testing.T, n note, recItem, recBody []byte) {
	t.Helper()
	envelope := func(body []byte) shape {
		s := shapeOf(t, body, "")
		s.keepOnly("/value[]/resourceData")
		delete(s, "/value[]/resourceData") // an object or an array, by event
		return s
	}
	if diff := cmp.Diff(envelope(recBody), envelope(n.Body)); diff != "" {
		t.Errorf("envelope shape (-recording +simulator):\n%s", diff)
	}
	var top, item struct {
		Type string `json:"@odata.type"`
	}
	_ = json.Unmarshal(n.Body, &top)
	var env struct{ Value []json.RawMessage }
	_ = json.Unmarshal(n.Body, &env)
	_ = json.Unmarshal(env.Value[0], &item)
	var rec struct {
		Type string `json:"@odata.type"`
	}
	_ = json.Unmarshal(recItem, &rec)
	if top.Type != "#microsoft.graph.commsNotifications" || item.Type != rec.Type {
		t.Errorf("@odata.type of the body %q, of the item %q", top.Type, item.Type)
	}
}

// v1Events runs, under v1.0, every flow whose notifications the shape
// check compares, and returns one notification of each event. The bodies a
// bot sends copy the identities of the samples (the simulator passes them
// through), so that what is compared is what the simulator writes.
func v1Events(t *testing.T) map[string]note {
	t.Helper()
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	out := map[string]note{}
	pick := func(event string, ns []note, res, changeType, state string) {
		for _, n := range ns {
			if n.Resource == res && n.ChangeType == changeType && (state == "" || n.state() == state) {
				out[event] = n
				return
			}
		}
		t.Fatalf("no %s %s (%s) among %v", changeType, res, state, summary(t, ns))
	}

	p2p := mustID(t, e.do("POST", "/communications/calls", tok, v1P2PBody(rc.URL())).json(t)["id"].(string))
	ns := rc.waitState(t, v1Res(p2p), stateEstablished)
	pick("establishing (created)", ns, v1Res(p2p), "updated", stateEstablishing)
	pick("established (created)", ns, v1Res(p2p), "updated", stateEstablished)
	hangUp(t, e, v1Dialect, p2p)
	ns = rc.waitDeleted(t, v1Res(p2p))
	pick("terminating (hang-up)", ns, v1Res(p2p), "updated", stateTerminating)
	pick("deleted (hang-up)", ns, v1Res(p2p), "deleted", "")

	in := e.answeredIn(v1Dialect, rc)
	ns = rc.waitState(t, v1Res(in), stateEstablished)
	pick("created (incoming)", ns, v1Res(in), "created", stateIncoming)
	pick("establishing (answered)", ns, v1Res(in), "updated", stateEstablishing)
	pick("established (answered)", ns, v1Res(in), "updated", stateEstablished)

	meeting := joinAsInstance(t, e, rc)
	ns = rc.waitRoster(t, v1Res(meeting))
	pick("roster (meeting join)", ns, v1Res(meeting)+"/participants", "updated", "")
	invitee := map[string]any{
		"@odata.type": "#microsoft.graph.invitationParticipantInfo", "replacesCallId": in.String(), "languageId": "en-US",
		"identity": map[string]any{"user": map[string]any{"id": "05e20000-0000-4000-8000-000000000002",
			"displayName": "Test User Two", "tenantId": "7e4a0000-0000-4000-8000-0000000000f0", "identityProvider": "AAD"}},
	}
	r := e.do("POST", invitePathIn(v1Dialect, meeting), tok, map[string]any{"participants": []any{invitee}, "clientContext": "ctx"})
	op := lastSegment(r.header.Get("Location"))
	ns = rc.waitDeleted(t, v1Res(in))
	pick("terminating (replaced)", ns, v1Res(in), "updated", stateTerminating)
	pick("deleted (replaced)", ns, v1Res(in), "deleted", "")
	ns = rc.waitDeleted(t, v1Res(meeting)+"/operations/"+op)
	pick("operation completed (invite)", ns, v1Res(meeting)+"/operations/"+op, "deleted", "")
	ns = rc.waitNote(t, v1Res(meeting)+"/participants", "the invite's roster", func(n note) bool {
		return strings.Contains(string(n.Data), "Test User Two")
	})
	pick("roster (invite)", ns[len(ns)-1:], v1Res(meeting)+"/participants", "updated", "")

	out["deleted (keepAlive timeout)"] = keepAliveTimeoutNote(t)
	return out
}

// joinAsInstance joins a meeting as an application instance, whose
// identity is the recording's bot's.
func joinAsInstance(t *testing.T, e *env, rc *receiver) guid.GUID {
	t.Helper()
	body := v1MeetingBody(rc.URL())
	body["source"] = map[string]any{"identity": map[string]any{"applicationInstance": map[string]any{
		"id": "a5510000-0000-4000-8000-00000000b075", "displayName": "Example Calling Bot",
		"tenantId": "7e4a0000-0000-4000-8000-0000000000f0", "identityProvider": "AAD"}}}
	r := e.do("POST", "/communications/calls", e.token(ClientCalling), body)
	if r.status != http.StatusCreated {
		t.Fatalf("join: %d %s", r.status, r.body)
	}
	return mustID(t, r.json(t)["id"].(string))
}

// keepAliveTimeoutNote returns the deleted notification of a v1.0 call that
// received no keepAlive.
func keepAliveTimeoutNote(t *testing.T) note {
	t.Helper()
	e, clk := clockEnv(t, Config{Profile: ProfileV1})
	rc := newReceiver(t)
	c := e.establishedIn(v1Dialect, rc)
	clk.Advance(defaultKeepAliveTimeout + time.Second)
	ns := on(rc.waitDeleted(t, v1Res(c)), v1Res(c))
	return ns[len(ns)-1]
}

// documented returns the documented answer called name (v1.0 pages).
func documented(t *testing.T, name string) realtraffic.Answer {
	t.Helper()
	all, err := realtraffic.Answers()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.Source == "graph-docs-v1.0" && a.Name == name {
			return a
		}
	}
	t.Fatalf("no documented answer %s", name)
	return realtraffic.Answer{}
}

// topKinds is the shape of a body's own members; nil for no body.
func topKinds(t *testing.T, body []byte) shape {
	t.Helper()
	if len(body) == 0 {
		return nil
	}
	s := shapeOf(t, body, "")
	for p := range s {
		if strings.Count(p, "/") > 1 || strings.Contains(p, "[]") {
			delete(s, p)
		}
	}
	return s
}

// The v1.0 answers have the documented status and members: create, answer,
// invite, keepAlive and delete. create's members are the documented ones
// the request filled (the page writes the others as null); invite's are
// exactly the documented ones.
func TestV1AnswersAreTheDocumentedOnes(t *testing.T) {
	e := dialectEnv(t, v1Dialect, Config{})
	rc := newReceiver(t)
	tok := e.token(ClientCalling)
	check := func(name string, r response, subset bool) {
		t.Helper()
		doc := documented(t, name)
		if r.status != doc.Response.Status {
			t.Errorf("%s: status %d; documented %d", name, r.status, doc.Response.Status)
		}
		want, got := topKinds(t, doc.Response.Body), topKinds(t, r.body)
		if subset {
			for p, k := range want {
				if k == "null" && got[p] == "" {
					delete(want, p)
				}
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: members (-documented +simulator):\n%s", name, diff)
		}
	}
	created := e.do("POST", "/communications/calls", tok, v1P2PBody(rc.URL()))
	check("create-call", created, true)
	c := mustID(t, created.json(t)["id"].(string))
	rc.waitState(t, v1Res(c), stateEstablished)
	check("keep-alive", e.keepAlive(c.String()), false)

	in := e.incomingCall(rc.URL(), nil)
	check("answer", e.do("POST", "/communications/calls/"+in.String()+"/answer", tok, v1AnswerBody(rc.URL())), false)
	rc.waitState(t, v1Res(in), stateEstablished)

	meeting := e.establishedIn(v1Dialect, rc)
	invitee := with(v1Invitee(), "replacesCallId", in.String())
	check("invite", e.do("POST", invitePathIn(v1Dialect, meeting), tok,
		map[string]any{"participants": []any{invitee}, "clientContext": "ctx"}), false)
	check("delete-call", e.do("DELETE", "/communications/calls/"+c.String(), tok, nil), false)
}
