package recorder

import (
	"encoding/base64"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What a string holds: JSON in a string (a clientContext), URLs and forms
// (a joinWebUrl and its URL-encoded context), base64 of text (a
// replacesContext). Each is decoded, scrubbed like the value it holds and
// written back the way it was, so that a pseudonym in it is the one the
// same value gets everywhere else in the fixture.

// maxDecodeDepth bounds how many decodings deep a value is scrubbed
// (base64 of JSON holding a URL whose query holds JSON is four).
const maxDecodeDepth = 4

// deep scrubs a string found at path: as JSON when it is JSON, else as
// text.
func (r *redactor) deep(path []string, s string, depth int) string {
	if depth < maxDecodeDepth {
		if out, ok := r.jsonString(path, s, depth); ok {
			return out
		}
	}
	return r.textAt(s, depth)
}

// jsonString scrubs s when it is a JSON object or array: each string in it
// as the value at its path below path. It is written back compact, and
// only when something changed.
func (r *redactor) jsonString(path []string, s string, depth int) (string, bool) {
	t := strings.TrimSpace(s)
	if len(t) < 2 || (t[0] != '{' && t[0] != '[') {
		return "", false
	}
	v, err := parseJSON([]byte(t))
	if err != nil {
		return "", false
	}
	if !r.scrubJSON(v, path, depth+1) {
		return s, true
	}
	return string(v.marshal()), true
}

// scrubJSON scrubs every string of v in place, each as the value at its
// path, and reports whether any changed.
func (r *redactor) scrubJSON(v *jvalue, path []string, depth int) bool {
	changed := false
	switch v.kind {
	case 'o':
		for i, k := range v.keys {
			if r.scrubJSON(v.vals[i], append(path[:len(path):len(path)], k), depth) {
				changed = true
			}
		}
	case 'a':
		for _, e := range v.vals {
			if r.scrubJSON(e, path, depth) {
				changed = true
			}
		}
	case 's':
		if out, _ := r.valueAt(path, v.text, depth); out != v.text {
			v.text = out
			changed = true
		}
	case 'n':
		changed = r.scrubNumber(v, path)
	}
	return changed
}

// scrubNumber scrubs a JSON number at path as the string of its digits (a
// joinMeetingId or a phone number sent as a number) and reports whether it
// changed; a number replaced by what is not one (a passcode's
// redacted-secret-1) becomes a string.
func (r *redactor) scrubNumber(v *jvalue, path []string) bool {
	out, _ := r.value(path, v.text)
	if out == v.text {
		return false
	}
	v.text = out
	if digitsOf(out) != out {
		v.kind = 's'
	}
	return true
}

// learn gives a pseudonym to each value of v the rules replace, without
// changing v, so that a value is known before the text that names it is
// scrubbed (a display name in a subject written before the identity).
func (r *redactor) learn(v *jvalue) {
	if v == nil {
		return
	}
	var walk func(v *jvalue, path []string)
	walk = func(v *jvalue, path []string) {
		switch v.kind {
		case 'o':
			for i, k := range v.keys {
				walk(v.vals[i], append(path[:len(path):len(path)], k))
			}
		case 'a':
			for _, e := range v.vals {
				walk(e, path)
			}
		case 's', 'n':
			r.value(path, v.text)
		}
	}
	walk(v, nil)
}

// learnExchanges learns the values of every body of a recording (requests,
// answers and notifications) and of its request paths, so that pseudonyms
// are numbered in the order the values first appear and a value is
// replaced even where it is written before its identity is seen.
func (r *redactor) learnExchanges(xs []exchange) {
	for i := range xs {
		x := &xs[i]
		if !x.isNote {
			r.text(x.path)
		}
		for _, b := range [][]byte{x.body, x.respBody} {
			if v, err := parseJSON(b); err == nil {
				r.learn(v)
			}
		}
	}
}

// base64RunRE finds what may be base64: 16 or more characters of either
// alphabet, with its padding.
var base64RunRE = regexp.MustCompile(`[0-9A-Za-z+/_-]{16,}={0,2}`)

// base64Encodings are tried in turn on a run.
var base64Encodings = []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding}

// base64Runs scrubs what is base64 of text in s (JSON, a URL, words) and
// encodes it again the same way. Base64 of anything else is left to the
// finder.
func (r *redactor) base64Runs(s string, depth int) string {
	if len(s) < 16 {
		return s
	}
	return base64RunRE.ReplaceAllStringFunc(s, func(run string) string {
		text, enc, ok := decodeBase64Text(run)
		if !ok {
			return run
		}
		out := r.deep(nil, text, depth+1)
		if out == text {
			return run
		}
		return enc.EncodeToString([]byte(out))
	})
}

// minBase64Text is the shortest decoded text worth scrubbing.
const minBase64Text = 12

// decodeBase64Text decodes run when it is base64 (of any alphabet, padded
// or not) of printable UTF-8 text, and returns the encoding it was in.
func decodeBase64Text(run string) (string, *base64.Encoding, bool) {
	for _, enc := range base64Encodings {
		b, err := enc.DecodeString(run)
		if err != nil || len(b) < minBase64Text || !printable(b) {
			continue
		}
		return string(b), enc, true
	}
	return "", nil, false
}

// printable reports whether b is UTF-8 text without control characters
// other than white space.
func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range string(b) {
		if unicode.IsControl(c) && c != '\n' && c != '\r' && c != '\t' || c == utf8.RuneError {
			return false
		}
	}
	return true
}
