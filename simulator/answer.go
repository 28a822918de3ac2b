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

// parseAnswer validates an answer body: callback (required), and the
// optional acceptModalities, mediaConfig and clientContext.
func parseAnswer(o object) (*answerRequest, error) {
	var req answerRequest
	var err error
	if req.callback, err = o.callback(); err != nil {
		return nil, err
	}
	accepted, ok, err := o.modalities("acceptModalities")
	if err != nil {
		return nil, err
	}
	if ok {
		req.accepted = nonNil(accepted)
	}
	if req.mediaConfig, err = o.rawObject("mediaConfig"); err != nil {
		return nil, err
	}
	if req.clientContext, err = o.clientContext(); err != nil {
		return nil, err
	}
	return &req, nil
}

// handleAnswer is POST /app/calls/{id}/answer on an incoming call: body
// callback (required), acceptModalities, mediaConfig, clientContext. 200 OK
// and a commsOperation (status "Running"), then notifications establishing
// and established (activeModalities = the accepted modalities). A call that
// is not incoming answers 409 InvalidCallState.
func (s *Simulator) handleAnswer(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := decode(w, r, parseAnswer)
	if !ok {
		return
	}
	c.mu.Lock()
	if c.state != stateIncoming {
		state := c.state
		c.mu.Unlock()
		writeError(w, http.StatusConflict, codeInvalidCallState,
			fmt.Sprintf("call %s is %s; only an incoming call can be answered", r.PathValue("id"), state))
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
	op := newOperation(typeCommsOperation, req.clientContext, s.clock.Now())
	c.ops[op.id] = op
	body := op.body()
	c.mu.Unlock()
	s.establish(c, nonNil(accepted), op)
	writeJSON(w, http.StatusOK, body)
}
