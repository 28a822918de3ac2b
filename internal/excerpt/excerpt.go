// Package excerpt cuts and escapes text that came from outside (a target's
// body, a fixture's title, a bot's request) before it is shown on a console
// or in a report: clipped on a UTF-8 boundary, and with every control
// character escaped so that it cannot move a cursor, clear a screen or hide
// what follows.
package excerpt

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis ends a clipped text.
const Ellipsis = "…"

// Clip returns s if it is at most n bytes long, else its first bytes up to n,
// cut on a UTF-8 character boundary, followed by Ellipsis.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 0 {
		n = 0
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + Ellipsis
}

// ClipRunes is Clip counted in characters rather than bytes: at most n
// characters, the last of them Ellipsis when s is longer.
func ClipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		return Ellipsis
	}
	i, k := 0, 0
	for i = range s {
		if k == n-1 {
			break
		}
		k++
	}
	return s[:i] + Ellipsis
}

// Printable escapes what a terminal would act on: control characters other
// than newline and tab (ESC, NUL, BEL, CR, DEL, the C1 range), Unicode
// format characters such as bidirectional overrides, and bytes that are not
// UTF-8. Everything else is kept as it is.
func Printable(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII, newlines and tabs only: the
// common case, returned without copying.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// Line returns s as one console line of at most about n bytes: line breaks
// become spaces, control characters are escaped (Printable), and the result
// is clipped (Clip).
func Line(s string, n int) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return Clip(Printable(s), n)
}

// Grouped writes n with its thousands grouped, as a count is shown to
// people: 59,900.
func Grouped(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
