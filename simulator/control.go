package simulator

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/callconform/callconform/internal/guid"
)

// CapabilityIncomingCall is the test-control capability to place a call to
// the bot.
//
// The test-control API lets a harness cause what only the outside world
// causes. It needs no Graph token (a harness drives it, not a bot) and
// answers errors in the Graph error shape (400, 405, 413, 415, 429).
//
//	GET  /_control                 → 200 {"capabilities":["incoming-call", "transfer-accept", "participant-answer", ...]}
//	POST /_control/incoming-calls  {callback, source?, targets?, requestedModalities?}
//	                               → 201 {"id": "<dashed id>", "resource": "{root}/<id>"}
//	                                 + Location of the call
//
// callback is required, an absolute http(s) URL, and is named callback
// under every profile; source is a participantInfo (default: a test user),
// targets an array of them (default: the bot), requestedModalities
// defaults to ["audio"]. The call belongs to the bot (AppID), its
// notifications use the profile's root (/app/calls, /communications/calls),
// and its created notification (state incoming, direction incoming,
// source, targets, requestedModalities; under v1.0 also id and
// myParticipantId, in the v1.0 shape) is POSTed to callback. If the bot
// does not answer it within Config.AnswerTimeout of that notification, the
// call ends as the real service ends it (beta-2018: terminated with
// resultInfo 408/1106, then deleted; v1.0: deleted, with the same).
// Past Config.MaxCalls live calls it answers 429 with Retry-After.
//
//	POST /_control/transfer-accept {callId}  → 200: the call's next transfer is accepted (the default)
//	POST /_control/transfer-reject {callId}  → 200: its next transfer is declined (back to established, 500/7000)
//	POST /_control/redirect-accept {callId}  → 200: its next redirect is accepted (the default)
//	POST /_control/redirect-reject {callId}  → 200: its next redirect is declined (the call ends, 480/10076)
//
// These four arm an outcome before the operation, so that no outcome races
// with an automatic one; CapabilityTransferAccept says more.
//
// The other actions act on a call that exists. Each body names it,
// {"callId": "<id>"} (member names in any casing, the id dashed or not, in
// any case); each answers 200 {"callId", "participantId"?, "armed"?}, 400
// for a bad body, 404 for an unknown call or participant, 409 for a call
// whose state does not allow it:
//
//	POST /_control/participant-answer  {callId, participantId | identityId}
//	    a waiting invitee joins: its invite completes, the roster shows it
//	POST /_control/participant-answer  {callId, "wait": true}
//	    arms the call: its next invitee waits for participant-answer,
//	    participant-decline or a DELETE of it (which cancels the invite)
//	POST /_control/participant-decline {callId, participantId | identityId}
//	    a waiting invitee declines: its invite fails (603) unless another
//	    invitee of it joined; no roster shows it
//	POST /_control/participant-decline {callId}
//	    arms the call: its next invitee declines
//	POST /_control/participant-hang-up {callId, participantId | identityId}
//	    a participant (not the bot) leaves: the content sharing session it
//	    presents ends, and a roster update no longer shows it
//	POST /_control/tone                {callId, tone}
//	    the caller presses tone0..tone9, star, pound, a..d or flash (any
//	    case) in a call subscribed to tones: updated on the call with
//	    toneInfo {sequenceId: 1, 2, ..., tone}; 409 before subscribeToTone
//	POST /_control/meeting-join        {callId, identity, contentSharing?}
//	    someone (an identitySet) joins the established group call: a roster
//	    update shows them; with "contentSharing": true they share content,
//	    notified (v1.0, a call created with
//	    callOptions.isContentSharingNotificationEnabled) as a
//	    contentSharingSession created, or updated when one was under way
//
// Outcomes are deterministic: an invitee answers at once unless the call
// was armed before the invite; each armed outcome is taken by one
// invitee, in the order armed. participantId is the participant's id (GET
// {root}/{id}/participants lists waiting invitees too); identityId is the
// id of one of its identities (user, application, phone, ...).
const CapabilityIncomingCall = "incoming-call"

// testUserID is the default caller of an incoming call: the page's Test User.
const testUserID = "8A34A46B-3D17-4ADC-8DCE-DC4E7D572698"

