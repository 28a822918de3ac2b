package harness

import (
	"encoding/json"
	"time"

	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/harness/timeline"
)

// Status is the outcome of a scenario or a step.
type Status string

// Outcomes.
const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// Result is the outcome of one scenario run.
type Result struct {
	ID       string            `json:"id"`
	Title    string            `json:"title"`
	File     string            `json:"file,omitempty"`
	Source   string            `json:"source,omitempty"`
	Labels   []string          `json:"labels,omitempty"`
	Status   Status            `json:"status"`
	Reason   string            `json:"reason,omitempty"` // skip reason, or the first failure in one line
	Failure  *Failure          `json:"failure,omitempty"`
	Steps    []StepResult      `json:"steps"`
	Captures map[string]string `json:"captures,omitempty"`
	// Unmatched are notifications that no await block took.
	Unmatched []Unmatched      `json:"unmatched,omitempty"`
	Timeline  []timeline.Event `json:"timeline"`
	Start     time.Time        `json:"start"`
	Duration  time.Duration    `json:"duration"`
}

// Failure says where and why a scenario failed.
type Failure struct {
	Step    int            `json:"step"` // 1-based
	Kind    string         `json:"kind"`
	File    string         `json:"file,omitempty"`
	Line    int            `json:"line,omitempty"`
	Message string         `json:"message"`
	Verdict *judge.Verdict `json:"verdict,omitempty"`
}

// StepResult is the outcome of one step.
type StepResult struct {
	Index    int           `json:"index"` // 1-based
	Kind     string        `json:"kind"`
	Name     string        `json:"name,omitempty"`
	File     string        `json:"file,omitempty"`
	Line     int           `json:"line,omitempty"`
	From     string        `json:"from,omitempty"` // fixture the step was included from
	Status   Status        `json:"status"`
	Message  string        `json:"message,omitempty"`
	Duration time.Duration `json:"duration"`
}

// Count returns how many results passed, failed and were skipped.
func Count(results []*Result) (passed, failed, skipped int) {
	for _, r := range results {
		switch r.Status {
		case Passed:
			passed++
		case Failed:
			failed++
		case Skipped:
			skipped++
		}
	}
	return passed, failed, skipped
}

// Unmatched is a notification no await block took: not a failure unless a
// block said `unexpected: fail`, but worth a look.
type Unmatched struct {
	Index int             `json:"index"` // arrival index within the run
	At    time.Time       `json:"at"`
	Item  json.RawMessage `json:"item"` // redacted
	// RedeliveryOf is, for a redelivery of an identical notification that
	// no block took either, the arrival index of its first delivery.
	RedeliveryOf *int `json:"redeliveryOf,omitempty"`
}
