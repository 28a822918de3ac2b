package interop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/callconform/callconform/internal/excerpt"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
)

// maxExcerpt bounds the JSON a LossError quotes, in bytes.
const maxExcerpt = 120

// LossError reports a member of a resourceData object that the SDK's model
// did not keep: after the SDK parsed the object and serialized it back, the
// member is absent or has another value. A member that is null in the body
// counts as absent.
type LossError struct {
	Item  int    // index in "value"
	Model string // @odata.type of the model the object was parsed into
	Path  string // the member, e.g. "resourceData.state" or "resourceData[0].info.identity"
	Want  string // the member's JSON in the body, clipped
	Got   string // its JSON after the SDK's round trip, clipped; "" when the SDK dropped it
}

func (e *LossError) Error() string {
	got := e.Got
	if got == "" {
		got = "nothing"
	}
	return fmt.Sprintf("value[%d].%s: the SDK's model kept %s as %s", e.Item, e.Path, e.Want, got)
}

// checkLossless serializes v, the SDK's model of raw, with the SDK's JSON
// writer, and returns a *LossError (joined, one per member) for each member
// of raw that does not come back with its value.
func checkLossless(item int, path, typ string, raw json.RawMessage, v serialization.Parsable) error {
	w := jsonserialization.NewJsonSerializationWriter()
	defer w.Close()
	if err := w.WriteObjectValue("", v); err != nil {
		return &ModelError{Item: item, Path: path, Model: typ, Err: fmt.Errorf("serialize: %w", err)}
	}
	out, err := w.GetSerializedContent()
	if err != nil {
		return &ModelError{Item: item, Path: path, Model: typ, Err: fmt.Errorf("serialize: %w", err)}
	}
	want, err := decodeAny(raw)
	if err != nil {
		return fmt.Errorf("%w: value[%d].%s: %v", ErrMalformed, item, path, err)
	}
	got, err := decodeAny(out)
	if err != nil {
		return &ModelError{Item: item, Path: path, Model: typ, Err: fmt.Errorf("the SDK wrote JSON that does not read back: %w", err)}
	}
	var losses []error
	compare(path, want, got, func(p string, w, g any) {
		losses = append(losses, &LossError{Item: item, Model: typ, Path: p, Want: clipJSON(w), Got: clipJSON(g)})
	})
	return errors.Join(losses...)
}

// compare calls lost for each member of want that got does not have with
// the same value. Numbers compare by value, strings that are both RFC 3339
// times by instant, a null in want matches anything (absent included).
// Members of got that want lacks are not compared.
func compare(path string, want, got any, lost func(path string, want, got any)) {
	switch w := want.(type) {
	case nil:
		return
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			lost(path, want, got)
			return
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			compare(path+"."+k, w[k], g[k], lost) // an absent member reads as nil
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			lost(path, want, got)
			return
		}
		for i := range w {
			compare(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], lost)
		}
	default:
		if !sameScalar(want, got) {
			lost(path, want, got)
		}
	}
}

// sameScalar reports whether two decoded JSON scalars are the same value.
func sameScalar(want, got any) bool {
	switch w := want.(type) {
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return false
		}
		wf, _, err1 := big.ParseFloat(string(w), 10, 256, big.ToNearestEven)
		gf, _, err2 := big.ParseFloat(string(g), 10, 256, big.ToNearestEven)
		return err1 == nil && err2 == nil && wf.Cmp(gf) == 0
	case string:
		g, ok := got.(string)
		if !ok {
			return false
		}
		if w == g {
			return true
		}
		wt, err1 := time.Parse(time.RFC3339Nano, w)
		gt, err2 := time.Parse(time.RFC3339Nano, g)
		return err1 == nil && err2 == nil && wt.Equal(gt)
	case bool:
		g, ok := got.(bool)
		return ok && w == g
	}
	return false
}

// decodeAny decodes one JSON value, numbers as json.Number.
func decodeAny(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// clipJSON returns v as JSON of at most about maxExcerpt bytes; "" for nil.
func clipJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return excerpt.Line(string(b), maxExcerpt)
}
