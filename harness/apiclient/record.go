package apiclient

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/callconform/callconform/harness/timeline"
)

// recorder writes the events of one Do into a timeline, scrubbed of the
// client's secrets and the token sent.
type recorder struct {
	tl      *timeline.Timeline // nil: nothing is recorded
	method  string
	url     string   // scrubbed
	secrets []string // the client's secrets: literal values never to record
	token   string   // the token sent, never to record either
}

// add stamps e with the request's method and URL and appends it, scrubbed.
func (r *recorder) add(e timeline.Event) {
	if r.tl == nil {
		return
	}
	e.Method, e.URL = r.method, r.url
	e.Text = r.scrub(e.Text)
	if e.Header != nil {
		h := timeline.RedactHeader(e.Header)
		for _, vs := range h {
			for i, v := range vs {
				vs[i] = r.scrub(v)
			}
		}
		e.Header = h
	}
	r.tl.AddRedacted(e)
}

// withBody sets e.Body to b when b is JSON, else e.Text to b truncated.
func (r *recorder) withBody(e timeline.Event, b []byte) timeline.Event {
	if len(b) == 0 {
		return e
	}
	if json.Valid(b) {
		if red := []byte(r.scrub(string(b))); json.Valid(red) {
			e.Body = json.RawMessage(red)
			return e
		}
	}
	e.Text = r.truncate(b)
	return e
}

// truncate returns b as scrubbed text of at most maxRecordedText bytes
// (plus a mark when cut). It scrubs before it cuts, so that no token is cut in
// two and half-kept.
func (r *recorder) truncate(b []byte) string {
	const margin = 16 << 10 // longer than any token
	if len(b) > maxRecordedText+margin {
		b = b[:maxRecordedText+margin]
	}
	s := r.scrub(strings.ToValidUTF8(string(b), "\uFFFD"))
	if len(s) <= maxRecordedText {
		return s
	}
	cut := maxRecordedText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (truncated)"
}

// scrub redacts tokens and secrets in s.
func (r *recorder) scrub(s string) string {
	s = timeline.RedactString(s)
	for _, secret := range r.secrets {
		s = replaceSecret(s, secret)
	}
	return replaceSecret(s, r.token)
}

// replaceSecret replaces every occurrence of secret in s.
func replaceSecret(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, timeline.Redacted)
}
