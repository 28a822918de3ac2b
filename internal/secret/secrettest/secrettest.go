// Package secrettest makes credentials in the formats the services issue
// them (SAS signatures, Entra refresh tokens and client secrets, JWTs,
// opaque bearer tokens, API keys), written where they turn up (a JSON
// body, a query, a form body, a header line, free text), and texts that
// must not be taken for secrets (ids, thread ids, paths, timestamps,
// @odata.type values): the cases of the tests that prove no secret gets
// past a finder or a redactor.
package secrettest

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
)

// Kinds of Sample.
const (
	SASSignature = "sas-signature"
	SASToken     = "sas-token" // a whole SAS token (sv=...&sig=...) in a sasToken or sas field
	RefreshToken = "refresh-token"
	ClientSecret = "client-secret"
	JWT          = "jwt"
	Bearer       = "bearer"
	APIKey       = "api-key"
)

// Kinds lists every kind Generate makes.
var Kinds = []string{SASSignature, SASToken, RefreshToken, ClientSecret, JWT, Bearer, APIKey}

// Contexts of Sample.
const (
	JSONBody = "json"
	Query    = "query"
	Form     = "form"
	Header   = "header"
	Text     = "text"
)

// Sample is one secret written in a context.
type Sample struct {
	Kind    string
	Context string // JSONBody, Query, Form, Header or Text
	Form    string // how the secret is written: raw, url-encoded, json-escaped...
	Secret  string // the secret as issued
	Written string // the secret as Text writes it (URL-encoded, JSON-escaped...)
	Text    string // the whole text: a JSON document when Context is JSONBody
	// Start and End are where Written is in Text.
	Start, End int
}

func (s Sample) String() string {
	return fmt.Sprintf("%s in %s (%s): %q", s.Kind, s.Context, s.Form, s.Text)
}

// Generate returns perKind samples of each kind, from a random source
// seeded with seed: the same seed, the same samples. Each kind cycles
// through its contexts and forms.
func Generate(seed uint64, perKind int) []Sample {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	makers := map[string][]func() Sample{
		SASSignature: g.sasSignatures(),
		SASToken:     g.sasTokens(),
		RefreshToken: g.refreshTokens(),
		ClientSecret: g.clientSecrets(),
		JWT:          g.jwts(),
		Bearer:       g.bearers(),
		APIKey:       g.apiKeys(),
	}
	out := make([]Sample, 0, perKind*len(Kinds))
	for _, kind := range Kinds {
		ms := makers[kind]
		for i := range perKind {
			s := ms[i%len(ms)]()
			s.Kind = kind
			out = append(out, s)
		}
	}
	return out
}

// Leak returns a part of s's secret (8 characters of it as issued or as
// written) that out still holds, or "" if none.
func Leak(out string, s Sample) string {
	for _, v := range []string{s.Secret, s.Written} {
		if p := commonPart(out, v); p != "" {
			return p
		}
	}
	return ""
}

// commonPart returns a string of 8 bytes (all of secret, if shorter) that
// both out and secret hold, or "". It slides over the shorter of the two
// and looks in the longer.
func commonPart(out, secret string) string {
	const part = 8
	if len(secret) < part {
		if strings.Contains(out, secret) {
			return secret
		}
		return ""
	}
	short, long := out, secret
	if len(secret) < len(out) {
		short, long = secret, out
	}
	for i := 0; i+part <= len(short); i++ {
		if w := short[i : i+part]; strings.Contains(long, w) {
			return w
		}
	}
	return ""
}

// gen makes random values.
type gen struct{ r *rand.Rand }

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b64url = alnum + "-_"
	// clientSecretChars are the characters of an Entra client secret.
	clientSecretChars = alnum + "_~.-"
)

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.UintN(256))
	}
	return b
}

