package recorder

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
)

// writeRecorded writes f as the recorder writes a recording: its head,
// with the redaction rules a recording saves, then each step.
func writeRecorded(t *testing.T, f *fixture.Fixture) []byte {
	t.Helper()
	f.Redaction = &fixture.Redaction{Rules: []fixture.RedactionRule{{Kind: KindUserID, Path: "identity.user.id"}}, Note: "scrubbed when recorded"}
	var buf bytes.Buffer
	if err := writeHead(&buf, f, "recorded"); err != nil {
		t.Fatal(err)
	}
	for _, st := range f.Steps {
		if err := writeStep(&buf, st, ""); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// recordedSteps is a send step with a recorded answer and an await step
// with an exemplar, their JSON in the recorded order of its members.
func recordedSteps(answerBody, exemplar string) []fixture.Step {
	return []fixture.Step{
		{Send: "POST /app/calls", Body: json.RawMessage(`{"callbackUri":"{{callbackUrl}}"}`),
			Answer: &fixture.ExemplarAnswer{Status: 201, Headers: map[string]string{"Location": "/communications/calls/{{callId}}"}, Body: json.RawMessage(answerBody)}},
		{Await: &fixture.Await{Expect: []fixture.Expectation{{
			Pattern:  fixture.Pattern{Name: "established", ChangeType: "updated"},
			Exemplar: json.RawMessage(exemplar),
		}}}},
	}
}

// TestRecordedJSONIsOneLine: an answer's body and an exemplar are written
// as one line of JSON in a literal block (bodyJson, exemplar), and load
// back to the same text, members in the recorded order, so that replay
// serve sends what was recorded.
func TestRecordedJSONIsOneLine(t *testing.T) {
	const body = `{"state":"establishing","id":"{{callId}}","n":1.0,"targets":[{"id":"a"},null],"note":"Zoë → ✓ <b>&"}`
	const exemplar = `{"resourceUrl":"/communications/calls/{{callId}}","changeType":"updated","resourceData":{"state":"established","@odata.type":"#microsoft.graph.call"}}`
	f := &fixture.Fixture{ID: "recorded", Title: "Recorded", Steps: recordedSteps(body, exemplar)}
	data := writeRecorded(t, f)
	for _, want := range []string{"\n      bodyJson: |-\n        " + body + "\n", "\n          exemplar: |-\n            " + exemplar + "\n"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("no %q in:\n%s", want, data)
		}
	}
	got, err := fixture.Parse("recorded.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	// The loader writes <, > and & as encoding/json does (\u003c...),
	// for an exemplar written as YAML and as JSON text alike.
	var escaped bytes.Buffer
	json.HTMLEscape(&escaped, []byte(body))
	if d := cmp.Diff(escaped.String(), string(got.Steps[0].Answer.Body)); d != "" {
		t.Errorf("answer body (-recorded +loaded):\n%s", d)
	}
	if d := cmp.Diff(exemplar, string(got.Steps[1].Await.Expect[0].Exemplar)); d != "" {
		t.Errorf("exemplar (-recorded +loaded):\n%s", d)
	}
	if d := cmp.Diff(`{"callbackUri":"{{callbackUrl}}"}`, string(got.Steps[0].Body)); d != "" {
		t.Errorf("request body (-recorded +loaded):\n%s", d)
	}
	if !bytes.Contains(data, []byte("\n    body: {callbackUri: '{{callbackUrl}}'}\n")) {
		t.Errorf("the request body is no longer readable YAML:\n%s", data)
	}
}

// TestRecordedJSONOddText: a body YAML cannot write as a literal block
// (a character it does not print, a string body, blanks) still loads back
// as the same JSON.
func TestRecordedJSONOddText(t *testing.T) {
	for name, body := range map[string]string{
		"a string body":            `"just text"`,
		"a number body":            `42`,
		"a character YAML escapes": `{"a":"x` + "\u0085" + `y\ufeff"}`,
		"line breaks in a string":  `{"a":"one\ntwo\r\n"}`,
		"blanks at the ends":       `{"a":"  "}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := &fixture.Fixture{ID: "odd", Title: "Odd", Steps: recordedSteps(body, `{"a":`+body+`}`)}
			data := writeRecorded(t, f)
			got, err := fixture.Parse("odd.yaml", data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if d := cmp.Diff(canonical(t, body), canonical(t, string(got.Steps[0].Answer.Body))); d != "" {
				t.Errorf("answer body (-recorded +loaded):\n%s\n%s", d, data)
			}
			if d := cmp.Diff(canonical(t, `{"a":`+body+`}`), canonical(t, string(got.Steps[1].Await.Expect[0].Exemplar))); d != "" {
				t.Errorf("exemplar (-recorded +loaded):\n%s\n%s", d, data)
			}
			if strings.Contains(string(data), "\n      body:") {
				t.Errorf("the answer body is not written as bodyJson:\n%s", data)
			}
		})
	}
}

// canonical returns JSON text as encoding/json writes its value.
func canonical(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
