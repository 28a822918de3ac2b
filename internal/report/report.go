// Package report turns the results of a run into files people and CI read:
// JUnit XML, a JSON document, and one self-contained HTML page with a
// sequence diagram per scenario.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/atomicfile"
)

// Run is one run of scenarios against a target.
type Run struct {
	Target   string // what ran: a URL or "the embedded simulator at ..."
	Profile  string
	Started  time.Time
	Duration time.Duration
	Results  []*harness.Result
}

// Files written by Write.
const (
	JUnitFile = "junit.xml"
	JSONFile  = "report.json"
	HTMLFile  = "report.html"
)

// Write writes junit.xml, report.json and report.html into dir, creating
// it. Each file is written to a temporary name and renamed, so that a
// reader never sees half a report.
func Write(dir string, r Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer, Run) error
	}{{JUnitFile, JUnit}, {JSONFile, JSON}, {HTMLFile, HTML}} {
		if err := atomicfile.Write(filepath.Join(dir, f.name), 0o644, func(w io.Writer) error { return f.write(w, r) }); err != nil {
			return fmt.Errorf("write reports: %w", err)
		}
	}
	return nil
}

// redact is timeline.RedactString, named for how often reports call it.
func redact(s string) string { return timeline.RedactString(s) }

// clean returns a copy of r in which every string a report shows has been
// redacted again: bodies, headers, URLs, messages, the items of verdicts
// (which the receiver keeps raw). r itself is not modified.
func clean(r Run) Run {
	out := r
	out.Target = redact(r.Target)
	out.Results = make([]*harness.Result, 0, len(r.Results))
	for _, res := range r.Results {
		if res == nil {
			continue
		}
		c := *res
		c.Reason = redact(res.Reason)
		if res.Failure != nil {
			f := *res.Failure
			f.Message = redact(f.Message)
			if f.Verdict != nil {
				v := cleanVerdict(*f.Verdict)
				f.Verdict = &v
			}
			c.Failure = &f
		}
		c.Steps = make([]harness.StepResult, len(res.Steps))
		for i, s := range res.Steps {
			s.Message = redact(s.Message)
			c.Steps[i] = s
		}
		if res.Captures != nil {
			c.Captures = make(map[string]string, len(res.Captures))
			for k, v := range res.Captures {
				c.Captures[k] = redact(v)
			}
		}
		c.Unmatched = make([]harness.Unmatched, len(res.Unmatched))
		for i, n := range res.Unmatched {
			if red := timeline.RedactBytes(n.Item); json.Valid(red) {
				n.Item = red
			} else {
				n.Item, _ = json.Marshal(redact(string(n.Item)))
			}
			c.Unmatched[i] = n
		}
		c.Timeline = make([]timeline.Event, len(res.Timeline))
		for i, e := range res.Timeline {
			c.Timeline[i] = cleanEvent(e)
		}
		out.Results = append(out.Results, &c)
	}
	return out
}

func cleanEvent(e timeline.Event) timeline.Event {
	e.URL = redact(e.URL)
	e.Text = redact(e.Text)
	if e.Header != nil {
		e.Header = timeline.RedactHeader(e.Header)
	}
	if len(e.Body) > 0 {
		b := timeline.RedactBytes(e.Body)
		if json.Valid(b) {
			e.Body = append(json.RawMessage(nil), b...)
		} else {
			e.Body = nil
			e.Text = string(bytes.TrimSpace(b))
		}
	}
	return e
}

func cleanVerdict(v judge.Verdict) judge.Verdict {
	cands := func(cs []judge.Candidate) []judge.Candidate {
		if cs == nil {
			return nil
		}
		out := make([]judge.Candidate, len(cs))
		for i, c := range cs {
			c.Item = redact(c.Item)
			c.Note = redact(c.Note)
			diff := make([]judge.Mismatch, len(c.Diff))
			for k, m := range c.Diff {
				diff[k] = judge.Mismatch{Field: redact(m.Field), Want: redact(m.Want), Got: redact(m.Got), Reason: redact(m.Reason)}
			}
			c.Diff = diff
			out[i] = c
		}
		return out
	}
	out := v
	out.Unmet = make([]judge.Unmet, len(v.Unmet))
	for i, u := range v.Unmet {
		u.Want = redact(u.Want)
		u.Reason = redact(u.Reason)
		u.Candidates = cands(u.Candidates)
		out.Unmet[i] = u
	}
	out.Forbidden = make([]judge.ForbiddenHit, len(v.Forbidden))
	for i, h := range v.Forbidden {
		h.Item = redact(h.Item)
		out.Forbidden[i] = h
	}
	out.Unexpected = cands(v.Unexpected)
	return out
}

// relTime renders d since the start of a scenario: "+12.3 ms", "+1.204 s".
func relTime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Second {
		return fmt.Sprintf("+%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("+%.3f s", d.Seconds())
}

// start returns the time of a result's first event, or its start.
func start(res *harness.Result) time.Time {
	if len(res.Timeline) > 0 {
		return res.Timeline[0].At
	}
	return res.Start
}