func (g *gen) chars(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *gen) guid() string {
	b := g.bytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// place builds a Sample from the text around the secret.
func place(context, form, secret, written, before, after string) Sample {
	return Sample{Context: context, Form: form, Secret: secret, Written: written,
		Text: before + written + after, Start: len(before), End: len(before) + len(written)}
}

// jsonString returns v as the inside of a JSON string, the way Go writes
// it (& < > as \u0026 \u003c \u003e).
func jsonString(v string) string {
	b, _ := json.Marshal(v)
	return string(b[1 : len(b)-1])
}

// jsonSlashes is jsonString with '/' written "\/", as some encoders do.
func jsonSlashes(v string) string { return strings.ReplaceAll(jsonString(v), "/", `\/`) }

// sasSignature is an HMAC-SHA256 in base64: 44 characters, '=' at the end.
func (g *gen) sasSignature() string { return base64.StdEncoding.EncodeToString(g.bytes(32)) }

// sasParams are the parameters of a SAS before its sig.
func (g *gen) sasParams() string {
	return fmt.Sprintf("sv=2022-11-02&ss=b&srt=o&sp=r&se=2025-%02d-%02dT12:00:00Z&st=2025-01-01T12:00:00Z&spr=https",
		1+g.r.IntN(12), 1+g.r.IntN(28))
}

func (g *gen) blobURL() string {
	return fmt.Sprintf("https://%s.blob.core.windows.net/recordings/%s.wav", strings.ToLower(g.chars(alnum[26:52], 10)), g.guid())
}

func (g *gen) sasSignatures() []func() Sample {
	return []func() Sample{
		func() Sample { // a blob URL with its SAS, in a query
			sig := g.sasSignature()
			w := url.QueryEscape(sig)
			return place(Query, "url-encoded", sig, w, g.blobURL()+"?"+g.sasParams()+"&sig=", "")
		},
		func() Sample { // the same, sig not last, not encoded
			sig := g.sasSignature()
			return place(Query, "raw", sig, sig, g.blobURL()+"?"+g.sasParams()+"&sig=", "&rscd=attachment")
		},
		func() Sample { // a blob URL in a JSON body, & written \u0026
			sig := g.sasSignature()
			w := url.QueryEscape(sig)
			before := `{"@odata.type":"#microsoft.graph.recordOperation","recordingLocation":"` +
				jsonString(g.blobURL()+"?"+g.sasParams()+"&sig=")
			return place(JSONBody, "url-encoded in json", sig, w, before, `","recordingAccessToken":null}`)
		},
		func() Sample { // the signature alone in a JSON field, '/' escaped
			sig := g.sasSignature()
			return place(JSONBody, "json-escaped", sig, jsonSlashes(sig), `{"container":"recordings","signature":"`, `","expiry":"2025-06-01T12:00:00Z"}`)
		},
		func() Sample { // the signature alone in a JSON sig field
			sig := g.sasSignature()
			return place(JSONBody, "raw in json", sig, jsonString(sig), `{"sv":"2022-11-02","sig":"`, `"}`)
		},
		func() Sample { // a header line
			sig := g.sasSignature()
			w := url.QueryEscape(sig)
			return place(Header, "url-encoded", sig, w, "x-ms-copy-source: "+g.blobURL()+"?"+g.sasParams()+"&sig=", "")
		},
		func() Sample { // free text
			sig := g.sasSignature()
			w := url.QueryEscape(sig)
			return place(Text, "url-encoded", sig, w, "upload to "+g.blobURL()+"?"+g.sasParams()+"&sig=", " failed: 403 AuthenticationFailed")
		},
		func() Sample { // a form body
			sig := g.sasSignature()
			w := url.QueryEscape(sig)
			return place(Form, "url-encoded", sig, w, "container=recordings&sig=", "&se=2025-06-01")
		},
	}
}

func (g *gen) sasTokens() []func() Sample {
	token := func() string { return g.sasParams() + "&sig=" + url.QueryEscape(g.sasSignature()) }
	return []func() Sample{
		func() Sample {
			t := token()
			return place(JSONBody, "json", t, jsonString(t), `{"containerUrl":"https://acct.blob.core.windows.net/recordings","sasToken":"`, `"}`)
		},
		func() Sample {
			t := "?" + token()
			return place(JSONBody, "json", t, jsonString(t), `{"sas": "`, `", "kind": "blob"}`)
		},
		func() Sample {
			t := token()
			w := url.QueryEscape(t)
			return place(Form, "url-encoded", t, w, "container=recordings&sasToken=", "&overwrite=true")
		},
		func() Sample {
			t := token()
			return place(Text, "yaml", t, t, "storage:\n  sas_token: \"", "\"\n  container: recordings\n")
		},
	}
}

// refreshToken is an Entra refresh token: "0.A", then base64url parts
// joined by dots, hundreds of characters in all.
func (g *gen) refreshToken() string {
	var b strings.Builder
	b.WriteString("0.A")
	b.WriteString(g.chars(b64url, 60+g.r.IntN(40)))
	for range 1 + g.r.IntN(3) {
		b.WriteByte('.')
		b.WriteString(g.chars(b64url, 40+g.r.IntN(600)))
	}
	return b.String()
}

func (g *gen) refreshTokens() []func() Sample {
	return []func() Sample{
		func() Sample {
			t := g.refreshToken()
			w := url.QueryEscape(t)
			return place(Form, "url-encoded", t, w, "client_id="+g.guid()+"&grant_type=refresh_token&refresh_token=",
				"&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default")
		},
		func() Sample {
			t := g.refreshToken()
			return place(JSONBody, "json", t, t, `{"token_type":"Bearer","scope":"Calls.Initiate.All","expires_in":3599,"refresh_token":"`, `","foci":"1"}`)
		},
		func() Sample { // token=0. in a callback's query
			t := g.refreshToken()
			return place(Query, "raw", t, t, "https://bot.example.net/api/callback?token=", "&state="+g.guid())
		},
		func() Sample {
			t := g.refreshToken()
			return place(Header, "raw", t, t, "X-Ms-Refresh-Token: ", "")
		},
		func() Sample {
			t := g.refreshToken()
			return place(Text, "raw", t, t, "refreshing with ", " failed: AADSTS700082: the refresh token has expired")
		},
		func() Sample { // JSON inside a JSON string, as a log line carries a body
			t := g.refreshToken()
			return place(JSONBody, "json in json", t, t, `{"level":"debug","body":"{\"refresh_token\":\"`, `\",\"expires_in\":3599}"}`)
		},
	}
}

// clientSecret is an Entra client secret: three characters, a digit,
// "Q~", 34 more: 40 in all.
func (g *gen) clientSecret() string {
	return g.chars(alnum+"_~.", 3) + g.chars("0123456789", 1) + "Q~" + g.chars(clientSecretChars, 34)
}

func (g *gen) clientSecrets() []func() Sample {
	return []func() Sample{
		func() Sample {
			s := g.clientSecret()
			w := url.QueryEscape(s)
			return place(Form, "url-encoded", s, w, "client_id="+g.guid()+"&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret=",
				"&grant_type=client_credentials")
		},
		func() Sample {
			s := g.clientSecret()
			return place(JSONBody, "json", s, s, `{"clientId":"`+g.guid()+`","clientSecret":"`, `"}`)
		},
		func() Sample {
			s := g.clientSecret()
			return place(Header, "raw", s, s, "X-Client-Secret: ", "")
		},
		func() Sample {
			s := g.clientSecret()
			return place(Text, "raw", s, s, "the app's new secret ", " expires in 180 days")
		},
		func() Sample {
			s := g.clientSecret()
			return place(Text, "env", s, s, "AZURE_CLIENT_ID="+g.guid()+"\nAZURE_CLIENT_SECRET=", "\n")
		},
		func() Sample {
			s := g.clientSecret()
			return place(Query, "raw", s, s, "https://login.example.net/token?client_id="+g.guid()+"&client_secret=", "")
		},
	}
}

// jwt is an access token as Entra issues it: RS256, with claims, and a
// 256-byte signature.
func (g *gen) jwt() string {
	enc := base64.RawURLEncoding
	header := fmt.Sprintf(`{"typ":"JWT","alg":"RS256","x5t":"%s","kid":"%s"}`, g.chars(b64url, 27), g.chars(b64url, 27))
	claims := fmt.Sprintf(`{"aud":"https://graph.microsoft.com","iss":"https://sts.windows.net/%s/","iat":%d,"appid":"%s","tid":"%s","oid":"%s","roles":["Calls.Initiate.All"]}`,
		g.guid(), 1_700_000_000+g.r.IntN(50_000_000), g.guid(), g.guid(), g.guid())
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims)) + "." + enc.EncodeToString(g.bytes(256))
}

