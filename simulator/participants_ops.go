package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/callconform/callconform/internal/guid"
)

// How an invitee answers an invite. By default it answers at once; a
// test-control request posted before the invite arms the call so that its
// next invitee declines (participant-decline) or waits for a
// participant-answer, participant-decline or DELETE (participant-answer
// with "wait": true). Each armed outcome is taken by one invitee, in the
// order armed.
const (
	outcomeDecline = "decline"
	outcomeWait    = "wait"
)

// resultDeclined is the resultInfo of an invite whose invitees all
// declined: 603 Decline, the SIP code of a refused call.
var resultDeclined = endReason{"603", "0", "The participant declined the invitation."}

// inviteState is an invite some of whose invitees have not answered yet;
// guarded by its call's mu.
type inviteState struct {
	op       *operation
	pending  int       // invitees that have not answered
	joined   int       // invitees that joined
	why      endReason // why the last invitee that did not join did not
	replaced *call     // the call replacesCallId names, ended once the invite completes
}

// startArmedInvite adds req's invitees to c, each with the next armed
// outcome (none: it joins), and settles the invite if no invitee waits.
// c.mu must be held; startArmedInvite unlocks it.
func (s *Simulator) startArmedInvite(c *call, op *operation, req *inviteRequest, replaced *call) {
	st := &inviteState{op: op, replaced: replaced}
	for _, inv := range req.invitees {
		outcome := ""
		if len(c.media.armed) > 0 {
			outcome, c.media.armed = c.media.armed[0], c.media.armed[1:]
		}
		switch outcome {
		case outcomeDecline:
			st.why = resultDeclined
		case outcomeWait:
			c.addParticipant(guid.New(), inv.identity, inv.info).pending = st
			st.pending++
		default:
			c.addParticipant(guid.New(), inv.identity, inv.info)
			st.joined++
		}
	}
	send := s.settleInvite(c, st)
	c.mu.Unlock()
	send()
}

// settleInvite returns what completes st once no invitee is pending: the
// operation completed and the roster when one joined (and the replaced
// call ends), else the operation failed with why the last one did not
// join (and the replaced call stays). It returns a no-op while invitees
// are pending. c.mu must be held; call the result after unlocking it.
func (s *Simulator) settleInvite(c *call, st *inviteState) func() {
	if st.pending > 0 {
		return func() {}
	}
	if st.joined > 0 {
		opNote, rosterNote := s.inviteNotes(c, st.op)
		return func() { s.sendInviteNotes(c, st.op, opNote, rosterNote, st.replaced) }
	}
	d := s.finishNote(c, st.op, statusFailed, st.why, nil)
	return func() {
		release(st.replaced)
		s.notifier.enqueue(&c.q, d)
	}
}

// answerInvitee makes pending invitee pt of c join (joined) or not (why);
// c.mu must be held; call the result after unlocking it.
func (s *Simulator) answerInvitee(c *call, pt *participant, joined bool, why endReason) func() {
	st := pt.pending
	st.pending--
	if joined {
		pt.pending = nil
		st.joined++
	} else {
		c.removeParticipant(pt)
		st.why = why
	}
	return s.settleInvite(c, st)
}

// removeParticipant takes pt out of c's roster; c.mu must be held.
func (c *call) removeParticipant(pt *participant) {
	for i, p := range c.participants {
		if p == pt {
			c.participants = append(c.participants[:i:i], c.participants[i+1:]...)
			c.etag++
			return
		}
	}
}

// handleDeleteParticipant is DELETE {root}/{id}/participants/{pid}
// (v1.0): 204 No Content. A participant in the call is dropped at once,
// with no notification, as the page says; an invitee that has not joined
// yet is removed and its invite cancelled: the invite's operation then
// completes as failed, resultInfo 400/8508, and no roster shows it. 404 for
// an unknown participant; 400 for the bot's own (hang up with DELETE on
// the call).
// participantActions are the actions under {root}/{id}/participants, which
// a DELETE of a participant must not take for a participant id.
var participantActions = map[string]bool{"invite": true, "muteAll": true, "configureMixer": true}

func (s *Simulator) handleDeleteParticipant(w http.ResponseWriter, r *http.Request, p *principal) {
	if participantActions[r.PathValue("pid")] {
		// .../participants/invite (muteAll, configureMixer) is an action,
		// not a participant: POST is its one method.
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, http.MethodPost))
		return
	}
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	c.mu.Lock()
	pt := c.participant(r.PathValue("pid"))
	switch {
	case pt == nil:
		c.mu.Unlock()
		writeParticipantNotFound(w, r)
		return
	case pt.id == c.bot:
		c.mu.Unlock()
		writeError(w, http.StatusBadRequest, codeBadRequest,
			"the bot cannot remove its own participant; DELETE the call to leave it")
		return
	}
	send := func() {}
	switch {
	case pt.pending != nil:
		joins := s.prof.media.deleteKeepsInvite
		send = s.answerInvitee(c, pt, joins, resultCancelled)
	default:
		c.removeParticipant(pt)
		if s.prof.media.deleteNotifies {
			d := s.note(c, "updated", "/participants", s.roster(c))
			send = func() { s.notifier.enqueue(&c.q, d) }
		}
	}
	c.mu.Unlock()
	send()
	w.WriteHeader(http.StatusNoContent)
}

// identityHasID reports whether an identity set has an identity (user,
// application, phone, ...) whose id is id, compared as ids are.
func identityHasID(set json.RawMessage, id string) bool {
	var members map[string]json.RawMessage
	if json.Unmarshal(set, &members) != nil {
		return false
	}
	want, isGUID := guid.Parse(id)
	for _, v := range members {
		got, ok, err := memberString(v, "id")
		if !ok || err != nil {
			continue
		}
		if g, gok := guid.Parse(got); gok && isGUID && g == want || got == id {
			return true
		}
	}
	return false
}

// findParticipant returns c's participant whose id is pid or, when pid is
// empty, whose identity has the id identityID, pending ones only when
// pending; nil when none. c.mu must be held.
func (c *call) findParticipant(pid, identityID string, pending bool) *participant {
	for _, pt := range c.participants {
		if (pt.pending != nil) != pending || pt.id == c.bot {
			continue
		}
		if pid != "" {
			if i, ok := guid.Parse(pid); ok && i == pt.id {
				return pt
			}
			continue
		}
		if identityHasID(pt.identity, identityID) {
			return pt
		}
	}
	return nil
}
