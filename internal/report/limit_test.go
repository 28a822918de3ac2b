package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
)

// largestBody returns a JSON body as large as the limits keep as JSON, in
// the event and indented, and heavy in what HTML and JSON escape.
func largestBody() json.RawMessage {
	body := `{"value":[]}`
	for i := 0; ; i++ {
		item := fmt.Sprintf(`"<&'%d'>\"+"`, i)
		next := strings.TrimSuffix(body, "]}")
		if i > 0 {
			next += ","
		}
		next += item + "]}"
		if len(next) > MaxBody || indentedSize([]byte(next), 5) > 2*MaxBody {
			return json.RawMessage(body)
		}
		body = next
	}
}

// flood is a failed scenario whose target flooded the callback: n events,
// each as large as the limits keep, 10,000 notifications no block took
// and 10,000 unexpected ones; every message huge. Events share their
// bodies and headers, so that the test stays small in memory.
func flood(n int) *harness.Result {
	body := largestBody()
	huge := json.RawMessage(`{"blob":"` + strings.Repeat("x", 2*MaxBody) + `"}`)
	header := http.Header{"Authorization": {"Bearer " + plantedJWT}}
	for i := range 200 {
		header.Add(fmt.Sprintf("X-Header-%03d", i), strings.Repeat("h", 100))
	}
	text := strings.Repeat("t<", MaxBody)
	url := "http://target.test/" + strings.Repeat("p", 3_000)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	res := &harness.Result{ID: "flood", Title: "Flood", File: "fixtures/flood.yaml", Status: harness.Failed, Start: t0,
		Reason: strings.Repeat("r", 2*MaxBody), Captures: map[string]string{"callId": strings.Repeat("c", 2*maxLine)}}
	kinds := []timeline.Kind{timeline.Request, timeline.Response, timeline.Notify, timeline.Notify, timeline.Refusal}
	for i := range n {
		e := timeline.Event{Seq: i, At: t0.Add(time.Duration(i) * time.Millisecond), Kind: kinds[i%len(kinds)], Step: 2,
			Method: "POST", URL: url, Status: 200, Header: header, Body: body, Text: text}
		if i%100 == 0 {
			e.Body = huge
		}
		res.Timeline = append(res.Timeline, e)
	}
	item := `{"changeType":"updated","resource":"/app/calls/x","blob":"` + strings.Repeat("u", 2*MaxBody) + `"}`
	for i := range 10_000 {
		res.Unmatched = append(res.Unmatched, harness.Unmatched{Index: i, At: t0, Item: json.RawMessage(item)})
	}
	v := &judge.Verdict{Failing: true, Duplicates: true, Matched: map[string][]int{"any": make([]int, 10_000)},
		Decided: "notification #1 is a redelivery of #0, and the block fails on duplicates"}
	for i := range 10_000 {
		v.Unexpected = append(v.Unexpected, judge.Candidate{Index: i, Item: item})
		v.Redelivered = append(v.Redelivered, judge.Redelivery{Index: i + 1, Original: 0, Item: item})
	}
	// The closest candidate is the last notification: the report must still
	// link to it after leaving out the middle of the timeline.
	last := notifications(res.Timeline) - 1
	v.Unmet = []judge.Unmet{{Name: "opDone", Want: "deleted /app/calls/x/operations/y", Reason: "no notification matched",
		Candidates: []judge.Candidate{{Index: last, Item: item, Diff: []judge.Mismatch{{Field: "changeType", Want: `"deleted"`, Got: `"updated"`}}}}}}
	res.Failure = &harness.Failure{Step: 2, Kind: "await", File: "fixtures/flood.yaml", Line: 9, Message: strings.Repeat("m", 2*maxMessage), Verdict: v}
	res.Steps = []harness.StepResult{{Index: 2, Kind: "await", Status: harness.Failed, Message: strings.Repeat("s", 2*MaxBody)}}
	return res
}

func notifications(tl []timeline.Event) int {
	n := 0
	for _, e := range tl {
		if e.Kind == timeline.Notify {
			n++
		}
	}
	return n
}

