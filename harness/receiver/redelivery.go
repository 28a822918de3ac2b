package receiver

import (
	"bytes"
	"cmp"
	"encoding/json"
	"hash/maphash"
	"slices"

	"github.com/tidwall/gjson"
)

// Delivery is at least once: a notification whose POST timed out (or
// failed) is POSTed again, so the same notification can arrive twice. The
// receiver keeps every delivery, with its own arrival index, and marks an
// item as a redelivery (timeline.Notification.Redelivery) when it is
// identical to an item that arrived before it on the same run.
//
// Identical means the same canonical form (appendCanonical): the same JSON
// value written the same way, once insignificant whitespace and the order
// of an object's members are set aside. Two items with the same changeType,
// resource, resourceUrl, resourceData and every other field are identical
// whatever POST carried them and whatever headers came with it. Strings,
// member names and numbers are compared as written ("\u0041" is not "A",
// 1.0 is not 1): a service that delivers again sends the same bytes, and
// telling two spellings apart never merges two different notifications.
// Members that share a name keep their order, as a reader of the item sees
// the first of them.

// maxCanonicalDepth bounds the nesting that the canonical form sorts (and
// so its recursion); below it, values are kept as written less their
// whitespace: still a sound, if stricter, form.
const maxCanonicalDepth = 64

// redeliveries finds, for each item of a run, the first identical item:
// items are filed by a hash of their canonical form that is cheap to
// compute (no sorting, no copy), and a hit is confirmed by comparing
// canonical forms, so a hash collision never merges two notifications.
// It is not safe for concurrent use.
type redeliveries struct {
	byHash map[uint64][]int // hash → arrival indices of first deliveries
}

// hashSeed keys item hashes: random per process, so a target cannot aim
// for collisions (which would cost it nothing but time, since hits are
// confirmed).
var hashSeed = maphash.MakeSeed()

// first returns the arrival index of the first delivery of an item
// identical to item among those filed, and true; or files item as the
// first delivery at index idx and returns false. items reads the item at
// an arrival index.
func (d *redeliveries) first(item []byte, hash uint64, idx int, items func(int) []byte) (int, bool) {
	if d.byHash == nil {
		d.byHash = make(map[uint64][]int)
	}
	for _, k := range d.byHash[hash] {
		if identical(items(k), item) {
			return k, true
		}
	}
	d.byHash[hash] = append(d.byHash[hash], idx)
	return 0, false
}

// identical reports whether items a and b have the same canonical form.
func identical(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ca := appendCanonical(nil, gjson.ParseBytes(a), 0)
	return bytes.Equal(ca, appendCanonical(nil, gjson.ParseBytes(b), 0))
}

// itemHash hashes the canonical form of a JSON item without building it,
// in one pass over its bytes: an object's members are combined in an
// order-independent way and whitespace outside strings is skipped, so
// equal canonical forms always hash equal. item is valid JSON, as every
// item of an accepted body is; anything else still hashes, without error.
func itemHash(item []byte) uint64 {
	var stack [maxCanonicalDepth]frame
	depth := 0
	var result uint64
	// done hands the hash of a finished value to the container around it.
	done := func(v uint64) {
		if depth == 0 {
			result = v
			return
		}
		f := &stack[depth-1]
		switch {
		case !f.object:
			f.acc = mix(f.acc ^ v)
		case f.named:
			f.acc += mix(f.name ^ mix(v))
			f.named = false
		default: // a member's name
			f.name, f.named = v, true
		}
	}
	for i := 0; i < len(item); {
		c := item[i]
		switch {
		case c == '{' || c == '[':
			if depth == len(stack) {
				end := valueEnd(item, i)
				done(compactHash(string(item[i:end])))
				i = end
				continue
			}
			stack[depth] = frame{object: c == '{'}
			if c == '[' {
				stack[depth].acc = arrayTag
			}
			depth++
		case c == '}' || c == ']':
			if depth > 0 {
				depth--
				f := stack[depth]
				if f.object {
					done(mix(objectTag ^ f.acc))
				} else {
					done(f.acc)
				}
			}
		case c == '"' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'):
			end := tokenEnd(item, i)
			done(maphash.Bytes(hashSeed, item[i:end]))
			i = end
			continue
		}
		i++ // whitespace, ',' and ':'
	}
	return result
}

// Tags keep an empty array, an empty object and the members of both apart.
const (
	arrayTag  = 0x9e3779b97f4a7c15
	objectTag = 0xbf58476d1ce4e5b9
)

// frame is an array or object being hashed.
type frame struct {
	object bool
	acc    uint64 // arrays: the chain so far; objects: the sum of members
	name   uint64 // objects: the hash of the member name just read
	named  bool   // objects: name is set and its value comes next
}

// tokenEnd returns the end of the string, number or literal at b[i].
func tokenEnd(b []byte, i int) int {
	if b[i] == '"' {
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return len(b)
	}
	j := i + 1
	for ; j < len(b); j++ {
		switch b[j] {
		case ',', ']', '}', ':', ' ', '\t', '\n', '\r':
			return j
		}
	}
	return j
}

// valueEnd returns the end of the array or object that starts at b[i].
func valueEnd(b []byte, i int) int {
	open := 0
	for j := i; j < len(b); {
		switch b[j] {
		case '"':
			j = tokenEnd(b, j)
			continue
		case '{', '[':
			open++
		case '}', ']':
			open--
			if open == 0 {
				return j + 1
			}
		}
		j++
	}
	return len(b)
}

// compactHash hashes raw JSON less the whitespace outside its strings.
func compactHash(raw string) uint64 {
	var h maphash.Hash
	h.SetSeed(hashSeed)
	inString, escaped := false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			continue
		}
		h.WriteByte(c)
	}
	return h.Sum64()
}

// mix scrambles x (the finalizer of SplitMix64), so that sums and chains
// of hashes do not cancel out.
func mix(x uint64) uint64 {
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// member is one name/value pair of an object, as written.
type member struct {
	name  string // the raw, quoted name
	value gjson.Result
}

// appendCanonical appends the canonical form of v: no insignificant
// whitespace, and object members sorted by their raw name (stable, so
// members that share a name keep their order).
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
