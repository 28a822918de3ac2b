package suites

import (
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/internal/report"
)

// After the whole suite (every parallel process), --report-dir gets
// junit.xml, report.json and report.html: a scenario's result with its
// timeline for each fixture spec, and the outcome of each hand-written spec.
var _ = ReportAfterSuite("callconform reports", func(r Report) {
	if targetFlags.ReportDir() == "" || setupFailed(r) {
		return // a setup problem leaves the reports of an earlier run alone
	}
	cfg, _ := targetFlags.Config()
	where := cfg.URL
	if where == "" {
		where = "embedded simulator"
	}
	run := report.Run{Target: where, Profile: cfg.Profile, Started: r.StartTime, Duration: r.RunTime}
	run.Coverage = suiteCoverage(cfg.Profile)
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		if s.State == types.SpecStateSkipped && s.Failure.Message == "" {
			continue // not selected by --label-filter or --focus: not part of this run
		}
		run.Results = append(run.Results, resultOf(s))
	}
	if err := report.Write(targetFlags.ReportDir(), run); err != nil {
		// A report that cannot be written must not pass silently.
		Fail("write the reports: " + err.Error())
	}
})

// setupFailed reports whether a process of the suite could not open its
// target (see abortOnSetupProblem).
func setupFailed(r Report) bool {
	for _, s := range r.SpecReports {
		if s.LeafNodeType.Is(types.NodeTypeSynchronizedBeforeSuite|types.NodeTypeBeforeSuite) && s.State.Is(types.SpecStateFailureStates) {
			return true
		}
	}
	return false
}

// resultOf is a spec's result: the scenario's own when the spec ran one,
// else one made from the spec's outcome.
func resultOf(s types.SpecReport) *harness.Result {
	name := strings.Join(append(append([]string{}, s.ContainerHierarchyTexts...), s.LeafNodeText), " ")
	var res *harness.Result
	for _, e := range s.ReportEntries {
		if e.Name != resultEntry {
			continue
		}
		// The value is the result's JSON, as a string: held as is in a
		// serial run, decoded back from the entry's JSON after a parallel one.
		raw, _ := e.Value.GetRawValue().(string)
		var scenario harness.Result
		if json.Unmarshal([]byte(raw), &scenario) == nil {
			res = &scenario
		}
	}
	fixtureSpec := len(s.ContainerHierarchyTexts) == 1 && s.ContainerHierarchyTexts[0] == "Scenario"
	switch {
	case res == nil:
		res = &harness.Result{ID: slug(name), Title: name}
	case !fixtureSpec:
		// A hand-written spec's scenario is a means: the spec names it.
		res.ID, res.Title = slug(name), name
	}
	// A spec's outcome is its own: a hand-written spec may run a passing
	// scenario and then fail on what it checks afterwards.
	res.Labels, res.Start, res.Duration = s.Labels(), s.StartTime, s.RunTime
	switch s.State {
	case types.SpecStatePassed:
		res.Status = harness.Passed
	case types.SpecStateSkipped, types.SpecStatePending:
		res.Status, res.Reason = harness.Skipped, s.Failure.Message
	default:
		res.Status = harness.Failed
		res.Reason = s.Failure.Message
		if res.Failure == nil {
			res.Failure = &harness.Failure{Message: s.Failure.Message, File: s.Failure.Location.FileName, Line: s.Failure.Location.LineNumber}
		}
	}
	return res
}

// slug makes an id of a spec's full text, as the conformance manifest does.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
