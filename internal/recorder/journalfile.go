package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/guid"
	"github.com/callconform/callconform/internal/secret"
)

// JournalFormat names a journal file in its first line.
const JournalFormat = "callconform-recording"

// journalVersion is the version of the journal's line format.
const journalVersion = 1

// maxJournalLine bounds one line of a journal: a request body (MaxBody) and
// an answer's recorded part, escaped.
const maxJournalLine = 64 << 20

// ErrNotAJournal is returned when a file given as a journal is not one.
var ErrNotAJournal = errors.New("not a recording journal")

// journalHeader is the first line of a journal: what a build needs besides
// the exchanges.
type journalHeader struct {
	Journal  string                  `json:"journal"`
	Version  int                     `json:"version"`
	Upstream string                  `json:"upstream"` // its secrets redacted
	Started  time.Time               `json:"started"`
	Rules    []fixture.RedactionRule `json:"rules"`
}

// journalLine is one exchange of a journal, redacted, with the application
// and tenant ids of the bot written {{appId}} and {{tenantId}}.
type journalLine struct {
	Seq  int       `json:"seq"`
	At   time.Time `json:"at"`
	Note bool      `json:"note,omitempty"`

	Method    string              `json:"method,omitempty"`
	Path      string              `json:"path,omitempty"`
	Header    map[string][]string `json:"header,omitempty"`
	Body      json.RawMessage     `json:"body,omitempty"`     // a JSON body
	BodyText  string              `json:"bodyText,omitempty"` // any other
	Callbacks []int               `json:"callbacks,omitempty"`

	AnsweredAt   time.Time         `json:"answeredAt,omitzero"`
	Status       int               `json:"status,omitempty"`
	Location     string            `json:"location,omitempty"`
	AnswerHeader map[string]string `json:"answerHeader,omitempty"`
	Answer       json.RawMessage   `json:"answer,omitempty"`
	AnswerText   string            `json:"answerText,omitempty"`
	Truncated    bool              `json:"truncated,omitempty"`
	Failure      string            `json:"failure,omitempty"`
	// InFlight marks an exchange read from memory, not yet complete.
	InFlight bool `json:"inFlight,omitempty"`

	Callback  int `json:"callback,omitempty"`
	BotStatus int `json:"botStatus,omitempty"`
}

// sink is where a journal's lines go.
type sink interface {
	append(line []byte) error
	size() int64
	snapshot() (snapshot, error)
}

// snapshot is a journal as it was at one moment: its lines so far and the
// lines of the exchanges then in flight.
type snapshot struct {
	open  func() (io.ReadCloser, error) // a fresh reader of the lines written
	tail  []byte                        // lines of the exchanges in flight
	notes []string                      // what the journal could not keep
}

// reader returns a fresh reader of the whole snapshot.
func (s snapshot) reader() (io.ReadCloser, error) {
	rc, err := s.open()
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(rc, bytes.NewReader(s.tail)), rc}, nil
}

// memorySink keeps a journal in memory: a Recorder with no JournalPath.
type memorySink struct{ buf bytes.Buffer }

func (m *memorySink) append(line []byte) error { m.buf.Write(line); return nil }
func (m *memorySink) size() int64              { return int64(m.buf.Len()) }
func (m *memorySink) snapshot() (snapshot, error) {
	data := bytes.Clone(m.buf.Bytes())
	return snapshot{open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}, nil
}

// fileSink appends a journal's lines to a file, one write per line, so
// that a process killed loses no line written before.
type fileSink struct {
	path string
	f    *os.File
	n    int64
}

// createJournal creates the journal file at path (mode 0600; an existing
// file is refused, so that no recording is overwritten) and writes its
// header.
func createJournal(path string, h journalHeader) (*fileSink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	line, err := json.Marshal(h)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("create journal: %w", err)
	}
	s := &fileSink{path: path, f: f}
	if err := s.append(append(line, '\n')); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("create journal: %w", err)
	}
	return s, nil
}

