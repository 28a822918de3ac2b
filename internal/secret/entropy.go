package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/callconform/callconform/internal/guid"
)

// MinEntropyLen is the shortest token judged by its entropy.
const MinEntropyLen = 24

// findEntropy appends the runs of credential characters (letters, digits
// and +/=_~-) that HighEntropy judges random. A run that is a path with an
// id in it (calls/57DAB8B1.../operations/...) is judged segment by
// segment, since ids of mixed case make a path look random.
func findEntropy(s string, ms []Match) []Match {
	for i := 0; i < len(s); {
		if !isTokenChar(s[i]) {
			i++
			continue
		}
		end := i + runOf(s, i, isTokenChar)
		if threadID(s, i, end) {
			i = end
			continue
		}
		for start := i; start < end; {
			stop, next := assignment(s, start, end)
			if stop-start >= MinEntropyLen {
				ms = judgeRun(s, start, stop, ms)
			}
			start = next
		}
		i = end
	}
	return ms
}

// assignment returns where the part of a run s[start:end] that starts at
// start stops, and where the next part starts: a run is cut at each '='
// between a name and a value (sig=..., AZURE_CLIENT_SECRET=...), so that
// a name is not judged with its value. A '=' that ends the run, or two or
// more, are base64 padding and stay with what they end.
func assignment(s string, start, end int) (stop, next int) {
	for p := start; p < end; p++ {
		if s[p] != '=' {
			continue
		}
		q := p + runOf(s[:end], p, func(c byte) bool { return c == '=' })
		switch {
		case q == end:
			return end, end
		case q-p >= 2:
			return q, q
		default:
			return p, q
		}
	}
	return end, end
}

// judgeRun appends s[start:end] if it is random, or, for a path with an id
// in it, its random segments. Base64 of JSON or of text with spaces in it
// is judged by what it encodes: it is a secret when that holds one.
func judgeRun(s string, start, end int, ms []Match) []Match {
	run := s[start:end]
	if text, ok := base64Text(run); ok {
		if inner := Find(text); len(inner) > 0 {
			ms = append(ms, Match{inner[0].Kind, start, end})
		}
		return ms
	}
	if !pathWithID(run) {
		if HighEntropy(run) {
			ms = append(ms, Match{Entropy, start, end})
		}
		return ms
	}
	for i := start; i < end; {
		n := runOf(s[:end], i, func(c byte) bool { return c != '/' })
		if n >= MinEntropyLen && HighEntropy(s[i:i+n]) {
			ms = append(ms, Match{Entropy, i, i + n})
		}
		i += n + 1
	}
	return ms
}

// minIDSegment is the shortest hex segment that makes a run a path of ids.
const minIDSegment = 16

// pathWithID reports whether run has a '/' and a segment of at least
// minIDSegment hex digits and dashes (a GUID in either form).
func pathWithID(run string) bool {
	if strings.IndexByte(run, '/') < 0 {
		return false
	}
	for seg := range strings.SplitSeq(run, "/") {
		if len(seg) >= minIDSegment && isHex(seg) {
			return true
		}
	}
	return false
}

// isTokenChar is a character credentials are written with.
func isTokenChar(c byte) bool { return tokenChars[c] }

// HighEntropy reports whether tok (one run of credential characters) looks
// random: at least MinEntropyLen long, not an id (a GUID, hex digits, a
// GUID in base64 such as a Teams meeting thread's
// "meeting_NjM5ZjE4MGIt..."), not words joined by '-', '_' or '~'
// (Ocp-Apim-Subscription-Key) nor one camelCase identifier
// (maxRecordDurationInSeconds), not a placeholder, made of at least two of lower case, upper case and
// digits, with a Shannon entropy of at least EntropyThreshold(len(tok)).
func HighEntropy(tok string) bool {
	if len(tok) < MinEntropyLen || isHex(tok) || placeholder(tok) ||
		base64GUID(tok) || words(tok) || word(tok) {
		return false
	}
	if _, ok := guid.Parse(tok); ok {
		return false
	}
	var lower, upper, digit bool
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= '0' && c <= '9':
			digit = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit} {
		if b {
			classes++
		}
	}
	return classes >= 2 && ShannonEntropy(tok) >= EntropyThreshold(len(tok))
}

