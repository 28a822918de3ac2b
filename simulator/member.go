package simulator

import (
	"encoding/json"
	"fmt"
	"strings"
)

// member returns the raw value of the member called name of obj, a JSON
// object that a decoder already accepted (a member of a request body), and
// whether obj has it. Of duplicate members the last one counts, as when
// obj is decoded into a map. It reads obj without decoding it: validating
// one member of a request body (a meetingInfo's @odata.type, a chatInfo's
// threadId) then allocates nothing. On anything that is not a well-formed
// object it reports the member absent.
func member(obj json.RawMessage, name string) (json.RawMessage, bool) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false
	}
	var found json.RawMessage
	for i = skipSpace(obj, i+1); i < len(obj) && obj[i] != '}'; {
		keyEnd := stringEnd(obj, i)
		if keyEnd < 0 {
			return nil, false
		}
		key := obj[i:keyEnd]
		i = skipSpace(obj, keyEnd)
		if i >= len(obj) || obj[i] != ':' {
			return nil, false
		}
		start := skipSpace(obj, i+1)
		end := valueEnd(obj, start)
		if end < 0 {
			return nil, false
		}
		if keyIs(key, name) {
			found = obj[start:end]
		}
		i = skipSpace(obj, end)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return found, found != nil
}

// memberString reads the optional string member name of obj as
// object.str reads one: absent or null is not there; any other value that
// is not a string is an error.
func memberString(obj json.RawMessage, name string) (string, bool, error) {
	v, ok := member(obj, name)
	if !ok || isNull(v) {
		return "", false, nil
	}
	s, ok := jsonString(v)
	if !ok {
		return "", true, fmt.Errorf("%s must be a string", name)
	}
	return s, true, nil
}

// keyIs reports whether the JSON string key (quotes included) is name.
func keyIs(key []byte, name string) bool {
	if inner := key[1 : len(key)-1]; plainString(inner) {
		return string(inner) == name
	}
	var k string
	return json.Unmarshal(key, &k) == nil && k == name
}

// skipSpace returns the index of the first byte of b from i on that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && strings.IndexByte(" \t\r\n", b[i]) >= 0 {
		i++
	}
	return i
}

// stringEnd returns the index just after the JSON string that starts at i,
// or -1 when there is none.
func stringEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// valueEnd returns the index just after the JSON value that starts at i,
// or -1 when there is none.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				if i = stringEnd(b, i); i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	start := i
	for i < len(b) && strings.IndexByte(",}] \t\r\n", b[i]) < 0 {
		i++
	}
	if i == start {
		return -1
	}
	return i
}