func (s *fileSink) append(line []byte) error {
	n, err := s.f.Write(line)
	s.n += int64(n)
	if err != nil {
		return fmt.Errorf("append to journal %s: %w", s.path, err)
	}
	return nil
}

func (s *fileSink) size() int64 { return s.n }

func (s *fileSink) snapshot() (snapshot, error) {
	n := s.n
	return snapshot{open: func() (io.ReadCloser, error) {
		f, err := os.Open(s.path)
		if err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		return struct {
			io.Reader
			io.Closer
		}{io.LimitReader(f, n), f}, nil
	}}, nil
}

// Close syncs and closes the file.
func (s *fileSink) Close() error {
	return errors.Join(s.f.Sync(), s.f.Close())
}

// journalScrubber turns an exchange into its journal line: the bot's app
// and tenant ids become {{appId}} and {{tenantId}}, then every path,
// header, body and answer is redacted, so that nothing personal or secret
// reaches the disk. It is not safe for concurrent use (the journal's lock
// guards it).
type journalScrubber struct {
	red      *redactor
	identity func() (appID, tenantID string)
	known    [2]string      // the ids idRE was made for
	idRE     *regexp.Regexp // finds them, dashed or compact, any case
}

func newJournalScrubber(rules []rule, identity func() (string, string)) *journalScrubber {
	if rules == nil {
		rules, _ = compileRules(DefaultRules())
	}
	if identity == nil {
		identity = func() (string, string) { return "", "" }
	}
	return &journalScrubber{red: newRedactor(rules), identity: identity}
}

// line returns e's journal line, newline included.
func (s *journalScrubber) line(e *exchange, inFlight bool) []byte {
	s.refreshIdentity()
	// Every value of the exchange is learnt before any is written, so a
	// name or number is replaced in free text of the same exchange too
	// (and in every later one), not only where its identity is.
	s.red.learnExchanges([]exchange{*e})
	l := journalLine{Seq: e.seq, At: e.at, Note: e.isNote, InFlight: inFlight, Callback: e.callback, BotStatus: e.botStatus}
	if e.isNote {
		l.Body, l.BodyText = s.body(e.body)
	} else {
		l.Method, l.Path = e.method, s.red.text(s.ids(e.path))
		l.Header = s.header(e.header)
		l.Body, l.BodyText = s.body(e.body)
		l.Callbacks = e.callbacks
		l.AnsweredAt, l.Status, l.Location = e.answeredAt, e.status, s.red.text(s.ids(e.location))
		for k, v := range e.respHeader {
			if s.red.dropHeader(k) {
				continue
			}
			if l.AnswerHeader == nil {
				l.AnswerHeader = map[string]string{}
			}
			l.AnswerHeader[k] = s.red.text(s.ids(v))
		}
		l.Answer, l.AnswerText = s.body(e.respBody)
		l.Truncated, l.Failure = e.truncated, e.failure
	}
	out, err := json.Marshal(l)
	if err != nil { // only strings and raw JSON checked valid: cannot happen
		out, _ = json.Marshal(journalLine{Seq: e.seq, At: e.at, Note: e.isNote, Failure: "could not be journaled"})
	}
	return append(out, '\n')
}

func (s *journalScrubber) header(h http.Header) map[string][]string {
	var out map[string][]string
	for k, vs := range h {
		if s.red.dropHeader(k) {
			continue
		}
		if out == nil {
			out = map[string][]string{}
		}
		for _, v := range vs {
			out[k] = append(out[k], s.red.text(s.ids(v)))
		}
	}
	return out
}

// body returns a JSON body redacted member by member, or any other body
// redacted as text.
func (s *journalScrubber) body(b []byte) (json.RawMessage, string) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, ""
	}
	b = []byte(s.ids(string(b)))
	v, err := parseJSON(b)
	if err != nil {
		return nil, s.red.text(strings.ToValidUTF8(string(b), "\uFFFD"))
	}
	redactJSON(s.red, v, nil)
	return v.marshal(), ""
}

