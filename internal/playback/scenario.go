package playback

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/guid"
)

// scenario is the state of one fixture being played. Every field is
// guarded by the Player's mu.
type scenario struct {
	m     *Player
	f     *fixture.Fixture
	x     *stepIndex // the send steps, compiled
	order int        // among the Player's scenarios
	// frontierKey is the shape the Player's frontier files it under: its
	// next send step's; "" when it waits for no request.
	frontierKey string
	vars        map[string]string // values fixed so far: by the bot, by Config.Vars, or minted
	next        int               // index of the first step not yet played
	stuck       bool              // a step could not be played: nothing after it happens
	steps       []stepState

	literalIDs   map[string]guid.GUID // normalized id an exemplar holds as written → the id served for it
	callbacks    map[string]string    // normalized call id → the callback the bot gave for it
	lastCallback string
	callPath     string // "/app/calls/<id>" of the call the bot named last

	queue   []*post
	running bool // a worker posts the queue
}

// stepState is what happened to one step.
type stepState struct {
	played     bool   // send: the bot made it; trigger, await: notifications queued
	pending    int    // notifications queued and not yet posted
	problem    string // why it could not be played, as Config.Explain words it
	cause      error  // the *StepError behind problem
	notes      []string
	request    string
	answer     int
	deliveries []Delivery
}

func newScenario(m *Player, f *fixture.Fixture) *scenario {
	s := &scenario{m: m, f: f, x: newStepIndex(f), vars: map[string]string{}, steps: make([]stepState, len(f.Steps)), callbacks: map[string]string{}, literalIDs: map[string]guid.GUID{}}
	for k, v := range m.cfg.Vars {
		s.vars[k] = v
	}
	if m.cfg.AppID != "" {
		s.vars["appId"] = m.cfg.AppID
	}
	if m.cfg.TenantID != "" {
		s.vars["tenantId"] = m.cfg.TenantID
	}
	return s
}

// bound returns a value the bot must send as it is.
func (s *scenario) bound(name string) (string, bool) {
	v, ok := s.vars[name]
	return v, ok
}

// lookup resolves a variable for what the mock sends: a fixed value, else
// the fixture's default or a built-in, which is then fixed too, since the
// bot has now seen it.
func (s *scenario) lookup(name string) (string, bool) {
	if v, ok := s.vars[name]; ok {
		return v, true
	}
	v, ok := s.f.Vars[name]
	if !ok {
		switch name {
		case "uuid":
			return guid.NewString(), true
		case "callbackUrl":
			return s.lastCallback, s.lastCallback != ""
		case "baseUrl":
			v = s.m.lastBase
			if s.m.cfg.BaseURL != "" {
				v = trimSlash(s.m.cfg.BaseURL)
			}
			ok = v != ""
		case "appId":
			v, ok = s.m.appID, true
		case "tenantId":
			v, ok = s.m.tenantID, true
		}
	}
	if ok {
		s.vars[name] = v
	}
	return v, ok
}

// ended reports whether nothing more can happen in the scenario.
func (s *scenario) ended() bool {
	return (s.stuck || s.next >= len(s.f.Steps)) && len(s.queue) == 0 && !s.running
}

// matchNext compares req with the scenario's next step, and returns what
// it binds when it matches.
func (s *scenario) matchNext(req *request) (map[string]string, bool) {
	if s.stuck || s.next >= len(s.f.Steps) {
		return nil, false
	}
	c := s.x.sends[s.next]
	if c == nil {
		return nil, false
	}
	diffs, binds := c.matchStep(req, s.bound, s.x, s.m.cfg.Strict)
	return binds, len(diffs) == 0
}

// candidates compares req with the send steps not made yet that it may be
// closest to (stepIndex.nearby): a bounded number, whatever the length of
// the scenario.
func (s *scenario) candidates(req *request) []candidate {
	if s.stuck {
		return nil
	}
	var out []candidate
	for _, i := range s.x.nearby(s.next, requestShapes(req)) {
		diffs, binds := s.x.sends[i].matchStep(req, s.bound, s.x, s.m.cfg.Strict)
		out = append(out, candidate{s: s, step: i, next: i == s.next, diffs: diffs, binds: binds})
	}
	return out
}

// take plays send step i, which req matched, and the steps that follow it
// up to the next send; it returns the answer.
func (s *scenario) take(i int, req *request, binds map[string]string, base string, ready chan struct{}) answer {
	for k, v := range binds {
		s.vars[k] = v
	}
	s.keepSentIDs(req)
	st := &s.steps[i]
	st.played = true
	st.request = req.shown()
	s.next = i + 1
	ans, notes, err := s.answer(i, base, versionPrefix(req.path, s.x.sends[i].path))
	st.notes = append(st.notes, notes...)
	if err != nil {
		problem := s.fail(i, err)
		s.m.logf("%s step %d: %s: the mock cannot answer: %s", s.f.ID, i+1, st.request, problem)
		return errorAnswer(500, "InternalServerError", "callconform mock: "+err.Error())
	}
	st.answer = ans.status
	s.noteCall(req.path, ans, binds)
	s.m.logf("%s step %d: %s → %d", s.f.ID, i+1, st.request, ans.status)
	for _, n := range notes {
		s.m.logf("%s step %d: note: %s", s.f.ID, i+1, n)
	}
	s.advance(ready)
	return ans
}

// versionPrefix returns the version prefix (/beta, /v1.0) a request's path
// has and the step's template does not, or "".
func versionPrefix(path, tmpl string) string {
	for _, pre := range versionPrefixes {
		if strings.HasPrefix(path, pre+"/") && !strings.HasPrefix(tmpl, pre+"/") {
			return pre
		}
	}
	return ""
}

