package playback

import (
	"fmt"
	"strings"
	"time"

	"github.com/callconform/callconform/harness/judge"
)

// Report is what a bot did with the scenarios: each step made or not, each
// notification and the bot's answer, and the requests that matched no step.
type Report struct {
	AppID     string           `json:"appId"`
	Scenarios []ScenarioReport `json:"scenarios"`
	Unmatched []Unmatched      `json:"unmatched,omitempty"`
}

// ScenarioReport is one scenario's part of a Report.
type ScenarioReport struct {
	ID    string       `json:"id"`
	Title string       `json:"title"`
	File  string       `json:"file,omitempty"`
	Steps []StepReport `json:"steps"`
}

// States of a step.
const (
	StepDone       = "done"         // made by the bot (send) or played by the mock
	StepNeverMade  = "never made"   // a send step the bot did not make
	StepNotReached = "not reached"  // a trigger or await after a step that did not happen
	StepStopped    = "not playable" // the mock could not play it (Problem says why)
	StepInProgress = "in progress"  // its notifications are still being posted
)

// StepReport is one step of a scenario and what happened to it.
type StepReport struct {
	Index         int        `json:"index"` // 1-based
	Kind          string     `json:"kind"`
	Name          string     `json:"name,omitempty"`
	What          string     `json:"what"` // the step as the fixture writes it
	File          string     `json:"file,omitempty"`
	Line          int        `json:"line,omitempty"`
	From          string     `json:"from,omitempty"`
	State         string     `json:"state"`
	Request       string     `json:"request,omitempty"` // the bot's request that made it
	Answer        int        `json:"answer,omitempty"`  // the status the mock answered
	Problem       string     `json:"problem,omitempty"`
	Notes         []string   `json:"notes,omitempty"` // limits of the synthesis
	Notifications []Delivery `json:"notifications,omitempty"`
}

// Delivery is one notification the mock POSTed and how the bot answered.
type Delivery struct {
	Expectation string    `json:"expectation"`
	ChangeType  string    `json:"changeType"`
	Resource    string    `json:"resource"`
	URL         string    `json:"url"`              // scheme, host and path only
	Status      int       `json:"status,omitempty"` // the bot's answer; 0 = none
	Error       string    `json:"error,omitempty"`  // why there is no answer
	Attempts    int       `json:"attempts,omitempty"`
	At          time.Time `json:"at,omitzero"`
}

// OK reports whether the bot answered 2xx.
func (d Delivery) OK() bool { return d.Status >= 200 && d.Status < 300 }

func (d Delivery) outcome() string {
	switch {
	case d.Status != 0:
		return fmt.Sprintf("bot answered %d", d.Status)
	case d.Error != "":
		return d.Error
	}
	return "no answer"
}

// Unmatched is a bot's request that matched no step, with the closest step
// and how the request differs from it.
type Unmatched struct {
	Method   string           `json:"method"`
	Path     string           `json:"path"`
	Body     string           `json:"body,omitempty"`     // redacted, clipped
	Scenario string           `json:"scenario,omitempty"` // of the closest step
	Step     int              `json:"step,omitempty"`     // 1-based
	Closest  string           `json:"closest,omitempty"`
	Note     string           `json:"note,omitempty"`
	Diff     []judge.Mismatch `json:"diff,omitempty"` // -want +got
}

func (u Unmatched) message() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s matches no step of the scenario", u.Method, redactURL(u.Path))
	if u.Closest != "" {
		fmt.Fprintf(&b, "; closest: %s", u.Closest)
	}
	if u.Note != "" {
		fmt.Fprintf(&b, "; %s", u.Note)
	}
	for _, d := range u.Diff {
		fmt.Fprintf(&b, "; %s: want %s, got %s", d.Field, d.Want, d.Got)
	}
	return b.String()
}

// OK reports whether the bot followed every scenario: every step made, every
// notification answered 2xx, no request outside the scenario.
func (r Report) OK() bool {
	if len(r.Unmatched) > 0 {
		return false
	}
	for _, s := range r.Scenarios {
		for _, st := range s.Steps {
			if st.State != StepDone {
				return false
			}
			for _, d := range st.Notifications {
				if !d.OK() {
					return false
				}
			}
		}
	}
	return true
}

// String is the readable report.
func (r Report) String() string {
	var b strings.Builder
	var never, stopped, bad int
	for _, s := range r.Scenarios {
		fmt.Fprintf(&b, "scenario %s (%s)\n", s.ID, s.Title)
		for _, st := range s.Steps {
			where := fmt.Sprintf("%s:%d", st.File, st.Line)
			if st.Name != "" {
				where = st.Name + ", " + where
			}
			fmt.Fprintf(&b, "  step %d %s (%s): %s", st.Index, st.What, where, strings.ToUpper(st.State))
			if st.Answer != 0 {
				fmt.Fprintf(&b, ", answered %d", st.Answer)
			}
			b.WriteByte('\n')
			switch st.State {
			case StepNeverMade:
				never++
				fmt.Fprintf(&b, "    the bot never made this request\n")
			case StepStopped:
				stopped++
				fmt.Fprintf(&b, "    the mock could not play it: %s\n", st.Problem)
			}
			for _, n := range st.Notes {
				fmt.Fprintf(&b, "    note: %s\n", indent(n, "      "))
			}
			for _, d := range st.Notifications {
				mark := "ok"
				if !d.OK() {
					mark, bad = "NOT OK", bad+1
				}
				fmt.Fprintf(&b, "    notification %s (%s %s) → %s: %s [%s]\n", d.Expectation, d.ChangeType, d.Resource, d.URL, d.outcome(), mark)
			}
		}
	}
	if len(r.Unmatched) > 0 {
		b.WriteString("bot requests that matched no step:\n")
		for _, u := range r.Unmatched {
			fmt.Fprintf(&b, "  %s %s\n", u.Method, redactURL(u.Path))
			if u.Closest != "" {
				fmt.Fprintf(&b, "    closest: %s\n", u.Closest)
			} else {
				b.WriteString("    no step left to make has its method or its path\n")
			}
			if u.Note != "" {
				fmt.Fprintf(&b, "    %s\n", u.Note)
			}
			if len(u.Diff) > 0 {
				b.WriteString("    (-want +got)\n")
			}
			for _, d := range u.Diff {
				fmt.Fprintf(&b, "    - %s: %s\n    + %s: %s\n", d.Field, d.Want, d.Field, d.Got)
			}
		}
	}
	if r.OK() {
		b.WriteString("result: the bot followed every scenario\n")
	} else {
		var parts []string
		if never > 0 {
			parts = append(parts, plural(never, "step never made", "steps never made"))
		}
		if len(r.Unmatched) > 0 {
			parts = append(parts, plural(len(r.Unmatched), "request matched no step", "requests matched no step"))
		}
		if bad > 0 {
			parts = append(parts, plural(bad, "notification not answered 2xx", "notifications not answered 2xx"))
		}
		if stopped > 0 {
			parts = append(parts, plural(stopped, "step the mock could not play", "steps the mock could not play"))
		}
		if len(parts) == 0 {
			parts = append(parts, "the scenario did not end")
		}
		fmt.Fprintf(&b, "result: the bot did not follow the scenario: %s\n", strings.Join(parts, ", "))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func indent(s, pre string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}
