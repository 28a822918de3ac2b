package recorder

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	yaml "go.yaml.in/yaml/v3"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/secret"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Real-looking values planted in real traffic: each must leave no trace in
// a fixture, in any encoding.
const (
	plantedTenant    = "7d2c9b1e-4a5f-4c3d-9e8b-1a2b3c4d5e6f"
	plantedUser      = "3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f"
	plantedName      = "Alice Realname"
	plantedPhone     = "+14255550123"
	plantedBarePhone = "14255550199"
	plantedPasscode  = "Xy7pQ2wz"
	plantedMeetingID = "3754026895517"
	plantedOrganizer = "a1b2c3d4-1111-4222-8333-944455566677" // in a joinWebUrl's context only
	plantedGuestTen  = "b2c3d4e5-2222-4333-9444-a55566677788" // in clientContext's JSON only
	plantedInBase64  = "c3d4e5f6-3333-4444-a555-b66677788899" // in replacesContext's base64 only
	plantedThread    = "d4e5f6a7-4444-4555-b666-c77788899900" // the meeting thread's GUID
	plantedJWT       = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0aWQiOiI3ZDJjOWIxZSIsImFwcGlkIjoiMTIzNCJ9.c2lnbmF0dXJlLWJ5dGVzLW9mLXRoZS10b2tlbg"
	plantedSecret    = "Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD"
	plantedSAS       = "Xo+k3bNq9/zY1wP8vL0tR6sU4mA2cE7dF5gH3jK="
)

// plantedValues names each planted value, for the sub-tests.
// secret says the finder flags it wherever it is; the others (a passcode
// too: the docs' examples have one) only the rules tell.
var plantedValues = []struct {
	name, value string
	secret      bool
}{
	{"tenant GUID", plantedTenant, false},
	{"user GUID", plantedUser, false},
	{"display name", plantedName, false},
	{"phone with +", plantedPhone, false},
	{"phone without +", plantedBarePhone, false},
	{"passcode", plantedPasscode, false},
	{"joinMeetingId", plantedMeetingID, false},
	{"GUID in a joinWebUrl", plantedOrganizer, false},
	{"GUID in JSON in clientContext", plantedGuestTen, false},
	{"GUID in base64", plantedInBase64, false},
	{"meeting thread", plantedThread, false},
	{"JWT", plantedJWT, true},
	{"client secret in a form body", plantedSecret, true},
	{"SAS sig", plantedSAS, true},
}

// meetingThreadID is the planted meeting's thread id, as the service
// writes it.
func meetingThreadID() string {
	return "19:meeting_" + base64.StdEncoding.EncodeToString([]byte(plantedThread)) + "@thread.v2"
}