func TestReportSizeIsBounded(t *testing.T) {
	const events = 100_000
	res := flood(events)
	lastSeq := -1
	for _, e := range res.Timeline {
		if e.Kind == timeline.Notify {
			lastSeq = e.Seq
		}
	}
	dir := t.TempDir()
	if err := Write(dir, Run{Target: "http://target.test", Results: []*harness.Result{res}}); err != nil {
		t.Fatal(err)
	}
	left := fmt.Sprintf("%s events left out", excerpt.Grouped(events-(MaxEvents-2)))
	for _, name := range []string{JUnitFile, JSONFile, HTMLFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", name, len(b))
		if len(b) > MaxScenarioBytes {
			t.Errorf("%s is %d bytes, more than MaxScenarioBytes (%d) for one scenario", name, len(b), MaxScenarioBytes)
		}
		page := string(b)
		if strings.Contains(page, plantedJWT) {
			t.Errorf("%s contains the planted token", name)
		}
		for _, want := range []string{left, "bytes left out", "9,900 of 10,000 unexpected notifications", "9,900 of 10,000 notifications no block took", "9,900 of 10,000 redeliveries"} {
			if name == JUnitFile && strings.Contains(want, "no block took") {
				continue // junit.xml does not list them at all
			}
			if !strings.Contains(page, want) {
				t.Errorf("%s does not say %q", name, want)
			}
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	if link := fmt.Sprintf(`<a href="#s1-e%d">notification #%d</a>`, lastSeq, notifications(res.Timeline)-1); !bytes.Contains(html, []byte(link)) {
		t.Errorf("report.html does not link the closest notification (%s) after leaving events out", link)
	}
	for _, want := range []string{
		fmt.Sprintf(`marked" id="s1-e%d"`, lastSeq),                                                            // the event list marks it
		fmt.Sprintf(`<a href="#s1-e%d"><g><title>notification #%d at`, lastSeq, notifications(res.Timeline)-1), // the diagram numbers it
	} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("report.html lacks %q: it counts notifications wrong after leaving events out", want)
		}
	}
}

func TestLimitsAreKeptWhenReadBack(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, Run{Results: []*harness.Result{flood(2 * MaxEvents)}}); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	tl := back.Results[0].Timeline
	if len(tl) > MaxEvents {
		t.Fatalf("report.json holds %d events, more than MaxEvents (%d)", len(tl), MaxEvents)
	}
	again := clean(back).Results[0].Timeline
	if diff := cmp.Diff(kinds(tl), kinds(again)); diff != "" {
		t.Errorf("cleaning a report read back changed its timeline (-first +again):\n%s", diff)
	}
	var omitted []string
	for _, e := range tl {
		if e.Kind == kindOmitted {
			omitted = append(omitted, e.Text)
		}
	}
	if len(omitted) != 2 || !strings.HasPrefix(omitted[0], excerpt.Grouped(MaxEvents+2)+" events left out (") || !strings.HasPrefix(omitted[1], "the report leaves out ") {
		t.Errorf("notes on what was left out: %q", omitted)
	}
}

func kinds(tl []timeline.Event) []string {
	out := make([]string, len(tl))
	for i, e := range tl {
		out[i] = fmt.Sprintf("%d %s", e.Seq, e.Kind)
	}
	return out
}

func TestSmallScenarioIsKeptWhole(t *testing.T) {
	res := flood(10)
	v := res.Failure.Verdict
	res.Unmatched, v.Unexpected, v.Redelivered = res.Unmatched[:3], v.Unexpected[:3], v.Redelivered[:3]
	v.Matched = nil
	c := cleanResult(res)
	if diff := cmp.Diff(kinds(res.Timeline), kinds(c.Timeline)); diff != "" {
		t.Errorf("a short timeline changed (-want +got):\n%s", diff)
	}
	if string(c.Timeline[1].Body) != string(largestBody()) {
		t.Error("a body within MaxBody was not kept as it is")
	}
	if c.Timeline[0].Body != nil || !strings.HasSuffix(c.Timeline[0].Text, " bytes left out)") {
		t.Errorf("a body over MaxBody: body %d bytes, text %q…", len(c.Timeline[0].Body), excerptOf(c.Timeline[0].Text))
	}
}

func excerptOf(s string) string {
	if len(s) > 80 {
		return s[:40] + "…" + s[len(s)-40:]
	}
	return s
}

func TestIndentedSizeMatchesJSONIndent(t *testing.T) {
	for _, doc := range []string{
		`{}`, `[]`, `{"a":1}`, `{"a":[1,2,{"b":{}}],"c":[]}`, `[[[[1]]],"x,{}:[]\"",{"k":"v"}]`,
		string(largestBody()),
	} {
		for _, depth := range []int{0, 5} {
			var b bytes.Buffer
			prefix := strings.Repeat("  ", depth)
			if err := json.Indent(&b, []byte(doc), prefix, "  "); err != nil {
				t.Fatal(err)
			}
			if got, want := indentedSize([]byte(doc), depth), b.Len(); got != want {
				t.Errorf("indentedSize(%.40s, %d) = %d, json.Indent writes %d", doc, depth, got, want)
			}
		}
	}
}

