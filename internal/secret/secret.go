// Package secret finds what looks like a credential in text: JWTs, bearer
// tokens, secret-named fields (client_secret=..., "password": "...") and
// high-entropy strings. The recorder scrubs what it finds; replay lint
// refuses a fixture where it finds anything.
package secret

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Kind names what a Match looks like.
type Kind string

// Kinds of Match.
const (
	JWT     Kind = "jwt"          // a JSON Web Token (three base64url parts, the first "eyJ...")
	Bearer  Kind = "bearer"       // the token of "Bearer <token>"
	Field   Kind = "secret-field" // the value of a field named client_secret, password, access_token...
	Entropy Kind = "entropy"      // a long random-looking string
)

// Match is one secret found in a string: its kind and byte offsets.
type Match struct {
	Kind       Kind
	Start, End int
}

// MinEntropyLen is the shortest token judged by its entropy.
const MinEntropyLen = 24

// Patterns of the kinds found by expression. Bearer and Field take the
// secret from their last group.
var (
	JWTPattern    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	BearerPattern = regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9._~+/=-]{16,})`)
	FieldPattern  = regexp.MustCompile(`(?i)["']?\b(client[_-]?secret|password|passwd|access[_-]?token|refresh[_-]?token|id[_-]?token|api[_-]?key|secret)["']?\s*[:=]\s*["']?([^"'&\s,}{]+)`)
)

// tokenRE finds the runs of characters credentials are written with.
var tokenRE = regexp.MustCompile(`[A-Za-z0-9+/=_~-]{24,}`)

var guidRE = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// Find returns the secrets in s, ordered by position, without overlaps
// (the earlier and longer wins). Placeholders are never secrets: a value
// that is a {{template}} or starts with "redacted" or "REDACTED".
func Find(s string) []Match {
	var ms []Match
	if strings.Contains(s, "eyJ") {
		for _, loc := range JWTPattern.FindAllStringIndex(s, -1) {
			ms = append(ms, Match{JWT, loc[0], loc[1]})
		}
	}
	if containsFold(s, "bearer") {
		for _, loc := range BearerPattern.FindAllStringSubmatchIndex(s, -1) {
			if !placeholder(s[loc[2]:loc[3]]) {
				ms = append(ms, Match{Bearer, loc[2], loc[3]})
			}
		}
	}
	if containsFold(s, "secret") || containsFold(s, "token") || containsFold(s, "pass") || containsFold(s, "key") {
		for _, loc := range FieldPattern.FindAllStringSubmatchIndex(s, -1) {
			if !placeholder(s[loc[4]:loc[5]]) {
				ms = append(ms, Match{Field, loc[4], loc[5]})
			}
		}
	}
	for _, loc := range tokenRE.FindAllStringIndex(s, -1) {
		if HighEntropy(s[loc[0]:loc[1]]) {
			ms = append(ms, Match{Entropy, loc[0], loc[1]})
		}
	}
	if len(ms) < 2 {
		return ms
	}
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].Start != ms[j].Start {
			return ms[i].Start < ms[j].Start
		}
		return ms[i].End > ms[j].End
	})
	out := ms[:1]
	for _, m := range ms[1:] {
		if last := &out[len(out)-1]; m.Start < last.End {
			last.End = max(last.End, m.End)
			continue
		}
		out = append(out, m)
	}
	return out
}

// placeholder reports whether v stands for a value instead of being one.
func placeholder(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "redacted") || strings.HasPrefix(v, "{{") || strings.HasPrefix(v, "$") ||
		strings.HasPrefix(v, "<") || strings.HasPrefix(v, "...")
}

// HighEntropy reports whether tok (one run of credential characters) looks
// random: at least MinEntropyLen long, not a GUID or a hex id, made of at
// least two of lower case, upper case and digits, with a Shannon entropy of
// at least EntropyThreshold(len(tok)).
func HighEntropy(tok string) bool {
	if len(tok) < MinEntropyLen || guidRE.MatchString(tok) || isHex(tok) || placeholder(tok) {
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

// Mask shows the first characters of a secret and hides the rest, for a
// message that must not repeat it.
func Mask(s string) string {
	const keep = 4
	if len(s) <= keep*2 {
		return strings.Repeat("*", len(s))
	}
	return s[:keep] + "…(" + strconv.Itoa(len(s)) + " chars)"
}

// containsFold reports whether s contains the lower-case ASCII word sub,
// ignoring case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