// plant puts every planted value into a call (or an operation) object, in
// the fields real traffic carries them in.
func plant(call map[string]any) {
	user := map[string]any{"@odata.type": "#microsoft.graph.identity", "id": plantedUser, "displayName": plantedName, "tenantId": plantedTenant}
	phone := func(n string) map[string]any {
		return map[string]any{"@odata.type": "#microsoft.graph.invitationParticipantInfo",
			"identity": map[string]any{"@odata.type": "#microsoft.graph.identitySet", "phone": map[string]any{"@odata.type": "#microsoft.graph.identity", "id": n}}}
	}
	call["tenantId"] = plantedTenant
	call["subject"] = "Weekly sync with " + plantedName + ": call " + plantedBarePhone + " or " + plantedPhone + ", meeting " + plantedMeetingID
	call["chatInfo"] = map[string]any{"@odata.type": "#microsoft.graph.chatInfo", "threadId": meetingThreadID(), "messageId": "0"}
	call["meetingInfo"] = map[string]any{"@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo", "joinMeetingId": plantedMeetingID, "passcode": plantedPasscode}
	call["targets"] = []any{
		map[string]any{"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": map[string]any{"@odata.type": "#microsoft.graph.identitySet", "user": user}},
		phone(plantedPhone), phone(plantedBarePhone),
	}
	context := url.QueryEscape(`{"Tid":"` + plantedTenant + `","Oid":"` + plantedOrganizer + `"}`)
	call["joinWebUrl"] = "https://teams.microsoft.com/l/meetup-join/" + lowerEscapes(url.QueryEscape(meetingThreadID())) + "/0?context=" + lowerEscapes(context)
	call["clientContext"] = `{"tenantId":"` + plantedGuestTen + `","requestedBy":"` + plantedUser + `","note":"for ` + plantedName + `"}`
	call["replacesContext"] = base64.StdEncoding.EncodeToString([]byte(`{"Oid":"` + plantedInBase64 + `","Tid":"` + plantedTenant + `","callId":"57dab8b1-894c-409a-b240-bd8beae78896"}`))
	call["tokenMeetingInfo"] = map[string]any{"@odata.type": "#microsoft.graph.tokenMeetingInfo", "token": plantedJWT}
	call["note"] = "token " + plantedJWT + " for " + strings.ToUpper(strings.ReplaceAll(plantedUser, "-", ""))
	call["formBody"] = "grant_type=client_credentials&client_id=1234&client_secret=" + url.QueryEscape(plantedSecret) + "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
	call["joinUrl"] = "https://teams.microsoft.com/meet/" + plantedMeetingID + "?p=" + plantedPasscode
	call["recordingLocation"] = "https://rec.blob.core.windows.net/c/r.wav?sv=2022-11-02&sp=r&sig=" + url.QueryEscape(plantedSAS)
}

// lowerEscapes writes the hex digits of %XX escapes in lower case, as Teams
// writes a joinWebUrl.
func lowerEscapes(s string) string {
	return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(s, strings.ToLower)
}

// plantedBodies returns a real notification, request and answer (from
// realtraffic) with the planted values put in.
func plantedBodies(t *testing.T) (note, request, answer []byte) {
	t.Helper()
	read := func(p string) map[string]any {
		b, err := os.ReadFile(filepath.Join("..", "realtraffic", "testdata", p))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return m
	}
	n := read("graph-docs-v1.0/join-meeting/01-establishing.json")
	plant(n["value"].([]any)[0].(map[string]any)["resourceData"].(map[string]any))
	x := read("answers/graph-docs-v1.0/create-call.json")
	req := x["request"].(map[string]any)["body"].(map[string]any)
	resp := x["response"].(map[string]any)["body"].(map[string]any)
	plant(req)
	plant(resp)
	must := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return must(n), must(req), must(resp)
}

// encodings returns v as it may be written: raw, URL-encoded (query and
// path), JSON-escaped, base64 (both alphabets), and, for an id, without
// dashes; compared without case.
func encodings(v string) []string {
	out := []string{v, url.QueryEscape(v), url.PathEscape(v), strings.Trim(string(jsonQuote(v)), `"`),
		base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v))}
	if isGUID(v) {
		out = append(out, strings.ReplaceAll(v, "-", ""))
	}
	if d := digitsOf(v); len(d) >= minNumberDigits && d != v {
		out = append(out, d)
	}
	return out
}

// trace returns how v is still in text, or "": in any of its encodings,
// in any case, also once text is URL-decoded and inside every base64 run.
func trace(text, v string) string {
	texts := []string{text}
	if dec, err := url.QueryUnescape(text); err == nil {
		texts = append(texts, dec)
	}
	for _, run := range base64RunRE.FindAllString(text, -1) {
		for _, enc := range base64Encodings {
			if b, err := enc.DecodeString(run); err == nil {
				texts = append(texts, string(b))
			}
		}
	}
	for _, tx := range texts {
		lower := strings.ToLower(tx)
		for _, e := range encodings(v) {
			if strings.Contains(lower, strings.ToLower(e)) {
				return e
			}
		}
	}
	return ""
}

