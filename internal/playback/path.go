package playback

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// pathPart is one component of a gjson path: a key, an array index, an
// array's length (#, last only), or a query #(lhs==value) or #(lhs) that
// selects (or creates) an array element.
type pathPart struct {
	key    string
	index  int // >= 0 for an index on an array
	length bool
	query  *query
}

type query struct {
	lhs    string // gjson path inside the element; "" = the element itself
	value  any    // the value the element's lhs must equal
	exists bool   // #(lhs): the element has lhs, whatever its value
}

// parsePath splits a gjson path into parts. It accepts keys (with \
// escapes), indices, a final # and #(path==value) and #(path) queries;
// modifiers, pipes and other query operators are refused with a reason.
func parsePath(p string) ([]pathPart, error) {
	var parts []pathPart
	for i := 0; i < len(p); {
		next := parseKeyPart
		if strings.HasPrefix(p[i:], "#(") {
			next = parseQueryPart
		}
		part, end, err := next(p, i)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
		i = end
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	return parts, nil
}

// parseQueryPart parses the query #(...) that starts at p[i], and returns
// it and where the next part starts.
func parseQueryPart(p string, i int) (pathPart, int, error) {
	end, err := queryEnd(p, i+2)
	if err != nil {
		return pathPart{}, 0, err
	}
	q, err := parseQuery(p[i+2 : end])
	if err != nil {
		return pathPart{}, 0, fmt.Errorf("path %q: %w", p, err)
	}
	i = end + 1
	if i < len(p) && p[i] == '#' {
		i++ // #(...)# selects every match; the mock creates one
	}
	if i < len(p) {
		if p[i] != '.' {
			return pathPart{}, 0, fmt.Errorf("path %q: want . after a query", p)
		}
		i++
	}
	return pathPart{index: -1, query: q}, i, nil
}

// parseKeyPart parses the key, index or final # that starts at p[i], and
// returns it and where the next part starts.
func parseKeyPart(p string, i int) (pathPart, int, error) {
	var key strings.Builder
	for ; i < len(p) && p[i] != '.'; i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 < len(p) {
				i++
				key.WriteByte(p[i])
			}
		case '|', '@', '*', '?':
			if c == '@' && key.Len() > 0 {
				key.WriteByte(c)
				continue
			}
			return pathPart{}, 0, fmt.Errorf("path %q: %q (modifiers, pipes and wildcards) is not supported by the mock", p, string(c))
		default:
			key.WriteByte(c)
		}
	}
	i++ // the dot
	k := key.String()
	part := pathPart{key: k, index: -1}
	if n, err := strconv.Atoi(k); err == nil && n >= 0 && n < 1000 {
		part.index = n
	}
	if k == "#" {
		if i < len(p) {
			return pathPart{}, 0, fmt.Errorf("path %q: # (every element) is not supported by the mock, only a final # (length)", p)
		}
		part = pathPart{index: -1, length: true}
	}
	return part, i, nil
}

