package simulator

import "time"

// Clock is the simulator's time source for call deadlines: how long an
// incoming call waits to be answered, how long a call may stay establishing
// (and, with keepAlive, how long a call lives without one), and the times it
// writes on operations. Tests give a Clock they move by hand instead of
// sleeping.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, unless the
	// returned Timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a call scheduled by Clock.AfterFunc. *time.Timer is one.
type Timer interface {
	// Stop prevents the call if it has not started, and reports whether
	// it did.
	Stop() bool
	// Reset makes the call due d from now, whether it was pending, stopped
	// or done, and reports whether it was pending: a deadline pushed back by
	// activity (keepAlive) is one Timer reset again and again.
	Reset(d time.Duration) bool
}

// SystemClock is real time; a Config without a Clock uses it.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