// scrubAll scrubs a whole body as the builder does: a request's with its
// identities as vars, any other member by member.
func scrubAll(b *builder, raw []byte, request bool) string {
	v, err := parseJSON(raw)
	if err != nil {
		panic(err)
	}
	if request {
		b.scrubBody(v, nil)
		return string(v.marshal())
	}
	var walk func(v *jvalue, path []string)
	walk = func(v *jvalue, path []string) {
		switch v.kind {
		case 'o':
			for i, k := range v.keys {
				walk(v.vals[i], append(path[:len(path):len(path)], k))
			}
		case 'a':
			for _, e := range v.vals {
				walk(e, path)
			}
		case 's':
			v.text = b.scrubString(path, v.text, false)
		}
	}
	walk(v, nil)
	return string(v.marshal())
}

// TestPlantedValuesLeaveNoTrace: a notification, a request and an answer
// of real traffic with tenant and user GUIDs, a display name also in free
// text, phone numbers with and without '+', a passcode, a joinMeetingId, a
// GUID in a joinWebUrl, in JSON in clientContext and in base64, a JWT, a
// client secret in a form body and a SAS sig: the recorder's redaction
// leaves none of them in any encoding, nothing replay lint would refuse,
// and thread ids well formed.
func TestPlantedValuesLeaveNoTrace(t *testing.T) {
	note, request, answer := plantedBodies(t)
	r := defaultRedactor(t)
	for _, raw := range [][]byte{note, request, answer} {
		v, _ := parseJSON(raw)
		r.learn(v)
	}
	b := newBuilder(r, "", "", "", nil)
	for _, tt := range []struct {
		name    string
		raw     []byte
		request bool
	}{{"notification", note, false}, {"request", request, true}, {"answer", answer, false}} {
		out := scrubAll(b, tt.raw, tt.request)
		for name, val := range r.values {
			out = strings.ReplaceAll(out, "{{"+name+"}}", val) // what a replay sends
		}
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range plantedValues {
				if e := trace(out, p.value); e != "" {
					t.Errorf("%s survives as %q in:\n%s", p.name, e, out)
				}
			}
			if ms := secret.Find(out); len(ms) > 0 {
				t.Errorf("lint would refuse %q in:\n%s", out[ms[0].Start:ms[0].End], out)
			}
			for _, id := range threadIDRE.FindAllString(out, -1) {
				if sh := strings.ToLower(threadShape(id)); sh != "19:meeting_b64guid@" && sh != "19%3ameeting_b64guid%40" {
					t.Errorf("thread id %q is not 19:meeting_<base64 of a GUID>@thread.v2", id)
				}
			}
			if !strings.Contains(out, "Weekly sync with User 1: call 15550100002 or +15550100001, meeting 5550000000001") {
				t.Errorf("the subject does not read with the pseudonyms of the name and numbers:\n%s", out)
			}
		})
	}
}

var threadIDRE = regexp.MustCompile(`19(:|%3[aA])meeting_[^@%]+(@|%40)`)

