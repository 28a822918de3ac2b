package simulator

import (
	"errors"
	"fmt"
	"net/http"
)

// muteAllRequest is the validated body of muteAll.
type muteAllRequest struct {
	participants  []string // ids of the participants to mute; none: every one but the bot
	clientContext *string
}

// parseMuteAll validates a muteAll body under p: participants, if there,
// an array of participant ids (strings); clientContext.
func (p *profile) parseMuteAll(o object) (*muteAllRequest, error) {
	a, _, err := o.array("participants")
	if err != nil {
		return nil, err
	}
	req := &muteAllRequest{}
	for i, v := range a {
		id, ok := jsonString(v)
		if !ok || id == "" {
			return nil, fmt.Errorf("participants[%d] must be a participant id", i)
		}
		req.participants = append(req.participants, id)
	}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

// handleMuteAll is POST {root}/{id}/participants/muteAll (beta-2018) on an
// established group call: the participants it names (every one but the
// bot when it names none) are server muted: 200 OK, the Location of a
// completed commsOperation and the operation; then a roster update shows
// them muted. 404 for a participant the call does not have.
func (s *Simulator) handleMuteAll(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseMuteAll)
	if !ok || !lockGroupCall(w, r, c, "muteAll") {
		return
	}
	targets, missing := c.muteTargets(req.participants)
	if missing != "" {
		c.mu.Unlock()
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("participant %q not found", missing))
		return
	}
	op, body := s.startAction(c, typeMuteOperation, req.clientContext, true)
	var d *delivery
	if !s.prof.actions.muteAllNoRoster {
		for _, pt := range targets {
			pt.muted, pt.serverMuted = true, true
			c.etag++
			pt.etag, pt.note = c.etag, nil
		}
		d = s.note(c, "updated", "/participants", s.roster(c))
	}
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	s.writeActionAnswer(w, r, c, op.id, body)
}

// muteTargets returns the joined participants of c that ids names (every
// one but the bot when ids is empty), or the first id c does not have;
// c.mu must be held.
func (c *call) muteTargets(ids []string) ([]*participant, string) {
	var out []*participant
	if len(ids) == 0 {
		for _, pt := range c.participants {
			if pt.id != c.bot && pt.pending == nil {
				out = append(out, pt)
			}
		}
		return out, ""
	}
	for _, id := range ids {
		pt := c.participant(id)
		if pt == nil || pt.pending != nil {
			return nil, id
		}
		out = append(out, pt)
	}
	return out, ""
}

// mixerRequest is the validated body of configureMixer.
type mixerRequest struct{ clientContext *string }

// parseMixer validates a configureMixer body under p:
// participantMixerLevels (required) lists at least one
// participantMixerLevel, an object whose participant is a string;
// clientContext.
func (p *profile) parseMixer(o object) (*mixerRequest, error) {
	a, _, err := o.array("participantMixerLevels")
	if err != nil {
		return nil, err
	}
	if len(a) == 0 {
		return nil, errors.New("participantMixerLevels must list at least one participantMixerLevel")
	}
	for i, v := range a {
		if kindOf(v) != '{' {
			return nil, fmt.Errorf("participantMixerLevels[%d] must be a participantMixerLevel object", i)
		}
		if id, _, err := memberString(v, "participant"); err != nil || id == "" {
			return nil, fmt.Errorf("participantMixerLevels[%d].participant must be a participant id", i)
		}
	}
	req := &mixerRequest{}
	if req.clientContext, err = o.clientContextUpTo(p.maxClientContext); err != nil {
		return nil, err
	}
	return req, nil
}

// handleConfigureMixer is POST {root}/{id}/participants/configureMixer
// (beta-2018) on an established call: 200 OK, the Location of a running
// commsOperation and the operation, as the page's example shows; its
// completion follows as deleted, completed.
func (s *Simulator) handleConfigureMixer(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	req, ok := readAction(w, r, s.prof.parseMixer)
	if !ok || !lockEstablished(w, r, c, "configureMixer") {
		return
	}
	body, d, opID := s.runAction(c, typeCommsOperation, req.clientContext, s.prof.actions.mixerNoCompletion, nil)
	c.mu.Unlock()
	if d != nil {
		s.notifier.enqueue(&c.q, d)
	}
	s.writeAction(w, r, c, http.StatusOK, opID, body)
}
