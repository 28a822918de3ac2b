package simulator

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/callconform/callconform/internal/guid"
)

// transferRequest is the validated body of POST .../transfer.
type transferRequest struct {
	replaces      string // replacesCallId as sent: a consultative transfer; "" for a blind one
	transferee    bool   // a transferee was named
	clientContext *string
}

// parseTransfer validates a transfer body under p: the target (named
// target under beta-2018, transferTarget under v1.0), an
// invitationParticipantInfo with an identity (a user, an application, or a
// phone), whose optional replacesCallId, a call id in any casing (or under
// beta-2018 a call path), makes the transfer consultative; the optional
// transferee, a participantInfo with an identity; clientContext.
func (p *profile) parseTransfer(o object) (*transferRequest, error) {
	name := p.transferTargetField
	if !o.present(name) {
		if other := otherTransferTarget(name); o.present(other) {
			return nil, fmt.Errorf("%s is required (%s is the other profile's name for it)", name, other)
		}
		return nil, fmt.Errorf("%s is required: the participant the call is transferred to", name)
	}
	target, _, err := participantInfo(name, o[name])
	if err != nil {
		return nil, err
	}
	req := &transferRequest{}
	ref, ok, err := target.str("replacesCallId")
	if err != nil {
		return nil, fmt.Errorf("%s.replacesCallId must be a string", name)
	}
	if ok {
		if _, valid := p.callRef(ref); !valid {
			return nil, fmt.Errorf("%s.replacesCallId %q is not a call id", name, ref)
		}
		req.replaces = ref
	}
	if o.present("transferee") {
		if _, _, err := participantInfo("transferee", o["transferee"]); err != nil {
			return nil, err
		}
		req.transferee = true
	}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

func otherTransferTarget(name string) string {
	if name == "target" {
		return "transferTarget"
	}
	return "target"
}

// callRef reads a reference to a call: an id in any casing, or where the
// profile allows it a call path.
func (p *profile) callRef(ref string) (guid.GUID, bool) {
	if p.replacesByPath {
		return parseCallRef(ref)
	}
	return guid.Parse(ref)
}

// failedResultInfo is the resultInfo of a failed transfer as the v1.0
// transfer page writes it: numbers, and the key spelled subCode (the
// resource page and the completed transfer spell it subcode).
type failedResultInfo struct {
	OdataType string `json:"@odata.type"`
	Code      int    `json:"code"`
	SubCode   int    `json:"subCode"`
	Message   string `json:"message"`
}

// transferFailedJSON is a call brought back to established by a failed
// transfer; a consultative one also says what it replaced.
type transferFailedJSON struct {
	callJSON
	ReplacesContext string `json:"replacesContext,omitempty"`
}

// handleTransfer is POST {root}/{id}/transfer on an established call.
// beta-2018: 200 OK and a commsOperation (Running); v1.0: 202 Accepted
// without a body. Then, in order: updated transferring; when the target
// accepts (the default), updated transferAccepted (beta-2018
// transfer-accepted), the operation's completion (beta-2018), and the end:
// beta-2018 terminated (AppTransferred) then a bare deleted, v1.0 one
// deleted with state terminated and resultInfo 0/7015 (a consultative
// transfer: terminationReason AppTransferred instead). When the
// test-control API armed the call's transfer to be declined (POST
// /_control/transfer-reject), the operation fails and the call is updated
// back to established with resultInfo 500/7000 (consultative: 500/7700 and
// a replacesContext), the key spelled subCode as the page spells it. A call
// that is not established answers 409 InvalidCallState; a transfer from a
// group call without a transferee (v1.0) 400.
func (s *Simulator) handleTransfer(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := decode(w, r, s.prof.parseTransfer)
	if !ok {
		return
	}
	c.mu.Lock()
	if c.state != stateEstablished {
		state := c.state
		c.mu.Unlock()
		writeError(w, http.StatusConflict, codeInvalidCallState,
			fmt.Sprintf("call %s is %s; only an established call can be transferred", r.PathValue("id"), state))
		return
	}
	if s.prof.transfereeForGroup && !req.transferee && c.isGroup() {
		c.mu.Unlock()
		writeError(w, http.StatusBadRequest, codeBadRequest, "transferee is required to transfer from a group call")
		return
	}
	declined := c.armed.transfer == declines
	c.armed.transfer = accepts
	c.state = stateTransferring
	form := s.prof.transferAnswer
	op, body := s.startHandoff(c, form, req.clientContext)
	n := s.callNote(c)
	n.State = stateTransferring
	ds := []*delivery{s.note(c, "updated", "", n)}
	if declined {
		ds = append(ds, s.transferFailedNotes(c, op, req.replaces)...)
	} else {
		ds = append(ds, s.transferDoneNotes(c, op, req.replaces != "")...)
	}
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, ds...)
	writeHandoffAnswer(w, form, op, body)
}

// transferDoneNotes returns the notifications of a transfer the target
// accepted: transferAccepted, the operation's completion, and c's end.
// The call leaves the store as its end is sent (404 from then on); if it
// had ended already (DELETE, a deadline), those notifications are not
// sent. c.mu must be held.
func (s *Simulator) transferDoneNotes(c *call, op *operation, consultative bool) []*delivery {
	var ds []*delivery
	if !s.broken(BreakNoTransferAccepted) {
		n := s.callNote(c)
		n.State = s.prof.transferAcceptedState
		d := s.note(c, "updated", "", n)
		d.before = func() bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.state != stateTransferring {
				return false
			}
			c.state = s.prof.transferAcceptedState
			return true
		}
		ds = append(ds, d)
	}
	if op != nil {
		ds = append(ds, s.opNote(c, op, nil))
	}
	end := finish{reason: reasonAppTransferred}
	if s.prof.transferResult && !consultative {
		end = finish{why: &endTransferred}
	}
	gone := s.finishNotes(c, end)
	won := false
	gone[0].before = func() bool {
		if won = s.calls.remove(c.id); won {
			c.mu.Lock()
			c.retire()
			c.mu.Unlock()
		}
		return won
	}
	for _, d := range gone[1:] {
		d.before = func() bool { return won }
	}
	return append(ds, gone...)
}

// transferFailedNotes returns the notifications of a transfer the target
// declined: the operation fails, and c is established again, with the
// resultInfo of the failure. c.mu must be held.
func (s *Simulator) transferFailedNotes(c *call, op *operation, replaces string) []*delivery {
	why := transferFailed
	if replaces != "" {
		why = consultFailed
	}
	var ds []*delivery
	if op != nil {
		ds = append(ds, s.opNote(c, op, &why))
	}
	n := transferFailedJSON{callJSON: s.callNote(c), ReplacesContext: replaces}
	n.State = stateEstablished
	if !s.broken(BreakTransferFailureNoResult) {
		n.ResultInfo = s.failureResult(why)
	}
	back := s.note(c, "updated", "", n)
	back.before = func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.state != stateTransferring {
			return false
		}
		c.state = stateEstablished
		return true
	}
	return append(ds, back)
}

// failureResult writes the resultInfo of a failed transfer: numbers under
// a profile with numeric results, strings otherwise, the key spelled
// subCode under both, as the pages do.
func (s *Simulator) failureResult(why endReason) any {
	if !s.prof.numericResults {
		return s.resultInfo(why) // {code, subCode} strings
	}
	code, _ := strconv.Atoi(why.code) // endReason values are constants, checked by a test
	sub, _ := strconv.Atoi(why.subCode)
	return &failedResultInfo{OdataType: typeResultInfo, Code: code, SubCode: sub, Message: why.message}
}
