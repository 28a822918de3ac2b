package playback

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/judge"
)

// newSmallPlayer returns a Player of smallFixture, not served: tests call
// its ServeHTTP.
func newSmallPlayer(t testing.TB, cfg Config) *Player {
	t.Helper()
	f, err := fixture.Parse("small.yaml", []byte(strings.ReplaceAll(smallFixture, "{{tenantIdVar}}", "t1")))
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

// serve sends one request to m and returns the status it answered.
func serve(m *Player, method, target, body string) int {
	w := httptest.NewRecorder()
	m.ServeHTTP(w, httptest.NewRequest(method, target, strings.NewReader(body)))
	return w.Code
}

func TestUnmatchedRequestsAreKeptUpToTheBoundAndCounted(t *testing.T) {
	m := newSmallPlayer(t, Config{MaxUnmatched: 3})
	for i := range 10 {
		if got := serve(m, "GET", fmt.Sprintf("/nowhere/%d", i), ""); got != http.StatusNotFound {
			t.Fatalf("request %d answered %d, want 404", i, got)
		}
	}
	rep := m.Report()
	var paths []string
	for _, u := range rep.Unmatched {
		paths = append(paths, u.Path)
	}
	if diff := cmp.Diff([]string{"/nowhere/0", "/nowhere/1", "/nowhere/2"}, paths); diff != "" {
		t.Errorf("kept requests (-want +got):\n%s", diff)
	}
	if rep.MoreUnmatched != 7 {
		t.Errorf("MoreUnmatched = %d, want 7", rep.MoreUnmatched)
	}
	text := rep.String()
	for _, want := range []string{"  GET /nowhere/2\n", "  and 7 more unmatched requests\n", "10 requests matched no step"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "/nowhere/3") {
		t.Errorf("report shows a request beyond the bound:\n%s", text)
	}
	if rep.OK() {
		t.Error("a report with only counted unmatched requests is OK")
	}
	if only := (Report{MoreUnmatched: 1}); only.OK() {
		t.Error("a report with 1 counted unmatched request is OK")
	}
}

func TestUnmatchedBoundDefaultsAndNone(t *testing.T) {
	m := newSmallPlayer(t, Config{})
	for i := range DefaultMaxUnmatched + 1 {
		serve(m, "GET", fmt.Sprintf("/nowhere/%d", i), "")
	}
	rep := m.Report()
	if len(rep.Unmatched) != DefaultMaxUnmatched || rep.MoreUnmatched != 1 {
		t.Errorf("kept %d, counted %d; want %d and 1", len(rep.Unmatched), rep.MoreUnmatched, DefaultMaxUnmatched)
	}
	if text := rep.String(); !strings.Contains(text, "  and 1 more unmatched request\n") {
		t.Errorf("report lacks the count:\n%s", text)
	}

	none := newSmallPlayer(t, Config{MaxUnmatched: -1})
	serve(none, "GET", "/nowhere", "")
	if rep := none.Report(); len(rep.Unmatched) != 0 || rep.MoreUnmatched != 1 {
		t.Errorf("MaxUnmatched -1: kept %d, counted %d; want 0 and 1", len(rep.Unmatched), rep.MoreUnmatched)
	}
}

func TestUnmatchedPathLosesItsQuery(t *testing.T) {
	var log bytes.Buffer
	m := newSmallPlayer(t, Config{Log: &log})
	serve(m, "GET", "/nowhere?sig=s3cr3t&sv=2020", "")
	rep := m.Report()
	m.mu.Lock()
	logged := log.String()
	m.mu.Unlock()
	if got := rep.Unmatched[0].Path; got != "/nowhere" {
		t.Errorf("path %q, want /nowhere", got)
	}
	if text := rep.String() + logged; strings.Contains(text, "s3cr3t") {
		t.Errorf("the query shows:\n%s", text)
	}
}

func TestUnmatchedRequestIsClipped(t *testing.T) {
	m := newSmallPlayer(t, Config{})
	long := strings.Repeat("x", 50_000)
	// The method is step 1's, the path not: its diff quotes the path.
	if got := serve(m, "POST", "/app/calls/"+long, ""); got != http.StatusNotFound {
		t.Fatalf("answered %d, want 404", got)
	}
	serve(m, "POST", "/nowhere", `{"subject":"`+long+`"}`)
	rep := m.Report()
	if len(rep.Unmatched) != 2 {
		t.Fatalf("unmatched = %d, want 2", len(rep.Unmatched))
	}
	u := rep.Unmatched[0]
	texts := map[string]string{"path": u.Path, "body": rep.Unmatched[1].Body}
	for _, d := range u.Diff {
		if d.Field == "path" {
			texts["the path's diff"] = d.Got
		}
	}
	if len(texts) != 3 {
		t.Fatalf("no diff of the path: %+v", u.Diff)
	}
	for name, s := range texts {
		if len(s) > maxExcerpt+len("…") || !strings.HasSuffix(s, "…") {
			t.Errorf("%s is %d bytes, want at most %d and clipped", name, len(s), maxExcerpt)
		}
	}
}

// BenchmarkUnmatchedRequests floods a Player with requests that match no
// step, each with a 4 KiB body, and reports the heap it keeps for each:
// near zero once MaxUnmatched are kept (run with -benchtime 60000x).
func BenchmarkUnmatchedRequests(b *testing.B) {
	m := newSmallPlayer(b, Config{})
	body := `{"subject":"` + strings.Repeat("x", 4<<10) + `"}`
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := range b.N {
		serve(m, "POST", fmt.Sprintf("/nowhere/%d", i), body)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	rep := m.Report()
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "retained-B/req")
	b.ReportMetric(float64(len(rep.Unmatched)), "kept")
	b.ReportMetric(float64(len(rep.String())), "report-B")
}

const triggerFixture = `id: incoming
title: Incoming
steps:
  - name: a user calls the bot
    trigger: incoming-call
  - name: the bot answers
    send: POST /app/calls/{{callId}}/answer
`

func TestTriggerWithoutWebhookIsATypedProblem(t *testing.T) {
	f, err := fixture.Parse("incoming.yaml", []byte(triggerFixture))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		explain func(*StepError) string
		want    string
	}{
		{"engine wording", nil, ErrNoBotWebhook.Error()},
		{"explain declines", func(*StepError) string { return "" }, ErrNoBotWebhook.Error()},
		{"caller wording", func(e *StepError) string {
			if errors.Is(e, ErrNoBotWebhook) {
				return fmt.Sprintf("%s needs --bot-webhook", e.Scenario)
			}
			return ""
		}, "incoming needs --bot-webhook"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			m, err := New(Config{Explain: tt.explain, Log: &log}, f)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			st := m.Report().Scenarios[0].Steps[0]
			if st.State != StepStopped || st.Problem != tt.want {
				t.Errorf("step 1: state %q, problem %q; want %q and %q", st.State, st.Problem, StepStopped, tt.want)
			}
			var se *StepError
			if !errors.As(st.Err, &se) || !errors.Is(st.Err, ErrNoBotWebhook) || se.Scenario != "incoming" || se.Step != 1 {
				t.Errorf("step 1: Err = %#v, want a StepError of incoming step 1 wrapping ErrNoBotWebhook", st.Err)
			}
			if want := "incoming step 1: cannot be played: " + tt.want + "\n"; !strings.Contains(log.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, log.String())
			}
			if strings.Contains(st.Problem+log.String(), "--bot-webhook") && tt.explain == nil {
				t.Errorf("the engine names a command-line flag: %q", st.Problem)
			}
		})
	}
}

