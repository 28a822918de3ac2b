package playback

import (
	"fmt"
	"strings"
	"time"

	"github.com/callconform/callconform/harness/judge"
	"github.com/callconform/callconform/internal/excerpt"
)

// Report is what a bot did with the scenarios: each step made or not, each
// notification and the bot's answer, and the requests that matched no step.
type Report struct {
	AppID     string           `json:"appId"`
	Scenarios []ScenarioReport `json:"scenarios"`
	// Unmatched are the first requests that matched no step
	// (Config.MaxUnmatched of them); MoreUnmatched counts the others.
	Unmatched     []Unmatched `json:"unmatched,omitempty"`
	MoreUnmatched int         `json:"moreUnmatched,omitempty"`
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
	Err           error      `json:"-"`               // the *StepError behind Problem; nil when none
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
	case d.Error != "" && d.Status != 0 && !d.OK():
		return fmt.Sprintf("bot answered %d: %s", d.Status, d.Error)
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
	Path     string           `json:"path"`               // without its query (secret.RedactURL), clipped
	Body     string           `json:"body,omitempty"`     // redacted, clipped to 2,000 bytes
	Scenario string           `json:"scenario,omitempty"` // of the closest step
	Step     int              `json:"step,omitempty"`     // 1-based
	Closest  string           `json:"closest,omitempty"`
	Note     string           `json:"note,omitempty"`
	Diff     []judge.Mismatch `json:"diff,omitempty"` // -want +got
}

func (u Unmatched) message() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s matches no step of the scenario", u.Method, u.Path)
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
	if r.unmatchedCount() > 0 {
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

// unmatchedCount is how many requests matched no step, kept or not.
func (r Report) unmatchedCount() int { return len(r.Unmatched) + r.MoreUnmatched }

// maxLine bounds a line of the readable report that shows one text from a
// bot or a fixture, in bytes.
const maxLine = 4000

// String is the readable report. Text from the bot or the fixtures is
// escaped (excerpt.Printable): it cannot move a terminal's cursor.
func (r Report) String() string {
	var b strings.Builder
	var t tally
	for _, s := range r.Scenarios {
		writeScenario(&b, s, &t)
	}
	r.writeUnmatched(&b)
	r.writeResult(&b, t)
	return b.String()
}

// tally counts what went wrong, for the result line.
type tally struct{ never, stopped, bad int }

// writeScenario writes a scenario's steps and notifications.
func writeScenario(b *strings.Builder, s ScenarioReport, t *tally) {
	fmt.Fprintf(b, "scenario %s (%s)\n", line(s.ID), line(s.Title))
	for _, st := range s.Steps {
		where := fmt.Sprintf("%s:%d", st.File, st.Line)
		if st.Name != "" {
			where = st.Name + ", " + where
		}
		fmt.Fprintf(b, "  step %d %s (%s): %s", st.Index, line(st.What), line(where), strings.ToUpper(st.State))
		if st.Answer != 0 {
			fmt.Fprintf(b, ", answered %d", st.Answer)
		}
		b.WriteByte('\n')
		switch st.State {
		case StepNeverMade:
			t.never++
			fmt.Fprintf(b, "    the bot never made this request\n")
		case StepStopped:
			t.stopped++
			fmt.Fprintf(b, "    the mock could not play it: %s\n", indent(excerpt.Printable(st.Problem), "      "))
		}
		for _, n := range st.Notes {
			fmt.Fprintf(b, "    note: %s\n", indent(excerpt.Printable(n), "      "))
		}
		for _, d := range st.Notifications {
			mark := "ok"
			if !d.OK() {
				mark, t.bad = "NOT OK", t.bad+1
			}
			fmt.Fprintf(b, "    notification %s (%s %s) → %s: %s [%s]\n", line(d.Expectation), line(d.ChangeType), line(d.Resource), line(d.URL), line(d.outcome()), mark)
		}
	}
}

// writeUnmatched writes the requests that matched no step, with their
// closest step and diff, and how many more were only counted.
func (r Report) writeUnmatched(b *strings.Builder) {
	if r.unmatchedCount() == 0 {
		return
	}
	b.WriteString("bot requests that matched no step:\n")
	for _, u := range r.Unmatched {
		fmt.Fprintf(b, "  %s %s\n", line(u.Method), line(u.Path))
		if u.Closest != "" {
			fmt.Fprintf(b, "    closest: %s\n", line(u.Closest))
		} else if u.Note == "" {
			b.WriteString("    no step left to make has its method or its path\n")
		}
		if u.Note != "" {
			fmt.Fprintf(b, "    %s\n", line(u.Note))
		}
		if len(u.Diff) > 0 {
			b.WriteString("    (-want +got)\n")
		}
		for _, d := range u.Diff {
			fmt.Fprintf(b, "    - %s: %s\n    + %s: %s\n", line(d.Field), line(d.Want), line(d.Field), line(d.Got))
		}
	}
	if r.MoreUnmatched > 0 {
		fmt.Fprintf(b, "  and %s more %s\n", excerpt.Grouped(r.MoreUnmatched), pick(r.MoreUnmatched, "unmatched request", "unmatched requests"))
	}
}

// writeResult writes the last line: followed, or what went wrong.
func (r Report) writeResult(b *strings.Builder, t tally) {
	if r.OK() {
		b.WriteString("result: the bot followed every scenario\n")
		return
	}
	var parts []string
	if t.never > 0 {
		parts = append(parts, plural(t.never, "step never made", "steps never made"))
	}
	if n := r.unmatchedCount(); n > 0 {
		parts = append(parts, plural(n, "request matched no step", "requests matched no step"))
	}
	if t.bad > 0 {
		parts = append(parts, plural(t.bad, "notification not answered 2xx", "notifications not answered 2xx"))
	}
	if t.stopped > 0 {
		parts = append(parts, plural(t.stopped, "step the mock could not play", "steps the mock could not play"))
	}
	if len(parts) == 0 {
		parts = append(parts, "the scenario did not end")
	}
	fmt.Fprintf(b, "result: the bot did not follow the scenario: %s\n", strings.Join(parts, ", "))
}

// line shows a text from a bot or a fixture on one line of the report.
func line(s string) string { return excerpt.Line(s, maxLine) }

func plural(n int, one, many string) string {
	return excerpt.Grouped(n) + " " + pick(n, one, many)
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func indent(s, pre string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}
