package recorder

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
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
	status     int // 0 = none (an error, or still in flight)
	location   string
	respHeader map[string]string // the answer's headers kept (see keptAnswerHeaders), Location apart
	respBody   []byte
	truncated  bool   // respBody holds only the first maxRecordedBody bytes
	failure    string // why no answer, when status is 0

	// A notification: the callback path it came to, and the bot's answer.
	callback  int
	botStatus int // 0 = the bot did not answer

	done    bool // written to the journal's sink
	counted bool // counted as a redelivery when it arrived
}

// journal is the live recording: it numbers exchanges as they arrive and
// appends each, redacted, to its sink the moment it completes (its answer
// recorded), so that a recorder killed mid-session loses only the
// exchanges in flight. It is safe for concurrent use.
type journal struct {
	mu       sync.Mutex
	next     int
	inflight map[int]*exchange
	sink     sink              // nil = an in-memory sink, made on first use
	scrub    *journalScrubber  // redacts before anything reaches the sink
	err      error             // the first write error, said in the build's notes
	st       Stats             // counted as exchanges complete
	redeliv  *redeliveryFilter // live redelivery count for Stats
}

// add numbers e and keeps it in flight until it completes.
func (j *journal) add(e *exchange) {
	j.mu.Lock()
	e.seq = j.next
	j.next++
	if e.at.IsZero() {
		e.at = time.Now()
	}
	if j.inflight == nil {
		j.inflight = map[int]*exchange{}
	}
	j.inflight[e.seq] = e
	j.arrived(e)
	j.mu.Unlock()
}

// answer records the upstream's answer to a request (status and headers);
// the body follows with answerBody, which completes the exchange.
func (j *journal) answer(e *exchange, status int, h http.Header) {
	j.mu.Lock()
	e.status, e.location = status, h.Get("Location")
	e.respHeader = keptAnswerHeaders(h)
	e.answeredAt = time.Now()
	j.mu.Unlock()
}

// answerBody records the body of the upstream's answer and completes the
// exchange.
func (j *journal) answerBody(e *exchange, body []byte, truncated bool) {
	j.mu.Lock()
	e.respBody, e.truncated = body, truncated
	j.complete(e)
	j.mu.Unlock()
}

// fail records why a request got no answer and completes the exchange.
func (j *journal) fail(e *exchange, why string) {
	j.mu.Lock()
	if e.failure == "" {
		e.failure = why
	}
	j.complete(e)
	j.mu.Unlock()
}

// botAnswer records the bot's answer to a notification (0: none) and
// completes the exchange.
func (j *journal) botAnswer(e *exchange, status int) {
	j.mu.Lock()
	e.botStatus = status
	j.complete(e)
	j.mu.Unlock()
}

// complete writes e to the sink, once; j.mu is held.
func (j *journal) complete(e *exchange) {
	if e.done {
		return
	}
	e.done = true
	delete(j.inflight, e.seq)
	j.count(e)
	line := j.scrubber().line(e, false)
	if err := j.sinkOf().append(line); err != nil && j.err == nil {
		j.err = err
	}
}

// arrived counts an exchange as it arrives; a delivery of a notification
// the bot already accepted is a redelivery from then on. j.mu is held.
func (j *journal) arrived(e *exchange) {
	if j.redeliv == nil {
		j.redeliv = newRedeliveryFilter()
	}
	if !e.isNote {
		j.st.Requests++
		return
	}
	j.st.Notifications++
	accepted, earlier := j.redeliv.arrive(e.callback, e.body)
	j.st.Redeliveries += len(earlier)
	if accepted {
		e.counted = true
		j.st.Redeliveries++
	}
}

// count counts an exchange as it completes. j.mu is held.
func (j *journal) count(e *exchange) {
	if !e.isNote {
		if e.status >= 200 && e.status < 300 && startsCall(e.method, e.path) {
			j.st.Calls++
		}
		return
	}
	drop, earlier := j.redeliv.add(e.seq, e.callback, e.body, e.botStatus)
	j.st.Redeliveries += len(earlier)
	if drop && !e.counted {
		j.st.Redeliveries++
	}
}

// startsCall reports whether a request creates a call, answers one or
// places an incoming one: what Stats.Calls counts.
func startsCall(method, path string) bool {
	p, _, _ := strings.Cut(strings.ToLower(path), "?")
	p = strings.TrimRight(p, "/")
	return method == http.MethodPost && (strings.HasSuffix(p, "/calls") || strings.HasSuffix(p, "/answer") || strings.HasSuffix(p, "/incoming-calls"))
}

func (j *journal) sinkOf() sink {
	if j.sink == nil {
		m := &memorySink{}
		line, _ := json.Marshal(journalHeader{Journal: JournalFormat, Version: journalVersion, Started: time.Now().UTC()})
		_ = m.append(append(line, '\n'))
		j.sink = m
	}
	return j.sink
}

func (j *journal) scrubber() *journalScrubber {
	if j.scrub == nil {
		j.scrub = newJournalScrubber(nil, nil)
	}
	return j.scrub
}

// stats counts the requests, the notification POSTs and, of those, the
// redeliveries, all at one moment, with the bytes written so far.
func (j *journal) stats() Stats {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := j.st
	if j.sink != nil {
		st.BytesWritten = j.sink.size()
	}
	return st
}

// pending returns the journal lines of the exchanges still in flight, in
// sequence order, and the sink's content up to now: what a build reads.
// In-flight exchanges are never written to the sink from here.
func (j *journal) pending() (snapshot, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var tail bytes.Buffer
	for seq := 0; seq < j.next && len(j.inflight) > 0; seq++ {
		if e, ok := j.inflight[seq]; ok {
			tail.Write(j.scrubber().line(e, true))
		}
	}
	s, err := j.sinkOf().snapshot()
	s.tail = tail.Bytes()
	if j.err != nil {
		s.notes = append(s.notes, "the journal lost exchanges: "+j.err.Error())
	}
	return s, err
}

// retryable reports whether a callback's answer makes the service retry.
func retryable(status int) bool {
	return status == 0 || status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}
