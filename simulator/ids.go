package simulator

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// id is a 128-bit identifier of a call, operation or participant. The
// reference page writes one id in two forms, dashed lower-case
// (57dab8b1-894c-409a-b240-bd8beae78896) and undashed upper-case
// (57DAB8B1894C409AB240BD8BEAE78896); parseID accepts both.
type id [16]byte

// newID returns a random (version 4) GUID.
func newID() id {
	var i id
	_, _ = rand.Read(i[:]) // never fails since Go 1.24
	i[6] = i[6]&0x0f | 0x40
	i[8] = i[8]&0x3f | 0x80
	return i
}

const hexLower = "0123456789abcdef"
const hexUpper = "0123456789ABCDEF"

// dashed formats i as a dashed lower-case GUID.
func (i id) dashed() string {
	var b [36]byte
	j := 0
	for k, c := range i {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexLower[c>>4], hexLower[c&0xf]
		j += 2
	}
	return string(b[:])
}

// compact formats i as 32 upper-case hex digits.
func (i id) compact() string {
	var b [32]byte
	for k, c := range i {
		b[2*k], b[2*k+1] = hexUpper[c>>4], hexUpper[c&0xf]
	}
	return string(b[:])
}

// parseID reads a GUID written dashed (8-4-4-4-12) or undashed, in any case.
func parseID(s string) (id, bool) {
	var i id
	switch len(s) {
	case 32:
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return i, false
		}
		s = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	default:
		return i, false
	}
	if _, err := hex.Decode(i[:], []byte(s)); err != nil {
		return id{}, false
	}
	return i, true
}

// parseCallRef reads a reference to a call: a bare id in either form, or a
// call path such as /app/calls/{id}, /applications/{appId}/calls/{id} or
// /communications/calls/{id}.
func parseCallRef(s string) (id, bool) {
	if i, ok := parseID(s); ok {
		return i, true
	}
	if !strings.HasPrefix(s, "/") {
		return id{}, false
	}
	parts := strings.Split(strings.TrimPrefix(s, "/"), "/")
	switch {
	case len(parts) == 3 && (parts[0] == "app" || parts[0] == "communications") && parts[1] == "calls":
		return parseID(parts[2])
	case len(parts) == 4 && parts[0] == "applications" && parts[2] == "calls":
		return parseID(parts[3])
	}
	return id{}, false
}
