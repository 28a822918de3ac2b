package report

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/apiclient"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/match"
	"github.com/callconform/callconform/harness/receiver"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/faketarget"
)

// plantedJWT is a token planted in results; no report may show it.
const plantedJWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJhdWQiOiJib3QiLCJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"

// realRun runs the fake invite flow twice with harness.Runner, against a
// conformant fake target and one that posts the operation's completion on
// the wrong resource, and adds a skipped scenario.
func realRun(t *testing.T) Run {
	t.Helper()
	rcv, err := receiver.Start(receiver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rcv.Close() })
	src := regexp.MustCompile(`within: \S+`).ReplaceAllString(faketarget.FlowFixture, "within: 300ms")
	var results []*harness.Result
	for _, c := range []struct {
		id     string
		faults faketarget.Faults
	}{{"invite-ok", faketarget.Faults{}}, {"invite-wrong-resource", faketarget.Faults{WrongResource: true}}} {
		srv := faketarget.Start(c.faults)
		client, err := apiclient.New(apiclient.Config{BaseURL: srv.URL, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		r := &harness.Runner{Target: harness.Target{Client: client, BaseURL: srv.URL}, Receiver: rcv}
		f, err := fixture.Parse("fixtures/fake/"+c.id+".yaml", []byte(strings.Replace(src, "id: fake-invite", "id: "+c.id, 1)))
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r.Run(context.Background(), f))
		srv.Close()
	}
	if results[0].Status != harness.Passed || results[1].Status != harness.Failed || results[1].Failure.Verdict == nil {
		t.Fatalf("statuses %s, %s: the fake target did not behave", results[0].Status, results[1].Status)
	}
	results = append(results, &harness.Result{ID: "needs-incoming-call", Title: "Needs a trigger", Labels: []string{"answer"},
		Status: harness.Skipped, Reason: `target lacks capability "incoming-call"`})
	plant(results[1])
	return Run{Target: "http://fake.test", Profile: "beta-2018", Started: results[0].Start, Duration: time.Second, Results: results}
}

// plant puts a token where a careless recorder could have left one: a
// header, a body, a message and a verdict's raw item.
func plant(res *harness.Result) {
	at := res.Timeline[len(res.Timeline)-1].At
	res.Timeline = append(res.Timeline, timeline.Event{Seq: len(res.Timeline), At: at, Kind: timeline.Note, Step: 2,
		Header: http.Header{"Authorization": {"Bearer " + plantedJWT}},
		Body:   json.RawMessage(`{"access_token":"` + plantedJWT + `","note":"planted"}`),
		Text:   "token " + plantedJWT})
	res.Failure.Verdict.Unmet[0].Candidates[0].Item = `{"token":"` + plantedJWT + `"}`
	res.Failure.Message += "\nAuthorization: Bearer " + plantedJWT
}

func TestJSONRoundTripAndWrite(t *testing.T) {
	r := realRun(t)
	var b bytes.Buffer
	if err := JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), plantedJWT) {
		t.Fatal("report.json contains the planted token")
	}
	back, err := ReadJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if back.Target != r.Target || back.Profile != r.Profile || !back.Started.Equal(r.Started) || back.Duration != r.Duration || len(back.Results) != 3 {
		t.Fatalf("read back %+v", back)
	}
	var h1, h2 bytes.Buffer
	if err := HTML(&h1, r); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&h2, back); err != nil {
		t.Fatal(err)
	}
	if h1.String() != h2.String() {
		a, b := strings.Split(h1.String(), "\n"), strings.Split(h2.String(), "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Errorf("the HTML of the JSON read back differs from the HTML of the run at line %d:\n%s\n%s", i+1, a[i], b[i])
				break
			}
		}
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || doc["passed"] != 1.0 || doc["failed"] != 1.0 || doc["skipped"] != 1.0 {
		t.Errorf("counts in %v", doc)
	}
	if _, err := ReadJSON(strings.NewReader(`{"passed":1}`)); err == nil {
		t.Error("ReadJSON accepted a document without scenarios")
	}

	dir := filepath.Join(t.TempDir(), "reports")
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "junit.xml,report.html,report.json" {
		t.Errorf("files %v, want junit.xml, report.html, report.json and nothing else", names)
	}
}

// verdict judges items against one expectation, as the harness would.
func verdict(t *testing.T, name, resource string, items ...string) judge.Verdict {
	t.Helper()
	j := judge.New(judge.Block{Expect: []judge.Expectation{completion(t, name, resource)}}, nil)
	for i, it := range items {
		j.Offer(timeline.Notification{Index: i, Item: []byte(it)})
	}
	return j.Verdict(true)
}

// completion expects the completion of the operation at resource.
func completion(t *testing.T, name, resource string) judge.Expectation {
	t.Helper()
	res, err := match.CompileResource(json.RawMessage(`"` + resource + `"`))
	if err != nil {
		t.Fatal(err)
	}
	status, _ := match.Compile(json.RawMessage(`"completed"`))
	return judge.Expectation{Pattern: judge.Pattern{Name: name, ChangeType: "deleted", Resource: res,
		Where: []judge.Cond{{Path: "resourceData.status", M: status}}}}
}

