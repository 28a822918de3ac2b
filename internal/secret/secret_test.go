package secret

import (
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBpZCI6IjEyMzQifQ.c2lnbmF0dXJlLWJ5dGVz"
	for _, tt := range []struct {
		name, in string
		want     []string // "kind:value"
	}{
		{"jwt", "token " + jwt + " end", []string{"jwt:" + jwt}},
		{"bearer", "Authorization: Bearer abcDEF1234567890ghiJKL", []string{"bearer:abcDEF1234567890ghiJKL"}},
		{"bearer jwt is one finding", "Bearer " + jwt, []string{"jwt:" + jwt}},
		{"client_secret form", "grant_type=client_credentials&client_secret=s3cr3t&scope=x", []string{"secret-field:s3cr3t"}},
		{"clientSecret json", `{"clientSecret": "hunter2"}`, []string{"secret-field:hunter2"}},
		{"password yaml", "password: correct-horse", []string{"secret-field:correct-horse"}},
		{"high entropy", "key kq3Zx9LmT2vB7nW4yH8pJ6rD here", []string{"entropy:kq3Zx9LmT2vB7nW4yH8pJ6rD"}},
		{"simulator secret", "sim~Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV6eHl6", []string{"entropy:sim~Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV6eHl6"}},

		{"guid", "8A34A46B-3D17-4ADC-8DCE-DC4E7D572698 and 57dab8b1-894c-409a-b240-bd8beae78896", nil},
		{"hex id", "1D6DE2D4CD5143098DAA70768651088E", nil},
		{"camelCase words", "#microsoft.graph.invitationParticipantInfo serviceHostedMediaConfig", nil},
		{"words with digits", "organizerMeetingInfo1234", nil},
		{"placeholders", "client_secret={{clientSecret}} Bearer redacted-token-1 password: REDACTED", nil},
		{"prose", "the bearer authentication of the callback", nil},
		{"short", "client id abc123 x9Y8", nil},
		{"digits only", "15072285780521507228578052", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range Find(tt.in) {
				got = append(got, string(m.Kind)+":"+tt.in[m.Start:m.End])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Find(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEntropy(t *testing.T) {
	if h := ShannonEntropy("aaaa"); h != 0 {
		t.Errorf("entropy of aaaa = %v, want 0", h)
	}
	if h := ShannonEntropy("abcd"); h != 2 {
		t.Errorf("entropy of abcd = %v, want 2", h)
	}
	if got := EntropyThreshold(24); got != 3.9 {
		t.Errorf("threshold at 24 = %v", got)
	}
	if got := EntropyThreshold(200); got != 4.5 {
		t.Errorf("threshold at 200 = %v", got)
	}
}

func TestMask(t *testing.T) {
	if got := Mask("kq3Zx9LmT2vB7nW4yH8pJ6rD"); got != "kq3Z…(24 chars)" {
		t.Errorf("Mask = %q", got)
	}
	if got := Mask("short"); got != "*****" {
		t.Errorf("Mask = %q", got)
	}
}
