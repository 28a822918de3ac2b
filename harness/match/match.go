// Package match compares one JSON value, read with gjson, against a matcher
// written in a fixture, and says why it differs.
//
// Forms: a literal (compared with its JSON type: 200 is not "200"), a string
// starting with "~" (a regular expression on the value's text), and objects
// with one "$" key: {$exists: bool}, {$absent: true}, {$oneOf: [m...]},
// {$type: string|number|boolean|null|array|object}, {$sameId: "..."} (ids
// compared without dashes and case) and {$eq: literal} (a literal that would
// otherwise read as a form, such as a string starting with "~").
//
// It is meant to be imported, with the fixture model.
package match

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/guid"
)

// Matcher compares a value. Match returns "" when got matches, otherwise the
// reason it does not.
type Matcher interface {
	Match(got gjson.Result) string
	// String renders the matcher as it would be written in a fixture.
	String() string
}

// Compile turns a fixture's matcher (JSON) into a Matcher.
func Compile(raw json.RawMessage) (Matcher, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("empty matcher")
	}
	if !gjson.ValidBytes(raw) {
		return nil, fmt.Errorf("matcher is not valid JSON: %s", raw)
	}
	v := gjson.ParseBytes(raw)
	if v.Type == gjson.String && strings.HasPrefix(v.Str, "~") {
		re, err := Regexp(v.Str[1:])
		if err != nil {
			return nil, fmt.Errorf("bad regular expression %q: %w", v.Str[1:], err)
		}
		return regexMatcher{re}, nil
	}
	if v.IsObject() {
		var keys []string
		v.ForEach(func(k, _ gjson.Result) bool { keys = append(keys, k.Str); return true })
		if len(keys) == 1 && strings.HasPrefix(keys[0], "$") {
			return compileForm(keys[0], v.Get(gjson.Escape(keys[0])))
		}
		for _, k := range keys {
			if strings.HasPrefix(k, "$") {
				return nil, fmt.Errorf("matcher form %q must be the object's only key", k)
			}
		}
	}
	return newLiteral(v), nil
}

func compileForm(key string, arg gjson.Result) (Matcher, error) {
	switch key {
	case "$exists":
		if arg.Type != gjson.True && arg.Type != gjson.False {
			return nil, fmt.Errorf("$exists takes true or false")
		}
		return existsMatcher{arg.Bool()}, nil
	case "$absent":
		if arg.Type != gjson.True {
			return nil, fmt.Errorf("$absent takes true")
		}
		return existsMatcher{false}, nil
	case "$oneOf":
		if !arg.IsArray() || len(arg.Array()) == 0 {
			return nil, fmt.Errorf("$oneOf takes a non-empty list of matchers")
		}
		var ms []Matcher
		for _, a := range arg.Array() {
			m, err := Compile(json.RawMessage(a.Raw))
			if err != nil {
				return nil, fmt.Errorf("$oneOf: %w", err)
			}
			ms = append(ms, m)
		}
		return oneOf(ms), nil
	case "$type":
		switch arg.Str {
		case "string", "number", "boolean", "null", "array", "object":
			return typeMatcher(arg.Str), nil
		}
		return nil, fmt.Errorf("$type takes string, number, boolean, null, array or object, not %s", arg.Raw)
	case "$sameId":
		if arg.Type != gjson.String || arg.Str == "" {
			return nil, fmt.Errorf("$sameId takes a non-empty string")
		}
		return newSameID(arg.Str), nil
	case "$eq":
		return newLiteral(arg), nil
	}
	return nil, fmt.Errorf("unknown matcher form %q (known: $exists, $absent, $oneOf, $type, $sameId, $eq)", key)
}

// typeName names a gjson value's JSON type.
func typeName(r gjson.Result) string {
	switch {
	case !r.Exists():
		return "absent"
	case r.IsObject():
		return "object"
	case r.IsArray():
		return "array"
	}
	switch r.Type {
	case gjson.String:
		return "string"
	case gjson.Number:
		return "number"
	case gjson.True, gjson.False:
		return "boolean"
	case gjson.Null:
		return "null"
	}
	return "unknown"
}

// Show renders a received value for a reason or a diff: its JSON, cut at
// 300 bytes on a character boundary, or <absent>.
func Show(r gjson.Result) string {
	if !r.Exists() {
		return "<absent>"
	}
	return excerpt.Clip(r.Raw, 300)
}

// literal is a JSON value, compared with its type; raw is how it was
// written, rendered when JSON cannot write want again (1e400 reads as +Inf).
type literal struct {
	want any
	raw  string
}

func newLiteral(v gjson.Result) literal { return literal{want: canon(v), raw: v.Raw} }

func (l literal) String() string {
	b, err := json.Marshal(l.want)
	if err != nil {
		return l.raw
	}
	return string(b)
}