// queryEnd returns the index of the ) closing a query that starts at i.
func queryEnd(p string, i int) (int, error) {
	depth := 1
	inStr := false
	for ; i < len(p); i++ {
		switch c := p[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && c == '(':
			depth++
		case !inStr && c == ')':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("path %q: unclosed query", p)
}

func parseQuery(q string) (*query, error) {
	if !strings.ContainsAny(q, "=!<>%") {
		return &query{lhs: strings.TrimSpace(q), exists: true}, nil
	}
	lhs, rhs, ok := strings.Cut(q, "==")
	if !ok {
		if lhs, rhs, ok = strings.Cut(q, "="); !ok || strings.ContainsAny(lhs, "!<>%") {
			return nil, fmt.Errorf("query #(%s): only == is supported by the mock", q)
		}
	}
	if strings.ContainsAny(lhs, "!<>%") {
		return nil, fmt.Errorf("query #(%s): only == is supported by the mock", q)
	}
	rhs = strings.TrimSpace(rhs)
	v := gjson.Parse(rhs)
	if !gjson.Valid(rhs) {
		return nil, fmt.Errorf("query #(%s): the value is not JSON", q)
	}
	val, err := decodeJSON([]byte(v.Raw))
	if err != nil {
		return nil, err
	}
	return &query{lhs: strings.TrimSpace(lhs), value: val}, nil
}

// setPath sets the value at a gjson path in doc (plain values from
// decodeJSON), creating objects, arrays and query-selected elements on the
// way, and returns the new document.
func setPath(doc any, path string, v any) (any, error) {
	parts, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	return set(doc, parts, v)
}

func set(cur any, parts []pathPart, v any) (any, error) {
	if len(parts) == 0 {
		return v, nil
	}
	p, rest := parts[0], parts[1:]
	switch {
	case p.length:
		return setLength(cur, v)
	case p.query != nil:
		return setQueried(cur, p.query, rest, v)
	case p.index >= 0:
		if arr, ok := cur.([]any); ok || cur == nil {
			return setIndex(arr, p.index, rest, v)
		}
	}
	obj, ok := cur.(map[string]any)
	if !ok {
		obj = map[string]any{}
	}
	ne, err := set(obj[p.key], rest, v)
	if err != nil {
		return nil, err
	}
	obj[p.key] = ne
	return obj, nil
}

// setQueried sets rest in the first element of the array cur that q
// selects, or in a new element made to satisfy q.
func setQueried(cur any, q *query, rest []pathPart, v any) (any, error) {
	arr, ok := cur.([]any)
	if cur != nil && !ok {
		return nil, fmt.Errorf("a query needs an array, found %T", cur)
	}
	for i, e := range arr {
		if q.matches(e) {
			ne, err := set(e, rest, v)
			if err != nil {
				return nil, err
			}
			arr[i] = ne
			return arr, nil
		}
	}
	want := q.value
	if q.exists {
		want = map[string]any{}
	}
	e := want
	if q.lhs != "" {
		qparts, err := parsePath(q.lhs)
		if err != nil {
			return nil, err
		}
		if e, err = set(nil, qparts, want); err != nil {
			return nil, err
		}
	}
	ne, err := set(e, rest, v)
	if err != nil {
		return nil, err
	}
	return append(arr, ne), nil
}

// setIndex sets rest in element i of arr, padding arr with nulls up to it.
func setIndex(arr []any, i int, rest []pathPart, v any) (any, error) {
	for len(arr) <= i {
		arr = append(arr, nil)
	}
	ne, err := set(arr[i], rest, v)
	if err != nil {
		return nil, err
	}
	arr[i] = ne
	return arr, nil
}

// matches reports whether element e satisfies the query.
func (q *query) matches(e any) bool {
	b, err := jsonMarshal(e)
	if err != nil {
		return false
	}
	got := gjson.ParseBytes(b)
	if q.lhs != "" {
		got = got.Get(q.lhs)
	}
	if q.exists {
		return got.Exists()
	}
	want, err := jsonMarshal(q.value)
	if err != nil || !got.Exists() {
		return false
	}
	return sameJSON(got.Raw, string(want))
}

// setLength pads the array cur with empty objects up to the length v. An
// array cannot be shortened: the synthesis then misses the condition, and
// says so.
func setLength(cur any, v any) (any, error) {
	arr, ok := cur.([]any)
	if cur != nil && !ok {
		return nil, fmt.Errorf("# needs an array, found %T", cur)
	}
	n, err := strconv.Atoi(asText(v))
	if err != nil || n < 0 || n > 1000 {
		return nil, fmt.Errorf("# takes a length, not %s", asText(v))
	}
	for len(arr) < n {
		arr = append(arr, map[string]any{})
	}
	if arr == nil {
		arr = []any{}
	}
	return arr, nil
}
