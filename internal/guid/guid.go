// Package guid makes and reads the 128-bit identifiers the calls API uses for
// calls, operations, participants and requests. The service writes one id in
// several forms within one call (dashed lower case in a Location,
// undashed upper case in a notification); Parse and Normalize accept them all.
package guid

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// GUID is a 128-bit identifier.
type GUID [16]byte

// New returns a random RFC 4122 version 4 GUID.
func New() GUID {
	var g GUID
	_, _ = rand.Read(g[:])  // never fails (crypto/rand crashes the program instead)
	g[6] = g[6]&0x0f | 0x40 // version 4
	g[8] = g[8]&0x3f | 0x80 // variant 10xx (RFC 4122)
	return g
}

// NewString returns a random GUID, dashed and lower case, as Graph writes
// ids and expects client-request-id.
func NewString() string { return New().String() }

const (
	hexLower = "0123456789abcdef"
	hexUpper = "0123456789ABCDEF"
)

// String formats g dashed and lower case (8-4-4-4-12).
func (g GUID) String() string {
	var b [36]byte
	j := 0
	for k, c := range g {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexLower[c>>4], hexLower[c&0xf]
		j += 2
	}
	return string(b[:])
}

// Compact formats g as 32 upper-case hex digits, as the 2018 pages write ids
// in notifications.
func (g GUID) Compact() string {
	var b [32]byte
	for k, c := range g {
		b[2*k], b[2*k+1] = hexUpper[c>>4], hexUpper[c&0xf]
	}
	return string(b[:])
}

// Hex formats g as 32 lower-case hex digits.
func (g GUID) Hex() string { return hex.EncodeToString(g[:]) }

// Parse reads a GUID written dashed (8-4-4-4-12) or undashed, in any case.
func Parse(s string) (GUID, bool) {
	var g GUID
	switch len(s) {
	case 32:
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return g, false
		}
		s = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	default:
		return g, false
	}
	if _, err := hex.Decode(g[:], []byte(s)); err != nil {
		return GUID{}, false
	}
	return g, true
}

// Normalize removes dashes and folds case, so that
// "57dab8b1-894c-409a-b240-bd8beae78896" and "57DAB8B1894C409AB240BD8BEAE78896"
// compare equal. It works on any string (a path holding ids, too).
func Normalize(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "-", ""))
}
