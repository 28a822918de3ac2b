// Package timeline records what happened during one scenario run: every
// request, response, notification and refusal, with times, redacted so that a
// report can be shown to anyone.
//
// It is meant to be imported: a harness.Result carries its events.
package timeline

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Kind says what an Event is.
type Kind string

// The kinds of events in a timeline.
const (
	Request  Kind = "request"      // the harness sent a request to the target
	Response Kind = "response"     // the target answered a request
	Notify   Kind = "notification" // one flattened notification item arrived at the callback
	Refusal  Kind = "refusal"      // the callback receiver refused a POST (bad JSON, too big, wrong method, bad token)
	Retry    Kind = "retry"        // the client waited and retried after 429/503
	Trigger  Kind = "trigger"      // a test-control action
	Note     Kind = "note"         // anything else worth showing (a step began, a capture was taken)
	Failure  Kind = "failure"      // a step or expectation failed
)

// Event is one entry of a Timeline. Bodies are kept raw (already redacted).
type Event struct {
	Seq     int             `json:"seq"`
	At      time.Time       `json:"at"`
	Kind    Kind            `json:"kind"`
	Step    int             `json:"step"`              // index of the fixture step, -1 when none
	Method  string          `json:"method,omitempty"`  // request
	URL     string          `json:"url,omitempty"`     // request, notification (callback path)
	Status  int             `json:"status,omitempty"`  // response, refusal
	Header  http.Header     `json:"header,omitempty"`  // redacted
	Body    json.RawMessage `json:"body,omitempty"`    // JSON bodies; see Text otherwise
	Text    string          `json:"text,omitempty"`    // non-JSON body or a message
	Elapsed time.Duration   `json:"elapsed,omitempty"` // response: time since the request
	// RedeliveryOf is set on a notification that repeats an identical,
	// earlier one (delivery is at least once): the arrival index of the first
	// delivery. Nil for a first delivery and for other kinds of event.
	RedeliveryOf *int `json:"redeliveryOf,omitempty"`
}

// Timeline is a concurrency-safe, append-only list of events. The zero value
// is ready to use.
type Timeline struct {
	mu     sync.Mutex
	events []Event
	step   int
}

// SetStep sets the step index stamped on events added afterwards.
func (t *Timeline) SetStep(i int) {
	t.mu.Lock()
	t.step = i
	t.mu.Unlock()
}

// Add appends e, stamping its sequence number, its step and (when zero) its
// time, and returns the stamped event.
func (t *Timeline) Add(e Event) Event {
	if e.Header != nil {
		e.Header = RedactHeader(e.Header)
	}
	return t.AddRedacted(e)
}

// AddRedacted is Add for an event whose header the caller has already
// redacted (with RedactHeader): the header is kept as is, shared.
func (t *Timeline) AddRedacted(e Event) Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.Seq = len(t.events)
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.Step = t.step
	t.events = append(t.events, e)
	return e
}

// Events returns a copy of the events so far.
func (t *Timeline) Events() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Event(nil), t.events...)
}
