package report

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/timeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const callID = "57dab8b1-894c-409a-b240-bd8beae78896"

// fixedResult is a scenario with fixed times: an invite answered 202, the
// operation's completion and the roster. With wrong set, the completion
// names another call and the judge's real verdict fails the scenario.
func fixedResult(t *testing.T, wrong bool) *harness.Result {
	t.Helper()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	opRes := "/app/calls/" + callID + "/operations/op1"
	gotRes := opRes
	if wrong {
		gotRes = "/app/calls/other/operations/op1"
	}
	done := `{"changeType":"deleted","resource":"` + gotRes + `","resourceData":{"status":"completed"}}`
	roster := `{"changeType":"updated","resource":"/app/calls/` + callID + `/participants","resourceData":[{"info":{"identity":{"user":{"id":"u1"}}}}]}`
	events := []timeline.Event{
		{Seq: 0, At: at(0), Kind: timeline.Note, Step: 1, Text: "step 1: send POST /app/calls/{{callId}}/participants/invite"},
		{Seq: 1, At: at(400), Kind: timeline.Request, Step: 1, Method: "POST", URL: "http://target.test/app/calls/" + callID + "/participants/invite",
			Header: http.Header{"Authorization": {"Bearer REDACTED"}, "Content-Type": {"application/json"}},
			Body:   json.RawMessage(`{"participants":[{"identity":{"user":{"id":"u1"}}}],"callback":"http://127.0.0.1:4000/callback/run1"}`)},
		{Seq: 2, At: at(3200), Kind: timeline.Response, Step: 1, Method: "POST", Status: 202, Elapsed: 2800 * time.Microsecond,
			Header: http.Header{"Location": {"http://target.test" + opRes}}},
		{Seq: 3, At: at(15000), Kind: timeline.Notify, Step: 2, URL: "/callback/run1", Body: json.RawMessage(done)},
		{Seq: 4, At: at(21500), Kind: timeline.Notify, Step: 2, URL: "/callback/run1", Body: json.RawMessage(roster)},
	}
	res := &harness.Result{ID: "invite-fixed", Title: "Invite, fixed times", File: "fixtures/fake/invite-fixed.yaml", Labels: []string{"invite"},
		Status: harness.Passed, Start: t0, Duration: 22 * time.Millisecond, Timeline: events,
		Steps: []harness.StepResult{{Index: 1, Kind: "send", Line: 4, Status: harness.Passed, Duration: 3200 * time.Microsecond},
			{Index: 2, Kind: "await", Line: 11, Status: harness.Passed, Duration: 18 * time.Millisecond}}}
	if wrong {
		v := verdict(t, "opDone", opRes, done, roster)
		if v.OK {
			t.Fatal("the judge accepted a completion on the wrong call")
		}
		msg := "notifications not as expected:\n" + v.String()
		res.Timeline = append(res.Timeline, timeline.Event{Seq: 5, At: at(2003000), Kind: timeline.Failure, Step: 2, Text: msg})
		res.Status, res.Duration = harness.Failed, 2003*time.Millisecond
		res.Reason = "step 2 (await, fixtures/fake/invite-fixed.yaml:11): notifications not as expected:"
		res.Failure = &harness.Failure{Step: 2, Kind: "await", File: "fixtures/fake/invite-fixed.yaml", Line: 11, Message: msg, Verdict: &v}
		res.Steps[1].Status, res.Steps[1].Message = harness.Failed, msg
	}
	return res
}

func TestDiagramGolden(t *testing.T) {
	for _, tt := range []struct {
		name  string
		wrong bool
	}{{"passed-invite", false}, {"failed-invite", true}} {
		t.Run(tt.name, func(t *testing.T) {
			res := fixedResult(t, tt.wrong)
			got := diagram(clean(Run{Results: []*harness.Result{res}}).Results[0], "s1")
			if again := diagram(clean(Run{Results: []*harness.Result{fixedResult(t, tt.wrong)}}).Results[0], "s1"); again != got {
				t.Fatal("the diagram is not deterministic")
			}
			wellFormed(t, got)
			golden(t, filepath.Join("testdata", tt.name+".svg"), got)
			red := strings.Count(got, `stroke="`+colorFail+`" stroke-width="1.5"`)
			if tt.wrong && (red != 1 || !strings.Contains(got, `>- resource: {$sameId: &#34;/app/calls/57dab8b1…/operations/op1&#34;}</text>`) ||
				!strings.Contains(got, `>+ resource: &#34;/app/calls/other/operations/op1&#34;</text>`)) {
				t.Errorf("the failing notification is not marked red with its diff (%d red arrows)", red)
			}
			if !tt.wrong && red != 0 {
				t.Errorf("%d red arrows in a passing scenario", red)
			}
		})
	}
}

// golden compares got with the file at path; -update rewrites the file.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if string(want) == got {
		return
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			t.Fatalf("%s differs at line %d (go test ./report -update rewrites it):\n-want %s\n+got  %s", path, i+1, w, g)
		}
	}
}

// wellFormed fails the test unless s is well-formed XML.
func wellFormed(t *testing.T, s string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
	}
}
