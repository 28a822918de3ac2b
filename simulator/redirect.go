package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Redirect limits of the v1.0 page: "up to 25 targets" (more than one is
// simulring), and a timeout "in seconds" from 15 to 90, by default 55 for
// one target and 60 for several.
const (
	maxRedirectTargets          = 25
	minRedirectTimeout          = 15
	maxRedirectTimeout          = 90
	defaultRedirectTimeout      = 55
	defaultSimulringTimeout     = 60
	redirectTimeoutRangeMessage = "timeout must be a whole number of seconds from 15 to 90"
)

// redirectRequest is the validated body of POST .../redirect.
type redirectRequest struct {
	targets       int
	timeout       int    // seconds; the default when absent
	callback      string // "" when absent: the call's callback
	clientContext *string
}

// parseRedirect validates a redirect body under p: targets (1 to 25;
// invitationParticipantInfo under v1.0, identity sets or objects with an
// identity under beta-2018), timeout, the optional callback, maskCallee and
// maskCaller (booleans), routingPolicies (strings) and clientContext.
func (p *profile) parseRedirect(o object) (*redirectRequest, error) {
	a, ok, err := o.array("targets")
	if err != nil {
		return nil, err
	}
	if !ok || len(a) == 0 {
		return nil, errors.New("targets must list at least one target to redirect the call to")
	}
	if len(a) > maxRedirectTargets {
		return nil, fmt.Errorf("targets lists %d targets; a call can be redirected to at most %d", len(a), maxRedirectTargets)
	}
	for i, v := range a {
		if err := p.redirectTarget(fmt.Sprintf("targets[%d]", i), v); err != nil {
			return nil, err
		}
	}
	req := &redirectRequest{targets: len(a)}
	if req.timeout, err = p.redirectTimeout(o, len(a)); err != nil {
		return nil, err
	}
	if err := redirectOptions(o); err != nil {
		return nil, err
	}
	if req.callback, err = p.optionalCallback(o); err != nil {
		return nil, err
	}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

// redirectTarget checks one target: an invitationParticipantInfo with an
// identity, or under beta-2018 also an identity set (the 2018 page's
// targets are identitySet).
func (p *profile) redirectTarget(name string, v json.RawMessage) error {
	if p.redirectTargetInfo {
		_, _, err := participantInfo(name, v)
		return err
	}
	var t object
	if kindOf(v) != '{' || json.Unmarshal(v, &t) != nil || len(t) == 0 {
		return fmt.Errorf("%s must be an identity set or a participant with an identity", name)
	}
	if t.present("identity") {
		_, _, err := participantInfo(name, v)
		return err
	}
	return nil
}

// redirectTimeout reads the optional timeout in seconds: under v1.0 a
// whole number from 15 to 90 (unless the range is broken), under
// beta-2018 any whole number, also written as a string (the 2018 page
// sends "60" and 99). Absent, it is 55 for one target, 60 for several.
func (p *profile) redirectTimeout(o object, targets int) (int, error) {
	if !o.present("timeout") {
		if targets > 1 {
			return defaultSimulringTimeout, nil
		}
		return defaultRedirectTimeout, nil
	}
	raw := strings.TrimSpace(string(o["timeout"]))
	if s, ok := jsonString(o["timeout"]); ok && !p.redirectTimeoutRange {
		raw = s
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, errors.New(redirectTimeoutRangeMessage)
	}
	if p.redirectTimeoutRange && (n < minRedirectTimeout || n > maxRedirectTimeout) {
		return 0, fmt.Errorf("%s, not %d", redirectTimeoutRangeMessage, n)
	}
	if n <= 0 {
		return 0, fmt.Errorf("timeout must be a positive number of seconds, not %d", n)
	}
	return n, nil
}

// redirectOptions checks the optional switches of a redirect.
func redirectOptions(o object) error {
	for _, k := range []string{"maskCallee", "maskCaller"} {
		if o.present(k) && !isBool(o[k]) {
			return fmt.Errorf("%s must be true or false", k)
		}
	}
	policies, _, err := o.array("routingPolicies")
	if err != nil {
		return err
	}
	for i, v := range policies {
		if _, ok := jsonString(v); !ok {
			return fmt.Errorf("routingPolicies[%d] must be a string", i)
		}
	}
	return nil
}

func isBool(v json.RawMessage) bool {
	s := strings.TrimSpace(string(v))
	return s == "true" || s == "false"
}

// handleRedirect is POST {root}/{id}/redirect on an incoming call.
// beta-2018: 200 OK and a commsOperation (Running); v1.0: 202 Accepted
// without a body. The call is handed to the targets at once (404 from then
// on); its notifications go to the request's callback when it names one:
// beta-2018 redirecting, the operation's completion, terminated
// (AppRedirected) and a bare deleted; v1.0 one deleted with state
// terminated and direction incoming. When the test-control API armed the
// call's redirect to be declined (POST /_control/redirect-reject), the
// targets decline: the operation fails and the call ends with resultInfo
// 480/10076. A call that is not incoming answers 409 InvalidCallState.
func (s *Simulator) handleRedirect(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := decode(w, r, s.prof.parseRedirect)
	if !ok {
		return
	}
	if !lockIncoming(w, r, c, "redirected") {
		return
	}
	declined := c.armed.redirect == declines
	c.armed.redirect = accepts
	if req.callback != "" {
		c.callback = req.callback
	}
	form := s.prof.redirectAnswer
	op, body := s.startHandoff(c, form, req.clientContext)
	ds := s.redirectNotes(c, op, declined)
	c.retire()
	c.mu.Unlock()
	if s.calls.remove(c.id) {
		s.notifier.enqueue(&c.q, ds...)
	}
	writeHandoffAnswer(w, form, op, body)
}

// redirectNotes returns the notifications of c's redirect, declined or
// not, in the profile's order. c.mu must be held.
func (s *Simulator) redirectNotes(c *call, op *operation, declined bool) []*delivery {
	var ds []*delivery
	if s.prof.redirecting {
		n := s.callNote(c)
		n.State = stateRedirecting
		ds = append(ds, s.note(c, "updated", "", n))
	}
	end := finish{direction: directionIncoming}
	var failed *endReason
	switch {
	case declined:
		failed = &endRedirectDeclined
		end.why = failed
	case s.prof.terminationReason:
		end.reason = reasonAppRedirected
	}
	if op != nil {
		ds = append(ds, s.opNote(c, op, failed))
	}
	return append(ds, s.finishNotes(c, end)...)
}