// The items the redelivering target posts: the operation's completion,
// and one the fixture does not expect.
const (
	doneItem  = `{"changeType":"deleted","resource":"/app/calls/c1/operations/op1","resourceData":{"status":"completed"}}`
	extraItem = `{"changeType":"created","resource":"/app/calls/c1/audioRoutingGroups/g1"}`
)

// redeliveringTarget starts a target that answers an invite 202 and then
// POSTs, in one batch, the operation's completion (#0), the same
// completion again (#1, a redelivery) and an item no expectation takes
// (#2). It returns the target's URL; the test closes it.
func redeliveringTarget(t *testing.T) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Callback string `json:"callback"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Callback == "" {
			http.Error(w, `{"error":{"code":"BadRequest","message":"callback required"}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Location", "http://"+r.Host+"/app/calls/c1/operations/op1")
		w.WriteHeader(http.StatusAccepted)
		batch := `{"value":[` + doneItem + `,` + doneItem + `,` + extraItem + `]}`
		wg.Go(func() {
			if resp, err := client.Post(body.Callback, "application/json", strings.NewReader(batch)); err == nil {
				resp.Body.Close()
			}
		})
	}))
	t.Cleanup(func() {
		wg.Wait()
		srv.Close()
	})
	return srv.URL
}

// redeliveredRun runs the fake invite flow with harness.Runner against
// the redelivering target, its await block saying unexpected: fail: the
// completion (#0) meets opDone, its redelivery (#1) is counted once with
// it, and #2 decides the block before the roster could arrive, so that
// roster is not waited for.
func redeliveredRun(t *testing.T) Run {
	t.Helper()
	rcv, err := receiver.Start(receiver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rcv.Close() })
	url := redeliveringTarget(t)
	client, err := apiclient.New(apiclient.Config{BaseURL: url, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(faketarget.FlowFixture, "id: fake-invite", "id: invite-redelivered", 1)
	src = regexp.MustCompile(`within: \S+`).ReplaceAllString(src, "within: 30s\n      unexpected: fail")
	f, err := fixture.Parse("fixtures/fake/invite-redelivered.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := &harness.Runner{Target: harness.Target{Client: client, BaseURL: url}, Receiver: rcv}
	res := r.Run(context.Background(), f)
	if res.Failure == nil || res.Failure.Verdict == nil {
		t.Fatalf("status %s, reason %q: the block did not fail on the unexpected notification", res.Status, res.Reason)
	}
	v := res.Failure.Verdict
	if v.Decided == "" || v.DecidedAt != 2 || len(v.Redelivered) != 1 || len(v.Open) != 1 || len(v.Unmet) != 0 {
		t.Fatalf("the judge did not decide the block as this test needs:\n%s", v)
	}
	return Run{Target: url, Started: res.Start, Duration: res.Duration, Results: []*harness.Result{res}}
}

func TestJSONKeepsDecisionsAndRedeliveries(t *testing.T) {
	for name, r := range map[string]Run{
		"real run":   redeliveredRun(t),
		"duplicates": {Results: []*harness.Result{redeliveredResult(t, true)}},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := JSON(&b, r); err != nil {
				t.Fatal(err)
			}
			back, err := ReadJSON(&b)
			if err != nil {
				t.Fatal(err)
			}
			// Nothing in these results needs redacting or clipping: the
			// report keeps them whole.
			want, got := r.Results[0], back.Results[0]
			if v := want.Failure.Verdict; v.Decided == "" || len(v.Redelivered) == 0 || len(v.Open) == 0 && !v.Duplicates {
				t.Fatalf("the verdict has nothing of what this test reads back:\n%s", v)
			}
			if diff := cmp.Diff(want.Failure.Verdict, got.Failure.Verdict, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("the verdict read back differs (-written +read):\n%s", diff)
			}
			if diff := cmp.Diff(redeliveriesOf(want), redeliveriesOf(got)); diff != "" {
				t.Errorf("the redeliveries of the timeline read back differ (-written +read):\n%s", diff)
			}
			if len(redeliveriesOf(want).Events) == 0 {
				t.Error("the timeline has no redelivery to keep")
			}
		})
	}
}

// redeliveries says which notifications of a result are redeliveries:
// for each, the arrival index of its first delivery.
type redeliveries struct {
	Events    map[int]int // by the seq of the timeline event
	Unmatched map[int]int // by the arrival index of a notification no block took
}

func redeliveriesOf(res *harness.Result) redeliveries {
	out := redeliveries{Events: map[int]int{}, Unmatched: map[int]int{}}
	for _, e := range res.Timeline {
		if e.RedeliveryOf != nil {
			out.Events[e.Seq] = *e.RedeliveryOf
		}
	}
	for _, u := range res.Unmatched {
		if u.RedeliveryOf != nil {
			out.Unmatched[u.Index] = *u.RedeliveryOf
		}
	}
	return out
}
