package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/timeline"
)

// redact is timeline.RedactString, named for how often reports call it.
func redact(s string) string { return timeline.RedactString(s) }

// clean returns a copy of r in which every string a report shows has been
// redacted again: bodies, headers, URLs, messages, the items of verdicts
// (which the receiver keeps raw). Each scenario is also fitted to the
// limits (MaxEvents, MaxBody, MaxItems and its share of the file), with a
// note on what they left out, so that it takes at most MaxScenarioBytes of
// any report file. r itself is not modified.
func clean(r Run) Run {
	out := r
	out.Target = clipText(redact(r.Target), maxLine)
	out.Profile = clipText(r.Profile, maxLine)
	out.Coverage = cleanCoverage(r.Coverage)
	out.Results = make([]*harness.Result, 0, len(r.Results))
	for _, res := range r.Results {
		if res != nil {
			out.Results = append(out.Results, cleanResult(res))
		}
	}
	return out
}

// cleanResult returns a redacted copy of res within the limits. The
// failure takes its share first, then the timeline from its end (where a
// failure shows), then the rest.
func cleanResult(res *harness.Result) *harness.Result {
	f := newFitter()
	c := *res
	c.ID, c.Title, c.File = clipText(res.ID, maxLine), clipText(res.Title, maxLine), clipText(res.File, maxLine)
	c.Reason = f.text(redact(res.Reason), MaxBody)
	if res.Failure != nil {
		fl := *res.Failure
		fl.Message = f.text(redact(fl.Message), maxMessage)
		if fl.Verdict != nil {
			v := f.verdict(*fl.Verdict)
			fl.Verdict = &v
		}
		c.Failure = &fl
	}
	c.Steps = make([]harness.StepResult, len(res.Steps))
	for i, s := range res.Steps {
		s.Message = f.text(redact(s.Message), MaxBody)
		c.Steps[i] = s
	}
	kept := trimTimeline(res.Timeline)
	c.Timeline = make([]timeline.Event, len(kept))
	for i := len(kept) - 1; i >= 0; i-- {
		c.Timeline[i] = f.event(kept[i])
	}
	c.Unmatched = f.unmatched(capped(res.Unmatched, "notifications no block took", &f.notes))
	if res.Captures != nil {
		c.Captures = make(map[string]string, len(res.Captures))
		for _, k := range slices.Sorted(maps.Keys(res.Captures)) {
			c.Captures[clipText(k, maxLine)] = f.text(redact(res.Captures[k]), maxLine)
		}
	}
	c.Timeline = noteLeftOut(c.Timeline, f.leftOut(), res)
	return &c
}

// unmatched redacts the items no block took; one that is not JSON, or too
// long, is kept as a JSON string, clipped.
func (f *fitter) unmatched(us []harness.Unmatched) []harness.Unmatched {
	out := make([]harness.Unmatched, len(us))
	for i, n := range us {
		red := timeline.RedactBytes(n.Item)
		if !json.Valid(red) || len(red) > MaxBody || !f.take(bodyCost(red)) {
			red, _ = json.Marshal(f.text(redact(string(n.Item)), MaxBody))
		}
		n.Item = red
		out[i] = n
	}
	return out
}

// event returns a redacted copy of e within the limits. A note on events
// left out is the report's own, and kept as it is.
func (f *fitter) event(e timeline.Event) timeline.Event {
	if e.Kind == kindOmitted {
		return e
	}
	e.Method = clipText(e.Method, 100)
	e.URL = f.text(redact(e.URL), maxLine)
	e.Text = f.text(redact(e.Text), MaxBody)
	if e.Header != nil {
		e.Header = f.header(timeline.RedactHeader(e.Header))
	}
	if len(e.Body) > 0 {
		var text string
		if e.Body, text = f.body(timeline.RedactBytes(e.Body)); e.Body == nil {
			e.Text = text
		}
	}
	return e
}

// verdict returns a redacted copy of v, each list capped at MaxItems
// (before redaction, which a flood would make slow) and each text fitted.
func (f *fitter) verdict(v judge.Verdict) judge.Verdict {
	out := v
	out.Decided = f.text(redact(v.Decided), maxLine)
	out.Unmet = f.unmet(v.Unmet, "unmet expectations")
	out.Open = f.unmet(v.Open, "expectations not waited for")
	forbidden := capped(v.Forbidden, "forbidden notifications", &f.notes)
	out.Forbidden = make([]judge.ForbiddenHit, len(forbidden))
	for i, h := range forbidden {
		h.Item = f.text(redact(h.Item), MaxBody)
		out.Forbidden[i] = h
	}
	out.Unexpected = f.candidates(v.Unexpected, "unexpected notifications")
	out.Redelivered = f.redeliveries(v.Redelivered)
	if v.Matched != nil {
		out.Matched = make(map[string][]int, len(v.Matched))
		for _, k := range slices.Sorted(maps.Keys(v.Matched)) {
			out.Matched[k] = capped(v.Matched[k], fmt.Sprintf("matches of %q", k), &f.notes)
		}
	}
	return out
}

// unmet fits a verdict's unmet (or open) expectations: the list capped,
// each text fitted, each expectation's candidates as candidates does.
func (f *fitter) unmet(us []judge.Unmet, what string) []judge.Unmet {
	if us == nil {
		return nil
	}
	us = capped(us, what, &f.notes)
	out := make([]judge.Unmet, len(us))
	for i, u := range us {
		u.Name = f.text(redact(u.Name), maxLine)
		u.Want = f.text(redact(u.Want), maxLine)
		u.Reason = f.text(redact(u.Reason), maxLine)
		u.Candidates = f.candidates(u.Candidates, fmt.Sprintf("closest notifications of %q", u.Name))
		out[i] = u
	}
	return out
}

// redeliveries fits a verdict's redeliveries: the list capped, each item
// redacted and fitted.
func (f *fitter) redeliveries(rs []judge.Redelivery) []judge.Redelivery {
	if rs == nil {
		return nil
	}
	rs = capped(rs, "redeliveries", &f.notes)
	out := make([]judge.Redelivery, len(rs))
	for i, r := range rs {
		r.Item = f.text(redact(r.Item), MaxBody)
		out[i] = r
	}
	return out
}

func (f *fitter) candidates(cs []judge.Candidate, what string) []judge.Candidate {
	if cs == nil {
		return nil
	}
	cs = capped(cs, what, &f.notes)
	out := make([]judge.Candidate, len(cs))
	for i, c := range cs {
		c.Item = f.text(redact(c.Item), MaxBody)
		c.Note = f.text(redact(c.Note), maxLine)
		diff := make([]judge.Mismatch, 0, min(len(c.Diff), MaxItems))
		for _, m := range capped(c.Diff, fmt.Sprintf("differences of notification #%d", c.Index), &f.notes) {
			diff = append(diff, judge.Mismatch{Field: f.text(redact(m.Field), maxLine), Want: f.text(redact(m.Want), maxLine),
				Got: f.text(redact(m.Got), maxLine), Reason: f.text(redact(m.Reason), maxLine)})
		}
		c.Diff = diff
		out[i] = c
	}
	return out
}