func (l literal) Match(got gjson.Result) string {
	if !got.Exists() {
		return fmt.Sprintf("want %s, got <absent>", l)
	}
	if !equalJSON(l.want, canon(got)) {
		return fmt.Sprintf("want %s, got %s", l, Show(got))
	}
	return ""
}

// canon turns a gjson value into plain Go values: map[string]any, []any,
// float64, string, bool, nil.
func canon(r gjson.Result) any {
	switch {
	case r.IsObject():
		m := map[string]any{}
		r.ForEach(func(k, v gjson.Result) bool { m[k.Str] = canon(v); return true })
		return m
	case r.IsArray():
		var a []any
		for _, v := range r.Array() {
			a = append(a, canon(v))
		}
		if a == nil {
			a = []any{}
		}
		return a
	}
	switch r.Type {
	case gjson.String:
		return r.Str
	case gjson.Number:
		return r.Num
	case gjson.True:
		return true
	case gjson.False:
		return false
	}
	return nil
}

func equalJSON(a, b any) bool {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !equalJSON(x, y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !equalJSON(av[i], bv[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

type regexMatcher struct{ re *regexp.Regexp }

func (m regexMatcher) String() string { return fmt.Sprintf("%q", "~"+m.re.String()) }

func (m regexMatcher) Match(got gjson.Result) string {
	if !got.Exists() {
		return fmt.Sprintf("want a value matching %s, got <absent>", m)
	}
	if got.IsObject() || got.IsArray() {
		return fmt.Sprintf("want a value matching %s, got %s %s", m, typeName(got), Show(got))
	}
	if !m.re.MatchString(got.String()) {
		return fmt.Sprintf("want a value matching %s, got %s", m, Show(got))
	}
	return ""
}

type existsMatcher struct{ exists bool }

func (m existsMatcher) String() string {
	if m.exists {
		return "{$exists: true}"
	}
	return "{$absent: true}"
}

func (m existsMatcher) Match(got gjson.Result) string {
	switch {
	case m.exists && !got.Exists():
		return "want present, got <absent>"
	case !m.exists && got.Exists():
		return "want absent, got " + Show(got)
	}
	return ""
}

type oneOf []Matcher

func (m oneOf) String() string {
	var parts []string
	for _, x := range m {
		parts = append(parts, x.String())
	}
	return "{$oneOf: [" + strings.Join(parts, ", ") + "]}"
}

func (m oneOf) Match(got gjson.Result) string {
	for _, x := range m {
		if x.Match(got) == "" {
			return ""
		}
	}
	return fmt.Sprintf("want one of %s, got %s", m, Show(got))
}

type typeMatcher string

func (m typeMatcher) String() string { return "{$type: " + string(m) + "}" }

func (m typeMatcher) Match(got gjson.Result) string {
	if t := typeName(got); t != string(m) {
		if !got.Exists() {
			return fmt.Sprintf("want a %s, got <absent>", string(m))
		}
		return fmt.Sprintf("want a %s, got %s %s", string(m), t, Show(got))
	}
	return ""
}

// sameID compares ids; want is normalized once, at compile time.
type sameID struct{ raw, want string }

func newSameID(id string) sameID { return sameID{raw: id, want: guid.Normalize(id)} }

func (m sameID) String() string { return fmt.Sprintf("{$sameId: %q}", m.raw) }

func (m sameID) Match(got gjson.Result) string {
	if got.Type != gjson.String || !equalID(got.Str, m.want) {
		return fmt.Sprintf("want the id %q (dashes and case ignored), got %s", m.raw, Show(got))
	}
	return ""
}

// equalID reports whether s normalizes to want (already normalized),
// without allocating when s is ASCII, as ids and paths are.
func equalID(s, want string) bool {
	j := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return guid.Normalize(s) == want // case folding beyond ASCII
		}
		if c == '-' {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if j >= len(want) || want[j] != c {
			return false
		}
		j++
	}
	return j == len(want)
}

// SameID returns a Matcher that compares ids (or paths made of ids) without
// regard to dashes and case.
func SameID(id string) Matcher { return newSameID(id) }

// SortedKeys returns a map's keys in order, for stable reports.
func SortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// Key returns the normalized id, so that a judge can index expectations by
// their literal resource.
func (m sameID) Key() string { return m.want }

// CompileResource compiles a resource matcher: a plain string is a path
// compared as ids are (without dashes and case), since the docs write one
// call id both ways; every other form is as in Compile.
func CompileResource(raw json.RawMessage) (Matcher, error) {
	v := gjson.ParseBytes(bytes.TrimSpace(raw))
	if v.Type == gjson.String && !strings.HasPrefix(v.Str, "~") {
		if v.Str == "" {
			return nil, fmt.Errorf("empty resource")
		}
		return newSameID(v.Str), nil
	}
	return Compile(raw)
}