// redactJSON redacts every string and number of v in place, by its path
// (a joinMeetingId or a phone number may be sent as a JSON number).
func redactJSON(red *redactor, v *jvalue, path []string) {
	switch v.kind {
	case 'o':
		for i, k := range v.keys {
			redactJSON(red, v.vals[i], append(path[:len(path):len(path)], k))
		}
	case 'a':
		for _, e := range v.vals {
			redactJSON(red, e, path)
		}
	case 's':
		v.text, _ = red.value(path, v.text)
	case 'n':
		red.scrubNumber(v, path)
	}
}

// refreshIdentity makes idRE for the bot's ids once they are known.
func (s *journalScrubber) refreshIdentity() {
	app, tenant := s.identity()
	if [2]string{app, tenant} == s.known {
		return
	}
	s.known = [2]string{app, tenant}
	var alts []string
	for _, id := range []string{app, tenant} {
		if id == "" {
			continue
		}
		alts = append(alts, idPattern(id))
	}
	s.idRE = nil
	if len(alts) > 0 {
		s.idRE = regexp.MustCompile(`(?i)\b(?:` + strings.Join(alts, "|") + `)\b`)
	}
}

// idPattern matches id written dashed or compact, in any case.
func idPattern(id string) string {
	g, ok := guid.Parse(id)
	if !ok {
		return regexp.QuoteMeta(id)
	}
	h := g.Hex()
	return h[0:8] + "-?" + h[8:12] + "-?" + h[12:16] + "-?" + h[16:20] + "-?" + h[20:32]
}

// ids writes the bot's app and tenant ids in s as {{appId}} and
// {{tenantId}}.
func (s *journalScrubber) ids(text string) string {
	if s.idRE == nil || text == "" {
		return text
	}
	app, tenant := guid.Normalize(s.known[0]), guid.Normalize(s.known[1])
	return s.idRE.ReplaceAllStringFunc(text, func(m string) string {
		switch guid.Normalize(m) {
		case app:
			return "{{appId}}"
		case tenant:
			return "{{tenantId}}"
		}
		return m
	})
}

// exchange turns a journal line back into an exchange.
func (l *journalLine) exchange() *exchange {
	x := &exchange{
		seq: l.Seq, isNote: l.Note, at: l.At, answeredAt: l.AnsweredAt,
		method: l.Method, path: l.Path, callbacks: l.Callbacks,
		status: l.Status, location: l.Location, respHeader: l.AnswerHeader, truncated: l.Truncated, failure: l.Failure,
		callback: l.Callback, botStatus: l.BotStatus,
	}
	if len(l.Header) > 0 {
		x.header = http.Header(l.Header)
	}
	x.body = []byte(l.Body)
	if len(l.Body) == 0 && l.BodyText != "" {
		x.body = []byte(l.BodyText)
	}
	x.respBody = []byte(l.Answer)
	if len(l.Answer) == 0 && l.AnswerText != "" {
		x.respBody = []byte(l.AnswerText)
	}
	if l.InFlight && x.status == 0 && x.failure == "" && !x.isNote {
		x.failure = "the recording ended before the answer"
	}
	return x
}

// keptAnswerHeaders are the headers of an upstream's answer a fixture keeps
// (Location apart): what a bot may read. Per-request ids, dates and
// transport headers are left out.
var keptAnswerHeaderNames = []string{"Content-Type", "Retry-After", "Preference-Applied"}

func keptAnswerHeaders(h http.Header) map[string]string {
	var out map[string]string
	for _, k := range keptAnswerHeaderNames {
		if v := h.Get(k); v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// redactedUpstream is the upstream written in a journal's header.
func redactedUpstream(u string) string { return secret.RedactURL(u) }
