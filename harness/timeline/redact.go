package timeline

import (
	"net/http"
	"strings"

	"github.com/callconform/callconform/internal/secret"
)

// Redacted replaces a secret in headers, bodies and messages.
const Redacted = "REDACTED"

// secretHeaders are headers whose values are never kept, besides those
// named like a secret (secret.FieldName: X-Api-Key, X-Client-Secret...).
var secretHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"X-Api-Key":           true,
}

// RedactHeader returns a copy of h with secret header values replaced; a
// bearer token keeps its scheme ("Bearer REDACTED") so a reader still sees
// that one was sent. Other values are redacted as RedactString does.
func RedactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		whole := secretHeaders[ck] || secret.FieldName(ck)
		cp := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case whole:
				if scheme, _, ok := strings.Cut(v, " "); ok {
					cp[i] = scheme + " " + Redacted
				} else {
					cp[i] = Redacted
				}
			default:
				cp[i] = RedactString(v)
			}
		}
		out[ck] = cp
	}
	return out
}

// RedactString replaces with Redacted each secret secret.Find finds in s:
// JWTs, bearer tokens, secret-named fields (client_secret=...,
// "access_token": "...", sig=... of a SAS), refresh tokens, client secrets
// and high-entropy strings; the recorder and replay lint use the same
// finder. s is returned as it is when it holds none.
func RedactString(s string) string {
	return secret.Redact(s, func(secret.Match, string) string { return Redacted })
}

// RedactBytes is RedactString for bodies: b is returned as it is when it
// holds no secret.
func RedactBytes(b []byte) []byte {
	r := RedactString(string(b))
	if r == string(b) {
		return b
	}
	return []byte(r)
}
