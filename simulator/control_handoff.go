package simulator

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/callconform/callconform/internal/guid"
)

// Test-control capabilities that decide what the far end of a transfer or
// a redirect does. Each is POST /_control/{capability} with the body
// {"callId": "<id in any casing, dashed or not>"} and answers
// 200 {"callId": "<dashed id>", "transfer"|"redirect": "accept"|"reject"};
// an unknown or ended call answers 404, a body without a call id 400.
//
// The outcome is armed BEFORE the operation, never raced against it: a
// call's next transfer (redirect) is accepted by its target unless
// transfer-reject (redirect-reject) was posted for the call since its last
// transfer (redirect), and the operation reads the armed outcome when it
// is requested, then disarms it. transfer-accept (redirect-accept) arms the
// default again, undoing an earlier reject. Posting one while a transfer
// is under way changes the next transfer, not that one.
const (
	// CapabilityTransferAccept arms a call's next transfer to be accepted
	// by its target (the default).
	CapabilityTransferAccept = "transfer-accept"
	// CapabilityTransferReject arms a call's next transfer to be declined
	// by its target: the call is established again, with resultInfo
	// 500/7000 (consultative: 500/7700).
	CapabilityTransferReject = "transfer-reject"
	// CapabilityRedirectAccept arms a call's next redirect to be accepted
	// by its targets (the default).
	CapabilityRedirectAccept = "redirect-accept"
	// CapabilityRedirectReject arms a call's next redirect to be declined
	// by every target: the call ends with resultInfo 480/10076.
	CapabilityRedirectReject = "redirect-reject"
)

// handoffCapabilities lists the capabilities above, for GET /_control.
func handoffCapabilities() []string {
	return []string{CapabilityTransferAccept, CapabilityTransferReject, CapabilityRedirectAccept, CapabilityRedirectReject}
}

// handoffRoutes adds the test-control routes that arm outcomes to m.
func (s *Simulator) handoffRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_control/"+CapabilityTransferAccept, s.armOutcome("transfer", accepts))
	m.HandleFunc("POST /_control/"+CapabilityTransferReject, s.armOutcome("transfer", declines))
	m.HandleFunc("POST /_control/"+CapabilityRedirectAccept, s.armOutcome("redirect", accepts))
	m.HandleFunc("POST /_control/"+CapabilityRedirectReject, s.armOutcome("redirect", declines))
}

// parseCallID reads the body of a test-control action on a call:
// {"callId": "<id>"}, the id in any casing, with or without dashes.
func parseCallID(o object) (guid.GUID, error) {
	raw, ok, err := o.str("callId")
	if err != nil {
		return guid.GUID{}, err
	}
	if !ok {
		return guid.GUID{}, errors.New("callId is required: the id of the call to act on")
	}
	i, ok := guid.Parse(raw)
	if !ok {
		return guid.GUID{}, fmt.Errorf("callId %q is not a call id", raw)
	}
	return i, nil
}

// armOutcome returns the handler that arms o as the outcome of the next
// operation of kind ("transfer" or "redirect") of the call its body names.
func (s *Simulator) armOutcome(kind string, o outcome) http.HandlerFunc {
	word := "accept"
	if o == declines {
		word = "reject"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := decode(w, r, parseCallID)
		if !ok {
			return
		}
		c := s.calls.get(id)
		if c == nil {
			writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("call %s not found", id))
			return
		}
		c.mu.Lock()
		if kind == "transfer" {
			c.armed.transfer = o
		} else {
			c.armed.redirect = o
		}
		c.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"callId": id.String(), kind: word})
	}
}
