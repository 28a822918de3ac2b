package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callconform/callconform/harness/apiclient"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/receiver"
	"github.com/callconform/callconform/harness/timeline"
)

// Target is what a scenario runs against.
type Target struct {
	Client  *apiclient.Client // required
	BaseURL string            // the target's base URL, the {{baseUrl}} built-in
	// ControlURL is the base of the test-control API; "" = BaseURL.
	ControlURL string
	AppID      string            // the {{appId}} built-in
	TenantID   string            // the {{tenantId}} built-in
	Vars       map[string]string // override fixture vars; nil = none
	// Capabilities the target has (for a fixture's requires), such as
	// "incoming-call". Nil = none.
	Capabilities []string
	Profile      string // "" = "beta-2018"
}

// Runner runs scenarios. Its zero value is not usable: set Target and
// Receiver. A Runner is safe for concurrent Run calls.
type Runner struct {
	Target   Target
	Receiver *receiver.Receiver // required: hosts each run's callback URL
	// Within overrides the bound of await blocks that name none; zero =
	// fixture.DefaultWithin.
	Within time.Duration
	// StepTimeout bounds a send or trigger step that names no timeout;
	// zero = 30 s.
	StepTimeout time.Duration
}

// DefaultProfile is the profile a target runs when it names none.
const DefaultProfile = "beta-2018"

// SkipReason says why f cannot run against the target, or "".
func (r *Runner) SkipReason(f *fixture.Fixture) string {
	profile := r.Target.Profile
	if profile == "" {
		profile = DefaultProfile
	}
	if len(f.Profiles) > 0 && !slices.Contains(f.Profiles, profile) {
		return fmt.Sprintf("fixture is for profile %s; the target runs %s", strings.Join(f.Profiles, ", "), profile)
	}
	for _, v := range f.Variables() {
		if _, ok := f.Vars[v]; ok {
			continue
		}
		if _, ok := r.Target.Vars[v]; ok {
			continue
		}
		if v == "appId" && r.Target.AppID == "" {
			return "needs the bot's app id ({{appId}}): pass --app-id or set CALLCONFORM_APP_ID"
		}
		if v == "tenantId" && r.Target.TenantID == "" {
			return "needs the tenant id ({{tenantId}}): pass --tenant-id or set CALLCONFORM_TENANT_ID"
		}
	}
	for _, req := range f.Requires {
		if !slices.Contains(r.Target.Capabilities, req) {
			return fmt.Sprintf("target lacks capability %q (it has: %s); a target declares capabilities through its test-control API (GET /_control) or --capability", req, capsList(r.Target.Capabilities))
		}
	}
	return ""
}

func capsList(c []string) string {
	if len(c) == 0 {
		return "none"
	}
	return strings.Join(c, ", ")
}

// Run runs one scenario and returns its result; it never panics on a
// misbehaving target, and every wait in it is bounded.
func (r *Runner) Run(ctx context.Context, f *fixture.Fixture) *Result {
	res := &Result{ID: f.ID, Title: f.Title, File: f.File, Source: f.Source, Labels: f.Labels, Start: time.Now()}
	defer func() { res.Duration = time.Since(res.Start) }()
	if reason := r.SkipReason(f); reason != "" {
		res.Status, res.Reason = Skipped, reason
		return res
	}
	tl := &timeline.Timeline{}
	run := r.Receiver.NewInbox(tl)
	defer run.Close()
	s := &scenario{r: r, f: f, tl: tl, run: run, captures: map[string]string{}, prior: map[string][]int{}}
	defer func() {
		res.Timeline = tl.Events()
		res.Captures = s.captures
		res.Unmatched = s.unmatched()
	}()
	for i := range f.Steps {
		st := &f.Steps[i]
		tl.SetStep(i + 1)
		sr := StepResult{Index: i + 1, Kind: st.Kind(), Name: st.Name, File: st.File, Line: st.Line, From: st.From}
		start := time.Now()
		err := s.step(ctx, st)
		if err == nil {
			err = s.callbackTrouble()
		}
		sr.Duration = time.Since(start)
		if err != nil {
			// What a target answered can hold a secret: redact before any
			// output (console, --json, suite failures) sees it.
			msg := timeline.RedactString(err.Error())
			sr.Status, sr.Message = Failed, msg
			res.Steps = append(res.Steps, sr)
			fail := &Failure{Step: i + 1, Kind: st.Kind(), File: st.File, Line: st.Line, Message: msg}
			var ve *verdictError
			if errors.As(err, &ve) {
				fail.Verdict = &ve.v
			}
			tl.Add(timeline.Event{Kind: timeline.Failure, Text: msg})
			res.Status, res.Failure = Failed, fail
			res.Reason = firstLine(fmt.Sprintf("step %d (%s, %s:%d): %s", i+1, st.Kind(), st.File, st.Line, msg))
			for j := i + 1; j < len(f.Steps); j++ {
				rest := &f.Steps[j]
				res.Steps = append(res.Steps, StepResult{Index: j + 1, Kind: rest.Kind(), Name: rest.Name, File: rest.File, Line: rest.Line, From: rest.From, Status: Skipped, Message: "an earlier step failed"})
			}
			return res
		}
		sr.Status = Passed
		res.Steps = append(res.Steps, sr)
	}
	res.Status = Passed
	return res
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// scenario is the state of one run of a fixture.
type scenario struct {
	r        *Runner
	f        *fixture.Fixture
	tl       *timeline.Timeline
	run      *receiver.Inbox
	captures map[string]string
	prior    map[string][]int // expectation name → arrival indices taken
	consumed []bool           // by arrival index: taken by an await block
	refusals int              // refusals already reported
}

// lookup resolves a variable: captures, then target vars, then fixture
// vars, then built-ins.
func (s *scenario) lookup(name string) (string, bool) {
	if v, ok := s.captures[name]; ok {
		return v, true
	}
	if v, ok := s.r.Target.Vars[name]; ok {
		return v, true
	}
	if v, ok := s.f.Vars[name]; ok {
		return v, true
	}
	switch name {
	case "callbackUrl":
		return s.run.URL(), true
	case "baseUrl":
		return strings.TrimRight(s.r.Target.BaseURL, "/"), true
	case "appId":
		return s.r.Target.AppID, s.r.Target.AppID != ""
	case "tenantId":
		return s.r.Target.TenantID, s.r.Target.TenantID != ""
	case "uuid":
		return apiclient.NewGUID(), true
	}
	return "", false
}

func (s *scenario) step(ctx context.Context, st *fixture.Step) error {
	switch st.Kind() {
	case "send":
		return s.send(ctx, st)
	case "trigger":
		return s.trigger(ctx, st)
	case "await":
		return s.await(ctx, st.Await)
	}
	return fmt.Errorf("unknown step kind %q", st.Kind())
}

// callbackTrouble fails the scenario when the receiver refused a POST or
// the run overflowed.
func (s *scenario) callbackTrouble() error {
	if err := s.run.Err(); err != nil {
		return fmt.Errorf("callback: %w (the run keeps at most the configured cap)", err)
	}
	refs := s.run.Refusals()
	if len(refs) > s.refusals {
		r := refs[s.refusals]
		s.refusals = len(refs)
		return fmt.Errorf("callback receiver refused a notification POST: %d %s", r.Status, r.Reason)
	}
	return nil
}
