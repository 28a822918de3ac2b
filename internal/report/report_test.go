package report

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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