// noteCall remembers the call a request (or its answer's Location) names,
// and the callback the bot gave for it.
func (s *scenario) noteCall(path string, ans answer, binds map[string]string) {
	callID, callPath := callIDIn(path), callPathIn(path)
	if callID == "" {
		loc := ans.header.Get("Location")
		callID, callPath = callIDIn(loc), callPathIn(loc)
	}
	if callPath != "" {
		s.callPath = callPath
	}
	if cb, ok := binds["callbackUrl"]; ok {
		s.lastCallback = cb
		if callID != "" {
			s.callbacks[guid.Normalize(callID)] = cb
		}
	}
}

// fail stops the scenario at step i, which cannot be played for err, and
// returns the problem as the report words it (Config.Explain).
func (s *scenario) fail(i int, err error) string {
	e := &StepError{Scenario: s.f.ID, Step: i + 1, Err: err}
	var problem string
	if s.m.cfg.Explain != nil {
		problem = s.m.cfg.Explain(e)
	}
	if problem == "" {
		problem = err.Error()
	}
	s.steps[i].problem, s.steps[i].cause = problem, e
	s.stuck = true
	return problem
}

var (
	callIDRE   = regexp.MustCompile(`/calls/([^/?#]+)`)
	callPathRE = regexp.MustCompile(`^(?:https?://[^/]+)?(?:/beta|/v1\.0)?(/[^?#]*?/calls/[^/?#]+)`)
)

// callPathIn returns the path of the call a path or URL names, such as
// "/app/calls/<id>" or "/applications/<app>/calls/<id>", or "".
func callPathIn(s string) string {
	if m := callPathRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// callIDIn returns the call id a path or URL names, or "".
func callIDIn(s string) string {
	if m := callIDRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// advance plays the steps from s.next up to the next send step: triggers
// and await blocks become queued notifications, released by ready.
func (s *scenario) advance(ready chan struct{}) {
	for !s.stuck && s.next < len(s.f.Steps) {
		i := s.next
		st := &s.f.Steps[i]
		var n int
		var err error
		switch st.Kind() {
		case "send":
			return
		case "trigger":
			n, err = s.playTrigger(i, ready)
		case "await":
			n, err = 1, s.playAwait(i, nil, ready)
		default:
			err = fmt.Errorf("a %s step cannot be played", st.Kind())
		}
		if err != nil {
			problem := s.fail(i, err)
			s.m.logf("%s step %d: cannot be played: %s", s.f.ID, i+1, problem)
			return
		}
		s.next = i + n
	}
}

// enqueue appends posts to the queue and starts its worker when idle.
func (s *scenario) enqueue(posts ...*post) {
	for _, p := range posts {
		s.steps[p.step].pending++
	}
	s.queue = append(s.queue, posts...)
	if !s.running && len(s.queue) > 0 {
		s.running = true
		s.m.wg.Add(1)
		go s.work()
	}
}

// work posts the queue in order, one at a time.
func (s *scenario) work() {
	defer s.m.wg.Done()
	m := s.m
	for {
		m.mu.Lock()
		if len(s.queue) == 0 {
			s.running = false
			m.checkFinished()
			m.mu.Unlock()
			return
		}
		p := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		m.mu.Unlock()
		d := m.deliver(p)
		m.mu.Lock()
		st := &s.steps[p.step]
		st.deliveries = append(st.deliveries, d)
		st.pending--
		m.logf("%s step %d: notification %s → %s: %s", s.f.ID, p.step+1, p.name, d.URL, d.outcome())
		m.mu.Unlock()
	}
}

// describe names step i for a reader.
func (s *scenario) describe(i int) string {
	if i >= len(s.f.Steps) {
		return fmt.Sprintf("%s: the end", s.f.ID)
	}
	st := &s.f.Steps[i]
	name := ""
	if st.Name != "" {
		name = st.Name + ", "
	}
	return fmt.Sprintf("%s step %d (%s%s:%d): %s", s.f.ID, i+1, name, st.File, st.Line, what(st))
}

// what says what a step is, as the fixture writes it.
func what(st *fixture.Step) string {
	switch st.Kind() {
	case "send":
		return st.Send
	case "trigger":
		return "trigger " + st.Trigger
	case "await":
		var names []string
		for _, e := range st.Await.Expect {
			names = append(names, e.Name)
		}
		return "await " + strings.Join(names, ", ")
	}
	return st.Kind()
}

// report returns the scenario's part of the Report.
func (s *scenario) report() ScenarioReport {
	r := ScenarioReport{ID: s.f.ID, Title: s.f.Title, File: s.f.File}
	stopped := false
	for i := range s.f.Steps {
		st, ss := &s.f.Steps[i], &s.steps[i]
		sr := StepReport{Index: i + 1, Kind: st.Kind(), Name: st.Name, What: what(st), File: st.File, Line: st.Line, From: st.From,
			Request: ss.request, Answer: ss.answer, Problem: ss.problem, Err: ss.cause, Notes: slices.Clone(ss.notes),
			Notifications: slices.Clone(ss.deliveries)}
		switch {
		case ss.problem != "":
			sr.State, stopped = StepStopped, true
		case stopped && !ss.played:
			sr.State = StepNotReached
		case ss.played && ss.pending > 0:
			sr.State = StepInProgress
		case ss.played:
			sr.State = StepDone
		case st.Kind() == "send":
			sr.State = StepNeverMade
		default:
			sr.State = StepNotReached
		}
		r.Steps = append(r.Steps, sr)
	}
	return r
}
