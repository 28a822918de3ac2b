package simulator

import (
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is a Clock that moves only when a test advances it. Calls that
// come due run in the goroutine of Advance, in deadline order, so that when
// Advance returns their effect is done.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  map[*fakeTimer]bool // pending
	changed chan struct{}       // closed and replaced whenever a timer is armed
}

type fakeTimer struct {
	c  *fakeClock
	at time.Time
	f  func()
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		timers: make(map[*fakeTimer]bool), changed: make(chan struct{})}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	t := &fakeTimer{c: c, f: f}
	t.Reset(d)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.c.timers[t]
	delete(t.c.timers, t)
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	was := c.timers[t]
	t.at = c.now.Add(d)
	c.timers[t] = true
	close(c.changed)
	c.changed = make(chan struct{})
	return was
}

// Advance moves the clock by d and runs the calls that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	for t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t)
			delete(c.timers, t)
		}
	}
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, t := range due {
		t.f()
	}
}

// pending returns the number of timers armed and not yet due or stopped.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// waitPending waits until n timers are pending.
func (c *fakeClock) waitPending(t *testing.T, n int) {
	t.Helper()
	timer := time.NewTimer(waitBound)
	defer timer.Stop()
	for {
		c.mu.Lock()
		got, ch := len(c.timers), c.changed
		c.mu.Unlock()
		if got == n {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("%d timers pending after %v; want %d", got, waitBound, n)
		}
	}
}

func TestFakeClockRunsDueCallsInOrder(t *testing.T) {
	c := newFakeClock()
	var got []string
	c.AfterFunc(2*time.Second, func() { got = append(got, "b") })
	c.AfterFunc(time.Second, func() { got = append(got, "a") })
	stopped := c.AfterFunc(time.Second, func() { got = append(got, "stopped") })
	reset := c.AfterFunc(time.Second, func() { got = append(got, "reset") })
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop of a pending timer, then of a stopped one")
	}
	if !reset.Reset(3 * time.Second) {
		t.Error("Reset of a pending timer reports it was not pending")
	}
	c.Advance(999 * time.Millisecond)
	if len(got) != 0 || c.pending() != 3 {
		t.Fatalf("before the first deadline: ran %v, %d pending", got, c.pending())
	}
	c.Advance(5 * time.Second)
	if diff := cmp.Diff([]string{"a", "b", "reset"}, got); diff != "" {
		t.Errorf("calls run (-want +got):\n%s", diff)
	}
	if c.pending() != 0 {
		t.Errorf("%d pending after every deadline passed", c.pending())
	}
}
