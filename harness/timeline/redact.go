package timeline

import (
	"net/http"
	"regexp"
	"strings"
)

// Redacted replaces a secret in headers, bodies and messages.
const Redacted = "REDACTED"

// secretHeaders are headers whose values are never kept.
var secretHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"X-Api-Key":           true,
}

// RedactHeader returns a copy of h with secret header values replaced; a
// bearer token keeps its scheme ("Bearer REDACTED") so a reader still sees
// that one was sent.
func RedactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		cp := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case secretHeaders[ck]:
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

var (
	jwtRE    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	bearerRE = regexp.MustCompile(`(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}`)
	secretRE = regexp.MustCompile(`(?i)("?(?:client_secret|access_token|refresh_token|id_token|password|secret)"?\s*[:=]\s*"?)([^"&\s,}]+)`)
)

// RedactString replaces JWTs, bearer tokens and secret-named parameters
// (client_secret=..., "access_token": "...") in s. Each expression runs only
// when a cheap scan finds its keyword, since bodies are redacted on every
// request and notification.
func RedactString(s string) string {
	if strings.Contains(s, "eyJ") {
		s = jwtRE.ReplaceAllString(s, Redacted)
	}
	if containsFold(s, "bearer") {
		s = bearerRE.ReplaceAllString(s, "${1}"+Redacted)
	}
	if containsFold(s, "secret") || containsFold(s, "token") || containsFold(s, "password") {
		s = secretRE.ReplaceAllString(s, "${1}"+Redacted)
	}
	return s
}

// containsFold reports whether s contains the lower-case ASCII word sub,
// without regard to case and without allocating.
func containsFold(s, sub string) bool {
	first := sub[0]
	for i := 0; i+len(sub) <= len(s); i++ {
		if c := s[i] | 0x20; c == first && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// RedactBytes is RedactString for bodies.
func RedactBytes(b []byte) []byte {
	r := RedactString(string(b))
	if r == string(b) {
		return b
	}
	return []byte(r)
}
