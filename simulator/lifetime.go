package simulator

import (
	"net/http"
	"strconv"
	"time"
)

// Defaults of the bounds on calls; Config says why.
const (
	defaultAnswerTimeout    = 15 * time.Second
	defaultEstablishTimeout = 2 * time.Minute
	defaultMaxCalls         = 10_000
	defaultKeepAliveTimeout = 45 * time.Minute
	// retryAfter is the Retry-After of a call refused for MaxCalls: calls
	// end within seconds when bots hang up or do not answer.
	retryAfter = 5 * time.Second
)

// endReason is why a call ended: the resultInfo of the notification that
// says it is terminated.
type endReason struct {
	code, subCode, message string
}

// The codes are the call end reason codes of the real service (call-delete
// page, "Call end reason codes"; the catalogue's §2.3). The beta-2018 pages
// write resultInfo as {"code","subCode"} strings; the real service sends
// {"code","subcode"} numbers (v1.0).
var (
	// endNotAnswered: 408/1106, "no acknowledgement of call acceptance in
	// time": the bot did not answer the incoming call within the answer
	// timeout (15 s on the answer page).
	endNotAnswered = endReason{"408", "1106", "The call was not answered in time."}
	// endNotEstablished: 408/10057, "no signaling from callee": the call
	// stayed establishing too long.
	endNotEstablished = endReason{"408", "10057", "The call was not established in time."}
)

// armDeadline ends c with why unless it has left state within d, replacing
// c's pending deadline; it does nothing when c is no longer in state. c.mu
// must be held, or c not yet shared.
func (s *Simulator) armDeadline(c *call, state string, d time.Duration, why endReason) {
	if c.state != state {
		return
	}
	c.stopDeadline()
	c.deadline = s.clock.AfterFunc(d, func() { s.expire(c, state, why) })
}

// stopDeadline cancels c's pending deadline; c.mu must be held.
func (c *call) stopDeadline() {
	if c.deadline != nil {
		c.deadline.Stop()
		c.deadline = nil
	}
}

// expire ends c as the service does, with why, if c is still in state.
func (s *Simulator) expire(c *call, state string, why endReason) {
	if s.closed.Load() {
		return
	}
	c.mu.Lock()
	if c.state != state {
		c.mu.Unlock()
		return
	}
	// Terminated from now on: answer, invite and the established
	// notification still queued see it.
	c.state, c.ended, c.deadline = stateTerminated, true, nil
	c.mu.Unlock()
	if !s.calls.remove(c.id) {
		return // DELETE or a replacing invite ended it first, and notifies
	}
	s.endCall(c, ending{why: why})
}

// stopDeadlines cancels the deadlines of every live call (Close).
func (s *Simulator) stopDeadlines() {
	s.calls.each(func(c *call) {
		c.mu.Lock()
		c.stopTimers()
		c.mu.Unlock()
	})
}

// addCall stores c unless MaxCalls calls are live; then it writes 429
// TooManyRequests with Retry-After, as Graph throttles, and returns false.
func (s *Simulator) addCall(w http.ResponseWriter, c *call) bool {
	if s.calls.tryAdd(c, s.maxCalls) {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	writeError(w, http.StatusTooManyRequests, codeTooManyRequests,
		"Too many calls: "+strconv.Itoa(s.maxCalls)+" calls are live. End calls, or retry later.")
	return false
}
