package simulator

import (
	"fmt"
	"net/http"
	"strings"
)

// rejectReasons are the reasons a call may be rejected with, lower case:
// the pages list None, Busy and Forbidden and their examples send "busy"
// and "none"; any casing is accepted.
var rejectReasons = map[string]bool{"none": true, "busy": true, "forbidden": true}

// rejectRequest is the validated body of POST .../reject.
type rejectRequest struct {
	reason        string // lower case; "" when absent
	callback      string // "" when absent: the call's callback
	clientContext *string
}

// parseReject validates a reject body under p: reason (optional, one of
// none, busy, forbidden in any casing), the profile's callback member
// (optional, an absolute http(s) URL) and clientContext.
func (p *profile) parseReject(o object) (*rejectRequest, error) {
	var req rejectRequest
	reason, ok, err := o.str("reason")
	if err != nil {
		return nil, err
	}
	if ok {
		req.reason = strings.ToLower(reason)
		if !rejectReasons[req.reason] {
			return nil, fmt.Errorf("reason %q is not one of none, busy, forbidden", reason)
		}
	}
	if req.callback, err = p.optionalCallback(o); err != nil {
		return nil, err
	}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return &req, nil
}

// optionalCallback reads the profile's callback member of an operation that
// may name a new callback for the call (reject, redirect): "" when absent.
func (p *profile) optionalCallback(o object) (string, error) {
	if !o.present(p.callbackField()) {
		return "", nil
	}
	return p.callback(o)
}

// handleReject is POST {root}/{id}/reject on an incoming call. beta-2018:
// 200 OK and a commsOperation (Running), whose completion is notified;
// v1.0: 202 Accepted without a body. The call is gone at once (404 from
// then on) and its one last notification is a bare deleted, as both
// reject pages show it, posted to the request's callback when it names
// one. A call that is not incoming (answered already) answers 409
// InvalidCallState: reject "does not end existing calls that have already
// been answered".
func (s *Simulator) handleReject(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := decode(w, r, s.prof.parseReject)
	if !ok {
		return
	}
	if !lockIncoming(w, r, c, "rejected") {
		return
	}
	form := s.prof.rejectAnswer
	op, body := s.startHandoff(c, form, req.clientContext)
	if s.broken(BreakRejectIgnored) {
		c.mu.Unlock()
		writeHandoffAnswer(w, form, op, body)
		return
	}
	if req.callback != "" {
		c.callback = req.callback
	}
	var ds []*delivery
	if op != nil {
		ds = append(ds, s.opNote(c, op, nil))
	}
	ds = append(ds, s.finishNotes(c, finish{bare: true})...)
	c.retire()
	c.mu.Unlock()
	if s.calls.remove(c.id) {
		s.notifier.enqueue(&c.q, ds...)
	}
	writeHandoffAnswer(w, form, op, body)
}
