package apiclient

import (
	"crypto/rand"
	"fmt"
)

// NewGUID returns a random RFC 4122 version 4 UUID, lower case and dashed
// (8-4-4-4-12), as Graph writes ids and expects client-request-id.
func NewGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // never fails (crypto/rand crashes the program instead)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10xx (RFC 4122)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
