package recorder

import (
	"net/url"
	"regexp"
	"strings"
)

// URLs, paths with a query and forms: each query value is scrubbed as the
// value of its name (the context of a Teams join URL is JSON whose Tid and
// Oid are a tenant and a user), each escaped path segment as text (a
// thread id), and both are written back escaped as they were.

// urlRE finds an absolute URL in text.
var urlRE = regexp.MustCompile(`(?i)\b(?:https?|wss?)://[^\s"'<>\x60\\]+`)

// formRE is a whole form body or query: name=value pairs joined by '&'.
var formRE = regexp.MustCompile(`^[0-9A-Za-z_.%~-]+=[^&=;\s]*(?:&[0-9A-Za-z_.%~-]+=[^&=;\s]*)*$`)

// urls scrubs the URLs in s, or s itself when it is a path with a query or
// escapes, or a form.
func (r *redactor) urls(s string, depth int) string {
	hasScheme := strings.Contains(s, "://")
	if !hasScheme && !strings.ContainsAny(s, " \t\r\n") &&
		(strings.HasPrefix(s, "/") && strings.ContainsAny(s, "?%") || strings.Contains(s, "=") && formRE.MatchString(s)) {
		return r.scrubURL(s, depth)
	}
	if !hasScheme {
		return s
	}
	return urlRE.ReplaceAllStringFunc(s, func(u string) string { return r.scrubURL(u, depth) })
}

// scrubURL scrubs a URL, a path or a form: each path segment as text, each
// query (or form) value as the value of its name, each written back
// escaped as it was.
func (r *redactor) scrubURL(u string, depth int) string {
	rest, frag, hasFrag := strings.Cut(u, "#")
	base, query, hasQuery := strings.Cut(rest, "?")
	if !hasQuery && formRE.MatchString(base) {
		base, query, hasQuery = "", base, true
	}
	out := r.urlPath(base, depth)
	if hasQuery {
		if base != "" || strings.HasPrefix(rest, "?") {
			out += "?"
		}
		out += r.query(query, depth)
	}
	if hasFrag {
		if formRE.MatchString(frag) {
			frag = r.query(frag, depth)
		}
		out += "#" + frag
	}
	return out
}

// urlPath scrubs each escaped segment of a URL's path (the text around it
// is scrubbed as it is); the scheme and host are kept.
func (r *redactor) urlPath(p string, depth int) string {
	head := ""
	if i := strings.Index(p, "://"); i >= 0 {
		j := strings.IndexByte(p[i+3:], '/')
		if j < 0 {
			return p
		}
		head, p = p[:i+3+j], p[i+3+j:]
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if !strings.Contains(seg, "%") {
			continue
		}
		dec, err := url.PathUnescape(seg)
		if err != nil || dec == "" {
			continue
		}
		if out := r.textAt(dec, depth+1); out != dec {
			segs[i] = escapeLike(seg, out, false)
		}
	}
	return head + strings.Join(segs, "/")
}

// query scrubs each value of a query or form as the value of its name.
func (r *redactor) query(q string, depth int) string {
	parts := strings.Split(q, "&")
	for i, part := range parts {
		name, val, ok := strings.Cut(part, "=")
		if !ok || val == "" {
			continue
		}
		dn, err1 := url.QueryUnescape(name)
		dv, err2 := url.QueryUnescape(val)
		if err1 != nil || err2 != nil {
			continue
		}
		if out, _ := r.valueAt([]string{dn}, dv, depth+1); out != dv {
			parts[i] = name + "=" + escapeLike(val, out, true)
		}
	}
	return strings.Join(parts, "&")
}

// escapeLike escapes s as orig was escaped: the bytes orig escaped, in the
// same case of hex digits, spaces as '+' in a query that wrote them so, and
// whatever a path segment or a query value cannot hold as it is.
func escapeLike(orig, s string, query bool) string {
	var escaped [256]bool
	lower := false
	for i := 0; i+2 < len(orig); i++ {
		if orig[i] == '%' && isHexDigit(orig[i+1]) && isHexDigit(orig[i+2]) {
			escaped[unhex(orig[i+1])<<4|unhex(orig[i+2])] = true
			if orig[i+1] >= 'a' || orig[i+2] >= 'a' {
				lower = true
			}
			i += 2
		}
	}
	plus := query && strings.Contains(orig, "+")
	hexDigits := "0123456789ABCDEF"
	if lower {
		hexDigits = "0123456789abcdef"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' && plus:
			b.WriteByte('+')
		case escaped[c] || mustEscape(c, query):
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mustEscape reports whether c cannot be written as it is in a path
// segment or, with query, a query value.
func mustEscape(c byte, query bool) bool {
	if c <= ' ' || c >= 0x7f || c == '%' || c == '#' || c == '"' || c == '\\' {
		return true
	}
	if query {
		return c == '&' || c == '=' || c == '+'
	}
	return c == '/' || c == '?'
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
