package recorder

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callconform/callconform/harness/fixture"
)

func defaultRedactor(t *testing.T, extra ...fixture.RedactionRule) *redactor {
	t.Helper()
	rules, err := compileRules(append(DefaultRules(), extra...))
	if err != nil {
		t.Fatal(err)
	}
	return newRedactor(rules)
}

// TestRedactKinds: each kind of the default rules, and custom rules.
func TestRedactKinds(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBpZCI6IjEyMzQifQ.c2lnbmF0dXJlLWJ5dGVz"
	for _, tt := range []struct {
		name, path, in, want, kind string
	}{
		{"user id", "participants.identity.user.id", "3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f", "00000000-0000-4000-8000-000000000001", KindUserID},
		{"guest id", "identity.guest.id", "guest-7b4d4e8a9c6f", "00000000-0000-4000-8000-000000000001", KindUserID},
		{"tenant id", "organizer.user.tenantId", "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", "00000000-0000-4000-9000-000000000001", KindTenantID},
		{"display name", "identity.user.displayName", "Alice Realname", "User 1", KindDisplayName},
		{"phone id", "identity.phone.id", "+14255550123", "+15550100001", KindPhone},
		{"phone in text", "note", "call me at +14255550123 please", "call me at +15550100001 please", ""},
		{"client secret field", "client_secret", "s3cr3t", "redacted-secret-1", KindSecret},
		{"password field", "auth.password", "hunter2", "redacted-secret-1", KindSecret},
		{"secret in a query", "url", "https://x.test/cb?client_secret=s3cr3t&a=1", "https://x.test/cb?client_secret=redacted-secret-1&a=1", ""},
		{"jwt", "note", "token " + jwt, "token redacted-jwt-1", ""},
		{"bearer", "note", "Bearer abcDEF1234567890ghiJKL", "Bearer redacted-token-1", ""},
		{"high entropy", "note", "key kq3Zx9LmT2vB7nW4yH8pJ6rD here", "key redacted-secret-1 here", ""},
		{"meeting thread id", "chatInfo.threadId", "19:meeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk@thread.v2", "19:meeting_MDAwMDAwMDAtMDAwMC00MDAwLWIwMDAtMDAwMDAwMDAwMDAx@thread.v2", KindThreadID},
		{"channel thread id", "chatInfo.threadId", "19:kq3Zx9LmT2vB7nW4yH8pJ6rD@thread.tacv2", "19:MDAwMDAwMDAtMDAwMC00MDAwLWIwMDAtMDAwMDAwMDAwMDAx@thread.tacv2", KindThreadID},
		{"chat thread id", "chatInfo.threadId", "19:3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f_c0ffee00-1234-4abc-8def-0123456789ab@unq.gbl.spaces", "19:00000000-0000-4000-8000-000000000001_00000000-0000-4000-8000-000000000002@unq.gbl.spaces", KindThreadID},
		{"thread id in text", "note", "see 19:1f567baa0d45e6c040404fe48b198e59@thread.tacv2.", "see 19:0000000000004000b000000000000001@thread.tacv2.", ""},
		{"phone without plus", "identity.phone.id", "14255550123", "15550100001", KindPhone},
		{"join meeting id", "meetingInfo.joinMeetingId", "1234567890123", "5550000000001", KindMeetingID},
		{"passcode", "meetingInfo.passcode", "ab12CD", "redacted-secret-1", KindSecret},
		{"tenant in a join URL", "joinWebUrl", "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk%40thread.v2/0?context=%7b%22Tid%22%3a%229d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a%22%2c%22Oid%22%3a%223f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f%22%7d",
			"https://teams.microsoft.com/l/meetup-join/19%3ameeting_MDAwMDAwMDAtMDAwMC00MDAwLWIwMDAtMDAwMDAwMDAwMDAx%40thread.v2/0?context=%7b%22Tid%22%3a%2200000000-0000-4000-9000-000000000001%22%2c%22Oid%22%3a%2200000000-0000-4000-8000-000000000001%22%7d", ""},
		{"JSON in a string", "clientContext", `{"tenantId":"9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a","n":1}`, `{"tenantId":"00000000-0000-4000-9000-000000000001","n":1}`, ""},
		{"base64 of JSON", "replacesContext", "eyJUaWQiOiI5ZDhjN2I2YS01ZjRlLTRkM2MtOGIyYS0xZjBlOWQ4YzdiNmEifQ==", "eyJUaWQiOiIwMDAwMDAwMC0wMDAwLTQwMDAtOTAwMC0wMDAwMDAwMDAwMDEifQ==", ""},
		{"kept: bot name", "source.identity.application.displayName", "Example Calling Bot", "Example Calling Bot", ""},
		{"kept: odata type", "@odata.type", "#microsoft.graph.identity", "#microsoft.graph.identity", ""},
		{"kept: guid", "clientContext", "d45324c1-fcb5-430a-902c-f20af696537c", "d45324c1-fcb5-430a-902c-f20af696537c", ""},
		{"kept: template", "identity.user.id", "{{userId}}", "{{userId}}", ""},
		{"kept: words", "@odata.type", "#microsoft.graph.serviceHostedMediaConfig", "#microsoft.graph.serviceHostedMediaConfig", ""},
		{"custom id kind", "employeeId", "E-12345", "00000000-0000-4000-a001-000000000001", "employee-id"},
		{"custom pattern", "subject", "about TCK-4711 and TCK-4712", "about ticket-1 and ticket-2", ""},
		{"a pseudonym joined to its neighbours", "note", "Zq9Xw8Vu7Ts6Rp5" + "eyJabcd.efgh.ijkl" + "+Mn4Lk3Jh2Gf1", "redacted-secret-1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := defaultRedactor(t,
				fixture.RedactionRule{Kind: KindKeep, Path: "application.displayName"},
				fixture.RedactionRule{Kind: "employee-id", Path: "employeeId"},
				fixture.RedactionRule{Kind: "ticket", Pattern: `TCK-[0-9]+`, Replacement: "ticket-%d"})
			got, kind := r.value(strings.Split(tt.path, "."), tt.in)
			if got != tt.want || kind != tt.kind {
				t.Errorf("value(%s, %q) = %q (%q), want %q (%q)", tt.path, tt.in, got, kind, tt.want, tt.kind)
			}
		})
	}
}

