package report

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/judge"
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

// redeliveredResult is the invite of fixedResult with the completion
// delivered twice (#0, and #1 its redelivery), then the roster twice (#2,
// and #3 its redelivery), which no block took. With duplicates set, the
// await block fails on duplicates, and the judge decides it at #1.
func redeliveredResult(t *testing.T, duplicates bool) *harness.Result {
	t.Helper()
	res := fixedResult(t, false)
	res.ID, res.Title = "invite-redelivered", "Invite, each notification delivered twice"
	at := func(us int) time.Time { return res.Start.Add(time.Duration(us) * time.Microsecond) }
	done, roster := res.Timeline[3].Body, res.Timeline[4].Body
	first, third := 0, 2
	res.Timeline = append(res.Timeline[:4:4],
		timeline.Event{Seq: 4, At: at(15300), Kind: timeline.Notify, Step: 2, URL: "/callback/run1", Body: done, RedeliveryOf: &first},
		timeline.Event{Seq: 5, At: at(21500), Kind: timeline.Notify, Step: 2, URL: "/callback/run1", Body: roster},
		timeline.Event{Seq: 6, At: at(21800), Kind: timeline.Notify, Step: 2, URL: "/callback/run1", Body: roster, RedeliveryOf: &third})
	res.Unmatched = []harness.Unmatched{{Index: 2, At: at(21500), Item: roster}, {Index: 3, At: at(21800), Item: roster, RedeliveryOf: &third}}
	if !duplicates {
		return res
	}
	j := judge.New(judge.Block{Expect: []judge.Expectation{completion(t, "opDone", "/app/calls/"+callID+"/operations/op1")}, FailDuplicates: true}, nil)
	j.Offer(timeline.Notification{Index: 0, Item: done})
	j.Offer(timeline.Notification{Index: 1, Item: done, Redelivery: true, Original: 0})
	if !j.Decided() {
		t.Fatal("the judge did not decide a block that fails on duplicates at a redelivery")
	}
	v := j.Verdict(false)
	msg := "notifications not as expected:\n" + v.String()
	res.Timeline = append(res.Timeline, timeline.Event{Seq: 7, At: at(22000), Kind: timeline.Failure, Step: 2, Text: msg})
	res.Status, res.Reason = harness.Failed, "step 2 (await, fixtures/fake/invite-fixed.yaml:11): notifications not as expected:"
	res.Failure = &harness.Failure{Step: 2, Kind: "await", File: "fixtures/fake/invite-fixed.yaml", Line: 11, Message: msg, Verdict: &v}
	res.Steps[1].Status, res.Steps[1].Message = harness.Failed, msg
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

func TestDiagramRedeliveryGolden(t *testing.T) {
	for _, tt := range []struct {
		name       string
		duplicates bool
	}{{"redelivered-invite", false}, {"duplicate-invite", true}} {
		t.Run(tt.name, func(t *testing.T) {
			got := diagram(clean(Run{Results: []*harness.Result{redeliveredResult(t, tt.duplicates)}}).Results[0], "s1")
			wellFormed(t, got)
			golden(t, filepath.Join("testdata", tt.name+".svg"), got)
		})
	}
}

func TestDiagramShowsRedeliveries(t *testing.T) {
	type arrow struct {
		Color  string
		Dashed bool
		Text   []string // what the row says, title included
	}
	// rowOf returns the arrow of the diagram's row that links to event seq.
	rowOf := func(t *testing.T, doc *html.Node, seq int) arrow {
		t.Helper()
		for _, a := range find(doc, element("a")) {
			if attr(a, "href") != fmt.Sprintf("#s1-e%d", seq) {
				continue
			}
			lines := find(a, element("line"))
			if len(lines) != 1 {
				t.Fatalf("event %d: %d arrows, want 1", seq, len(lines))
			}
			var texts []string
			for _, n := range find(a, func(n *html.Node) bool { return element("text")(n) || element("title")(n) }) {
				texts = append(texts, text(n))
			}
			return arrow{Color: attr(lines[0], "stroke"), Dashed: attr(lines[0], "stroke-dasharray") != "", Text: texts}
		}
		t.Fatalf("no row links to event %d", seq)
		return arrow{}
	}
	says := func(a arrow, want string) bool {
		return slices.ContainsFunc(a.Text, func(s string) bool { return strings.Contains(s, want) })
	}
	for _, duplicates := range []bool{false, true} {
		t.Run(fmt.Sprintf("duplicates=%v", duplicates), func(t *testing.T) {
			svg := diagram(clean(Run{Results: []*harness.Result{redeliveredResult(t, duplicates)}}).Results[0], "s1")
			doc, err := html.Parse(strings.NewReader(svg))
			if err != nil {
				t.Fatal(err)
			}
			// Event 3 is notification #0, 4 its redelivery #1, 5 the roster
			// #2 and 6 its redelivery #3.
			first, again, roster, rosterAgain := rowOf(t, doc, 3), rowOf(t, doc, 4), rowOf(t, doc, 5), rowOf(t, doc, 6)
			if first.Dashed || first.Color != colorNotify || roster.Dashed || roster.Color != colorNotify {
				t.Errorf("a first delivery is not drawn as a notification: %+v, %+v", first, roster)
			}
			if !rosterAgain.Dashed || rosterAgain.Color != colorNote || !says(rosterAgain, "redelivery of #2 · updated") ||
				!says(rosterAgain, "notification #3 at /callback/run1 (redelivery of #2, counted once with it)") {
				t.Errorf("the redelivery of the roster is not a muted dashed arrow saying so: %+v", rosterAgain)
			}
			if !again.Dashed || !says(again, "redelivery of #0") {
				t.Errorf("the redelivery of the completion is not a dashed arrow saying so: %+v", again)
			}
			wantColor := colorNote
			if duplicates {
				wantColor = colorFail
				for _, want := range []string{"✗ redelivery of #0", "the block was decided here", "duplicate of #0: the block fails on duplicates"} {
					if !says(again, want) {
						t.Errorf("the duplicate that failed the block does not say %q: %+v", want, again)
					}
				}
			} else if says(again, "duplicate") || says(again, "✗") {
				t.Errorf("a redelivery the block counts once is marked as a failure: %+v", again)
			}
			if again.Color != wantColor {
				t.Errorf("the redelivery of the completion is drawn %s, want %s", again.Color, wantColor)
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
