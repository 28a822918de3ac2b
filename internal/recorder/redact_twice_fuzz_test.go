package recorder

import (
	"strings"
	"testing"
)

// FuzzScrubTwice: what the journal writes, scrubbed (learnt first, as the
// journal does), the build scrubs again without a change: a fresh
// redactor meets pseudonyms only and leaves them as they are, so that the
// fixture holds the journal's pseudonyms and the vars their values.
func FuzzScrubTwice(f *testing.F) {
	for _, s := range []string{
		"",
		`{"tenantId":"9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a","user":{"id":"3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f","displayName":"Alice Realname"},"note":"for Alice Realname"}`,
		"https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk%40thread.v2/0?context=%7b%22Tid%22%3a%229d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a%22%2c%22Oid%22%3a%223f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f%22%7d",
		"eyJUaWQiOiI5ZDhjN2I2YS01ZjRlLTRkM2MtOGIyYS0xZjBlOWQ4YzdiNmEifQ==",
		"grant_type=client_credentials&client_id=1234&client_secret=Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD",
		"call +14255550123 or 1 (425) 555-0199 about 19:3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f_c0ffee00-1234-4abc-8def-0123456789ab@unq.gbl.spaces",
		"token eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0aWQiOiI3ZDJjOWIxZSIsImFwcGlkIjoiMTIzNCJ9.c2lnbmF0dXJlLWJ5dGVzLW9mLXRoZS10b2tlbg for 3F2A9C1E7B4D4E8A9C6F1A2B3C4D5E6F",
	} {
		f.Add("clientContext", s)
		f.Add("identity.phone.id", s)
	}
	f.Fuzz(func(t *testing.T, path, s string) {
		p := strings.Split(path, ".")
		journal := defaultRedactor(t)
		journal.value(p, s) // learnt, as learnExchanges does
		j, _ := journal.value(p, s)
		build := defaultRedactor(t)
		if b, _ := build.value(p, j); b != j {
			t.Errorf("value(%s, %q): the journal writes %q, the build %q", path, s, j, b)
		}
	})
}
