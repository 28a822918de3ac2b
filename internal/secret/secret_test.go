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
		{"one long camelCase member", "maxRecordDurationInSeconds: 120, initialSilenceTimeoutInSeconds: 5", nil},
		{"placeholders", "client_secret={{clientSecret}} Bearer redacted-token-1 password: REDACTED", nil},
		{"prose", "the bearer authentication of the callback", nil},
		{"short", "client id abc123 x9Y8", nil},
		{"digits only", "15072285780521507228578052", nil},

		{"sas sig in a query", "https://a.blob.core.windows.net/c/r.wav?sv=2022-11-02&sp=r&sig=Xo%2Bk3bNq9%2FzY1wP8vL0tR6sU4mA2cE7dF5gH3jK%3D",
			[]string{"secret-field:Xo%2Bk3bNq9%2FzY1wP8vL0tR6sU4mA2cE7dF5gH3jK%3D"}},
		{"sas sig raw, then more", "?sp=r&sig=Xo+k3bNq9/zY1wP8vL0t=&rscd=x", []string{"secret-field:Xo+k3bNq9/zY1wP8vL0t="}},
		{"sas sig in a json string", `{"url":"https://a.example/c?sv=2022\u0026sig=Xo%2Bk3b%3D\u0026se=1"}`, []string{"secret-field:Xo%2Bk3b%3D"}},
		{"sas sig with escaped slashes", `{"signature":"Xo\/k3bNq9\/zY1w="}`, []string{`secret-field:Xo\/k3bNq9\/zY1w=`}},
		{"whole sas token in a field", `{"sasToken":"sv=2022-11-02\u0026ss=b\u0026sig=Xo%2Bk3b%3D"}`, []string{`secret-field:sv=2022-11-02\u0026ss=b\u0026sig=Xo%2Bk3b%3D`}},
		{"sas token in a form", "sas=sv%3D2022%26sig%3DXo%252B&x=1", []string{"secret-field:sv%3D2022%26sig%3DXo%252B"}},
		{"refresh token after token=0.", "https://bot.example/cb?token=0.AXkAv4j5cvGGr0GRqy180BHbR.AgABAAEAAAD--DLA3VO7Qr&state=1",
			[]string{"secret-field:0.AXkAv4j5cvGGr0GRqy180BHbR.AgABAAEAAAD--DLA3VO7Qr"}},
		{"refresh token in prose", "refresh with 0.AXkAv4j5cvGGr0GRqy180BHbR.AgABAAEAAAD--DLA3VO7Qr failed",
			[]string{"refresh-token:0.AXkAv4j5cvGGr0GRqy180BHbR.AgABAAEAAAD--DLA3VO7Qr"}},
		{"entra client secret in a form", "client_id=x&client_secret=Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD&grant_type=client_credentials",
			[]string{"secret-field:Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD"}},
		{"entra client secret in prose", "the new secret Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD expires",
			[]string{"client-secret:Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD"}},
		{"env var", "AZURE_CLIENT_SECRET=hunter2", []string{"secret-field:hunter2"}},
		{"api key header", "Ocp-Apim-Subscription-Key: 0123456789abcdef0123456789abcdef", []string{"secret-field:0123456789abcdef0123456789abcdef"}},
		{"account key", "AccountName=rec;AccountKey=c2VjcmV0==;EndpointSuffix=core.windows.net", []string{"secret-field:c2VjcmV0=="}},
		{"json inside a json string", `{"body":"{\"password\":\"hunter2\"}"}`, []string{"secret-field:hunter2"}},
		{"quoted value with spaces", `{"password": "correct horse battery"}`, []string{"secret-field:correct horse battery"}},
		{"opaque bearer", "Authorization: Bearer EwB4A8l6BAAU+/zyzLM=", []string{"bearer:EwB4A8l6BAAU+/zyzLM="}},

		{"www-authenticate parameters", `WWW-Authenticate: Bearer authorization_uri="https://login.example/x", error="invalid_token"`, nil},
		{"teams meeting thread id", "19:meeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk@thread.v2", nil},
		{"random channel thread id", "19:kq3Zx9LmT2vB7nW4yH8pJ6rDq7Vx@thread.tacv2 and 19%3Akq3Zx9LmT2vB7nW4yH8pJ6rDq7Vx%40thread.tacv2", nil},
		{"random id before another suffix", "19:kq3Zx9LmT2vB7nW4yH8pJ6rDq7Vx@example.com", []string{"entropy:kq3Zx9LmT2vB7nW4yH8pJ6rDq7Vx"}},
		{"base64 of JSON with ids", "replacesContext: eyJUaWQiOiI5ZDhjN2I2YS01ZjRlLTRkM2MtOGIyYS0xZjBlOWQ4YzdiNmEiLCJjYWxsSWQiOiI1N2RhYjhiMS04OTRjLTQwOWEtYjI0MC1iZDhiZWFlNzg4OTYifQ==", nil},
		{"base64 of JSON with a JWT", "replacesContext: eyJ0b2tlbiI6ImV5SmhiR2NpT2lKU1V6STFOaUlzSW5SNWNDSTZJa3BYVkNKOS5leUpoY0hCcFpDSTZJakV5TXpRaWZRLmMybG5ibUYwZFhKbExXSjVkR1Z6In0=", []string{"jwt:eyJ0b2tlbiI6ImV5SmhiR2NpT2lKU1V6STFOaUlzSW5SNWNDSTZJa3BYVkNKOS5leUpoY0hCcFpDSTZJakV5TXpRaWZRLmMybG5ibUYwZFhKbExXSjVkR1Z6In0="}},
		{"base64 of a credential", "Basic bXlzZXJ2aWNlYWNjb3VudDpTM2NyM3RQNHNzdzByZFhrOSE=", []string{"entropy:bXlzZXJ2aWNlYWNjb3VudDpTM2NyM3RQNHNzdzByZFhrOSE="}},
		{"url-encoded thread id", "/chats/19%3Ameeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk%40thread.v2/messages", nil},
		{"call path with ids", "/communications/calls/57DAB8B1894C409AB240BD8BEAE78896/operations/0b9e3c57-1a3f-4c11-9d0e-5f2b6f8a9c10", nil},
		{"paging cursor", "/app/calls?$skiptoken=abc123&$deltatoken=def456", nil},
		{"null secret", `{"clientSecret":null,"password":""}`, nil},
		{"words ending like sig", "design=blue&config=x", nil},
		{"header names", "Ocp-Apim-Subscription-Key X-Ms-Client-Request-Id Microsoft-Graph-Change-Notification", nil},
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