func (g *gen) jwts() []func() Sample {
	return []func() Sample{
		func() Sample { t := g.jwt(); return place(Header, "raw", t, t, "Authorization: Bearer ", "") },
		func() Sample {
			t := g.jwt()
			return place(JSONBody, "json", t, t, `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"`, `"}`)
		},
		func() Sample {
			t := g.jwt()
			return place(Query, "raw", t, t, "wss://media.example.net/session?access_token=", "&v=2")
		},
		func() Sample {
			t := g.jwt()
			return place(Form, "raw", t, t, "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=", "&grant_type=client_credentials")
		},
		func() Sample {
			t := g.jwt()
			return place(Text, "raw", t, t, "token ", " was refused: signature expired")
		},
	}
}

// opaqueToken is a bearer token that is not a JWT: base64 of random bytes.
func (g *gen) opaqueToken() string {
	return "EwB" + base64.StdEncoding.EncodeToString(g.bytes(60+g.r.IntN(200)))
}

func (g *gen) bearers() []func() Sample {
	return []func() Sample{
		func() Sample { t := g.opaqueToken(); return place(Header, "raw", t, t, "Authorization: Bearer ", "") },
		func() Sample {
			t := g.opaqueToken()
			return place(Text, "raw", t, t, `curl -H "Authorization: Bearer `, `" https://graph.microsoft.com/v1.0/communications/calls`)
		},
		func() Sample {
			t := g.opaqueToken()
			return place(JSONBody, "json", t, jsonString(t), `{"headers":{"authorization":"bearer `, `"}}`)
		},
	}
}