func TestBodiesKeptAsJSONOrText(t *testing.T) {
	largest := string(largestBody())
	flat := `{"blob":"` + strings.Repeat("x", MaxBody) + `"}`                // longer than MaxBody, flat
	deep := strings.Repeat("[", 1000) + strings.Repeat("]", 1000)            // 2,000 bytes, 2 MB once indented
	padded := "{\n" + strings.Repeat(" ", 3*MaxBody) + `"a": [1, 2]` + "\n}" // long, but not once compact
	for _, tt := range []struct {
		name, body, json, text string
	}{
		{"largest kept", largest, largest, ""},
		{"padding dropped", padded, `{"a":[1,2]}`, ""},
		{"long clipped", flat, "", clipText(flat, MaxBody)},
		{"deep as text", deep, "", deep},
		{"not JSON", "  not json  ", "", "not json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, text := newFitter().body([]byte(tt.body))
			if string(body) != tt.json || text != tt.text {
				t.Errorf("body %q, text %q; want %q and %q", excerptOf(string(body)), excerptOf(text), excerptOf(tt.json), excerptOf(tt.text))
			}
		})
	}
}

func TestDeeplyNestedBodyIsKeptAsText(t *testing.T) {
	deep := strings.Repeat("[", 3000) + strings.Repeat("]", 3000) // 6,000 bytes, megabytes once indented
	body, text := newFitter().body([]byte(deep))
	if body != nil || text != deep {
		t.Errorf("fitBody kept %d bytes of JSON, text %q…; want the body as text", len(body), excerptOf(text))
	}
	var b bytes.Buffer
	if err := JSON(&b, Run{Results: []*harness.Result{{ID: "deep", Timeline: []timeline.Event{{Kind: timeline.Notify, Body: json.RawMessage(deep)}}}}}); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 4*MaxBody {
		t.Errorf("report.json of one deep body is %d bytes", b.Len())
	}
}

func TestVerdictListsAreCappedAndRedacted(t *testing.T) {
	secret := `{"token":"` + plantedJWT + `"}`
	v := &judge.Verdict{Decided: "decided on " + secret, DecidedAt: 7, Duplicates: true}
	for i := range MaxItems + 50 {
		u := judge.Unmet{Name: fmt.Sprintf("e%d", i), Want: secret, Reason: secret, Need: 1,
			Candidates: []judge.Candidate{{Index: i, Item: secret, Note: secret}}}
		v.Unmet = append(v.Unmet, u)
		v.Open = append(v.Open, u)
	}
	for i := range 10_000 {
		v.Redelivered = append(v.Redelivered, judge.Redelivery{Index: i + 1, Original: 0, Item: secret})
	}
	res := &harness.Result{ID: "capped", Status: harness.Failed, Failure: &harness.Failure{Step: 1, Kind: "await", Verdict: v}}
	c := cleanResult(res)
	got := c.Failure.Verdict
	if len(got.Unmet) != MaxItems || len(got.Open) != MaxItems || len(got.Redelivered) != MaxItems {
		t.Fatalf("kept %d unmet, %d open, %d redelivered; want %d of each", len(got.Unmet), len(got.Open), len(got.Redelivered), MaxItems)
	}
	if got.DecidedAt != 7 || !got.Duplicates || got.Redelivered[MaxItems-1].Index != MaxItems || got.Open[0].Name != "e0" {
		t.Errorf("a capped verdict lost what it kept: decided at %d, duplicates %v, last redelivery #%d, first open %q",
			got.DecidedAt, got.Duplicates, got.Redelivered[MaxItems-1].Index, got.Open[0].Name)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), plantedJWT) {
		t.Error("the verdict of the report holds the planted token")
	}
	if !strings.Contains(got.Decided, "decided on ") {
		t.Errorf("decided %q: the reason is gone, not redacted", got.Decided)
	}
	if len(c.Timeline) == 0 {
		t.Fatal("no note on what the report left out")
	}
	note := c.Timeline[len(c.Timeline)-1].Text
	for _, want := range []string{"50 of 150 unmet expectations", "50 of 150 expectations not waited for", "9,900 of 10,000 redeliveries"} {
		if !strings.Contains(note, want) {
			t.Errorf("the note on what was left out does not say %q: %q", want, note)
		}
	}
}
