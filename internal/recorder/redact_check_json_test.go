package recorder

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recordedAnswerAndExemplar is a recorded fixture whose answer body and
// exemplar are written as the given YAML lines.
func recordedAnswerAndExemplar(answer, exemplar string) []byte {
	return []byte(`id: checked
title: A recorded fixture
redaction:
  rules:
    - {kind: user-id, path: user.id}
    - {kind: display-name, path: displayName}
steps:
  - send: POST /app/calls
    answer:
      status: 201
` + answer + `
  - await:
      expect:
        - name: a
` + exemplar + `
`)
}

// TestUnredactedLooksIntoJSONText: a real id put back in the JSON text of
// an answer's bodyJson or an exemplar is found at the same path as when
// the value is written as YAML, on the line of the text.
func TestUnredactedLooksIntoJSONText(t *testing.T) {
	const real = "3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f"
	want := []Unscrubbed{
		{Line: 12, Path: "steps.answer.body.source.user.id", Value: real},
		{Line: 12, Path: "steps.answer.body.source.user.displayName", Value: "Ada Lovelace"},
		{Line: 17, Path: "steps.await.expect.exemplar.resourceData.user.id", Value: real},
	}
	for name, data := range map[string][]byte{
		"literal blocks": recordedAnswerAndExemplar(
			"      bodyJson: |-\n        {\"source\":{\"user\":{\"id\":\""+real+"\",\"displayName\":\"Ada Lovelace\"}}}",
			"          exemplar: |-\n            {\"resourceData\":{\"user\":{\"id\":\""+real+"\",\"displayName\":\"User 1\"}}}"),
		"quoted strings": recordedAnswerAndExemplar(
			"\n      bodyJson: '{\"source\":{\"user\":{\"id\":\""+real+"\",\"displayName\":\"Ada Lovelace\"}}}'",
			"\n          exemplar: '{\"resourceData\":{\"user\":{\"id\":\""+real+"\",\"displayName\":\"User 1\"}}}'"),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := Unredacted(data)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s\n%s", d, data)
			}
		})
	}
	// A literal block may open with blank lines: the text is below them.
	blank := recordedAnswerAndExemplar(
		"      bodyJson: |-\n\n        {\"source\":{\"user\":{\"id\":\""+real+"\"}}}",
		"          exemplar: {}")
	got, err := Unredacted(blank)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Unscrubbed{{Line: 13, Path: "steps.answer.body.source.user.id", Value: real}}, got); d != "" {
		t.Errorf("after a blank line: findings (-want +got):\n%s\n%s", d, blank)
	}
	// The same values written as YAML are found at the same paths.
	yamlForm := recordedAnswerAndExemplar(
		"      body:\n        source: {user: {id: "+real+", displayName: Ada Lovelace}}",
		"          exemplar:\n            resourceData: {user: {id: "+real+", displayName: User 1}}")
	got, err = Unredacted(yamlForm)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("YAML form: findings (-want +got):\n%s\n%s", d, yamlForm)
	}
}
