package receiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/callconform/callconform/harness/timeline"
)

// ErrTooManyNotifications is returned by Inbox.Err and Inbox.Wait once a run
// received more notification items than Config.MaxPerRun.
var ErrTooManyNotifications = errors.New("too many notifications")

// ErrClosed is returned by Inbox.Wait when the run (or its receiver) was closed
// before the awaited notification arrived: none can arrive any more.
var ErrClosed = errors.New("callback run closed")

// ErrRefused is returned by Inbox.WaitFor when a POST was refused.
var ErrRefused = errors.New("callback POST refused")

// Refusal is one POST the receiver refused on a run's callback path.
type Refusal struct {
	At     time.Time // when it was refused
	Status int       // the status answered: 400, 401, 405 or 413
	Reason string    // why, for a report; never contains a token
	Method string    // the request's method
}

// Inbox is one callback path and what arrived on it. It is safe for concurrent
// use. Notifications are numbered from 0 in arrival order; the items of one
// POST are consecutive and become visible together.
type Inbox struct {
	rc   *Receiver
	id   string
	path string
	url  string
	tl   *timeline.Timeline
	max  int

	mu       sync.Mutex
	items    []timeline.Notification
	firsts   redeliveries // first deliveries, to tell a redelivery
	posts    int
	refusals []Refusal
	overflow bool
	closed   bool
	changed  chan struct{} // closed and replaced whenever something changes
}

// URL returns the callback URL to give the target for this run.
func (r *Inbox) URL() string { return r.url }

// Timeline returns the timeline the run records into: the one given to
// NewInbox, or the run's private one.
func (r *Inbox) Timeline() *timeline.Timeline { return r.tl }

// Len returns the number of notification items kept so far.
func (r *Inbox) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.items)
}

// Since returns a copy of the items whose Index is i or more, in arrival
// order. The Item and Header of each are shared: do not modify them.
func (r *Inbox) Since(i int) []timeline.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	i = max(i, 0)
	if i >= len(r.items) {
		return nil
	}
	return append([]timeline.Notification(nil), r.items[i:]...)
}

// Wait blocks until more than n items have arrived (Len() > n), and then
// returns nil. It returns ErrTooManyNotifications when the run overflowed
// first, ErrClosed when the run was closed first, and ctx.Err() when ctx is
// done first. It wakes on each arrival; it never polls.
func (r *Inbox) Wait(ctx context.Context, n int) error {
	return r.WaitFor(ctx, n, math.MaxInt)
}

// WaitFor is Wait that also returns ErrRefused as soon as the run holds more
// than k refusals: a refused POST is a lost notification, and a caller that
// judges notifications should say so now rather than at its bound.
func (r *Inbox) WaitFor(ctx context.Context, n, k int) error {
	for {
		r.mu.Lock()
		got, refused, overflow, closed, changed := len(r.items), len(r.refusals), r.overflow, r.closed, r.changed
		r.mu.Unlock()
		switch {
		case got > n:
			return nil
		case refused > k:
			return ErrRefused
		case overflow:
			return ErrTooManyNotifications
		case closed:
			return ErrClosed
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Refusals returns a copy of the POSTs refused on this run, in order.
func (r *Inbox) Refusals() []Refusal {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Refusal(nil), r.refusals...)
}

// Err returns ErrTooManyNotifications once the run overflowed, else nil.
func (r *Inbox) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.overflow {
		return ErrTooManyNotifications
	}
	return nil
}

// Close unregisters the run's path: later POSTs to it are answered 404, and
// Wait returns ErrClosed once it has nothing more to return. What was
// received stays readable. It is safe to call more than once.
func (r *Inbox) Close() {
	r.rc.unregister(r.id)
	r.markClosed()
}

// markClosed marks the run closed and wakes its waiters.
func (r *Inbox) markClosed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		r.wake()
	}
}

// wake wakes every Wait; r.mu must be held.
func (r *Inbox) wake() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// accept appends the items of one POST, all at once and in order, and records
// each in the timeline, marking an item identical to an earlier one as a
// redelivery (see redeliveries). Items past the run's bound are dropped and
// the run is marked overflowed. It reports false when the run is closed.
func (r *Inbox) accept(path string, header http.Header, items []json.RawMessage) bool {
	hashes := make([]uint64, len(items))
	for k, item := range items {
		hashes[k] = itemHash(item) // outside the lock: POSTs hash in parallel
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	at := time.Now()
	post := r.posts
	r.posts++
	changed := false
	for k, item := range items {
		if len(r.items) >= r.max {
			changed = r.overflowed(at, path, post, len(items)-k) || changed
			break
		}
		n := timeline.Notification{Index: len(r.items), At: at, Post: post, Item: item, Header: header}
		n.Original, n.Redelivery = r.firsts.first(item, hashes[k], n.Index, r.item)
		r.items = append(r.items, n)
		e := withBody(timeline.Event{At: at, Kind: timeline.Notify, URL: path, Header: header}, item)
		if n.Redelivery {
			e.RedeliveryOf = &n.Original
		}
		r.tl.AddRedacted(e)
		changed = true
	}
	if changed {
		r.wake()
	}
	return true
}

// item returns the item at arrival index i; r.mu must be held.
func (r *Inbox) item(i int) []byte { return r.items[i].Item }

// overflowed marks the run overflowed, noting in the timeline how many
// items of POST post were dropped, and reports true; if the run had
// overflowed already it does nothing and reports false. r.mu must be held.
func (r *Inbox) overflowed(at time.Time, path string, post, dropped int) bool {
	if r.overflow {
		return false
	}
	r.overflow = true
	r.tl.Add(timeline.Event{
		At:   at,
		Kind: timeline.Note,
		URL:  path,
		Text: fmt.Sprintf("callback run overflowed: more than %d notification items; dropped %d of POST %d and will drop any further items", r.max, dropped, post),
	})
	return true
}

// refuse records a refused POST, unless the run is closed or already holds
// its bound of refusals.
func (r *Inbox) refuse(method, path string, header http.Header, status int, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || len(r.refusals) >= r.max {
		return
	}
	at := time.Now()
	r.refusals = append(r.refusals, Refusal{At: at, Status: status, Reason: reason, Method: method})
	r.wake()
	r.tl.Add(timeline.Event{At: at, Kind: timeline.Refusal, Method: method, URL: path, Status: status, Header: header, Text: reason})
}

// withBody sets e.Body to the redacted JSON b, or e.Text when redaction left
// something that is no longer JSON.
func withBody(e timeline.Event, b []byte) timeline.Event {
	red := timeline.RedactBytes(b)
	if len(b) > 0 && len(red) == len(b) && &red[0] == &b[0] {
		e.Body = json.RawMessage(red) // nothing redacted: still the valid item
		return e
	}
	if json.Valid(red) {
		e.Body = json.RawMessage(red)
	} else {
		e.Text = string(red)
	}
	return e
}
