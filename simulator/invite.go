package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/callconform/callconform/internal/guid"
)

// inviteRequest is the body of POST .../participants/invite.
type inviteRequest struct {
	invitees      []invitee
	clientContext *string
	replaces      *guid.GUID // replacesCallId of the first participant
	replacesRaw   string
}

type invitee struct {
	identity json.RawMessage
	info     object
}

// parseInvite validates an invite body: participants is a non-empty array
// of at most 5 objects, each with an identity object; the first one's
// replacesCallId (others are ignored) is a call id or a call path;
// clientContext is a string of at most 256 characters.
func parseInvite(o object) (*inviteRequest, error) {
	a, ok, err := o.array("participants")
	if err != nil {
		return nil, err
	}
	if !ok || len(a) == 0 {
		return nil, errors.New("participants must list at least one participant to invite")
	}
	if len(a) > maxInvitees {
		return nil, fmt.Errorf("participants lists %d participants; at most %d can be invited at once", len(a), maxInvitees)
	}
	req := &inviteRequest{}
	for i, v := range a {
		info, identity, err := participantInfo(fmt.Sprintf("participants[%d]", i), v)
		if err != nil {
			return nil, err
		}
		req.invitees = append(req.invitees, invitee{identity: identity, info: info})
	}
	first := req.invitees[0].info
	ref, ok, err := first.str("replacesCallId")
	if err != nil {
		return nil, errors.New("participants[0].replacesCallId must be a string")
	}
	if ok {
		i, valid := parseCallRef(ref)
		if !valid {
			return nil, fmt.Errorf("participants[0].replacesCallId %q is neither a call id nor a call path such as /app/calls/{id}", ref)
		}
		req.replaces, req.replacesRaw = &i, ref
	}
	if req.clientContext, err = o.clientContext(); err != nil {
		return nil, err
	}
	return req, nil
}

// lenientInvite reads whatever it can of an invite body, checking nothing
// (Break no-body-validation).
func lenientInvite(body []byte) *inviteRequest {
	req := &inviteRequest{}
	var o object
	if json.Unmarshal(body, &o) != nil {
		return req
	}
	a, _, _ := o.array("participants")
	for _, v := range a {
		var info object
		if json.Unmarshal(v, &info) != nil {
			continue
		}
		identity, _ := info.rawObject("identity")
		req.invitees = append(req.invitees, invitee{identity: identity, info: info})
	}
	if len(req.invitees) > 0 {
		if ref, ok, _ := req.invitees[0].info.str("replacesCallId"); ok {
			if i, valid := parseCallRef(ref); valid {
				req.replaces, req.replacesRaw = &i, ref
			}
		}
	}
	if s, ok, _ := o.str("clientContext"); ok {
		req.clientContext = &s
	}
	return req
}

// handleInvite is POST /app/calls/{id}/participants/invite on an
// established call. It answers 202 Accepted + Location of the operation (or
// 200 OK + Location + the operation with InviteAnswer "200"), then notifies,
// in order on the call's callback: the operation's completion (deleted,
// status completed) and the roster (updated, all participants). With
// replacesCallId, once both were delivered or given up, the replaced call is
// notified terminated (AppInitiated) and deleted on its own callback.
func (s *Simulator) handleInvite(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := s.readInvite(w, r)
	if !ok {
		return
	}
	replaced, ok := s.claimReplaced(w, c, p, req)
	if !ok {
		return
	}
	op, ok := s.startInvite(w, r, c, replaced, req)
	if !ok {
		return
	}
	s.writeInviteAnswer(w, r, c, op)
}

// readInvite reads and validates the invite body, or with Break
// no-body-validation reads whatever it can; it writes the refusal.
func (s *Simulator) readInvite(w http.ResponseWriter, r *http.Request) (*inviteRequest, bool) {
	if !s.broken(BreakNoBodyValidation) {
		return decode(w, r, parseInvite)
	}
	body, ok := readBody(w, r)
	if !ok {
		return nil, false
	}
	return lenientInvite(body), true
}

// claimReplaced finds the call req replaces, if any, and marks it as being
// replaced, so that no other invite can replace it; it writes 400 for an
// unknown call or the call invited into, 409 for a call already ending or
// being replaced. release undoes the mark.
func (s *Simulator) claimReplaced(w http.ResponseWriter, c *call, p *principal, req *inviteRequest) (*call, bool) {
	if req.replaces == nil {
		return nil, true
	}
	replaced := s.calls.get(*req.replaces)
	if replaced == nil || replaced.owner != p.appID {
		writeError(w, http.StatusBadRequest, codeBadRequest,
			fmt.Sprintf("participants[0].replacesCallId: call %q not found", req.replacesRaw))
		return nil, false
	}
	if replaced == c {
		writeError(w, http.StatusBadRequest, codeBadRequest,
			"participants[0].replacesCallId names the call being invited into")
		return nil, false
	}
	replaced.mu.Lock()
	busy := replaced.replacing || replaced.state == stateTerminated || replaced.state == stateTerminating
	if !busy {
		replaced.replacing = true
	}
	replaced.mu.Unlock()
	if busy {
		writeError(w, http.StatusConflict, codeInvalidCallState,
			fmt.Sprintf("participants[0].replacesCallId: call %q is already ending or being replaced", req.replacesRaw))
		return nil, false
	}
	return replaced, true
}

