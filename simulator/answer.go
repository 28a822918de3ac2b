package simulator

import (
	"fmt"
	"net/http"
)

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
	o, ok := readObject(w, r)
	if !ok {
		return
	}
	callback, err := o.callback()
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	accepted, hasAccepted, err := o.modalities("acceptModalities")
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	mediaConfig, err := o.rawObject("mediaConfig")
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	clientContext, err := o.clientContext()
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
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
	if !hasAccepted {
		accepted = c.requested
	}
	c.state = stateEstablishing
	c.callback = callback
	if mediaConfig != nil {
		c.mediaConfig = mediaConfig
	}
	s.armDeadline(c, stateEstablishing, s.establishTimeout, endNotEstablished)
	op := newOperation(typeCommsOperation, clientContext, s.clock.Now())
	c.ops[op.id] = op
	body := op.body()
	c.mu.Unlock()
	s.establish(c, nonNil(accepted), op)
	writeJSON(w, http.StatusOK, body)
}
