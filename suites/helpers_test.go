package suites

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/apiclient"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/testbed"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
)

// resultEntry names the report entry that carries a scenario's result to
// the reports written after the suite.
const resultEntry = "callconform.result"

// runScenario runs f, skipping it with the reason when the target cannot,
// records its result for the reports and fails the spec with the readable
// verdict when it fails.
func runScenario(ctx context.Context, f *fixture.Fixture) *harness.Result {
	GinkgoHelper()
	if skip := env.Runner.SkipReason(f); skip != nil {
		Skip(excerpt.Printable(testbed.ExplainSkip(skip)))
	}
	res := env.Runner.Run(ctx, f)
	b, err := json.Marshal(res)
	Expect(err).NotTo(HaveOccurred())
	AddReportEntry(resultEntry, string(b), ReportEntryVisibilityNever)
	Expect(res).To(passScenario())
	return res
}

// inline parses a scenario written in a spec on top of the built-in
// fixtures (it may `use` them).
func inline(src string) *fixture.Fixture {
	GinkgoHelper()
	f, err := fixture.ParseWith(CurrentSpecReport().FullText(), []byte(src), builtins())
	Expect(err).NotTo(HaveOccurred(), "inline scenario:\n%s", src)
	return f
}

// passScenario succeeds for a passed result; its failure message is the
// harness's report: the failed step, the verdict and the timeline.
func passScenario() types.GomegaMatcher {
	return &scenarioMatcher{}
}

type scenarioMatcher struct{}

func (m *scenarioMatcher) Match(actual any) (bool, error) {
	res, ok := actual.(*harness.Result)
	if !ok {
		return false, fmt.Errorf("passScenario wants a *harness.Result, got %T", actual)
	}
	return res.Status == harness.Passed, nil
}

// FailureMessage is the harness's report of a failed scenario; what came
// from outside (the target's answers, the fixture) has its control
// characters escaped.
func (m *scenarioMatcher) FailureMessage(actual any) string {
	res := actual.(*harness.Result)
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s %s", res.ID, res.Status)
	if f := res.Failure; f != nil {
		fmt.Fprintf(&b, " at step %d (%s, %s:%d):\n%s\n", f.Step, f.Kind, f.File, f.Line, f.Message)
	}
	b.WriteString("timeline:\n")
	for _, e := range res.Timeline {
		switch e.Kind {
		case timeline.Request:
			fmt.Fprintf(&b, "  → %s %s\n", e.Method, excerpt.Line(e.URL, 400))
		case timeline.Response:
			fmt.Fprintf(&b, "  ← %d %s\n", e.Status, excerpt.Line(string(e.Body), 240))
		case timeline.Notify:
			fmt.Fprintf(&b, "  ⇐ %s\n", excerpt.Line(string(e.Body), 240))
		case timeline.Refusal, timeline.Retry, timeline.Note:
			fmt.Fprintf(&b, "  ! %s %d %s\n", e.Kind, e.Status, excerpt.Line(e.Text, 400))
		}
	}
	return excerpt.Printable(b.String())
}

func (m *scenarioMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("scenario %s passed, but should not have", actual.(*harness.Result).ID)
}

// call sends one request to the target with an explicit Authorization
// (empty = none) and returns the answer.
func call(ctx context.Context, method, path, authorization string, body string) *apiclient.Response {
	GinkgoHelper()
	h := http.Header{"Authorization": {authorization}}
	resp, err := env.Runner.Target.Client.Do(ctx, nil, apiclient.Request{Method: method, Path: path, Header: h, Body: []byte(body)})
	Expect(err).NotTo(HaveOccurred(), "%s %s", method, path)
	return resp
}

// bodyLine is an answer's body for a failure message: one line, clipped,
// control characters escaped.
func bodyLine(resp *apiclient.Response) string {
	return excerpt.Line(string(resp.Body), 400)
}
