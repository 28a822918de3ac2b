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

// parseInvite validates an invite body under p: participants is a
// non-empty array of at most 5 objects, each with an identity object; the
// first one's replacesCallId (others are ignored) is a call id, or under
// beta-2018 also a call path; clientContext is a string of at most 256
// characters.
func (p *profile) parseInvite(o object) (*inviteRequest, error) {
	a, ok, err := o.array("participants")
	if err != nil {
		return nil, err
	}
	if !ok || len(a) == 0 {
		return nil, errors.New("participants must list at least one participant to invite")
	}
	if p.maxInvitees > 0 && len(a) > p.maxInvitees {
		return nil, fmt.Errorf("participants lists %d participants; at most %d can be invited at once", len(a), p.maxInvitees)
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
		i, err := p.replacesCallID(ref)
		if err != nil {
			return nil, err
		}
		req.replaces, req.replacesRaw = &i, ref
	}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

// replacesCallID reads the replacesCallId of an invite: a call id in any
// casing, with or without dashes, or under beta-2018 a call path too.
func (p *profile) replacesCallID(ref string) (guid.GUID, error) {
	if i, ok := guid.Parse(ref); ok {
		return i, nil
	}
	if !p.replacesByPath {
		return guid.GUID{}, fmt.Errorf("participants[0].replacesCallId %q is not a call id", ref)
	}
	if i, ok := parseCallRef(ref); ok {
		return i, nil
	}
	return guid.GUID{}, fmt.Errorf("participants[0].replacesCallId %q is neither a call id nor a call path such as /app/calls/{id}", ref)
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

// handleInvite is POST {root}/{id}/participants/invite on an established
// call. It answers as the profile does (beta-2018: 202 Accepted + Location
// of the operation, or 200 OK + Location + the operation with InviteAnswer
// "200"; v1.0: 200 OK + Location + the inviteParticipantsOperation), then
// notifies, in order on the call's callback: the operation's completion
// (deleted, status completed) and the roster (updated, all participants).
// With replacesCallId, once both were delivered or given up, the replaced
// call ends on its own callback: beta-2018 terminated (AppInitiated) and
// deleted; v1.0 terminating and deleted (terminated, resultInfo 200/7015).
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
		return decode(w, r, s.prof.parseInvite)
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
	opType := s.prof.inviteOpType
	if replaced != nil {
		opType = s.prof.replaceOpType
	}
	c.mu.Lock()
	if c.state != stateEstablished && !s.broken(BreakInviteNotEstablished) {
		state := c.state
		c.mu.Unlock()
		release(replaced)
		writeError(w, http.StatusConflict, codeInvalidCallState,
			fmt.Sprintf("call %s is %s; participants can be invited only into an established call", r.PathValue("id"), state))
		return operationJSON{}, false
	}
	for i := range req.invitees {
		req.invitees[i].identity = s.identity(req.invitees[i].identity)
	}
	op := s.newOperation(opType, req.clientContext, s.invitationInfos(req.invitees))
	c.ops[op.id] = op
	if len(c.media.armed) > 0 { // an invitee declines or waits (test control)
		body := s.operationBody(op)
		s.startArmedInvite(c, op, req, replaced)
		return body, true
	}
	for _, inv := range req.invitees {
		c.addParticipant(guid.New(), inv.identity, inv.info)
	}
	opNote, rosterNote := s.inviteNotes(c, op)
	body := s.operationBody(op)
	c.mu.Unlock()
	s.sendInviteNotes(c, op, opNote, rosterNote, replaced)
	return body, true
}

// inviteNotes returns the operation's completion and the roster
// notifications of an invite into c; c.mu must be held.
func (s *Simulator) inviteNotes(c *call, op *operation) (opNote, rosterNote *delivery) {
	on, rel := c.id, "/operations/"+s.noteID(op.id)
	if s.broken(BreakWrongResource) {
		on = guid.New()
	}
	done := s.completionNote(c, op, c.root+"/"+s.noteID(on)+rel)
	opNote = &delivery{url: c.callback, aud: c.owner.String(), body: s.encodeOn("deleted", c.root, on, rel, done)}
	rosterNote = s.note(c, "updated", "/participants", s.roster(c))
	return opNote, rosterNote
}

// invitationInfos returns the invitees (their identities as the profile
// writes them) as an invite operation lists them (v1.0): each as sent,
// typed invitationParticipantInfo; nil when the profile lists none.
func (s *Simulator) invitationInfos(invitees []invitee) []json.RawMessage {
	if !s.prof.opParticipants {
		return nil
	}
	out := make([]json.RawMessage, len(invitees))
	for i, inv := range invitees {
		info := make(object, len(inv.info))
		for k, v := range inv.info {
			if k != "@odata.type" {
				info[k] = v
			}
		}
		if inv.identity != nil {
			info["identity"] = inv.identity
		}
		out[i] = typedObject(typeInvitationParticipant, info)
	}
	return out
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
				s.endCall(replaced, endReplaced)
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

// writeInviteAnswer writes the answer to an accepted invite as the profile
// (with its switches and breaks) says: its status, the operation's
// Location, and the operation as body.
func (s *Simulator) writeInviteAnswer(w http.ResponseWriter, r *http.Request, c *call, op operationJSON) {
	p := s.prof
	if p.inviteLocation {
		w.Header().Set("Location", s.base(r)+s.root(r)+"/"+c.id.String()+"/operations/"+op.ID)
	}
	if p.inviteBody {
		writeJSON(w, p.inviteStatus, op)
		return
	}
	w.WriteHeader(p.inviteStatus)
}
