package receiver

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"slices"

	"github.com/tidwall/gjson"
)

// Delivery is at least once: a notification whose POST timed out (or
// failed) is POSTed again, so the same notification can arrive twice. The
// receiver keeps every delivery, with its own arrival index, and marks an
// item as a redelivery (timeline.Notification.Redelivery) when it is
// identical to an item that arrived before it on the same run.
//
// Identical means the same JSON value written the same way, once
// insignificant whitespace and the order of an object's members are set
// aside: two items with the same changeType, resource, resourceUrl,
// resourceData and every other field are identical whatever POST carried
// them and whatever headers came with it. Strings, member names and numbers
// are compared as written ("\u0041" is not "A", 1.0 is not 1): a service
// that delivers again sends the same bytes, and telling two spellings apart
// never merges two different notifications. Members that share a name keep
// their order, as a reader of the item sees the first of them.

// itemKey is an item's identity: the SHA-256 of its canonical form. Items
// with equal keys are identical in the sense above; an item that is not
// valid JSON is keyed by its exact bytes.
type itemKey [sha256.Size]byte

// maxCanonicalDepth bounds the nesting that canonicalKey sorts (and so its
// recursion); below it, values are kept as written less their whitespace:
// still a sound, if stricter, key.
const maxCanonicalDepth = 64

// canonicalKey returns the identity of one notification item.
func canonicalKey(item []byte) itemKey {
	if !gjson.ValidBytes(item) {
		return sha256.Sum256(append([]byte{0}, item...)) // never equal to a canonical form
	}
	return sha256.Sum256(appendCanonical(nil, gjson.ParseBytes(item), 0))
}

// member is one name/value pair of an object, as written.
type member struct {
	name  string // the raw, quoted name
	value gjson.Result
}

// appendCanonical appends v with no insignificant whitespace and with
// object members sorted by their raw name (stable, so members that share a
// name keep their order).
func appendCanonical(dst []byte, v gjson.Result, depth int) []byte {
	if !v.IsObject() && !v.IsArray() {
		return append(dst, v.Raw...)
	}
	if depth >= maxCanonicalDepth {
		var compact bytes.Buffer
		if json.Compact(&compact, []byte(v.Raw)) != nil {
			return append(dst, v.Raw...)
		}
		return append(dst, compact.Bytes()...)
	}
	if v.IsArray() {
		dst = append(dst, '[')
		first := true
		v.ForEach(func(_, e gjson.Result) bool {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendCanonical(dst, e, depth+1)
			return true
		})
		return append(dst, ']')
	}
	var members []member
	v.ForEach(func(k, e gjson.Result) bool {
		members = append(members, member{name: k.Raw, value: e})
		return true
	})
	slices.SortStableFunc(members, func(a, b member) int { return cmp.Compare(a.name, b.name) })
	dst = append(dst, '{')
	for i, m := range members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, m.name...)
		dst = append(dst, ':')
		dst = appendCanonical(dst, m.value, depth+1)
	}
	return append(dst, '}')
}
