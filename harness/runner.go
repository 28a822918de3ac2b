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
	"github.com/callconform/callconform/internal/guid"
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
	Profile      string // "" = DefaultProfile
	// Tokens gives the tokens of the kinds a send step may ask for with
	// `token:` (fixture.TokenDelegated, ...; see fixture.NeedsToken), by
	// kind. Nil = none: a fixture that needs a kind it lacks is skipped
	// (MissingToken). AlterSignature makes fixture.TokenBadSignature from
	// the client's own.
	Tokens map[string]TokenFunc
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
	// ForbidWindow, when positive, is how long an await block that expects
	// nothing and only forbids watches (it waits out its window), whatever
	// bound it names: the time a slow target is given to do what it must
	// not. Zero = each block's own bound.
	ForbidWindow time.Duration
}

// DefaultProfile is the profile a target runs when it names none.
const DefaultProfile = "beta-2018"

// SkipKind says which kind of reason keeps a scenario from running.
type SkipKind int

// The kinds of SkipError.
const (
	// OtherProfile: the fixture is written for profiles the target does not run.
	OtherProfile SkipKind = iota + 1
	// MissingVar: the fixture reads a built-in variable the target was not
	// given (the bot's app id or the tenant id).
	MissingVar
	// MissingCapability: the fixture requires something the target cannot
	// trigger (such as an incoming call).
	MissingCapability
	// MissingToken: the fixture sends a kind of token (a delegated one, an
	// expired one, ...) the target was not given.
	MissingToken
)

// SkipError says why a scenario cannot run against a target, in the
// engine's terms. Front ends (the CLI, the suite) render it with the names of
// their own flags and environment variables.
type SkipError struct {
	Kind SkipKind
	// Profiles are the fixture's profiles and Profile the target's
	// (OtherProfile).
	Profiles []string
	Profile  string
	// Var is the built-in variable the target lacks, "appId" or "tenantId"
	// (MissingVar).
	Var string
	// Capability is the capability the fixture requires and Have what the
	// target has (MissingCapability).
	Capability string
	Have       []string
	// Token is the kind of token the fixture sends and the target was not
	// given, such as "delegated" (MissingToken).
	Token string
}

func (e *SkipError) Error() string {
	switch e.Kind {
	case OtherProfile:
		return fmt.Sprintf("fixture is for profile %s; the target runs %s", strings.Join(e.Profiles, ", "), e.Profile)
	case MissingVar:
		return fmt.Sprintf("needs %s ({{%s}}), which the target was not given", VarDescription(e.Var), e.Var)
	case MissingCapability:
		return fmt.Sprintf("target lacks capability %q (it has: %s)", e.Capability, CapabilityList(e.Have))
	case MissingToken:
		return fmt.Sprintf("needs %s (token: %s), which the target was not given", TokenDescription(e.Token), e.Token)
	}
	return fmt.Sprintf("skipped (reason kind %d)", e.Kind)
}

// VarDescription says in words what a built-in variable a target may lack
// holds: "the bot's app id" for appId.
func VarDescription(name string) string {
	switch name {
	case "appId":
		return "the bot's app id"
	case "tenantId":
		return "the tenant id"
	}
	return "the variable " + name
}

// CapabilityList lists capabilities for a message: "none" when there are
// none.
func CapabilityList(c []string) string {
	if len(c) == 0 {
		return "none"
	}
	return strings.Join(c, ", ")
}

// SkipReason says why f cannot run against the target, or nil when it can.
func (r *Runner) SkipReason(f *fixture.Fixture) *SkipError {
	profile := r.Target.Profile
	if profile == "" {
		profile = DefaultProfile
	}
	if len(f.Profiles) > 0 && !slices.Contains(f.Profiles, profile) {
		return &SkipError{Kind: OtherProfile, Profiles: f.Profiles, Profile: profile}
	}
	builtin := map[string]string{"appId": r.Target.AppID, "tenantId": r.Target.TenantID}
	for _, v := range f.Variables() {
		if _, ok := f.Vars[v]; ok {
			continue
		}
		if _, ok := r.Target.Vars[v]; ok {
			continue
		}
		if have, ok := builtin[v]; ok && have == "" {
			return &SkipError{Kind: MissingVar, Var: v}
		}
	}
	for _, req := range f.Requires {
		if !slices.Contains(r.Target.Capabilities, req) {
			return &SkipError{Kind: MissingCapability, Capability: req, Have: r.Target.Capabilities}
		}
	}
	for _, kind := range f.Tokens() {
		if r.Target.Tokens[kind] == nil {
			return &SkipError{Kind: MissingToken, Token: kind}
		}
	}
	return nil
}

// Run runs one scenario and returns its result; it never panics on a
// misbehaving target, and every wait in it is bounded.
func (r *Runner) Run(ctx context.Context, f *fixture.Fixture) *Result {
	res := &Result{ID: f.ID, Title: f.Title, File: f.File, Source: f.Source, Labels: f.Labels, Start: time.Now()}
	defer func() { res.Duration = time.Since(res.Start) }()
	if skip := r.SkipReason(f); skip != nil {
		res.Status, res.Reason = Skipped, skip.Error()
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
		sr := stepResult(i, st)
		start := time.Now()
		err := s.step(ctx, st)
		if err == nil {
			err = s.callbackTrouble()
		}
		sr.Duration = time.Since(start)
		if err != nil {
			s.fail(res, sr, i, err)
			return res
		}
		sr.Status = Passed
		res.Steps = append(res.Steps, sr)
	}
	res.Status = Passed
	return res
}

// stepResult is the result of the step at index i, before it runs.
func stepResult(i int, st *fixture.Step) StepResult {
	return StepResult{Index: i + 1, Kind: st.Kind(), Name: st.Name, File: st.File, Line: st.Line, From: st.From}
}

// fail records that the step at index i failed with err: its result, the
// scenario's failure and reason, and every later step as skipped.
func (s *scenario) fail(res *Result, sr StepResult, i int, err error) {
	st := &s.f.Steps[i]
	// What a target answered can hold a secret: redact before any output
	// (console, --json, suite failures) sees it.
	msg := timeline.RedactString(err.Error())
	sr.Status, sr.Message = Failed, msg
	res.Steps = append(res.Steps, sr)
	fail := &Failure{Step: i + 1, Kind: st.Kind(), File: st.File, Line: st.Line, Message: msg}
	var ve *verdictError
	if errors.As(err, &ve) {
		fail.Verdict = &ve.v
	}
	s.tl.Add(timeline.Event{Kind: timeline.Failure, Text: msg})
	res.Status, res.Failure = Failed, fail
	res.Reason = firstLine(fmt.Sprintf("step %d (%s, %s:%d): %s", i+1, st.Kind(), st.File, st.Line, msg))
	for j := i + 1; j < len(s.f.Steps); j++ {
		rest := stepResult(j, &s.f.Steps[j])
		rest.Status, rest.Message = Skipped, "an earlier step failed"
		res.Steps = append(res.Steps, rest)
	}
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
		return guid.NewString(), true
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
