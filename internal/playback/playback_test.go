package playback

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/fixtures"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/receiver"
)

// sink is a bot's callback and webhook that verifies each notification's
// token and answers 202.
type sink struct {
	*httptest.Server
	verifier *receiver.Verifier // set once, before ready is closed
	ready    chan struct{}
	mu       sync.Mutex
	items    []gjson.Result
	authErrs []error
}

func newSink(t *testing.T) *sink {
	t.Helper()
	s := &sink{ready: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		// The mock starts playing at once: a trigger may POST before the
		// test knows the mock's keys.
		select {
		case <-s.ready:
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Second):
			http.Error(w, "sink never got its verifier", http.StatusServiceUnavailable)
			return
		}
		err := s.verifier.Verify(r.Context(), r.Header.Get("Authorization"))
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			s.authErrs = append(s.authErrs, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.items = append(s.items, gjson.GetBytes(b, "value").Array()...)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(s.Close)
	return s
}

// verify sets the verifier of the sink; it must be called once.
func (s *sink) verify(v *receiver.Verifier) {
	s.verifier = v
	close(s.ready)
}

func loadEmbedded(t *testing.T) []*fixture.Fixture {
	t.Helper()
	fxs, err := fixture.LoadFS(fixtures.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	return fxs
}

// TestEveryFixturePlays drives each built-in scenario through the mock as a
// bot that sends exactly what the fixture says, and checks that the mock's
// synthesized answers and notifications meet the fixture's own
// expectations, signed with a token the harness's verifier accepts.
func TestEveryFixturePlays(t *testing.T) {
	for _, f := range topLevel(loadEmbedded(t)) {
		t.Run(f.ID, func(t *testing.T) {
			bot := newSink(t)
			srv, err := Start("127.0.0.1:0", Config{BotWebhook: bot.URL + "/webhook"}, fixtureWithUses(t, f)...)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			// Its own client, whose spare connections are closed before the
			// server: one that never carried a request holds Shutdown 5 s.
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			bot.verify(&receiver.Verifier{OpenIDConfigURL: srv.URL + OpenIDConfigPath, Audience: srv.AppID()})
			s := srv.scenarios[0]
			for i := range f.Steps {
				st := &f.Steps[i]
				if st.Kind() != "send" {
					continue
				}
				srv.mu.Lock()
				lookup := func(name string) (string, bool) {
					if name == "callbackUrl" {
						return bot.URL + "/callback", true
					}
					return s.lookup(name)
				}
				method, p := fixture.SplitSend(st.Send)
				path, err1 := fixture.Expand(p, lookup)
				body, err2 := fixture.ExpandJSON(st.Body, lookup)
				srv.mu.Unlock()
				if err1 != nil || err2 != nil {
					t.Fatalf("step %d: %v %v", i+1, err1, err2)
				}
				req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if !st.Expect.Status.Contains(resp.StatusCode) {
					t.Fatalf("step %d: answered %d\n%s", i+1, resp.StatusCode, srv.Report())
				}
			}
			select {
			case <-srv.Done():
			case <-time.After(10 * time.Second):
				t.Fatalf("the scenario did not end:\n%s", srv.Report())
			}
			rep := srv.Report()
			if !rep.OK() {
				t.Fatalf("report not OK:\n%s", rep)
			}
			for _, st := range rep.Scenarios[0].Steps {
				if len(st.Notes) > 0 {
					t.Errorf("step %d: the synthesis misses the fixture: %v", st.Index, st.Notes)
				}
			}
			bot.mu.Lock()
			defer bot.mu.Unlock()
			if len(bot.authErrs) > 0 {
				t.Errorf("notification tokens refused: %v", bot.authErrs)
			}
			if len(bot.items) == 0 && expectsNotification(f) {
				t.Error("no notification arrived")
			}
		})
	}
}

// expectsNotification reports whether f expects a notification: a
// negative path (a refused request) may expect none.
func expectsNotification(f *fixture.Fixture) bool {
	for _, st := range f.Steps {
		if st.Await != nil && len(st.Await.Expect) > 0 {
			return true
		}
	}
	return false
}

// fixtureWithUses returns f and the fixtures it uses, as a folder load
// would give them.
func fixtureWithUses(t *testing.T, f *fixture.Fixture) []*fixture.Fixture {
	out := []*fixture.Fixture{f}
	seen := map[string]bool{f.ID: true}
	for _, g := range loadEmbedded(t) {
		for _, st := range f.Steps {
			if st.From == g.ID && !seen[g.ID] {
				seen[g.ID] = true
				out = append(out, g)
			}
		}
	}
	return out
}

const smallFixture = `id: small
title: Small
steps:
  - name: create
    send: POST /app/calls
    body: {callback: "{{callbackUrl}}", subject: "Test", tenantId: "{{tenantIdVar}}"}
    expect:
      status: 201
      headers: {Location: "~/app/calls/[0-9a-f-]{36}$"}
      body: {id: {$type: string}, state: "~^establishing$"}
    capture: {callId: {header: Location, regex: "/calls/([^/]+)$"}}
  - await:
      expect:
        - {name: up, changeType: updated, resource: "/app/calls/{{callId}}", where: {resourceData.state: established}}
  - name: hang up
    send: DELETE /app/calls/{{callId}}
    expect: {status: 204}
`

func TestUnmatchedRequestsAreExplained(t *testing.T) {
	f, err := fixture.Parse("small.yaml", []byte(strings.ReplaceAll(smallFixture, "{{tenantIdVar}}", "t1")))
	if err != nil {
		t.Fatal(err)
	}
	bot := newSink(t)
	srv, err := Start("127.0.0.1:0", Config{}, f)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	bot.verify(&receiver.Verifier{OpenIDConfigURL: srv.URL + OpenIDConfigPath, Audience: srv.AppID()})
	do := func(method, path, body string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := do("GET", "/nowhere", ""); r.StatusCode != 404 {
		t.Errorf("unknown path answered %d, want 404", r.StatusCode)
	}
	if r := do("DELETE", "/app/calls/x", ""); r.StatusCode != 400 {
		t.Errorf("a later step answered %d, want 400", r.StatusCode)
	}
	if r := do("POST", "/app/calls", `{"callback":"`+bot.URL+`","subject":"Other","tenantId":"t1"}`); r.StatusCode != 400 {
		t.Errorf("a wrong body answered %d, want 400", r.StatusCode)
	}
	r := do("POST", "/beta/app/calls", `{"callback":"`+bot.URL+`","subject":"Test","tenantId":"t1","extra":1}`)
	if r.StatusCode != 201 {
		t.Fatalf("the right request answered %d, want 201:\n%s", r.StatusCode, srv.Report())
	}
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, srv.URL+"/app/calls/") {
		t.Errorf("Location %q is not on the mock", loc)
	}
	rep := srv.Report()
	if len(rep.Unmatched) != 3 {
		t.Fatalf("unmatched = %d, want 3:\n%s", len(rep.Unmatched), rep)
	}
	text := rep.String()
	for _, want := range []string{
		"GET /nowhere\n    no step left to make has its method or its path",
		"out of order: small step 1 (create, small.yaml:4): POST /app/calls comes first",
		`- body.subject: "Test"`,
		`+ body.subject: "Other"`,
		"step 3 DELETE /app/calls/{{callId}} (hang up, small.yaml:15): NEVER MADE",
		"3 requests matched no step",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if rep.OK() {
		t.Error("report OK with unmatched requests")
	}
}

func TestAnswerAndNotificationShapes(t *testing.T) {
	f, err := fixture.Parse("small.yaml", []byte(strings.ReplaceAll(smallFixture, "{{tenantIdVar}}", "{{tenantId}}")))
	if err != nil {
		t.Fatal(err)
	}
	bot := newSink(t)
	srv, err := Start("127.0.0.1:0", Config{TenantID: "fixed-tenant"}, f)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	bot.verify(&receiver.Verifier{OpenIDConfigURL: srv.URL + OpenIDConfigPath, Audience: srv.AppID()})
	body := `{"callback":"` + bot.URL + `/cb","subject":"Test","tenantId":"fixed-tenant"}`
	resp, err := http.Post(srv.URL+"/app/calls", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("answer %d %v", resp.StatusCode, resp.Header)
	}
	callID := resp.Header.Get("Location")[strings.LastIndex(resp.Header.Get("Location"), "/")+1:]
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil || doc["state"] != "establishing" || doc["id"] == "" {
		t.Errorf("body %s: want an id and state establishing", b)
	}
	req, _ := http.NewRequest("DELETE", srv.URL+"/app/calls/"+strings.ToUpper(callID), nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("hang up with the id in upper case answered %d:\n%s", resp.StatusCode, srv.Report())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case <-srv.Done():
	case <-ctx.Done():
		t.Fatalf("not done:\n%s", srv.Report())
	}
	rep := srv.Report()
	if !rep.OK() {
		t.Fatalf("not OK:\n%s", rep)
	}
	bot.mu.Lock()
	defer bot.mu.Unlock()
	if len(bot.items) != 1 {
		t.Fatalf("items = %v", bot.items)
	}
	it := bot.items[0]
	if it.Get("resource").Str != "/app/calls/"+callID || it.Get("resourceData.state").Str != "established" || it.Get("changeType").Str != "updated" {
		t.Errorf("notification %s", it.Raw)
	}
}

func TestScenariosPlayTogether(t *testing.T) {
	var fxs []*fixture.Fixture
	for _, id := range []string{"first", "second"} {
		f, err := fixture.Parse(id+".yaml", []byte(strings.Replace(strings.ReplaceAll(smallFixture, "{{tenantIdVar}}", "t1"), "id: small", "id: "+id, 1)))
		if err != nil {
			t.Fatal(err)
		}
		fxs = append(fxs, f)
	}
	bot := newSink(t)
	srv, err := Start("127.0.0.1:0", Config{}, fxs...)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	bot.verify(&receiver.Verifier{OpenIDConfigURL: srv.URL + OpenIDConfigPath, Audience: srv.AppID()})
	var calls []string
	for range 2 { // the same request starts each scenario in turn
		resp, err := http.Post(srv.URL+"/app/calls", "application/json", strings.NewReader(`{"callback":"`+bot.URL+`","subject":"Test","tenantId":"t1"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		calls = append(calls, loc[strings.LastIndex(loc, "/")+1:])
	}
	for _, c := range []string{calls[1], calls[0]} { // and each call ends its own
		req, _ := http.NewRequest("DELETE", srv.URL+"/app/calls/"+c, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	select {
	case <-srv.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("not done:\n%s", srv.Report())
	}
	rep := srv.Report()
	if !rep.OK() || len(rep.Scenarios) != 2 || calls[0] == calls[1] {
		t.Fatalf("calls %v, report:\n%s", calls, rep)
	}
}
