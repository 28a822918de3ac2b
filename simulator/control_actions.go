package simulator

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/callconform/callconform/internal/guid"
)

// Test-control capabilities of the participant and media actions; each is
// the name of a trigger and the last segment of its POST /_control path.
// Each body names an existing call, {"callId": "<id>"} (the member's name
// in any casing, the id dashed or not, in any case): 404 when there is no
// such call, 400 for a bad body, 409 when the call's state does not allow
// the action. See the control.go documentation for each body and effect.
const (
	CapabilityParticipantAnswer  = "participant-answer"
	CapabilityParticipantDecline = "participant-decline"
	CapabilityParticipantHangUp  = "participant-hang-up"
	CapabilityTone               = "tone"
	CapabilityMeetingJoin        = "meeting-join"
)

// mediaCapabilities lists the capabilities of this file, for GET /_control.
func mediaCapabilities() []string {
	return []string{CapabilityParticipantAnswer, CapabilityParticipantDecline, CapabilityParticipantHangUp,
		CapabilityTone, CapabilityMeetingJoin}
}

// controlRoutes adds the test-control actions of this file to m, and
// where recordings are fetched.
func (s *Simulator) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_control/"+CapabilityParticipantAnswer, s.handleParticipantAnswer)
	m.HandleFunc("POST /_control/"+CapabilityParticipantDecline, s.handleParticipantDecline)
	m.HandleFunc("POST /_control/"+CapabilityParticipantHangUp, s.handleParticipantHangUp)
	m.HandleFunc("POST /_control/"+CapabilityTone, s.handleTone)
	m.HandleFunc("POST /_control/"+CapabilityMeetingJoin, s.handleMeetingJoin)
	m.HandleFunc("GET "+recordingsPath+"{callId}/{opId}", s.handleRecording)
}

// mediaRoutes adds the participant and media actions of the profile under
// root to m.
func (s *Simulator) mediaRoutes(m *http.ServeMux, root string) {
	mr := s.prof.media
	m.HandleFunc("POST "+root+"/{id}/mute", s.api(permAny, s.handleMute))
	m.HandleFunc("POST "+root+"/{id}/unmute", s.api(permAny, s.handleUnmute))
	m.HandleFunc("POST "+root+"/{id}/participants/{pid}/mute", s.api(permAny, s.handleMuteParticipant))
	m.HandleFunc("POST "+root+"/{id}/playPrompt", s.api(permAny, s.handlePlayPrompt))
	m.HandleFunc("POST "+root+"/{id}/"+mr.recordAction, s.api(permAny, s.handleRecord))
	m.HandleFunc("POST "+root+"/{id}/cancelMediaProcessing", s.api(permAny, s.handleCancelMedia))
	m.HandleFunc("POST "+root+"/{id}/subscribeToTone", s.api(permAny, s.handleSubscribeToTone))
	if mr.deleteParticipant {
		m.HandleFunc("DELETE "+root+"/{id}/participants/{pid}", s.api(permAny, s.handleDeleteParticipant))
	}
	if mr.recordingStatus {
		m.HandleFunc("POST "+root+"/{id}/updateRecordingStatus", s.api(permAny, s.handleUpdateRecordingStatus))
	}
	if mr.contentSharing {
		m.HandleFunc("GET "+root+"/{id}/contentSharingSessions", s.api(permAny, s.handleListContentSharing))
		m.HandleFunc("GET "+root+"/{id}/contentSharingSessions/{sid}", s.api(permAny, s.handleGetContentSharing))
	}
}

// controlRequest is the body of a test-control action, its member names
// folded to lower case, with the call it names.
type controlRequest struct {
	o    object
	call *call
}

// str reads an optional string member (lower-case name).
func (q controlRequest) str(k string) (string, error) {
	v, _, err := q.o.str(k)
	return v, err
}

// readControl reads the body of a test-control action and finds its call:
// 400 for a bad body or a missing callId, 404 for no such call.
func (s *Simulator) readControl(w http.ResponseWriter, r *http.Request) (controlRequest, bool) {
	raw, ok := readObject(w, r)
	if !ok {
		return controlRequest{}, false
	}
	o := make(object, len(raw))
	for k, v := range raw {
		o[strings.ToLower(k)] = v
	}
	q := controlRequest{o: o}
	id, ok, err := o.str("callid")
	if err != nil || !ok || id == "" {
		writeError(w, http.StatusBadRequest, codeBadRequest, "callId is required: the id of the call to act on")
		return q, false
	}
	i, valid := guid.Parse(id)
	if valid {
		q.call = s.calls.get(i)
	}
	if q.call == nil {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("call %q not found", id))
		return q, false
	}
	return q, true
}

// who reads participantId and identityId of a control body: at least one
// is needed unless optional; it writes 400.
func (q controlRequest) who(w http.ResponseWriter, optional bool) (pid, identityID string, ok bool) {
	pid, err1 := q.str("participantid")
	identityID, err2 := q.str("identityid")
	if err1 != nil || err2 != nil || (!optional && pid == "" && identityID == "") {
		writeError(w, http.StatusBadRequest, codeBadRequest,
			"participantId or identityId is required: the participant (or the id of its identity) to act on")
		return "", "", false
	}
	return pid, identityID, true
}

// writeNoParticipant writes 404 for a control action that found no
// participant of c in the state it needs.
func writeNoParticipant(w http.ResponseWriter, c *call, what string) {
	writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("call %s has no %s with that participantId or identityId", c.id, what))
}

