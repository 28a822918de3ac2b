// Package secret finds what looks like a credential in text: JWTs, bearer
// tokens, secret-named fields (client_secret=..., "password": "...",
// sig=... of a SAS), refresh tokens, client secrets and high-entropy
// strings. Ids are not secrets: GUIDs, hex ids and Teams
// thread ids (19:...@thread.v2) are passed over, and base64 of JSON or of
// text is judged by what it encodes. It is the one finder: the recorder scrubs what it finds, replay
// lint refuses a fixture where it finds anything, and the console and the
// reports redact it.
package secret

import (
	"slices"
	"strconv"
	"strings"

	"github.com/callconform/callconform/internal/excerpt"
)

// Kind names what a Match looks like.
type Kind string

// Kinds of Match.
const (
	JWT          Kind = "jwt"           // a JSON Web Token (three base64url parts, the first "eyJ...")
	Bearer       Kind = "bearer"        // the token of "Bearer <token>"
	Field        Kind = "secret-field"  // the value of a field named client_secret, password, sig, sasToken, api-key... (see FieldName)
	RefreshToken Kind = "refresh-token" // an Entra refresh token, "0.A..." up to a delimiter
	ClientSecret Kind = "client-secret" // an Entra client secret, such as "Abc8Q~..." (40 characters)
	Entropy      Kind = "entropy"       // a long random-looking string
)

// Match is one secret found in a string: its kind and byte offsets.
type Match struct {
	Kind       Kind
	Start, End int
}

// Find returns the secrets in s, ordered by position, without overlaps:
// matches that overlap become one, of the kind of the one that starts
// first (the longer at the same start; at the same span, the earlier in
// the list of kinds). Placeholders are never secrets: a value that is a
// {{template}}, a $VARIABLE, a <name>, "..." or "…", or that starts with
// "redacted".
func Find(s string) []Match {
	var ms []Match
	ms = findJWTs(s, ms)
	ms = findBearers(s, ms)
	ms = findFields(s, ms)
	ms = findRefreshTokens(s, ms)
	ms = findClientSecrets(s, ms)
	ms = findEntropy(s, ms)
	return merge(ms)
}

// merge orders ms by position and joins the ones that overlap.
func merge(ms []Match) []Match {
	if len(ms) < 2 {
		return ms
	}
	slices.SortStableFunc(ms, func(a, b Match) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
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

// maxRedactPasses bounds Redact: a replacement may, in theory, join its
// neighbours into something Find flags, which the next pass replaces.
const maxRedactPasses = 4

// Redact returns s with each secret Find finds replaced by with(m, the
// secret), and s itself when there is none. with should return a
// placeholder Find passes over (REDACTED, redacted-secret-1...); Redact
// looks again after replacing, so that what a replacement joins is
// replaced too.
func Redact(s string, with func(m Match, secret string) string) string {
	for range maxRedactPasses {
		ms := Find(s)
		if len(ms) == 0 {
			return s
		}
		var b strings.Builder
		b.Grow(len(s))
		prev := 0
		for _, m := range ms {
			b.WriteString(s[prev:m.Start])
			b.WriteString(with(m, s[m.Start:m.End]))
			prev = m.End
		}
		b.WriteString(s[prev:])
		s = b.String()
	}
	return s
}

// placeholder reports whether v stands for a value instead of being one:
// redacted..., {{var}}, $VAR, <name>, ... or … (what Mask writes).
func placeholder(v string) bool {
	return hasPrefixFold(v, "redacted") || strings.HasPrefix(v, "{{") || strings.HasPrefix(v, "$") ||
		strings.HasPrefix(v, "<") || strings.HasPrefix(v, "...") || strings.HasPrefix(v, excerpt.Ellipsis)
}

// Mask shows the first characters of a secret and hides the rest, for a
// message that must not repeat it. The characters shown are cut on a UTF-8
// boundary and escaped for a terminal.
func Mask(s string) string {
	const keep = 4
	if len(s) <= keep*2 {
		return strings.Repeat("*", len(s))
	}
	return excerpt.Printable(excerpt.Clip(s, keep)) + "(" + strconv.Itoa(len(s)) + " chars)"
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// indexFold returns the index of the first instance of the lower-case ASCII
// word sub in s at or after from, ignoring case, or -1.
func indexFold(s, sub string, from int) int {
	first := sub[0]
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == first && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
