package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/internal/coverage"
)

// document is report.json: the run, its counts, and every scenario's
// result. It is a superset of `replay run --json`, which ReadJSON reads too.
type document struct {
	Target    string            `json:"target,omitempty"`
	Profile   string            `json:"profile,omitempty"`
	Started   time.Time         `json:"started,omitzero"`
	Duration  time.Duration     `json:"duration"` // nanoseconds
	Passed    int               `json:"passed"`
	Failed    int               `json:"failed"`
	Skipped   int               `json:"skipped"`
	Scenarios []*harness.Result `json:"scenarios"`
	Coverage  *coverage.Result  `json:"coverage,omitempty"`
}

// JSON writes r as report.json, redacted and within the limits of a
// scenario (MaxScenarioBytes).
func JSON(w io.Writer, r Run) error {
	r = clean(r)
	p, f, s := harness.Count(r.Results)
	doc := document{Target: r.Target, Profile: r.Profile, Started: r.Started, Duration: r.Duration,
		Passed: p, Failed: f, Skipped: s, Scenarios: r.Results, Coverage: r.Coverage}
	if doc.Scenarios == nil {
		doc.Scenarios = []*harness.Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	return nil
}

// ErrNotAReport is wrapped by ReadJSON when the document has no scenarios.
var ErrNotAReport = errors.New("not a callconform report (no \"scenarios\")")

// ReadJSON reads a report.json (or the output of `replay run --json`).
func ReadJSON(rd io.Reader) (Run, error) {
	var raw struct {
		document
		Scenarios *[]*harness.Result `json:"scenarios"`
	}
	if err := json.NewDecoder(rd).Decode(&raw); err != nil {
		return Run{}, fmt.Errorf("read report: %w", err)
	}
	if raw.Scenarios == nil {
		return Run{}, fmt.Errorf("read report: %w", ErrNotAReport)
	}
	d := raw.document
	return Run{Target: d.Target, Profile: d.Profile, Started: d.Started, Duration: d.Duration, Results: *raw.Scenarios, Coverage: d.Coverage}, nil
}
