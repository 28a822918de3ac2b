package receiver

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/internal/excerpt"
)

// FuzzPayload parses arbitrary commsNotifications bodies. It never panics;
// a refusal is an error with a lower-case reason and no items; an accepted
// body is a JSON object whose "value" array holds exactly the items
// returned, each valid JSON; and an item is identical to, and hashes as,
// its canonical form and itself re-indented (see redeliveries).
func FuzzPayload(f *testing.F) {
	f.Add([]byte(`{"value": [{"changeType":"updated","resource":"/app/calls/c1","resourceData":{"state":"established"}}]}`))
	f.Add([]byte(`{"@odata.type":"#microsoft.graph.commsNotifications","value":[{"a":1},{"b":[2, {"c" : null}]}, 3, "s", true]}`))
	f.Add([]byte(`{"value": []}`))
	f.Add([]byte(`{"value": [}`))
	f.Add([]byte(`{"value": "[]"}`))
	f.Add([]byte(`{"VALUE": []}`))
	f.Add([]byte(`[{"value": []}]`))
	f.Add([]byte("{\"value\": [{\"k\": \"\xff\xfe\"}]}"))
	f.Add([]byte(`{"value": [{"a":1,"a":2}], "value": [3]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := parseNotifications(body)
		if err != nil {
			msg := err.Error()
			if msg == "" || strings.ToLower(msg[:1]) != msg[:1] {
				t.Fatalf("refusal %q: want a lower-case reason", msg)
			}
			if items != nil {
				t.Fatalf("refused with %d items", len(items))
			}
			return
		}
		if !gjson.ValidBytes(body) || !gjson.ParseBytes(body).IsObject() {
			t.Fatalf("accepted a body that is not a JSON object: %q", body)
		}
		value := gjson.GetBytes(body, "value")
		if !value.IsArray() || len(value.Array()) != len(items) {
			t.Fatalf("%d items returned, but value is %s", len(items), value.Raw)
		}
		for i, item := range items {
			if !gjson.ValidBytes(item) {
				t.Fatalf("item %d is not valid JSON: %q", i, item)
			}
			canon := appendCanonical(nil, gjson.ParseBytes(item), 0)
			if !identical(item, canon) || itemHash(item) != itemHash(canon) {
				t.Fatalf("item %d and its canonical form are not identical, or hash apart: %s", i, excerpt.Clip(string(item), 300))
			}
			var indented bytes.Buffer
			if json.Indent(&indented, item, " ", "\t") != nil {
				continue // encoding/json reads some things gjson accepts differently
			}
			if !identical(item, indented.Bytes()) || itemHash(item) != itemHash(indented.Bytes()) {
				t.Fatalf("item %d: re-indenting it changed its identity: %s", i, excerpt.Clip(string(item), 300))
			}
		}
	})
}