// TestPseudonymsAreStable: one value, one pseudonym, wherever and however
// it is written (an id with or without dashes, in any case); another value,
// another pseudonym.
func TestPseudonymsAreStable(t *testing.T) {
	r := defaultRedactor(t)
	a1, _ := r.value([]string{"user", "id"}, "3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f")
	b1, _ := r.value([]string{"user", "id"}, "c0ffee00-1234-4abc-8def-0123456789ab")
	a2, _ := r.value([]string{"organizer", "user", "id"}, "3F2A9C1E7B4D4E8A9C6F1A2B3C4D5E6F")
	if a1 != a2 || a1 == b1 {
		t.Errorf("user ids: %q, %q, %q; want the first and the third equal, the second different", a1, b1, a2)
	}
	n1, _ := r.value([]string{"displayName"}, "Alice")
	n2, _ := r.value([]string{"displayName"}, "Bob")
	n3, _ := r.value([]string{"displayName"}, "Alice")
	if n1 != "User 1" || n2 != "User 2" || n3 != "User 1" {
		t.Errorf("display names: %q %q %q", n1, n2, n3)
	}
	j1 := r.text("a eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl b")
	j2 := r.text("c eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")
	if j1 != "a redacted-jwt-1 b" || j2 != "c redacted-jwt-1" {
		t.Errorf("jwt: %q, %q", j1, j2)
	}
	// A pseudonym is a var of the fixture, named by kind.
	v1, ok1 := r.varFor(KindUserID, a1)
	v2, ok2 := r.varFor(KindUserID, b1)
	v3, _ := r.varFor(KindUserID, a2)
	if !ok1 || !ok2 || v1 != "userId1" || v2 != "userId2" || v3 != "userId1" || r.values["userId1"] != a1 {
		t.Errorf("vars: %q %q %q, values %v", v1, v2, v3, r.values)
	}
	if _, ok := r.varFor(KindDisplayName, n1); ok {
		t.Error("a display name became a var")
	}
}

func TestDropHeader(t *testing.T) {
	r := defaultRedactor(t, fixture.RedactionRule{Kind: KindHeader, Header: "X-Internal"})
	for h, want := range map[string]bool{
		"Authorization": true, "authorization": true, "X-Api-Key": true, "X-Ms-Token-Hint": true,
		"Cookie": true, "X-Internal": true, "X-Client-Secret": true,
		"X-Tenant-Hint": false, "Prefer": false,
	} {
		if got := r.dropHeader(h); got != want {
			t.Errorf("dropHeader(%s) = %v, want %v", h, got, want)
		}
	}
}

func TestLoadRules(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "- {kind: employee-id, path: employeeId}\n- {kind: ticket, pattern: 'TCK-[0-9]+', replacement: 'ticket-%d'}\n- {kind: header, header: X-Internal}\n")
	rs, err := LoadRules(good)
	if err != nil || len(rs) != 3 || rs[1].Replacement != "ticket-%d" {
		t.Fatalf("LoadRules = %+v, %v", rs, err)
	}
	for name, body := range map[string]string{
		"bad-pattern.yaml": "- {kind: ticket, pattern: '(('}\n",
		"no-kind.yaml":     "- {path: x}\n",
		"nothing.yaml":     "- {kind: mystery}\n",
		"two-groups.yaml":  "- {kind: x, pattern: '(a)(b)'}\n",
		"header.yaml":      "- {kind: header}\n",
		"unknown-key.yaml": "- {kind: x, path: y, colour: red}\n",
		"alias.yaml":       "- &r {kind: x, path: y}\n- *r\n",
		"not-a-list.yaml":  "kind: x\n",
		"too-large.yaml":   "- {kind: x, path: '" + strings.Repeat("y", maxRulesFile) + "'}\n",
	} {
		if _, err := LoadRules(write(name, body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
