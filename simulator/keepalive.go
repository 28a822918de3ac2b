package simulator

import "net/http"

// endKeepAliveTimeout: 408/8537, the real service's code for a call that
// received no keepAlive in time.
var endKeepAliveTimeout = endReason{"408", "8537", "Keep Alive timeout, cleaned up inactive call."}

// armKeepAlive starts c's keepAlive deadline, under a profile with
// keepAlive: c ends unless a keepAlive comes within KeepAliveTimeout of its
// start. c.mu must be held, or c not yet shared.
func (s *Simulator) armKeepAlive(c *call) {
	if !s.prof.keepAlive {
		return
	}
	c.aliveUntil = s.clock.Now().Add(s.keepAliveTimeout)
	c.keepAlive = s.clock.AfterFunc(s.keepAliveTimeout, func() { s.keepAliveExpired(c) })
}

// handleKeepAlive is POST {root}/{id}/keepAlive (v1.0): 200 without a body,
// and the call lives KeepAliveTimeout more; 404 for a call that ended (or
// 200, with Break keepalive-ended-call-ok).
func (s *Simulator) handleKeepAlive(w http.ResponseWriter, r *http.Request, p *principal) {
	if c := s.findCall(r, p); c != nil {
		c.mu.Lock()
		alive := !c.ended && c.keepAlive != nil
		if alive {
			c.aliveUntil = s.clock.Now().Add(s.keepAliveTimeout)
			c.keepAlive.Reset(s.keepAliveTimeout)
		}
		c.mu.Unlock()
		if alive {
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	if s.prof.keepAliveEndedOK {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeCallNotFound(w, r)
}

// keepAliveExpired ends c as the service ends an inactive call, unless c
// ended already or a keepAlive came as the deadline passed: deleted, with
// state terminated and resultInfo 408/8537.
func (s *Simulator) keepAliveExpired(c *call) {
	if s.closed.Load() {
		return
	}
	c.mu.Lock()
	if c.ended || c.keepAlive == nil || s.clock.Now().Before(c.aliveUntil) {
		c.mu.Unlock()
		return
	}
	// Terminated from now on: answer, invite and the notifications still
	// queued see it.
	c.state, c.ended = stateTerminated, true
	c.stopDeadline()
	c.mu.Unlock()
	if !s.calls.remove(c.id) {
		return // DELETE or a replacing invite ended it first, and notifies
	}
	s.endCall(c, ending{why: endKeepAliveTimeout})
}

// stopKeepAlive cancels c's keepAlive deadline; c.mu must be held.
func (c *call) stopKeepAlive() {
	if c.keepAlive != nil {
		c.keepAlive.Stop()
		c.keepAlive = nil
	}
}

// stopTimers cancels every deadline of c; c.mu must be held.
func (c *call) stopTimers() {
	c.stopDeadline()
	c.stopKeepAlive()
	c.media.stop()
}