// TestPseudonymsStableInAFixture: in one fixture a value has one
// pseudonym wherever it is written (an identity, a joinWebUrl, JSON in a
// string, base64, free text); another fixture numbers its values afresh.
func TestPseudonymsStableInAFixture(t *testing.T) {
	r := defaultRedactor(t)
	user, _ := r.value([]string{"user", "id"}, plantedUser)
	tenant, _ := r.value([]string{"tenantId"}, plantedTenant)
	thread, _ := r.value([]string{"chatInfo", "threadId"}, meetingThreadID())
	name, _ := r.value([]string{"user", "displayName"}, plantedName)
	phone, _ := r.value([]string{"phone", "id"}, plantedPhone)
	for _, tt := range []struct{ name, path, in, want string }{
		{"user in text, upper case without dashes", "note", "by " + strings.ToUpper(strings.ReplaceAll(plantedUser, "-", "")), "by " + strings.ToUpper(strings.ReplaceAll(user, "-", ""))},
		{"tenant in a joinWebUrl", "joinWebUrl", "https://teams.microsoft.com/l/meetup-join/x/0?context=" + lowerEscapes(url.QueryEscape(`{"Tid":"`+plantedTenant+`"}`)),
			"https://teams.microsoft.com/l/meetup-join/x/0?context=" + lowerEscapes(url.QueryEscape(`{"Tid":"`+tenant+`"}`))},
		{"thread in a joinWebUrl's path", "joinWebUrl", "https://teams.microsoft.com/l/meetup-join/" + lowerEscapes(url.QueryEscape(meetingThreadID())) + "/0",
			"https://teams.microsoft.com/l/meetup-join/" + lowerEscapes(url.QueryEscape(thread)) + "/0"},
		{"user in JSON in a string", "clientContext", `{"by":"` + plantedUser + `"}`, `{"by":"` + user + `"}`},
		{"user in base64", "replacesContext", base64.StdEncoding.EncodeToString([]byte(`{"by":"` + plantedUser + `"}`)), base64.StdEncoding.EncodeToString([]byte(`{"by":"` + user + `"}`))},
		{"thread GUID alone", "note", plantedThread, strings.TrimSuffix(strings.TrimPrefix(thread, "19:meeting_"), "@thread.v2")},
		{"name in another case, split on two lines", "subject", "with alice\n REALNAME today", "with " + name + " today"},
		{"name in another case at its path", "organizer.user.displayName", "ALICE  Realname", name},
		{"phone written with separators", "note", "call +1 (425) 555-0123", "call " + phone},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := r.value(strings.Split(tt.path, "."), tt.in)
			if tt.name == "thread GUID alone" {
				b, _ := base64.StdEncoding.DecodeString(tt.want)
				tt.want = string(b)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("value(%s) (-want +got):\n%s", tt.path, diff)
			}
		})
	}
	other := defaultRedactor(t)
	first, _ := other.value([]string{"user", "id"}, "c0ffee00-1234-4abc-8def-0123456789ab")
	again, _ := other.value([]string{"user", "id"}, plantedUser)
	if first != user || again == user {
		t.Errorf("another fixture: %q then %q; want its first user to get %q and %s another", first, again, user, plantedUser)
	}
}

// TestKeepRule: a keep rule keeps the bot's own name at its path, and the
// name is not looked for in text; without the rule it is a display name.
func TestKeepRule(t *testing.T) {
	const bot = "Example Calling Bot"
	path := []string{"source", "identity", "application", "displayName"}
	r := defaultRedactor(t, fixture.RedactionRule{Kind: KindKeep, Path: "application.displayName"})
	if got, _ := r.value(path, bot); got != bot {
		t.Errorf("kept: %q", got)
	}
	if got := r.text("joined by " + bot); got != "joined by "+bot {
		t.Errorf("kept name in text: %q", got)
	}
	r = defaultRedactor(t, fixture.RedactionRule{Kind: KindKeep, Pattern: `Example .* Bot`})
	if got, _ := r.value(path, bot); got != bot {
		t.Errorf("kept by pattern: %q", got)
	}
	if got, _ := r.value(path, "Not "+bot); got == "Not "+bot {
		t.Errorf("a keep pattern matches a whole value only: %q kept", got)
	}
	r = defaultRedactor(t)
	if got, _ := r.value(path, bot); got != "User 1" {
		t.Errorf("without a keep rule: %q", got)
	}
	if _, err := compileRules([]fixture.RedactionRule{{Kind: KindKeep}}); err == nil {
		t.Error("a keep rule without path or pattern compiled")
	}
}

