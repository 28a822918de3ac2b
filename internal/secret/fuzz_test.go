package secret

import (
	"slices"
	"testing"
)

// FuzzFind: Find never panics; its matches are in bounds, ordered and do
// not overlap; neither a masked match nor a redacted text holds anything
// Find would flag.
func FuzzFind(f *testing.F) {
	for _, s := range []string{
		"",
		"Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
		"https://a.blob.core.windows.net/c/r.wav?sv=2022-11-02&sp=r&sig=Xo%2Bk3bNq9%2FzY1wP8vL0tR6sU4mA2cE7dF5gH3jK%3D",
		`{"recordingLocation":"https://a.blob.core.windows.net/c?sv=2022\u0026sig=Xo%2Bk3b%3D","sasToken":"sv=2022\u0026sig=abc%3D"}`,
		"grant_type=refresh_token&refresh_token=0.AXkAv4j5cvGGr0GRqy180BHbR.AgABAAEAAAD--DLA3VO7QrddgJg7WevrAgDs_wQA9P-abc",
		"client_secret=Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD&grant_type=client_credentials",
		`{"body":"{\"password\":\"hunter2\"}"}`,
		"19:meeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk@thread.v2",
		"/communications/calls/57DAB8B1894C409AB240BD8BEAE78896/operations/0b9e3c57-1a3f-4c11-9d0e-5f2b6f8a9c10",
		"key kq3Zx9LmT2vB7nW4yH8pJ6rD here; WWW-Authenticate: Bearer authorization_uri=\"https://login\"",
		"password: \"unterminated\n token=\\\"x\\\" sig='y",
		"Ocp-Apim-Subscription-Key: 0123456789abcdef0123456789abcdef",
		"19:kq3Zx9LmT2vB7nW4yH8pJ6rDq7Vx@thread.tacv2 19%3Akq3Zx9LmT2vB7nW4yH8pJ6rD%40thread.v2 19%3a@thread.",
		"replacesContext: eyJ0b2tlbiI6ImV5SmhiR2NpT2lKU1V6STFOaUo5LmV5SnpkV0lpT2lKNEluMC5jMmxuYm1GMGRYSmwifQ== and eyJhIjogImIgYyJ9",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms := Find(s)
		for i, m := range ms {
			if m.Start < 0 || m.End > len(s) || m.Start >= m.End {
				t.Fatalf("match %d %+v out of bounds of %d bytes", i, m, len(s))
			}
			if i > 0 && m.Start < ms[i-1].End {
				t.Fatalf("match %d %+v overlaps or precedes %+v", i, m, ms[i-1])
			}
			if !slices.Contains([]Kind{JWT, Bearer, Field, RefreshToken, ClientSecret, Entropy}, m.Kind) {
				t.Fatalf("match %d has no known kind: %+v", i, m)
			}
			if masked := Mask(s[m.Start:m.End]); len(Find(masked)) > 0 {
				t.Fatalf("Mask(%q) = %q holds a secret", s[m.Start:m.End], masked)
			}
		}
		out := Redact(s, func(Match, string) string { return "REDACTED" })
		if left := Find(out); len(left) > 0 {
			t.Fatalf("Redact(%q) = %q still holds %q", s, out, out[left[0].Start:left[0].End])
		}
		if len(ms) == 0 && out != s {
			t.Fatalf("Redact changed %q, in which Find finds nothing, to %q", s, out)
		}
	})
}
