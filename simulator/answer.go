package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// answerRequest is the validated body of POST .../answer.
type answerRequest struct {
	callback      string
	accepted      []string // nil when absent: the call's requested modalities
	mediaConfig   json.RawMessage
	clientContext *string
}

// parseAnswer validates an answer body under p: the callback (required),
// the accepted modalities (required under v1.0), mediaConfig (required
// under v1.0) and clientContext.
func (p *profile) parseAnswer(o object) (*answerRequest, error) {
	var req answerRequest
	var err error
	if req.callback, err = p.callback(o); err != nil {
		return nil, err
	}
	accepted, ok, err := o.modalities(p.acceptField)
	if err != nil {
		return nil, err
	}
	if p.acceptRequired && len(accepted) == 0 {
		if other := otherAcceptField(p.acceptField); o.present(other) {
			return nil, renamed(p.acceptField, other)
		}
		return nil, fmt.Errorf("%s is required: at least one of audio, video, videoBasedScreenSharing", p.acceptField)
	}
	if ok {
		req.accepted = nonNil(accepted)
	}
	if req.mediaConfig, err = p.mediaConfig(o, false); err != nil {
		return nil, err
	}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return &req, nil
}

func otherAcceptField(name string) string {
	if name == "acceptModalities" {
		return "acceptedModalities"
	}
	return "acceptModalities"
}

// handleAnswer is POST {root}/{id}/answer on an incoming call. beta-2018:
// 200 OK and a commsOperation (status "Running"); v1.0: 202 Accepted
// without a body. Then notifications establishing and established (with
// the accepted modalities). A call that is not incoming answers 409
// InvalidCallState.
func (s *Simulator) handleAnswer(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := decode(w, r, s.prof.parseAnswer)
	if !ok {
		return
	}
	if !lockIncoming(w, r, c, "answered") {
		return
	}
	accepted := req.accepted
	if accepted == nil {
		accepted = c.requested
	}
	c.state = stateEstablishing
	c.callback = req.callback
	if req.mediaConfig != nil {
		c.mediaConfig = req.mediaConfig
	}
	s.armDeadline(c, stateEstablishing, s.establishTimeout, endNotEstablished)
	var op *operation
	var body operationJSON
	if s.prof.answerBody {
		op = s.newOperation(typeCommsOperation, req.clientContext, nil)
		c.ops[op.id] = op
		body = s.operationBody(op)
	}
	c.mu.Unlock()
	s.establish(c, nonNil(accepted), op)
	if op == nil {
		w.WriteHeader(s.prof.answerStatus)
		return
	}
	writeJSON(w, s.prof.answerStatus, body)
}

// lockIncoming locks c if it is incoming (ringing); else it writes 409
// InvalidCallState, saying that only an incoming call can be done what
// (answered, rejected, redirected), and returns false with c unlocked.
func lockIncoming(w http.ResponseWriter, r *http.Request, c *call, done string) bool {
	c.mu.Lock()
	if c.state == stateIncoming {
		return true
	}
	state := c.state
	c.mu.Unlock()
	writeError(w, http.StatusConflict, codeInvalidCallState,
		fmt.Sprintf("call %s is %s; only an incoming call can be %s", r.PathValue("id"), state, done))
	return false
}
