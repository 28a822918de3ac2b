package playback

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// sample returns a string that the regular expression expr matches. Every
// repetition of a single character class that fill fits (each rune in the
// class, the length within the bounds) is written as fill, so that a
// Location shaped "/calls/[^/]+$" names the id the mock minted.
func sample(expr, fill string) (string, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("sample %q: %w", expr, err)
	}
	check, err := regexp.Compile(expr)
	if err != nil {
		return "", fmt.Errorf("sample %q: %w", expr, err)
	}
	for _, f := range []string{fill, ""} {
		var b strings.Builder
		if err := gen(&b, re, f); err != nil {
			return "", fmt.Errorf("sample %q: %w", expr, err)
		}
		if check.MatchString(b.String()) {
			return b.String(), nil
		}
		if f == "" {
			break
		}
	}
	return "", fmt.Errorf("sample %q: found no matching value (anchors inside alternations are not supported)", expr)
}

func gen(b *strings.Builder, re *syntax.Regexp, fill string) error {
	switch re.Op {
	case syntax.OpNoMatch:
		return fmt.Errorf("the expression matches nothing")
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return nil
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			b.WriteString(strings.ToLower(string(re.Rune))) // the parser keeps the upper case
			return nil
		}
		b.WriteString(string(re.Rune))
		return nil
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		r, ok := pickRune(re)
		if !ok {
			return fmt.Errorf("no printable character in class %s", re)
		}
		b.WriteRune(r)
		return nil
	case syntax.OpCapture:
		return gen(b, re.Sub[0], fill)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := bounds(re)
		if fits(re.Sub[0], fill, lo, hi) {
			b.WriteString(fill)
			return nil
		}
		for range lo {
			if err := gen(b, re.Sub[0], fill); err != nil {
				return err
			}
		}
		return nil
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if err := gen(b, s, fill); err != nil {
				return err
			}
		}
		return nil
	case syntax.OpAlternate:
		var last error
		for _, s := range re.Sub {
			var alt strings.Builder
			if last = gen(&alt, s, fill); last == nil {
				b.WriteString(alt.String())
				return nil
			}
		}
		return last
	}
	return fmt.Errorf("unsupported expression %s", re)
}

// bounds returns the repetition bounds of a star, plus, quest or repeat;
// hi < 0 means unbounded.
func bounds(re *syntax.Regexp) (lo, hi int) {
	switch re.Op {
	case syntax.OpStar:
		return 0, -1
	case syntax.OpPlus:
		return 1, -1
	case syntax.OpQuest:
		return 0, 1
	}
	return re.Min, re.Max
}

// fits reports whether fill can stand for lo..hi repetitions of the single
// character matcher sub.
func fits(sub *syntax.Regexp, fill string, lo, hi int) bool {
	if fill == "" || hi == 0 || hi == 1 {
		return false
	}
	n := utf8.RuneCountInString(fill)
	if n < lo || (hi > 0 && n > hi) {
		return false
	}
	for _, r := range fill {
		if !inClass(sub, r) {
			return false
		}
	}
	return true
}

func inClass(re *syntax.Regexp, r rune) bool {
	switch re.Op {
	case syntax.OpAnyChar:
		return true
	case syntax.OpAnyCharNotNL:
		return r != '\n'
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= r && r <= re.Rune[i+1] {
				return true
			}
		}
	}
	return false
}

// pickRune returns a readable character of a class: a letter or digit when
// there is one.
func pickRune(re *syntax.Regexp) (rune, bool) {
	for _, r := range "a0xA-_." {
		if inClass(re, r) {
			return r, true
		}
	}
	if re.Op == syntax.OpCharClass {
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := max(re.Rune[i], 0x21); r <= re.Rune[i+1] && r < 0x7f; r++ {
				return r, true
			}
		}
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if r := re.Rune[i]; r >= 0xa0 && utf8.ValidRune(r) {
				return r, true
			}
		}
	}
	return 0, false
}

// absent is what sampleValue returns for a matcher that wants no value.
type absent struct{}

// sampleValue returns a value that the fixture matcher raw (templates
// already expanded) accepts: a literal as written, a string that a "~regex"
// matches, a zero value of a $type, the id of a $sameId, the first choice of
// a $oneOf; absent{} for $absent. A string the matcher leaves free is fill.
func sampleValue(raw json.RawMessage, fill string) (any, error) {
	raw = bytes.TrimSpace(raw)
	if !gjson.ValidBytes(raw) {
		return nil, fmt.Errorf("matcher is not JSON: %s", raw)
	}
	v := gjson.ParseBytes(raw)
	if v.Type == gjson.String && strings.HasPrefix(v.Str, "~") {
		return sample(v.Str[1:], fill)
	}
	if v.IsObject() {
		var keys []string
		v.ForEach(func(k, _ gjson.Result) bool { keys = append(keys, k.Str); return true })
		if len(keys) == 1 && strings.HasPrefix(keys[0], "$") {
			arg := v.Get(gjson.Escape(keys[0]))
			switch keys[0] {
			case "$exists":
				if !arg.Bool() {
					return absent{}, nil
				}
				return orDefault(fill, "x"), nil
			case "$absent":
				return absent{}, nil
			case "$oneOf":
				alts := arg.Array()
				if len(alts) == 0 {
					return nil, fmt.Errorf("$oneOf without choices")
				}
				return sampleValue(json.RawMessage(alts[0].Raw), fill)
			case "$type":
				switch arg.Str {
				case "string":
					return fill, nil
				case "number":
					return json.Number("0"), nil
				case "boolean":
					return false, nil
				case "null":
					return nil, nil
				case "array":
					return []any{}, nil
				case "object":
					return map[string]any{}, nil
				}
				return nil, fmt.Errorf("unknown $type %s", arg.Raw)
			case "$sameId":
				return arg.Str, nil
			case "$eq":
				return decodeJSON([]byte(arg.Raw))
			}
			return nil, fmt.Errorf("unknown matcher form %q", keys[0])
		}
	}
	return decodeJSON(raw)
}

// weakMatcher reports whether raw only constrains a value's type or
// presence, so that a stronger condition on the same value may override it.
func weakMatcher(raw json.RawMessage) bool {
	v := gjson.ParseBytes(bytes.TrimSpace(raw))
	return v.IsObject() && (v.Get(`\$type`).Exists() || v.Get(`\$exists`).Exists()) && len(v.Map()) == 1
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// decodeJSON decodes b into plain values, numbers kept as written.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", b, err)
	}
	return v, nil
}

// jsonMarshal encodes v without escaping <, > and &, so that URLs read as
// written.
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b string) bool {
	va, err1 := decodeJSON([]byte(a))
	vb, err2 := decodeJSON([]byte(b))
	if err1 != nil || err2 != nil {
		return false
	}
	ca, _ := jsonMarshal(va)
	cb, _ := jsonMarshal(vb)
	return bytes.Equal(ca, cb)
}
