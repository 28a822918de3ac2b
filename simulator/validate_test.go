package simulator

import (
	"encoding/json"
	"strings"
	"testing"
)

func obj(t *testing.T, s string) object {
	t.Helper()
	o, err := parseObject([]byte(s))
	if err != nil {
		t.Fatalf("parseObject(%s): %v", s, err)
	}
	return o
}

func TestParseObject(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"", "required"},
		{"   ", "required"},
		{"{", "malformed"},
		{"[1]", "must be a JSON object"},
		{`"x"`, "must be a JSON object"},
		{"nope", "malformed"},
		{`{"a":1}x`, "malformed"},
	} {
		_, err := parseObject([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseObject(%q) = %v; want error containing %q", tc.body, err, tc.want)
		}
	}
}

func TestCallbackRule(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"callback":"https://bot.contoso.com/api/calls"}`, true},
		{`{"callback":"http://127.0.0.1:9/cb?x=1"}`, true},
		{`{}`, false},
		{`{"callback":null}`, false},
		{`{"callbackUri":"https://bot.contoso.com/api/calls"}`, false},
		{`{"callback":"/api/calls"}`, false},
		{`{"callback":"ftp://bot.contoso.com/x"}`, false},
		{`{"callback":"https://"}`, false},
		{`{"callback":42}`, false},
	} {
		_, err := obj(t, tc.body).callback()
		if (err == nil) != tc.ok {
			t.Errorf("callback of %s: err %v, want ok=%v", tc.body, err, tc.ok)
		}
	}
	_, err := obj(t, `{"callbackUri":"https://x"}`).callback()
	if !strings.Contains(err.Error(), "callbackUri") {
		t.Errorf("error for callbackUri does not name it: %v", err)
	}
}

func TestModalitiesRule(t *testing.T) {
	got, ok, err := obj(t, `{"m":["audio","video","videoBasedScreenSharing","data"]}`).modalities("m")
	if err != nil || !ok || len(got) != 4 {
		t.Errorf("valid modalities: %v %v %v", got, ok, err)
	}
	got, ok, err = obj(t, `{"m":[]}`).modalities("m")
	if err != nil || !ok || got == nil || len(got) != 0 {
		t.Errorf("empty modalities: %#v %v %v", got, ok, err)
	}
	if _, ok, err := obj(t, `{}`).modalities("m"); ok || err != nil {
		t.Errorf("absent modalities: %v %v", ok, err)
	}
	for _, b := range []string{`{"m":["Audio"]}`, `{"m":"audio"}`, `{"m":[1]}`, `{"m":{"a":1}}`} {
		if _, _, err := obj(t, b).modalities("m"); err == nil {
			t.Errorf("modalities of %s accepted", b)
		}
	}
}

func TestClientContextRule(t *testing.T) {
	at := func(s string) string { b, _ := json.Marshal(map[string]string{"clientContext": s}); return string(b) }
	if cc, err := obj(t, at(strings.Repeat("x", 256))).clientContextUpTo(maxClientContextLen); err != nil || len(*cc) != 256 {
		t.Errorf("256 characters refused: %v", err)
	}
	if _, err := obj(t, at(strings.Repeat("é", 256))).clientContextUpTo(maxClientContextLen); err != nil {
		t.Errorf("256 two-byte characters refused: %v", err)
	}
	if _, err := obj(t, at(strings.Repeat("x", 257))).clientContextUpTo(maxClientContextLen); err == nil {
		t.Error("257 characters accepted")
	}
	if _, err := obj(t, `{"clientContext":12}`).clientContextUpTo(maxClientContextLen); err == nil {
		t.Error("a number accepted")
	}
	if cc, err := obj(t, `{}`).clientContextUpTo(maxClientContextLen); cc != nil || err != nil {
		t.Errorf("absent clientContext: %v %v", cc, err)
	}
}

func TestParticipantInfoRule(t *testing.T) {
	_, identity, err := participantInfo("p", json.RawMessage(`{"identity": {"user": {"id": "x"}}, "region": "westus"}`))
	if err != nil || string(identity) != `{"user":{"id":"x"}}` {
		t.Errorf("valid participantInfo: %s %v", identity, err)
	}
	for _, v := range []string{`[]`, `"x"`, `{}`, `{"identity":null}`, `{"identity":"u"}`, `{"identity":[]}`} {
		if _, _, err := participantInfo("p", json.RawMessage(v)); err == nil {
			t.Errorf("participantInfo %s accepted", v)
		}
	}
}

// FuzzJSONString: jsonString decodes a JSON value as json.Unmarshal does
// into a string, and refuses what is not a string.
func FuzzJSONString(f *testing.F) {
	for _, seed := range []string{`"plain"`, `""`, `"a\"b"`, `"\u00e9\n"`, "\"\xff\xfe\"", `" x "`, `  "pad"  `,
		`5`, `null`, `"`, `"a"b"`, `["x"]`, "\"tab\tin\"", `"é"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		got, ok := jsonString(v)
		var want string
		err := json.Unmarshal(v, &want)
		if wantOK := err == nil && kindOf(v) == '"'; ok != wantOK || got != want {
			t.Fatalf("jsonString(%q) = %q, %v; json.Unmarshal gives %q, %v", v, got, ok, want, err)
		}
	})
}
