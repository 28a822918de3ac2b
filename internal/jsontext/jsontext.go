// Package jsontext writes JSON text as encoding/json writes it, without
// its reflection: for the values written by the hundred thousand (a
// recorded fixture's, the simulator's notifications).
package jsontext

import (
	"encoding/json"
	"unicode/utf8"
)

// AppendString appends s quoted as encoding/json quotes a string:
// ", \ and the control characters escaped, <, > and & as \u003c, \u003e
// and \u0026, U+2028 and U+2029 as \u2028 and \u2029. A string that is
// not valid UTF-8 is left to json.Marshal, whose way with it changed from
// one Go release to the next (\ufffd, then U+FFFD itself).
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	mark := len(dst)
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if plain[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst[:mark], b...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plain tells the ASCII bytes written in a JSON string as they are: all
// printable ones but the quote, the backslash, <, > and &.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()