// release gives up the claim of claimReplaced on c (nil: none).
func release(c *call) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.replacing = false
	c.mu.Unlock()
}

// startInvite adds the invitees to c, which must be established (409
// otherwise, and the replaced call is released), creates the operation and
// queues its notifications. It returns the operation as the answer shows
// it: running, as it was before its notifications were queued.
func (s *Simulator) startInvite(w http.ResponseWriter, r *http.Request, c, replaced *call, req *inviteRequest) (operationJSON, bool) {
	opType := typeCommsOperation
	if replaced != nil {
		opType = typeInviteOperation
	}
	c.mu.Lock()
	if c.state != stateEstablished {
		state := c.state
		c.mu.Unlock()
		release(replaced)
		writeError(w, http.StatusConflict, codeInvalidCallState,
			fmt.Sprintf("call %s is %s; participants can be invited only into an established call", r.PathValue("id"), state))
		return operationJSON{}, false
	}
	op := newOperation(opType, req.clientContext, s.clock.Now())
	c.ops[op.id] = op
	for _, inv := range req.invitees {
		c.addParticipant(guid.New(), inv.identity, inv.info)
	}
	opNote, rosterNote := s.inviteNotes(c, op)
	body := op.body()
	c.mu.Unlock()
	s.sendInviteNotes(c, op, opNote, rosterNote, replaced)
	return body, true
}

// inviteNotes returns the operation's completion and the roster
// notifications of an invite into c; c.mu must be held.
func (s *Simulator) inviteNotes(c *call, op *operation) (opNote, rosterNote *delivery) {
	opRes := s.resource(c) + "/operations/" + s.noteID(op.id)
	if s.broken(BreakWrongResource) {
		opRes = c.root + "/" + s.noteID(guid.New()) + "/operations/" + s.noteID(op.id)
	}
	done := operationJSON{OdataType: op.odataType, OdataID: opRes, OdataEtag: c.nextEtag(),
		Status: statusCompleted, ClientContext: op.clientContext}
	url, aud, res := c.callback, c.owner.String(), s.resource(c)
	opNote = &delivery{url: url, aud: aud, body: encodeNotification("deleted", opRes, done)}
	rosterNote = &delivery{url: url, aud: aud, body: encodeNotification("updated", res+"/participants", s.roster(c))}
	return opNote, rosterNote
}

// sendInviteNotes queues the notifications of an invite into c: the
// operation completes as its completion is sent, and the replaced call (if
// any) ends once the last of them was delivered or given up. The breaks
// reorder or drop them.
func (s *Simulator) sendInviteNotes(c *call, op *operation, opNote, rosterNote *delivery, replaced *call) {
	complete := func() bool {
		t := s.clock.Now()
		c.mu.Lock()
		op.complete(t)
		c.mu.Unlock()
		return true
	}
	var after func()
	if replaced != nil {
		after = func() {
			if s.calls.remove(replaced.id) {
				s.terminate(replaced, false)
			}
		}
	}
	opNote.before = complete
	switch {
	case s.broken(BreakSkipOperationNotification):
		rosterNote.before, rosterNote.after = complete, after
		s.notifier.enqueue(&c.q, rosterNote)
	case s.broken(BreakRosterBeforeOperation):
		opNote.after = after
		s.notifier.enqueue(&c.q, rosterNote, opNote)
	default:
		rosterNote.after = after
		s.notifier.enqueue(&c.q, opNote, rosterNote)
	}
}

// writeInviteAnswer writes the answer to an accepted invite: 202 with the
// operation's Location, or 200 with its body too (InviteAnswer "200"),
// as the breaks change it.
func (s *Simulator) writeInviteAnswer(w http.ResponseWriter, r *http.Request, c *call, op operationJSON) {
	if !s.broken(BreakInviteNoLocation) {
		w.Header().Set("Location", s.base(r)+root(r)+"/"+c.id.String()+"/operations/"+op.ID)
	}
	status := http.StatusAccepted
	if s.cfg.InviteAnswer == "200" {
		status = http.StatusOK
	}
	if s.broken(BreakInviteWrongStatus) {
		status = http.StatusCreated
	}
	if s.cfg.InviteAnswer == "200" {
		writeJSON(w, status, op)
		return
	}
	w.WriteHeader(status)
}
