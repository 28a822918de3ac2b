package simulator

import "net/http"

// ending is how a call ends: who ended it, and the resultInfo its last
// notifications give.
type ending struct {
	hangUp   bool // the bot hung up (DELETE): terminating comes first
	replaced bool // an invite with replacesCallId moved its participant to another call
	why      endReason
}

// byApp reports whether the bot ended the call, rather than the service.
func (e ending) byApp() bool { return e.hangUp || e.replaced }

// The endings the bot causes. Their resultInfo (v1.0) is the call end
// reason code of the real service: 200/5001 "the conversation has ended"
// for a hang-up, as the v1.0 delete page shows, and 200/7015 "transfer
// completed" for a call whose participant an invite moved into another
// call, the code the real service gives a call that a transfer ended.
var (
	endHungUp   = ending{hangUp: true, why: endReason{"200", "5001", "The conversation has ended."}}
	endReplaced = ending{replaced: true, why: endReason{"200", "7015", "GracefulTransferCompleted"}}
)

// handleDeleteCall is DELETE {root}/{id}: 204, the call is gone at once
// (404 from then on), then the notifications of a hang-up: beta-2018
// terminating, terminated (AppInitiated) and deleted; v1.0 terminating and
// deleted (terminated, resultInfo 200/5001).
func (s *Simulator) handleDeleteCall(w http.ResponseWriter, r *http.Request, p *principal) {
	c, ok := s.lookupCall(w, r, p)
	if !ok {
		return
	}
	if !s.calls.remove(c.id) {
		writeCallNotFound(w, r)
		return
	}
	s.endCall(c, endHungUp)
	w.WriteHeader(http.StatusNoContent)
}

// endCall ends c, already removed from the store, and enqueues the
// notifications of e.
func (s *Simulator) endCall(c *call, e ending) {
	c.mu.Lock()
	c.stopTimers()
	c.state = stateTerminated
	if e.byApp() && s.prof.terminationReason {
		c.terminationReason = reasonAppInitiated
	}
	ds := append(s.abandonOperations(c), s.endNotes(c, e)...)
	c.mu.Unlock()
	s.notifier.enqueue(&c.q, ds...)
}

// endNotes returns the last notifications of c, which e ended, in the
// profile's sequence: terminating first when the bot hung up (or, under
// v1.0, an invite replaced the call); an updated with state terminated
// under beta-2018; then deleted, bare (beta-2018) or with state terminated
// and the resultInfo (v1.0). c.mu must be held.
func (s *Simulator) endNotes(c *call, e ending) []*delivery {
	p := s.prof
	var ds []*delivery
	if e.hangUp || (e.replaced && p.replaceTerminating) {
		n := s.callNote(c)
		n.State = stateTerminating
		ds = append(ds, s.note(c, "updated", "", n))
	}
	if p.terminatedUpdate {
		n := s.callNote(c)
		n.State = stateTerminated
		s.explainEnd(&n, e)
		ds = append(ds, s.note(c, "updated", "", n))
	}
	gone := s.callNote(c)
	if p.deletedState {
		gone.State = stateTerminated
		s.explainEnd(&gone, e)
	}
	return append(ds, s.note(c, "deleted", "", gone))
}

// explainEnd says why the call of n ended: terminationReason AppInitiated
// when the bot ended it and the profile says so, and the resultInfo when
// the service ended it or the profile gives one on every end.
func (s *Simulator) explainEnd(n *callJSON, e ending) {
	if e.byApp() && s.prof.terminationReason {
		n.TerminationReason = reasonAppInitiated
	}
	if !e.byApp() || s.prof.resultOnAppEnd {
		n.ResultInfo = s.resultInfo(e.why)
	}
}
