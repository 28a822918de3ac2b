package simulator

import (
	"fmt"
	"net/http"

	"github.com/callconform/callconform/internal/guid"
)

// clientContextRequest is the body of an action whose only member is
// clientContext (mute, unmute, subscribeToTone).
type clientContextRequest struct{ clientContext *string }

func (p *profile) parseClientContext(o object) (*clientContextRequest, error) {
	cc, err := o.clientContextUpTo(p.maxClientContext)
	return &clientContextRequest{cc}, err
}

// isGroup reports whether c is a group call: a meeting join, a call with a
// chat, or a call with more than one target; c.mu must be held.
func (c *call) isGroup() bool {
	if c.meetingInfo != nil || c.chatInfo != nil {
		return true
	}
	return len(c.participants) > 2
}

// lockGroupCall locks c if it is an established group call; else it
// writes 409 (not established) or 400 (not a group call: mute is "only
// supported for group calls") and returns false, c unlocked.
func lockGroupCall(w http.ResponseWriter, r *http.Request, c *call, action string) bool {
	if !lockEstablished(w, r, c, action) {
		return false
	}
	if c.isGroup() {
		return true
	}
	c.mu.Unlock()
	writeError(w, http.StatusBadRequest, codeBadRequest, action+" is supported only for group calls")
	return false
}

// handleMute is POST {root}/{id}/mute: the bot mutes itself.
func (s *Simulator) handleMute(w http.ResponseWriter, r *http.Request, p *principal) {
	s.mute(w, r, p, "mute", typeMuteOperation, true)
}

// handleUnmute is POST {root}/{id}/unmute: the bot unmutes itself.
func (s *Simulator) handleUnmute(w http.ResponseWriter, r *http.Request, p *principal) {
	s.mute(w, r, p, "unmute", typeUnmuteOperation, false)
}

// mute sets whether the bot's own participant is muted in a group call:
// 200 OK, the Location of a completed mute (or unmute) operation and the
// operation; then a roster update shows the bot muted (or not).
func (s *Simulator) mute(w http.ResponseWriter, r *http.Request, p *principal, action, opType string, muted bool) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseClientContext)
	if !ok || !lockGroupCall(w, r, c, action) {
		return
	}
	op, body := s.startAction(c, opType, req.clientContext, true)
	d := s.setMuted(c, c.bot, muted, false)
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	s.writeActionAnswer(w, r, c, op.id, body)
}

// handleMuteParticipant is POST {root}/{id}/participants/{pid}/mute: the
// bot mutes a participant of a group call (server mute): 200 OK, the
// Location of a completed muteParticipantOperation and the operation;
// then a roster update shows the participant muted. 404 for a participant
// the call does not have (or one invited that has not joined).
func (s *Simulator) handleMuteParticipant(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseClientContext)
	if !ok || !lockGroupCall(w, r, c, "mute") {
		return
	}
	pt := c.participant(r.PathValue("pid"))
	if pt == nil || pt.pending != nil {
		c.mu.Unlock()
		writeParticipantNotFound(w, r)
		return
	}
	op, body := s.startAction(c, typeMuteOperation, req.clientContext, true)
	d := s.setMuted(c, pt.id, true, true)
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	s.writeActionAnswer(w, r, c, op.id, body)
}

// setMuted mutes (or unmutes) participant pid of c, its media streams
// server muted too when server, and returns the roster update that shows
// it (nil with Break mute-no-roster); c.mu must be held.
func (s *Simulator) setMuted(c *call, pid guid.GUID, muted, server bool) *delivery {
	for _, pt := range c.participants {
		if pt.id == pid {
			pt.muted, pt.serverMuted = muted, server && muted
			c.etag++
			pt.etag, pt.note = c.etag, nil
		}
	}
	if s.prof.media.muteNoRoster {
		return nil
	}
	return s.note(c, "updated", "/participants", s.roster(c))
}

// participant returns c's participant whose id is raw (any form), or nil;
// c.mu must be held.
func (c *call) participant(raw string) *participant {
	pid, ok := guid.Parse(raw)
	if !ok {
		return nil
	}
	for _, pt := range c.participants {
		if pt.id == pid {
			return pt
		}
	}
	return nil
}

func writeParticipantNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("participant %q not found", r.PathValue("pid")))
}
