package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tidwall/gjson"
)

// parseNotifications returns the value[] items of a commsNotifications body,
// each as received. The body must be a JSON object with a "value" array
// (the key spelt exactly so); the items themselves may be any JSON value, for
// the judge to assess. gjson splits the array without decoding the items.
func parseNotifications(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if !gjson.ValidBytes(body) {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, fmt.Errorf("malformed JSON: %w", err)
		}
		return nil, errors.New("malformed JSON")
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return nil, errors.New("body is not a JSON object")
	}
	value := root.Get("value")
	if !value.Exists() {
		return nil, errors.New(`body has no "value" array`)
	}
	if !value.IsArray() {
		return nil, errors.New(`body's "value" is not an array`)
	}
	var items []json.RawMessage
	value.ForEach(func(_, item gjson.Result) bool {
		items = append(items, json.RawMessage(item.Raw))
		return true
	})
	return items, nil
}