func (g *gen) apiKeys() []func() Sample {
	return []func() Sample{
		func() Sample {
			k := hex.EncodeToString(g.bytes(16))
			return place(Header, "hex", k, k, "Ocp-Apim-Subscription-Key: ", "")
		},
		func() Sample { k := g.chars(alnum, 40); return place(Header, "raw", k, k, "x-api-key: ", "") },
		func() Sample {
			k := g.chars(alnum, 32)
			return place(JSONBody, "json", k, k, `{"service":"speech","apiKey":"`, `"}`)
		},
		func() Sample {
			k := hex.EncodeToString(g.bytes(16))
			return place(Query, "hex", k, k, "https://api.example.net/v1/translate?api_key=", "&to=de")
		},
		func() Sample {
			k := base64.StdEncoding.EncodeToString(g.bytes(64))
			return place(Text, "connection string", k, k, "DefaultEndpointsProtocol=https;AccountName=recordings;AccountKey=", ";EndpointSuffix=core.windows.net")
		},
	}
}

// odataTypes are @odata.type values of the calls API.
var odataTypes = []string{
	"#microsoft.graph.commsNotifications", "#microsoft.graph.commsNotification", "#microsoft.graph.call",
	"#microsoft.graph.invitationParticipantInfo", "#microsoft.graph.serviceHostedMediaConfig",
	"#microsoft.graph.appHostedMediaConfig", "#microsoft.graph.organizerMeetingInfo", "#microsoft.graph.tokenMeetingInfo",
	"#microsoft.graph.identitySet", "#microsoft.graph.inviteParticipantsOperation", "#microsoft.graph.commsOperation",
	"#microsoft.graph.participantInfo", "#microsoft.graph.chatInfo", "#microsoft.graph.callMediaState",
	"#microsoft.graph.recordOperation", "#microsoft.graph.playPromptOperation", "#microsoft.graph.subscribeToToneOperation",
	"#microsoft.graph.updateRecordingStatusOperation", "#microsoft.graph.cancelMediaProcessingOperation",
	"#microsoft.graph.communicationsIdentitySet", "#microsoft.graph.communicationsApplicationIdentity",
	"#microsoft.graph.joinMeetingIdMeetingInfo", "#microsoft.graph.callTranscriptEventMessageDetail",
}

// Innocents returns n texts that hold no secret but look a little like
// one: GUIDs in every form, Teams thread ids, call resource paths, ISO
// timestamps and @odata.type values, alone and in JSON.
func Innocents(seed uint64, n int) []string {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x51f15e))}
	makers := []func() string{
		g.guid,
		func() string { return strings.ToUpper(strings.ReplaceAll(g.guid(), "-", "")) },
		func() string { return strings.ToUpper(g.guid()) },
		func() string {
			return "19:meeting_" + base64.StdEncoding.EncodeToString([]byte(g.guid())) + "@thread.v2"
		},
		func() string { return "19:" + hex.EncodeToString(g.bytes(16)) + "@thread.tacv2" },
		func() string { return "19:" + g.guid() + "_" + g.guid() + "@unq.gbl.spaces" },
		func() string {
			return "/chats/19%3Ameeting_" + base64.StdEncoding.EncodeToString([]byte(g.guid())) + "%40thread.v2/messages"
		},
		func() string {
			return `{"chatInfo":{"threadId":"19:meeting_` + base64.StdEncoding.EncodeToString([]byte(g.guid())) + `@thread.v2","messageId":"0"}}`
		},
		func() string { return "/app/calls/" + g.guid() + "/participants/" + g.guid() },
		func() string {
			return "/communications/calls/" + strings.ToUpper(strings.ReplaceAll(g.guid(), "-", "")) + "/operations/" + g.guid()
		},
		func() string {
			return fmt.Sprintf("2024-%02d-%02dT%02d:%02d:%02d.%07dZ", 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60), g.r.IntN(10_000_000))
		},
		func() string {
			return fmt.Sprintf("2024-%02d-%02dT%02d:%02d:%02d+02:00", 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
		},
		func() string { return odataTypes[g.r.IntN(len(odataTypes))] },
		func() string {
			return `{"@odata.type":"` + odataTypes[g.r.IntN(len(odataTypes))] + `","id":"` + g.guid() + `","createdDateTime":"2024-05-01T10:20:30.1234567Z"}`
		},
	}
	out := make([]string, n)
	for i := range out {
		out[i] = makers[i%len(makers)]()
	}
	return out
}
