package playback

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/secret/secrettest"
)

// matchFixture's create step identifies the request by its modalities and
// its organizer: the subject and the media config are left out.
const matchFixture = `id: match
title: Match
steps:
  - name: create
    send: POST /communications/calls
    body:
      callbackUri: "{{callbackUrl}}"
      requestedModalities: [audio]
      subject: Weekly sync
      meetingInfo: {organizer: {user: {id: "{{userId}}"}}}
      mediaConfig: {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"}
    match: [requestedModalities, meetingInfo.organizer.user.id]
    expect: {status: 201}
  - name: hang up
    send: DELETE /communications/calls/{{callId}}
`

// syncBuffer is a log the Player writes from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newMatchPlayer(t *testing.T, cfg Config) *Player {
	t.Helper()
	f, err := fixture.Parse("match.yaml", []byte(matchFixture))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

const createOther = `{"callbackUri":"https://bot.example.com/cb","requestedModalities":["audio"],"subject":"Another subject","meetingInfo":{"organizer":{"user":{"id":"u1"}}},"mediaConfig":{}}`

func TestMatchComparesOnlyTheDeclaredFields(t *testing.T) {
	m := newMatchPlayer(t, Config{})
	if got := serve(m, "POST", "/v1.0/communications/calls", createOther); got != http.StatusCreated {
		t.Fatalf("a request that differs only outside match answered %d, want 201:\n%s", got, m.Report())
	}
	m = newMatchPlayer(t, Config{})
	video := strings.Replace(createOther, `"audio"`, `"video"`, 1)
	if got := serve(m, "POST", "/communications/calls", video); got != http.StatusBadRequest {
		t.Fatalf("a request that differs in a match field answered %d, want 400", got)
	}
	u := m.Report().Unmatched
	if len(u) != 1 {
		t.Fatalf("unmatched = %+v, want 1", u)
	}
	if diff := cmp.Diff([]string{"body.requestedModalities.0"}, fields(u[0])); diff != "" {
		t.Errorf("diff fields (-want +got):\n%s", diff)
	}
}

func TestStrictComparesEveryField(t *testing.T) {
	m := newMatchPlayer(t, Config{Strict: true})
	if got := serve(m, "POST", "/communications/calls", createOther); got != http.StatusBadRequest {
		t.Fatalf("--strict: a request with another subject answered %d, want 400", got)
	}
	u := m.Report().Unmatched
	if len(u) != 1 {
		t.Fatalf("unmatched = %+v, want 1", u)
	}
	if diff := cmp.Diff([]string{`body.mediaConfig.\@odata\.type`, "body.subject"}, fields(u[0])); diff != "" {
		t.Errorf("diff fields (-want +got):\n%s", diff)
	}
}

func fields(u Unmatched) []string {
	var out []string
	for _, d := range u.Diff {
		out = append(out, d.Field)
	}
	return out
}

func TestClosestStepDiffIsLoggedAtOnce(t *testing.T) {
	var log syncBuffer
	m := newMatchPlayer(t, Config{Log: &log, Strict: true})
	serve(m, "POST", "/communications/calls", createOther)
	// No Report, no Close: the line is there as the request is answered.
	got := log.String()
	for _, want := range []string{
		"unmatched: POST /communications/calls (closest: match step 1 (create, match.yaml:4): POST /communications/calls)",
		"  (-want +got)",
		`  - body.subject: "Weekly sync"`,
		`  + body.subject: "Another subject"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
}

func TestClosestStepDiffReachesTheAlertWithoutALog(t *testing.T) {
	var alert syncBuffer
	m := newMatchPlayer(t, Config{Alert: &alert, Strict: true})
	serve(m, "POST", "/communications/calls", createOther)
	if got := alert.String(); !strings.Contains(got, `  + body.subject: "Another subject"`) {
		t.Errorf("alert lacks the diff:\n%s", got)
	}
}

func TestUnmatchedRequestRedactsTokensAndSecrets(t *testing.T) {
	var jwt, clientSecret secrettest.Sample
	for _, s := range secrettest.Generate(11, 1) {
		switch s.Kind {
		case secrettest.JWT:
			jwt = s
		case secrettest.ClientSecret:
			clientSecret = s
		}
	}
	var log syncBuffer
	m := newMatchPlayer(t, Config{Log: &log, Strict: true})
	body, _ := json.Marshal(map[string]any{
		"callbackUri":         "https://bot.example.com/cb?token=" + jwt.Secret,
		"requestedModalities": []string{jwt.Secret},
		"subject":             clientSecret.Secret,
		"client_secret":       "hunter2-not-shaped-like-one",
		"meetingInfo":         map[string]any{"organizer": map[string]any{"user": map[string]any{"id": "u1"}}},
		"mediaConfig":         map[string]any{"@odata.type": clientSecret.Secret},
	})
	req := httptest.NewRequest("POST", "/communications/calls?sig="+clientSecret.Secret, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+jwt.Secret)
	w := httptest.NewRecorder()
	m.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("answered %d, want 400", w.Code)
	}
	rep := m.Report()
	js, _ := json.Marshal(rep)
	outs := map[string]string{"console": log.String(), "report": rep.String(), "JSON report": string(js)}
	for name, out := range outs {
		for _, s := range []secrettest.Sample{jwt, clientSecret} {
			if leak := secrettest.Leak(out, s); leak != "" {
				t.Errorf("%s shows the %s (%q):\n%s", name, s.Kind, leak, out)
			}
		}
	}
	// The diff still says which fields differ.
	if !strings.Contains(outs["console"], "+ body.subject: ") || !strings.Contains(outs["report"], "+ body.requestedModalities.0: ") {
		t.Errorf("the redacted diff lost its fields:\n%s", outs["console"])
	}
}

// A field named like a secret is redacted whatever it holds: the finder
// cannot tell "correct horse battery" from words.
func TestUnmatchedSecretFieldIsRedacted(t *testing.T) {
	f, err := fixture.Parse("s.yaml", []byte(`id: s
title: S
steps:
  - send: POST /oauth
    body: {client_secret: "{{clientSecret}}", grant: client_credentials}
`))
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	m, err := New(Config{Log: &log, Vars: map[string]string{"clientSecret": "the-configured-one"}}, f)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	serve(m, "POST", "/oauth", `{"client_secret":"correct horse battery","grant":"client_credentials"}`)
	rep := m.Report()
	js, _ := json.Marshal(rep)
	for name, out := range map[string]string{"console": log.String(), "report": rep.String(), "JSON report": string(js)} {
		for _, s := range []string{"correct horse", "the-configured-one"} {
			if strings.Contains(out, s) {
				t.Errorf("%s shows %q:\n%s", name, s, out)
			}
		}
		if !strings.Contains(out, "body.client_secret") {
			t.Errorf("%s does not name the field that differs:\n%s", name, out)
		}
	}
}