// handleControl is GET /_control: the capabilities of the control API.
func (s *Simulator) handleControl(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Capabilities []string `json:"capabilities"`
	}{slices.Concat([]string{CapabilityIncomingCall}, handoffCapabilities(), mediaCapabilities())})
}

// incomingRequest is the validated body of POST /_control/incoming-calls;
// absent members are nil.
type incomingRequest struct {
	callback       string
	source         json.RawMessage // compacted
	sourceInfo     object
	sourceIdentity json.RawMessage
	targets        []json.RawMessage
	requested      []string
}

// parseIncomingCall validates the body of an incoming call: callback
// (required), and the optional source, targets and requestedModalities.
func parseIncomingCall(o object) (*incomingRequest, error) {
	var req incomingRequest
	var err error
	if req.callback, err = o.callback(); err != nil {
		return nil, err
	}
	if o.present("source") {
		if req.sourceInfo, req.sourceIdentity, err = participantInfo("source", o["source"]); err != nil {
			return nil, err
		}
		req.source = compact(o["source"])
	}
	if req.targets, err = o.participantInfos("targets"); err != nil {
		return nil, err
	}
	if req.requested, _, err = o.modalities("requestedModalities"); err != nil {
		return nil, err
	}
	return &req, nil
}

// handleIncomingCall is POST /_control/incoming-calls: place a call to the bot.
func (s *Simulator) handleIncomingCall(w http.ResponseWriter, r *http.Request) {
	req, ok := decode(w, r, parseIncomingCall)
	if !ok {
		return
	}
	c := s.newIncomingCall(req)
	s.armKeepAlive(c)
	n := s.callNote(c)
	n.State, n.Direction = stateIncoming, directionIncoming
	n.Source, n.Targets, n.RequestedModalities = c.source, c.targets, c.requested
	if s.prof.createdIDs {
		n.ID, n.MyParticipantID = c.id.String(), c.bot.String()
	}
	created := s.note(c, "created", "", n)
	res := s.resource(c)
	if !s.addCall(w, c) {
		c.stopTimers()
		return
	}
	// The bot has AnswerTimeout to answer from the moment it was told.
	answerBy := func() {
		c.mu.Lock()
		s.armDeadline(c, stateIncoming, s.answerTimeout, endNotAnswered)
		c.mu.Unlock()
	}
	created.after = answerBy
	s.notifier.enqueue(&c.q, created)
	w.Header().Set("Location", s.base(r)+s.prof.root+"/"+c.id.String())
	writeJSON(w, http.StatusCreated, struct {
		ID       string `json:"id"`
		Resource string `json:"resource"`
	}{c.id.String(), res})
}

// newIncomingCall returns the call req places, not yet stored, with the
// defaults of absent members: the page's Test User calls the bot, for audio.
func (s *Simulator) newIncomingCall(req *incomingRequest) *call {
	source, sourceIdentity := req.source, s.identity(req.sourceIdentity)
	if source == nil {
		sourceIdentity = s.identity(mustMarshal(map[string]any{"user": map[string]string{"displayName": "Test User", "id": testUserID}}))
		source = mustMarshal(map[string]any{"@odata.type": typeParticipantInfo, "identity": sourceIdentity})
	}
	targets := req.targets
	if len(targets) == 0 {
		t, _ := json.Marshal(map[string]any{"@odata.type": typeParticipantInfo, "identity": s.botIdentity()})
		targets = []json.RawMessage{t}
	}
	requested := req.requested
	if requested == nil {
		requested = []string{"audio"}
	}
	c := &call{
		id: guid.New(), owner: s.appID, root: s.prof.root, direction: directionIncoming,
		chainID: guid.New(), bot: guid.New(), created: s.clock.Now(),
		state: stateIncoming, callback: req.callback, source: source,
		requested: requested, ops: make(map[guid.GUID]*operation),
	}
	c.targets, _ = json.Marshal(targets)
	c.addParticipant(guid.New(), sourceIdentity, req.sourceInfo)
	c.addParticipant(c.bot, s.botIdentity(), nil)
	return c
}