func TestFieldName(t *testing.T) {
	for name, want := range map[string]bool{
		"client_secret": true, "clientSecret": true, "AZURE_CLIENT_SECRET": true, "password": true, "x-api-key": true,
		"Ocp-Apim-Subscription-Key": true, "sig": true, "x_sig": true, "TokenSig": true, "sasToken": true, "sas": true,
		"refresh_token": true, "token": true, "client_assertion": true, "AccountKey": true, "credentials": true,
		"design": false, "config": false, "kansas": false, "$skiptoken": false, "deltaToken": false, "tokenType": false,
		"key": false, "primaryKey": false, "displayName": false, "": false,
	} {
		if got := FieldName(name); got != want {
			t.Errorf("FieldName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	const in = `{"access_token":"abc123secretvalue","url":"https://a.example/c?sig=Xo%2Bk%3D"} Bearer abcdefgh12345`
	got := Redact(in, func(m Match, s string) string { return "<" + string(m.Kind) + ">" })
	want := `{"access_token":"<secret-field>","url":"https://a.example/c?sig=<secret-field>"} Bearer <bearer>`
	if got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	if got := Redact("nothing here", nil); got != "nothing here" {
		t.Errorf("Redact without a secret = %q", got)
	}
	// A replacement that joins its neighbours into a random-looking run
	// (here 15 characters, a JWT, 14 characters: too short to judge apart)
	// is itself replaced on the next pass.
	joined := "Zq9Xw8Vu7Ts6Rp5" + "eyJabcd.efgh.ijkl" + "+Mn4Lk3Jh2Gf1"
	if ms := Find(joined); len(ms) != 1 || ms[0].Kind != JWT {
		t.Fatalf("Find(%q) = %+v, want the JWT alone", joined, ms)
	}
	if got := Redact(joined, func(Match, string) string { return "x" }); len(Find(got)) > 0 {
		t.Errorf("Redact(%q) = %q, which still holds a secret", joined, got)
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
	if got := Mask("pppé-secret-value"); got != "ppp…(18 chars)" {
		t.Errorf("Mask of a multi-byte start = %q, want it cut on a character boundary", got)
	}
	if got := Mask("\x1bkey-secret-value"); got != `\x1bkey…(17 chars)` {
		t.Errorf("Mask of a control character = %q, want it escaped", got)
	}
}