// meetingPrefix starts the id part of a Teams meeting thread id
// (19:meeting_<base64 of a GUID>@thread.v2); URL-encoded, the "19:" before
// it leaves "3A" or "3a" in the same run.
const meetingPrefix = "meeting_"

// base64GUID reports whether tok is a GUID written in base64, alone or
// after "meeting_".
func base64GUID(tok string) bool {
	if k := strings.Index(tok, meetingPrefix); k >= 0 && k <= 2 {
		tok = tok[k+len(meetingPrefix):]
	}
	if len(tok) != 48 { // base64.StdEncoding.EncodedLen(36)
		return false
	}
	var src [48]byte
	var b [36]byte
	copy(src[:], tok)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		if n, err := enc.Decode(b[:], src[:]); err == nil && n == 36 {
			_, ok := guid.Parse(string(b[:]))
			return ok
		}
	}
	return false
}

// words reports whether tok is words joined by '-', '_' or '~': each part
// letters only, lower case, Capitalized, camelCase or an acronym of at most
// maxAcronym letters. Random characters of that length almost always hold
// a digit or two capitals in a row.
func words(tok string) bool {
	if !strings.ContainsAny(tok, "-_~") {
		return false
	}
	for part := range strings.FieldsFuncSeq(tok, func(r rune) bool { return r == '-' || r == '_' || r == '~' }) {
		if !word(part) {
			return false
		}
	}
	return true
}

// maxAcronym is the longest run of capitals read as a word (HTTP, GRAPH).
const maxAcronym = 6

// word reports whether part is one word (see words).
func word(part string) bool {
	if !onlyLetters(part) {
		return false
	}
	if runOf(part, 0, isUpper) == len(part) {
		return len(part) <= maxAcronym
	}
	for i := 0; i < len(part); i++ {
		if isUpper(part[i]) && (i+1 == len(part) || isUpper(part[i+1])) {
			return false
		}
	}
	return true
}

// EntropyThreshold is the entropy, in bits per character, from which a
// token of n characters reads as random: 3.9 at 24 characters (random
// base64 of that length has about 4.25, camelCase words 3.3 to 3.8), rising
// by 0.02 a character to 4.5, since a longer sample of the same alphabet
// shows more of it.
func EntropyThreshold(n int) float64 {
	return math.Min(3.9+0.02*float64(max(n-MinEntropyLen, 0)), 4.5)
}

// ShannonEntropy returns the entropy of s's bytes in bits per byte.
func ShannonEntropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// isHex reports whether s is hex digits and dashes only (an id, a hash).
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

// threadID reports whether the run s[start:end] is the id part of a Teams
// thread id, 19:<id>@thread.v2 (or @thread.tacv2, @thread.skype,
// @unq.gbl.spaces), raw or URL-encoded (19%3A<id>%40thread.v2): an id,
// however random it looks.
func threadID(s string, start, end int) bool {
	before, after := s[:start], s[end:]
	switch {
	case strings.HasSuffix(before, "19:"):
		return strings.HasPrefix(after, "@thread.") || strings.HasPrefix(after, "@unq.gbl.spaces")
	case strings.HasSuffix(before, "19%") && (hasPrefixFold(s[start:end], "3a")):
		return hasPrefixFold(after, "%40thread.") || hasPrefixFold(after, "%40unq.gbl.spaces")
	}
	return false
}

// minBase64Text is the shortest text that base64Text decodes.
const minBase64Text = 12

// base64Text decodes run when it is base64 (either alphabet, padded or
// not) of a JSON object or array, or of UTF-8 text with white space in it
// (words, not a credential such as user:password).
func base64Text(run string) (string, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(run)
		if err != nil || len(b) < minBase64Text || !utf8.Valid(b) || hasControl(b) {
			continue
		}
		if t := bytes.TrimSpace(b); len(t) > 1 && (t[0] == '{' || t[0] == '[') && json.Valid(t) {
			return string(b), true
		}
		if bytes.ContainsAny(b, " \t\n") {
			return string(b), true
		}
	}
	return "", false
}

// hasControl reports whether b holds a control character other than white
// space.
func hasControl(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return true
		}
	}
	return false
}
