package playback

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/realtraffic"
)

// routingBot is a bot's callback that routes each notification on its
// resourceUrl, as SDK-based bots do: a call's own updates, or its roster,
// whose resourceData must be an array of participants.
type routingBot struct {
	*httptest.Server
	mu       sync.Mutex
	items    [][]byte // in arrival order
	rosters  [][]string
	problems []string
	arrived  chan struct{}
}

var (
	callRoute   = regexp.MustCompile(`^/communications/calls/[^/]+$`)
	rosterRoute = regexp.MustCompile(`^/communications/calls/[^/]+/participants$`)
)

// createThrough serves the fixture src (file name) to a routing bot that
// creates a call (POST /communications/calls) and hears the fixture's
// first notification; it returns the answer and the bot.
func createThrough(t *testing.T, name, src string) (*httptest.ResponseRecorder, *routingBot) {
	t.Helper()
	f, err := fixture.Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	bot := newRoutingBot(t)
	m, err := New(Config{}, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	w := httptest.NewRecorder()
	m.ServeHTTP(w, httptest.NewRequest("POST", "http://mock.test/communications/calls", strings.NewReader(`{"callbackUri":"`+bot.URL+`"}`)))
	if w.Code != 201 {
		t.Fatalf("answered %d: %s", w.Code, w.Body)
	}
	bot.await(t, 1, m)
	return w, bot
}

func newRoutingBot(t *testing.T) *routingBot {
	b := &routingBot{arrived: make(chan struct{}, 64)}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		defer b.mu.Unlock()
		if gjson.GetBytes(body, "@odata\\.type").Str != "#microsoft.graph.commsNotifications" {
			b.problems = append(b.problems, "not a commsNotifications body: "+string(body))
		}
		for _, it := range gjson.GetBytes(body, "value").Array() {
			url := it.Get("resourceUrl").Str
			switch {
			case rosterRoute.MatchString(url):
				data := it.Get("resourceData")
				if !data.IsArray() {
					b.problems = append(b.problems, "a roster whose resourceData is not an array: "+it.Raw)
				}
				var ids []string
				for _, p := range data.Array() {
					ids = append(ids, p.Get("id").Str)
				}
				b.rosters = append(b.rosters, ids)
			case callRoute.MatchString(url):
			default:
				b.problems = append(b.problems, "no route for resourceUrl "+url)
			}
			b.items = append(b.items, []byte(it.Raw))
			b.arrived <- struct{}{}
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(b.Close)
	return b
}

// await waits for n more items.
func (b *routingBot) await(t *testing.T, n int, m *Player) {
	t.Helper()
	for range n {
		select {
		case <-b.arrived:
		case <-time.After(bound):
			t.Fatalf("notifications did not arrive within %s:\n%s", bound, m.Report())
		}
	}
}

// idForms marks every GUID of a sequence of JSON documents by its order
// of first appearance (objects walked in key order, so that the order a
// text wrote its keys in does not count) and by the form it is written
// in: two sequences compare equal when one is the other with its ids
// consistently replaced and each written as it was. The nil GUID is kept.
type idForms struct{ seen map[string]int }

func (f *idForms) mark(text string) string {
	return literalIDRE.ReplaceAllStringFunc(text, func(id string) string {
		norm := guid.Normalize(id)
		if wellKnownIDs[norm] {
			return id
		}
		n, ok := f.seen[norm]
		if !ok {
			n = len(f.seen) + 1
			f.seen[norm] = n
		}
		form := "hex"
		if strings.Contains(id, "-") {
			form = "dashed"
		}
		if strings.ToUpper(id) == id && strings.ToLower(id) != id {
			form += "-upper" // an id of digits alone has no case
		}
		return fmt.Sprintf("<id%d:%s>", n, form)
	})
}

// walk marks the ids of every string of v, keys in sorted order.
func (f *idForms) walk(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out[f.mark(k)] = f.walk(x[k])
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = f.walk(x[i])
		}
		return out
	case string:
		return f.mark(x)
	}
	return v
}

// normalized decodes a JSON text and marks its ids.
func normalized(t *testing.T, f *idForms, text string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("%v: %s", err, text)
	}
	return f.walk(v)
}

