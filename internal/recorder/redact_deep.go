package recorder

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
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

// known replaces in s the values that already have a pseudonym: ids in
// either form and any case, phone numbers and joinMeetingIds however they
// are written, secrets as they were written, and display names (as whole words, in any case, with any
// white space between their words).
func (r *redactor) known(s string) string {
	s = r.knownIDs(s)
	s = r.knownNumbers(s)
	s = r.knownSecrets(s)
	return r.knownNames(s)
}

// minKnownSecret is the shortest secret looked for in text: a passcode
// has six characters or more.
const minKnownSecret = 6

// knownSecrets replaces the secrets already redacted (a passcode, a token)
// wherever else they are written as they were: a passcode in a join link's
// query, for one.
func (r *redactor) knownSecrets(s string) string {
	for _, k := range []string{KindSecret, KindEntropy, KindJWT, KindBearer} {
		byValue := r.pseudo[k]
		if len(byValue) == 0 {
			continue
		}
		secrets := make([]string, 0, len(byValue))
		for v := range byValue {
			if len(v) >= minKnownSecret && strings.Contains(s, v) {
				secrets = append(secrets, v)
			}
		}
		slices.SortFunc(secrets, func(a, b string) int {
			if len(a) != len(b) {
				return len(b) - len(a)
			}
			return strings.Compare(a, b)
		})
		for _, v := range secrets {
			s = strings.ReplaceAll(s, v, byValue[v])
		}
	}
	return s
}

// idKinds returns the kinds whose pseudonyms are GUIDs, sorted.
func (r *redactor) idKinds() []string {
	var ks []string
	for k, m := range r.pseudo {
		if len(m) > 0 && (k == KindUserID || k == KindTenantID || k == KindThreadID ||
			(strings.HasSuffix(k, "-id") && k != KindMeetingID)) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

func (r *redactor) knownIDs(s string) string {
	kinds := r.idKinds()
	if len(kinds) == 0 {
		return s
	}
	return guidRE.ReplaceAllStringFunc(s, func(m string) string {
		key := pseudoKey("", m)
		for _, k := range kinds {
			if p, ok := r.pseudo[k][key]; ok {
				return guidLike(m, p)
			}
		}
		return m
	})
}

// numberRE finds a number written with separators (+1 425-555-0123) and
// digitRunRE one written without.
var (
	numberRE   = regexp.MustCompile(`\+?[0-9][0-9 ().-]*[0-9]`)
	digitRunRE = regexp.MustCompile(`\+?[0-9]+`)
)

// minNumberDigits is the fewest digits of a phone number or joinMeetingId
// looked for in text.
const minNumberDigits = 7

func (r *redactor) knownNumbers(s string) string {
	if len(r.pseudo[KindPhone]) == 0 && len(r.pseudo[KindMeetingID]) == 0 {
		return s
	}
	return replaceBounded(s, numberRE, func(run string) string {
		if out, ok := r.knownNumber(run); ok {
			return out
		}
		return replaceBounded(run, digitRunRE, func(d string) string {
			out, _ := r.knownNumber(d)
			return out
		})
	})
}

// knownNumber returns the pseudonym of a phone number or joinMeetingId
// that has one, written like run.
func (r *redactor) knownNumber(run string) (string, bool) {
	d := digitsOf(run)
	if len(d) < minNumberDigits {
		return run, false
	}
	for _, k := range []string{KindPhone, KindMeetingID} {
		if p, ok := r.pseudo[k][d]; ok {
			return writtenLike(k, run, p), true
		}
	}
	return run, false
}

// replaceBounded replaces each match of re in s that is not part of a
// longer word or number by with(match).
func replaceBounded(s string, re *regexp.Regexp, with func(string) string) string {
	var b strings.Builder
	prev := 0
	for _, loc := range re.FindAllStringIndex(s, -1) {
		start, end := loc[0], loc[1]
		if !wordBoundary(s, start, end) {
			continue
		}
		b.WriteString(s[prev:start])
		b.WriteString(with(s[start:end]))
		prev = end
	}
	if prev == 0 {
		return s
	}
	b.WriteString(s[prev:])
	return b.String()
}

// wordBoundary reports whether s[start:end] is neither preceded nor
// followed by a letter or a digit.
func wordBoundary(s string, start, end int) bool {
	if start > 0 {
		if c, _ := utf8.DecodeLastRuneInString(s[:start]); unicode.IsLetter(c) || unicode.IsDigit(c) {
			return false
		}
	}
	if end < len(s) {
		if c, _ := utf8.DecodeRuneInString(s[end:]); unicode.IsLetter(c) || unicode.IsDigit(c) {
			return false
		}
	}
	return true
}

// nameMatcher finds one display name in text.
type nameMatcher struct {
	re        *regexp.Regexp
	pseudonym string
}

// minNameLen is the shortest display name looked for in text, in
// characters.
const minNameLen = 2

// nameMatchers returns the matchers of the display names that have a
// pseudonym, longest first, so that "Alice Smith" goes before "Alice".
func (r *redactor) nameMatchers() []nameMatcher {
	if r.names != nil {
		return r.names
	}
	byName := r.pseudo[KindDisplayName]
	names := make([]string, 0, len(byName))
	for n := range byName {
		if utf8.RuneCountInString(strings.TrimSpace(n)) >= minNameLen {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	r.names = make([]nameMatcher, 0, len(names))
	for _, n := range names {
		words := strings.Fields(n)
		for i, w := range words {
			words[i] = regexp.QuoteMeta(w)
		}
		r.names = append(r.names, nameMatcher{regexp.MustCompile(`(?i)` + strings.Join(words, `\s+`)), byName[n]})
	}
	return r.names
}

func (r *redactor) knownNames(s string) string {
	for _, m := range r.nameMatchers() {
		s = replaceBounded(s, m.re, func(string) string { return m.pseudonym })
	}
	return s
}
