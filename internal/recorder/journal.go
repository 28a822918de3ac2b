package recorder

import (
	"bytes"
	"net/http"
	"sync"
	"time"
)

// exchange is one recorded event: a request of the bot with the upstream's
// answer, or a notification of the upstream with the bot's answer. seq is
// its arrival order over the whole recording.
type exchange struct {
	seq    int
	isNote bool
	at     time.Time // when it arrived
	// answeredAt is when the upstream answered a request: the time the
	// notifications that follow it are paced from.
	answeredAt time.Time

	// A request: as the bot sent it.
	method    string
	path      string      // relative to the upstream base, with its query
	header    http.Header // the headers kept (see keptHeader)
	body      []byte
	callbacks []int // the callback paths its body was given
	// The upstream's answer.
	status    int // 0 = none (an error, or still in flight)
	location  string
	respBody  []byte
	truncated bool   // respBody holds only the first maxRecordedBody bytes
	failure   string // why no answer, when status is 0

	// A notification: the callback path it came to, and the bot's answer.
	callback  int
	botStatus int // 0 = the bot did not answer
}

// journal is the recording: every exchange in arrival order. It is safe for
// concurrent use; an exchange is completed (its answer) under the same lock.
type journal struct {
	mu    sync.Mutex
	items []*exchange
}

// add appends e with the next sequence number.
func (j *journal) add(e *exchange) {
	j.mu.Lock()
	e.seq = len(j.items)
	e.at = time.Now()
	j.items = append(j.items, e)
	j.mu.Unlock()
}

// answer records the upstream's answer to a request.
func (j *journal) answer(e *exchange, status int, location string) {
	j.mu.Lock()
	e.status, e.location = status, location
	e.answeredAt = time.Now()
	j.mu.Unlock()
}

// answerBody records the body of the upstream's answer.
func (j *journal) answerBody(e *exchange, body []byte, truncated bool) {
	j.mu.Lock()
	e.respBody, e.truncated = body, truncated
	j.mu.Unlock()
}

// fail records why a request got no answer.
func (j *journal) fail(e *exchange, why string) {
	j.mu.Lock()
	e.failure = why
	j.mu.Unlock()
}

// botAnswer records the bot's answer to a notification.
func (j *journal) botAnswer(e *exchange, status int) {
	j.mu.Lock()
	e.botStatus = status
	j.mu.Unlock()
}

// snapshot returns a copy of every exchange in sequence order, without the
// upstream's redeliveries (see redeliveries).
func (j *journal) snapshot() []exchange {
	out := j.all()
	drop := redeliveries(out)
	kept := out[:0]
	for i, e := range out {
		if !drop[i] {
			kept = append(kept, e)
		}
	}
	return kept
}

// all returns a copy of every exchange in sequence order.
func (j *journal) all() []exchange {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]exchange, len(j.items))
	for i, e := range j.items {
		out[i] = *e
	}
	return out
}

// stats counts the requests, the notification POSTs and, of those, the
// redeliveries, all at one moment.
func (j *journal) stats() Stats {
	xs := j.all()
	var st Stats
	for i, drop := range redeliveries(xs) {
		switch {
		case !xs[i].isNote:
			st.Requests++
		case drop:
			st.Notifications++
			st.Redeliveries++
		default:
			st.Notifications++
		}
	}
	return st
}

// redeliveries marks the notifications of xs that are another delivery of
// one kept: the calls API delivers at least once, and POSTs a notification
// again (same callback, same body) when a delivery failed or timed out,
// even one the bot had answered. Of the deliveries of one notification,
// one is kept: the first the bot accepted (2xx); a delivery the bot did
// not answer, or refused with a status that asks for a retry, is dropped
// when another follows. A refusal that asks for none (400...) is kept.
func redeliveries(xs []exchange) []bool {
	type key struct {
		callback int
		body     string
	}
	deliveries := map[key][]int{}
	for i := range xs {
		if xs[i].isNote {
			k := key{xs[i].callback, string(xs[i].body)}
			deliveries[k] = append(deliveries[k], i)
		}
	}
	drop := make([]bool, len(xs))
	for _, idx := range deliveries {
		accepted := false
		for n, i := range idx {
			status := xs[i].botStatus
			drop[i] = accepted || (retryable(status) && n < len(idx)-1)
			accepted = accepted || (status >= 200 && status < 300)
		}
	}
	return drop
}

// retryable reports whether a callback's answer makes the service retry.
func retryable(status int) bool {
	return status == 0 || status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}

// capBuffer keeps the first max bytes written to it.
type capBuffer struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (c *capBuffer) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room < len(p) {
		c.truncated = true
		if room > 0 {
			c.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return c.buf.Write(p)
}