// controlDone is the answer of a control action that changed a participant.
type controlDone struct {
	CallID        string `json:"callId"`
	ParticipantID string `json:"participantId,omitempty"`
	Armed         string `json:"armed,omitempty"`
}

// handleParticipantAnswer is POST /_control/participant-answer: an
// invitee that waits (participantId or identityId) joins; its invite
// completes and the roster shows it. With "wait": true (and no
// participant) it arms the call: its next invitee waits for this action.
func (s *Simulator) handleParticipantAnswer(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readControl(w, r)
	if !ok {
		return
	}
	if v, present := q.o["wait"]; present && string(v) == "true" {
		s.arm(w, q.call, outcomeWait)
		return
	}
	s.settleWaiting(w, q, true)
}

// handleParticipantDecline is POST /_control/participant-decline: an
// invitee that waits (participantId or identityId) declines; its invite
// fails (603) unless another invitee of it joined. Without a participant
// it arms the call: its next invitee declines.
func (s *Simulator) handleParticipantDecline(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readControl(w, r)
	if !ok {
		return
	}
	pid, identityID, ok := q.who(w, true)
	if !ok {
		return
	}
	if pid == "" && identityID == "" {
		s.arm(w, q.call, outcomeDecline)
		return
	}
	s.settleWaiting(w, q, false)
}

// arm queues outcome for c's next invitee.
func (s *Simulator) arm(w http.ResponseWriter, c *call, outcome string) {
	c.mu.Lock()
	c.media.armed = append(c.media.armed, outcome)
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, controlDone{CallID: c.id.String(), Armed: outcome})
}

// settleWaiting makes the waiting invitee q names join or decline.
func (s *Simulator) settleWaiting(w http.ResponseWriter, q controlRequest, joins bool) {
	pid, identityID, ok := q.who(w, false)
	if !ok {
		return
	}
	c := q.call
	c.mu.Lock()
	pt := c.findParticipant(pid, identityID, true)
	if pt == nil {
		c.mu.Unlock()
		writeNoParticipant(w, c, "invitee waiting to answer")
		return
	}
	send := s.answerInvitee(c, pt, joins, resultDeclined)
	c.mu.Unlock()
	send()
	writeJSON(w, http.StatusOK, controlDone{CallID: c.id.String(), ParticipantID: pt.id.String()})
}

// handleParticipantHangUp is POST /_control/participant-hang-up: a
// participant in the call (participantId or identityId; not the bot)
// leaves it: the content sharing session it presents ends, and a roster
// update no longer shows it.
func (s *Simulator) handleParticipantHangUp(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readControl(w, r)
	if !ok {
		return
	}
	pid, identityID, ok := q.who(w, false)
	if !ok {
		return
	}
	c := q.call
	c.mu.Lock()
	pt := c.findParticipant(pid, identityID, false)
	if pt == nil || c.state != stateEstablished {
		c.mu.Unlock()
		writeNoParticipant(w, c, "participant in an established call")
		return
	}
	c.removeParticipant(pt)
	var ds []*delivery
	if d := s.stopSharing(c, pt.id); d != nil {
		ds = append(ds, d)
	}
	ds = append(ds, s.note(c, "updated", "/participants", s.roster(c)))
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, ds...)
	writeJSON(w, http.StatusOK, controlDone{CallID: c.id.String(), ParticipantID: pt.id.String()})
}

// handleMeetingJoin is POST /_control/meeting-join {callId, identity,
// contentSharing?}: someone (identity, an identitySet) joins the group
// call: a roster update shows them. With "contentSharing": true they
// start sharing content, in a call created with
// callOptions.isContentSharingNotificationEnabled: a contentSharingSession
// created (or, when one was under way, updated) follows.
func (s *Simulator) handleMeetingJoin(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readControl(w, r)
	if !ok {
		return
	}
	identity, err := q.o.rawObject("identity")
	if err != nil || identity == nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "identity is required: the identitySet of who joins")
		return
	}
	sharing := string(q.o["contentsharing"]) == "true"
	c := q.call
	c.mu.Lock()
	if c.state != stateEstablished || !c.isGroup() {
		state := c.state
		c.mu.Unlock()
		writeError(w, http.StatusConflict, codeInvalidCallState,
			fmt.Sprintf("call %s is %s; someone can join only an established group call", c.id, state))
		return
	}
	pt := c.addParticipant(guid.New(), s.identity(identity), nil)
	ds := []*delivery{s.note(c, "updated", "/participants", s.roster(c))}
	if sharing {
		if d := s.startSharing(c, pt.id); d != nil {
			ds = append(ds, d)
		}
	}
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, ds...)
	writeJSON(w, http.StatusOK, controlDone{CallID: c.id.String(), ParticipantID: pt.id.String()})
}

// handleTone is POST /_control/tone {callId, tone}: the caller presses a
// key (tone0..tone9, star, pound, a..d, flash; any case) in a call
// subscribed to tones (409 otherwise): updated on the call with toneInfo.
func (s *Simulator) handleTone(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readControl(w, r)
	if !ok {
		return
	}
	tone, err := q.str("tone")
	if t := strings.ToLower(tone); err == nil && tones[t] {
		s.pressTone(w, q.call, t)
		return
	}
	writeError(w, http.StatusBadRequest, codeBadRequest, "tone is required: one of tone0..tone9, star, pound, a, b, c, d, flash")
}
