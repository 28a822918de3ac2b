package playback

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The same recorded scenario with its answer body and exemplar written as
// YAML and as JSON text (what replay record writes: see fixtures/README.md),
// the JSON's members in the order encoding/json writes a map's.
const (
	servedAsYAML = `id: served
title: Served
steps:
  - send: POST /communications/calls
    body: {callbackUri: "{{callbackUrl}}"}
    answer:
      status: 201
      headers: {Location: "/communications/calls/{{callId}}"}
      body: {id: "{{callId}}", n: 1.5, note: "Zoë <b> & ✓", state: establishing, targets: [{id: a}, null]}
  - await:
      expect:
        - name: a
          exemplar: {changeType: updated, resourceData: {state: established}, resourceUrl: "/communications/calls/{{callId}}"}
`
	servedAsJSONText = `id: served
title: Served
steps:
  - send: POST /communications/calls
    body: {callbackUri: "{{callbackUrl}}"}
    answer:
      status: 201
      headers: {Location: "/communications/calls/{{callId}}"}
      bodyJson: |-
        {"id":"{{callId}}","n":1.5,"note":"Zoë <b> & ✓","state":"establishing","targets":[{"id":"a"},null]}
  - await:
      expect:
        - name: a
          exemplar: |-
            {"changeType":"updated","resourceData":{"state":"established"},"resourceUrl":"/communications/calls/{{callId}}"}
`
)

// TestJSONTextServedAsYAML: serve sends a bot the same bytes, answer and
// notification, whichever way the fixture writes them.
func TestJSONTextServedAsYAML(t *testing.T) {
	serve := func(src string) (answer, item string) {
		t.Helper()
		w, bot := createThrough(t, "served.yaml", src)
		callID := strings.TrimPrefix(w.Header().Get("Location"), "http://mock.test/communications/calls/")
		bot.mu.Lock()
		defer bot.mu.Unlock()
		return markCall(w.Body.String(), callID), markCall(string(bot.items[0]), callID)
	}
	yamlAnswer, yamlItem := serve(servedAsYAML)
	textAnswer, textItem := serve(servedAsJSONText)
	if d := cmp.Diff(yamlAnswer, textAnswer); d != "" {
		t.Errorf("answer (-YAML +JSON text):\n%s", d)
	}
	if d := cmp.Diff(yamlItem, textItem); d != "" {
		t.Errorf("notification (-YAML +JSON text):\n%s", d)
	}
	if !strings.Contains(textAnswer, `"id":"<call>"`) || !strings.Contains(textItem, `"state":"established"`) {
		t.Errorf("not the recorded bodies:\n%s\n%s", textAnswer, textItem)
	}
}
