package recorder

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScrubValue: the decoders of what a value holds (URLs and forms,
// JSON in a string, base64 of text) never panic; a value scrubbed once
// scrubs the same again (its pseudonyms are stable); JSON stays JSON and
// UTF-8 stays UTF-8; what escapeLike writes decodes back to what it was
// given, in a query and in a path.
func FuzzScrubValue(f *testing.F) {
	for _, s := range []string{
		"",
		"https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk%40thread.v2/0?context=%7b%22Tid%22%3a%229d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a%22%2c%22Oid%22%3a%223f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f%22%7d",
		`{"tenantId":"9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a","user":{"id":"3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f","displayName":"Alice Realname"},"note":"for Alice Realname"}`,
		"eyJUaWQiOiI5ZDhjN2I2YS01ZjRlLTRkM2MtOGIyYS0xZjBlOWQ4YzdiNmEifQ==",
		"grant_type=client_credentials&client_id=1234&client_secret=Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD",
		"/chats/19%3Ameeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk%40thread.v2/messages?x=%ZZ",
		"call +14255550123 or 1 (425) 555-0199 about 19:3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f_c0ffee00-1234-4abc-8def-0123456789ab@unq.gbl.spaces",
		`["eyJhIjoiaHR0cHM6Ly94LnRlc3QvP3NpZz1hYmMlM0QifQ",{"passcode":"x"},"%7b%22Oid%22%3a%22x%22%7d"]`,
		"a=%&b=%zz&c=+%2B&=x&&",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := defaultRedactor(t)
		out1, _ := r.value([]string{"clientContext"}, s)
		out2, _ := r.value([]string{"clientContext"}, s)
		out3, _ := r.value([]string{"clientContext"}, s)
		if out2 != out3 {
			t.Errorf("value(%q) is not stable: %q, then %q", s, out2, out3)
		}
		if trimmed := strings.TrimSpace(s); strings.HasPrefix(trimmed, "{") && json.Valid([]byte(trimmed)) && !json.Valid([]byte(out1)) {
			t.Errorf("value(%q) = %q: JSON no more", s, out1)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out1) {
			t.Errorf("value(%q) = %q: not UTF-8", s, out1)
		}
		if got, err := url.QueryUnescape(escapeLike(s, s, true)); err != nil || got != s {
			t.Errorf("escapeLike(%q) in a query decodes to %q, %v", s, got, err)
		}
		if got, err := url.PathUnescape(escapeLike(s, s, false)); err != nil || got != s {
			t.Errorf("escapeLike(%q) in a path decodes to %q, %v", s, got, err)
		}
		r.text(s)
	})
}