// rawControl returns the first character of s that a terminal acts on
// (other than newline and tab), or -1.
func rawControl(s string) rune {
	for _, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) || r == '\uFFFD' {
			return r
		}
	}
	return -1
}

func TestReportTextEscapesControlCharacters(t *testing.T) {
	const evil = "\x1b[2J\x07\u009b31m\u202e\r"
	r := Report{
		Scenarios: []ScenarioReport{{ID: "s" + evil, Title: "title" + evil, Steps: []StepReport{
			{Index: 1, What: "POST /x" + evil, Name: "name" + evil, File: "f" + evil, State: StepStopped, Problem: "problem" + evil,
				Notes: []string{"note" + evil}},
			{Index: 2, What: "await", State: StepDone, Notifications: []Delivery{
				{Expectation: "e" + evil, ChangeType: "updated" + evil, Resource: "/r" + evil, URL: "http://bot/" + evil, Error: "err" + evil}}},
		}}},
		Unmatched: []Unmatched{{Method: "GET", Path: "/p" + evil, Closest: "c" + evil, Note: "n" + evil,
			Diff: []judge.Mismatch{{Field: "f" + evil, Want: "w" + evil, Got: "g" + evil}}}},
	}
	text := r.String()
	if c := rawControl(text); c >= 0 {
		t.Errorf("the report holds control character %U:\n%q", c, text)
	}
	for _, want := range []string{`title\x1b[2J\x07\x9b31m\u202e`, `problem\x1b[2J`, `note\x1b[2J`, `+ f\x1b[2J`} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestLogEscapesControlCharacters(t *testing.T) {
	f, err := fixture.Parse("evil.yaml", []byte(strings.Replace(strings.ReplaceAll(smallFixture, "{{tenantIdVar}}", "t1"),
		"name: hang up", `name: "hang\eup\u202e"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	m, err := New(Config{Log: &log}, f)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	serve(m, "DELETE", "/app/calls/x", "") // closest: step 3, named by the fixture
	m.mu.Lock()
	text := log.String()
	m.mu.Unlock()
	if c := rawControl(text); c >= 0 {
		t.Errorf("the log holds control character %U:\n%q", c, text)
	}
	if !strings.Contains(text, `(closest: small step 3 (hang\x1bup\u202e, evil.yaml:15)`) {
		t.Errorf("the log does not show the step's name escaped:\n%s", text)
	}
}
