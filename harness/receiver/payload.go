package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// parseNotifications returns the value[] items of a commsNotifications body,
// each as received. The body must be a JSON object with a "value" array
// (the key spelt exactly so); the items themselves may be any JSON value, for
// the judge to assess.
func parseNotifications(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if !json.Valid(body) {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, fmt.Errorf("malformed JSON: %w", err)
		}
		return nil, errors.New("malformed JSON")
	}
	if body[0] != '{' {
		return nil, errors.New("body is not a JSON object")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	value, ok := fields["value"]
	if !ok {
		return nil, errors.New(`body has no "value" array`)
	}
	if value = bytes.TrimSpace(value); len(value) == 0 || value[0] != '[' {
		return nil, errors.New(`body's "value" is not an array`)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(value, &items); err != nil {
		return nil, fmt.Errorf(`decode "value": %w`, err)
	}
	return items, nil
}