// plantedGolden is the fixture recorded from planted traffic, and
// plantedManifest, for each planted value, the values of that fixture
// that held it before redaction: what replay lint must refuse when put
// back.
var (
	plantedGolden   = filepath.Join("testdata", "privacy", "recorded.yaml")
	plantedManifest = filepath.Join("testdata", "privacy", "planted.json")
)

// PutBack is one value of the recorded fixture and what it was before
// redaction.
type putBack struct {
	Redacted string `json:"redacted"`
	Original string `json:"original"`
}

// recordPlanted builds the fixture of a recording of the planted request,
// its answer and a notification, and the put-backs of each planted value.
func recordPlanted(t *testing.T) ([]byte, map[string][]putBack) {
	t.Helper()
	note, request, answer := plantedBodies(t)
	r, err := New(Config{Upstream: "https://graph.microsoft.com/v1.0", PublicURL: "https://rec.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	// Times of their own, so that the recorded pace (an await's delay)
	// is the same on every run.
	at := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	record(r,
		&exchange{at: at, method: "POST", path: "/app/calls", body: request,
			status: 201, location: "https://graph.microsoft.com/v1.0/communications/calls/ca110001-0000-4000-8000-000000000001", respBody: answer},
		&exchange{at: at.Add(time.Second), isNote: true, body: note, callback: 1, botStatus: 202},
	)
	data, err := r.Encode(Meta{ID: "planted", Title: "Planted values, recorded", Description: "recorded from real traffic with planted values (redact_planted_test.go)"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := fixture.Parse("recorded.yaml", data)
	if err != nil {
		t.Fatalf("the recorded fixture does not load: %v\n%s", err, data)
	}
	orig, _ := parseJSON(request)
	scrubbed, err := parseJSON(f.Steps[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	puts := map[string][]putBack{}
	for _, p := range plantedValues {
		puts[p.name] = pairsHolding(orig, scrubbed, p.value)
	}
	return data, puts
}

// pairsHolding walks two bodies of one shape and returns, for each string
// of orig that holds v in any encoding, the string in its place in
// scrubbed.
func pairsHolding(orig, scrubbed *jvalue, v string) []putBack {
	var out []putBack
	var walk func(a, b *jvalue)
	walk = func(a, b *jvalue) {
		switch {
		case a.kind == 's' && b.kind == 's':
			if trace(a.text, v) != "" && !slices.Contains(out, putBack{b.text, a.text}) {
				out = append(out, putBack{b.text, a.text})
			}
		case a.kind == b.kind && len(a.vals) == len(b.vals):
			for i := range a.vals {
				walk(a.vals[i], b.vals[i])
			}
		}
	}
	walk(orig, scrubbed)
	return out
}

// recordedOnRE finds the day a fixture was built, in its head comment.
var recordedOnRE = regexp.MustCompile(` on [0-9]{4}-[0-9]{2}-[0-9]{2}: `)

// undated is a recorded fixture with the day it was built left out, which
// a golden file cannot know.
func undated(data []byte) string {
	return recordedOnRE.ReplaceAllLiteralString(string(data), " on <day>: ")
}

// TestPlantedFixtureGolden: the fixture recorded from planted traffic is
// the one in testdata (go test -update rewrites it), holds no planted
// value, and passes the check of its own rules; each planted value put
// back is refused. cmd/replay's lint tests read the same files.
func TestPlantedFixtureGolden(t *testing.T) {
	data, puts := recordPlanted(t)
	manifest, err := json.MarshalIndent(puts, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(plantedGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(plantedGolden, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(plantedManifest, append(manifest, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(plantedGolden)
	if err != nil {
		t.Fatalf("%v (go test -run TestPlantedFixtureGolden -update writes it)", err)
	}
	if diff := cmp.Diff(undated(golden), undated(data)); diff != "" {
		t.Errorf("%s is out of date (go test -update) (-golden +recorded):\n%s", plantedGolden, diff)
	}
	goldenManifest, _ := os.ReadFile(plantedManifest)
	if diff := cmp.Diff(strings.TrimSpace(string(goldenManifest)), string(manifest)); diff != "" {
		t.Errorf("%s is out of date (go test -update) (-golden +recorded):\n%s", plantedManifest, diff)
	}
	for _, p := range plantedValues {
		if e := trace(string(data), p.value); e != "" {
			t.Errorf("%s survives in the fixture as %q", p.name, e)
		}
	}
	if found, err := Unredacted(data); err != nil || len(found) > 0 {
		t.Errorf("Unredacted(recorded fixture) = %+v, %v; want nothing", found, err)
	}
	for _, p := range plantedValues {
		t.Run("put back "+p.name, func(t *testing.T) {
			if len(puts[p.name]) == 0 {
				t.Fatalf("no value of the request held %s", p.name)
			}
			back := putBackInto(t, data, puts[p.name])
			found, err := Unredacted(back)
			if err != nil {
				t.Fatal(err)
			}
			if !p.secret && len(found) == 0 {
				t.Errorf("Unredacted does not refuse the fixture with %s put back:\n%s", p.name, back)
			}
			if p.secret && len(secret.Find(string(back))) == 0 {
				t.Errorf("secret.Find does not refuse the fixture with %s put back:\n%s", p.name, back)
			}
		})
	}
}

// putBackInto returns the fixture with each value that was redacted set
// back to its original.
func putBackInto(t *testing.T, data []byte, puts []putBack) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(*yaml.Node)
	walk = func(y *yaml.Node) {
		for _, c := range y.Content {
			walk(c)
		}
		if y.Kind != yaml.ScalarNode {
			return
		}
		for _, p := range puts {
			if p.Redacted == y.Value {
				y.Value, y.Style, y.Tag = p.Original, yaml.DoubleQuotedStyle, "!!str"
				n++
				return
			}
		}
	}
	walk(&doc)
	if n == 0 {
		t.Fatalf("none of %v is in the fixture", puts)
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTemplatedJSONStillScrubbed: JSON in a string that also names a call
// the fixture captured (so the builder writes the call as a variable and
// scrubs the rest as text) still has its identities pseudonymized by path.
func TestTemplatedJSONStillScrubbed(t *testing.T) {
	b := newBuilder(defaultRedactor(t), "", "", "", nil)
	b.ids["57dab8b1894c409ab240bd8beae78896"] = &idVar{name: "callId", form: "57dab8b1-894c-409a-b240-bd8beae78896", base: "callId"}
	got := b.scrubString([]string{"clientContext"}, `{"call":"57dab8b1-894c-409a-b240-bd8beae78896","tenantId":"`+plantedGuestTen+`"}`, false)
	if want := `{"call":"{{callId}}","tenantId":"00000000-0000-4000-9000-000000000001"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestNumbersScrubbed: a joinMeetingId, a phone number and a passcode sent
// as JSON numbers are scrubbed like their strings; what is no more a
// number becomes a string.
func TestNumbersScrubbed(t *testing.T) {
	r := defaultRedactor(t)
	got, ok := r.jsonString([]string{"clientContext"}, `{"joinMeetingId":3754026895517,"phone":{"id":14255550199},"passcode":123456,"n":1.5}`, 0)
	if want := `{"joinMeetingId":5550000000001,"phone":{"id":15550100001},"passcode":"redacted-secret-1","n":1.5}`; !ok || got != want {
		t.Errorf("JSON in a string: got %s, want %s", got, want)
	}
	v, _ := parseJSON([]byte(`{"meetingInfo":{"joinMeetingId":3754026895517,"passcode":123456}}`))
	newBuilder(defaultRedactor(t), "", "", "", nil).scrubBody(v, nil)
	if got, want := string(v.marshal()), `{"meetingInfo":{"joinMeetingId":5550000000001,"passcode":"redacted-secret-1"}}`; got != want {
		t.Errorf("a request body: got %s, want %s", got, want)
	}
}
