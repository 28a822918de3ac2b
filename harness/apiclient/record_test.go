package apiclient

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/callconform/callconform/harness/timeline"
)

func TestRecorderScrubs(t *testing.T) {
	tl := &timeline.Timeline{}
	r := recorder{tl: tl, method: http.MethodPost, url: "http://h/x", secrets: []string{"static-secret-1", ""}, token: "sent-token-2"}
	r.add(r.withBody(timeline.Event{
		Kind:   timeline.Request,
		Header: http.Header{"Authorization": {"Bearer sent-token-2"}, "X-Echo": {"sent-token-2"}, "X-Other": {"static-secret-1"}},
	}, []byte(`{"a":"sent-token-2","b":"static-secret-1","c":"kept"}`)))
	e := tl.Events()[0]
	js, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"sent-token-2", "static-secret-1"} {
		if strings.Contains(string(js), s) {
			t.Errorf("recorded event contains %q: %s", s, js)
		}
	}
	if !json.Valid(e.Body) || !strings.Contains(string(e.Body), `"kept"`) || e.Method != http.MethodPost || e.URL != "http://h/x" {
		t.Errorf("event = %s, want the scrubbed JSON body, method and URL", js)
	}
}

func TestRecorderKeepsInvalidScrubbedJSONAsText(t *testing.T) {
	r := recorder{token: "1234567890"}
	e := r.withBody(timeline.Event{}, []byte(`{"n":1234567890}`))
	if len(e.Body) != 0 || e.Text != `{"n":`+timeline.Redacted+`}` {
		t.Errorf("event = {Body %s, Text %q}, want the scrubbed text in Text", e.Body, e.Text)
	}
}

func TestRecorderTruncates(t *testing.T) {
	const token = "opaque-token-abcdefghijklmnop"
	r := recorder{token: token}
	// A token straddles the cut.
	body := strings.Repeat("é", maxRecordedText/2-5) + token + strings.Repeat("x", 3*maxRecordedText)
	e := r.withBody(timeline.Event{}, []byte(body))
	if len(e.Body) != 0 || !strings.HasSuffix(e.Text, "(truncated)") {
		t.Fatalf("event text ends %q, want a truncated text", e.Text[max(0, len(e.Text)-20):])
	}
	if n := len(strings.TrimSuffix(e.Text, "… (truncated)")); n > maxRecordedText {
		t.Errorf("recorded %d bytes, want at most %d", n, maxRecordedText)
	}
	if !utf8.ValidString(e.Text) {
		t.Error("truncated text is not valid UTF-8")
	}
	if strings.Contains(e.Text, token[:10]) {
		t.Error("truncated text keeps part of the token")
	}
	odd := "a" + strings.Repeat("é", maxRecordedText) // the cut falls inside an é
	if e := r.withBody(timeline.Event{}, []byte(odd)); !utf8.ValidString(e.Text) || strings.ContainsRune(e.Text, utf8.RuneError) {
		t.Error("text cut inside a rune is not clean UTF-8")
	}
	if short := r.withBody(timeline.Event{}, []byte("plain answer")); short.Text != "plain answer" {
		t.Errorf("short text = %q, want it whole", short.Text)
	}
}