// TestRecordedShapesServedAsRecorded plays a fixture whose answer and
// notifications are real traffic (testdata/realshape-group-call.yaml,
// made from internal/realtraffic) to a bot that routes on resourceUrl and
// reads the roster arrays: what it gets is the recorded bodies, the same
// after JSON normalisation, but for the ids, each replaced consistently
// and written in its recorded form; the call id serve minted is the one
// of the Location, the answer and every notification.
func TestRecordedShapesServedAsRecorded(t *testing.T) {
	fxs, err := fixture.Load("testdata/realshape-group-call.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bot := newRoutingBot(t)
	srv, err := Start("127.0.0.1:0", Config{}, fxs...)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	create := recordedAnswer(t, "create-call")
	reqBody := strings.Replace(string(create.Request.Body), "https://bot.contoso.com/callback", bot.URL+"/callback", 1)
	resp, err := http.Post(srv.URL+"/v1.0/communications/calls", "application/json", strings.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	answerBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != create.Response.Status {
		t.Fatalf("create answered %d, want %d: %s\n%s", resp.StatusCode, create.Response.Status, answerBody, srv.Report())
	}
	loc := resp.Header.Get("Location")
	callID := loc[strings.LastIndex(loc, "/")+1:]
	if want := srv.URL + "/v1.0/communications/calls/" + callID; loc != want || callID == "" {
		t.Errorf("Location %q, want %q: relative, put on the mock's base and the bot's version", loc, want)
	}
	bot.await(t, 4, srv.Player)
	req, _ := http.NewRequest("DELETE", loc, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("hang up answered %d:\n%s", resp.StatusCode, srv.Report())
	}
	bot.await(t, 1, srv.Player)
	select {
	case <-srv.Done():
	case <-time.After(bound):
		t.Fatalf("not done:\n%s", srv.Report())
	}
	if rep := srv.Report(); !rep.OK() {
		t.Fatalf("not OK:\n%s", rep)
	}

	// What was recorded: the answer, then each notification, its call id
	// (the fixture's {{callId}}) marked as the one serve minted.
	samples := realtraffic.Scenario("graph-calling-bots", "group-call")
	recorded := []string{markCall(string(create.Response.Body), "ca110001-0000-4000-8000-000000000001")}
	for _, s := range samples {
		items, err := s.Items()
		if err != nil || len(items) != 1 {
			t.Fatalf("%s: %v", s.Path(), err)
		}
		recorded = append(recorded, markCall(string(items[0]), "0c1f6000-0000-4000-8000-00000000c001"))
	}
	bot.mu.Lock()
	defer bot.mu.Unlock()
	served := []string{markCall(string(answerBody), callID)}
	for _, it := range bot.items {
		served = append(served, markCall(string(it), callID))
	}
	if len(served) != len(recorded) {
		t.Fatalf("served %d bodies, want %d", len(served), len(recorded))
	}
	want, got := &idForms{seen: map[string]int{}}, &idForms{seen: map[string]int{}}
	for i := range recorded {
		if diff := cmp.Diff(normalized(t, want, recorded[i]), normalized(t, got, served[i])); diff != "" {
			t.Errorf("body %d (-recorded +served):\n%s", i, diff)
		}
	}
	for _, p := range bot.problems {
		t.Error(p)
	}
	if diff := cmp.Diff([][]string{{"9a470000-0000-4000-8000-00000000c002"}, {"9a470000-0000-4000-8000-00000000c001", "9a470000-0000-4000-8000-00000000c002"}}, bot.rosters, rosterLike()); diff != "" {
		t.Errorf("rosters (-recorded +served, ids by position):\n%s", diff)
	}
	// The ids serve left alone are the bot's own and the nil GUID.
	for _, s := range samples {
		for _, id := range literalIDRE.FindAllString(string(s.Body), -1) {
			if !wellKnownIDs[guid.Normalize(id)] && strings.Contains(strings.Join(served, "\n"), id) {
				t.Errorf("recorded id %s was served as it was", id)
			}
		}
	}
	if !strings.Contains(served[0], "1d1d0005-0000-4000-8000-000000000005") {
		t.Errorf("the user the bot named is not in the answer as it named it:\n%s", served[0])
	}
}

// rosterLike compares rosters by shape: the same number of participants,
// each a GUID.
func rosterLike() cmp.Option {
	return cmp.Comparer(func(a, b string) bool {
		_, okA := guid.Parse(a)
		_, okB := guid.Parse(b)
		return okA && okB
	})
}

// markCall writes the call id, in every form, as <call>.
func markCall(text, id string) string {
	g, ok := guid.Parse(id)
	if !ok {
		return text
	}
	for _, form := range []string{g.String(), strings.ToUpper(g.String()), g.Hex(), g.Compact()} {
		text = strings.ReplaceAll(text, form, "<call>")
	}
	return text
}

func recordedAnswer(t *testing.T, name string) realtraffic.Answer {
	t.Helper()
	as, err := realtraffic.Answers()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no recorded answer %s", name)
	return realtraffic.Answer{}
}

// A relative Location is put on the mock's base URL, with the version
// prefix of the bot's request unless the base names it already.
func TestRecordedLocationIsRebased(t *testing.T) {
	const fx = `id: loc
title: Loc
steps:
  - send: POST /communications/calls
    answer: {status: 201, headers: {Location: "/communications/calls/{{callId}}"}}
`
	for _, tc := range []struct{ base, path, want string }{
		{"", "/communications/calls", "http://mock.test/communications/calls/"},
		{"", "/v1.0/communications/calls", "http://mock.test/v1.0/communications/calls/"},
		{"https://tunnel.example/v1.0/", "/v1.0/communications/calls", "https://tunnel.example/v1.0/communications/calls/"},
		{"https://tunnel.example", "/beta/communications/calls", "https://tunnel.example/beta/communications/calls/"},
	} {
		f, err := fixture.Parse("loc.yaml", []byte(fx))
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(Config{BaseURL: tc.base}, f)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest("POST", "http://mock.test"+tc.path, nil))
		m.Close()
		loc := w.Header().Get("Location")
		if id, ok := strings.CutPrefix(loc, tc.want); w.Code != 201 || !ok || !literalIDRE.MatchString(id) {
			t.Errorf("base %q, request %s: answered %d, Location %q; want 201 and %s<id>", tc.base, tc.path, w.Code, loc, tc.want)
		}
	}
}

// TestExemplarIDsAreConsistent: an id the recording left as it was,
// written dashed and compact, upper and lower case, is replaced by one
// fresh id written each way; the minted {{callId}} is the same in the
// Location, the answer and later notifications.
func TestExemplarIDsAreConsistent(t *testing.T) {
	const fx = `id: ids
title: Ids
steps:
  - send: POST /communications/calls
    body: {callbackUri: "{{callbackUrl}}"}
    answer:
      status: 201
      headers: {Location: "/communications/calls/{{callId}}"}
      body: {id: "{{callId}}", chain: "C4A10000-0000-4000-8000-00000000C001", link: "x?rt=c4a1000000004000800000000000c001"}
  - await:
      expect:
        - name: a
          exemplar: {changeType: updated, resourceUrl: "/communications/calls/{{callId}}", resourceData: {callChainId: "c4a10000-0000-4000-8000-00000000c001", label: "00000000-0000-0000-0000-000000000000"}}
`
	w, bot := createThrough(t, "ids.yaml", fx)
	loc := w.Header().Get("Location")
	callID := strings.TrimPrefix(loc, "http://mock.test/communications/calls/")
	if _, ok := guid.Parse(callID); !ok {
		t.Fatalf("Location %q does not end in a minted id", loc)
	}
	ans := gjson.ParseBytes(w.Body.Bytes())
	bot.mu.Lock()
	item := gjson.ParseBytes(bot.items[0])
	bot.mu.Unlock()
	chain, ok := guid.Parse(ans.Get("chain").Str)
	if !ok || chain.String() == "c4a10000-0000-4000-8000-00000000c001" {
		t.Fatalf("chain id %q was not replaced", ans.Get("chain").Str)
	}
	if diff := cmp.Diff(map[string]string{
		"answer id":          callID,
		"answer chain":       strings.ToUpper(chain.String()),
		"answer link":        "x?rt=" + chain.Hex(),
		"notification call":  "/communications/calls/" + callID,
		"notification chain": chain.String(),
		"notification label": "00000000-0000-0000-0000-000000000000",
	}, map[string]string{
		"answer id":          ans.Get("id").Str,
		"answer chain":       ans.Get("chain").Str,
		"answer link":        ans.Get("link").Str,
		"notification call":  item.Get("resourceUrl").Str,
		"notification chain": item.Get("resourceData.callChainId").Str,
		"notification label": item.Get("resourceData.label").Str,
	}); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

// FuzzExemplar: whatever a recorded item holds, serving it ends with a
// JSON document or an error, never a panic; a document without templates
// keeps its shape, only its ids replaced, each consistently.
func FuzzExemplar(f *testing.F) {
	f.Add(`{"changeType":"updated","resourceUrl":"/communications/calls/{{callId}}","resourceData":[{"id":"9a470000-0000-4000-8000-00000000c002","link":"rt=9a47000000004000800000000000c002"}]}`)
	f.Add(`{"a":"{{ x }}","b":"C4A10000-0000-4000-8000-00000000C001","c":["00000000000000000000000000000000"]}`)
	f.Add(`{"k\u007b{v}}":"{{v}}"}`)
	f.Add(`[1,2,"{{callbackUrl}}"]`)
	fx, err := fixture.Parse("f.yaml", []byte("id: f\ntitle: F\nsteps:\n  - send: GET /x\n"))
	if err != nil {
		f.Fatal(err)
	}
	m, err := New(Config{}, fx)
	if err != nil {
		f.Fatal(err)
	}
	defer m.Close()
	f.Fuzz(func(t *testing.T, raw string) {
		if !json.Valid([]byte(raw)) {
			return
		}
		s := newScenario(m, fx) // ids of its own
		out, err := s.expandExemplar(json.RawMessage(raw))
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("served %q for %q: not JSON", out, raw)
		}
		want, got := &idForms{seen: map[string]int{}}, &idForms{seen: map[string]int{}}
		var w, g any
		if json.Unmarshal([]byte(raw), &w) != nil || json.Unmarshal(out, &g) != nil {
			t.Fatal("undecodable")
		}
		if plain, _ := json.Marshal(w); bytes.Contains(plain, []byte("{{")) {
			return // a template, written as is or escaped: its value differs
		}
		if diff := cmp.Diff(want.walk(w), got.walk(g)); diff != "" {
			t.Errorf("served %q for %q (-recorded +served):\n%s", out, raw, diff)
		}
	})
}
