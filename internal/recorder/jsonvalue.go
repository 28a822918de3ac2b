package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// jvalue is a JSON value that keeps the order of object members, so that a
// recorded body reads in the fixture as the bot wrote it.
type jvalue struct {
	kind byte     // 'o' object, 'a' array, 's' string, 'n' number, 'b' boolean, 'z' null
	text string   // a string's value, a number's or a boolean's text
	keys []string // object member names, in order
	vals []*jvalue
}

func jstring(s string) *jvalue { return &jvalue{kind: 's', text: s} }

// parseJSON reads one JSON value; trailing data is an error. It reads the
// bytes directly (a recording's bodies are parsed several times over a
// build), with the grammar and the string decoding of encoding/json.
func parseJSON(raw []byte) (*jvalue, error) {
	p := &jparser{b: raw}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.b) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// maxJSONDepth bounds the nesting of a parsed value, as encoding/json does.
const maxJSONDepth = 10000

// jparser reads one JSON value from b.
type jparser struct {
	b []byte
	i int
}

func (p *jparser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) fail(what string) error {
	if p.i >= len(p.b) {
		return fmt.Errorf("unexpected end of JSON input: want %s", what)
	}
	return fmt.Errorf("invalid character %q at offset %d: want %s", p.b[p.i], p.i, what)
}

func (p *jparser) value(depth int) (*jvalue, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	if p.i >= len(p.b) {
		return nil, p.fail("a value")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return jstring(s), nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	for _, lit := range []struct {
		text string
		kind byte
	}{{"true", 'b'}, {"false", 'b'}, {"null", 'z'}} {
		if bytes.HasPrefix(p.b[p.i:], []byte(lit.text)) {
			p.i += len(lit.text)
			return &jvalue{kind: lit.kind, text: lit.text}, nil
		}
	}
	return nil, p.fail("a value")
}

func (p *jparser) object(depth int) (*jvalue, error) {
	v := &jvalue{kind: 'o'}
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.fail("a member name")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.fail("':'")
		}
		p.i++
		p.space()
		e, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.keys = append(v.keys, k)
		v.vals = append(v.vals, e)
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return v, nil
		}
		return nil, p.fail("',' or '}'")
	}
}

func (p *jparser) array(depth int) (*jvalue, error) {
	v := &jvalue{kind: 'a'}
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		p.space()
		e, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.vals = append(v.vals, e)
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return v, nil
		}
		return nil, p.fail("',' or ']'")
	}
}

// str reads a string at p.i (its opening quote). One without escapes, in
// valid UTF-8, is taken as it is; any other is decoded by encoding/json.
func (p *jparser) str() (string, error) {
	start := p.i
	p.i++
	plain := true
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			raw := p.b[start+1 : p.i-1]
			if plain && utf8.Valid(raw) {
				return string(raw), nil
			}
			var s string
			if err := json.Unmarshal(p.b[start:p.i], &s); err != nil {
				return "", fmt.Errorf("bad string at offset %d: %w", start, err)
			}
			return s, nil
		case c == '\\':
			plain = false
			p.i += 2
		case c < 0x20:
			return "", p.fail("no control character in a string")
		default:
			p.i++
		}
	}
	return "", p.fail("the end of a string")
}

// number reads a number as written, checked against JSON's grammar.
func (p *jparser) number() (*jvalue, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case digits() == 0:
		return nil, p.fail("a digit")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.fail("a digit")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.fail("a digit")
		}
	}
	return &jvalue{kind: 'n', text: string(p.b[start:p.i])}, nil
}

// get returns the member named k of an object, or nil.
func (v *jvalue) get(k string) *jvalue {
	if v == nil || v.kind != 'o' {
		return nil
	}
	for i, key := range v.keys {
		if key == k {
			return v.vals[i]
		}
	}
	return nil
}

// str returns the member k of an object when it is a string.
func (v *jvalue) str(k string) (string, bool) {
	e := v.get(k)
	if e == nil || e.kind != 's' {
		return "", false
	}
	return e.text, true
}

// marshal writes v as compact JSON.
func (v *jvalue) marshal() []byte {
	var b bytes.Buffer
	v.write(&b)
	return b.Bytes()
}

func (v *jvalue) write(b *bytes.Buffer) {
	switch v.kind {
	case 'o':
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			v.vals[i].write(b)
		}
		b.WriteByte('}')
	case 'a':
		b.WriteByte('[')
		for i, e := range v.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			e.write(b)
		}
		b.WriteByte(']')
	case 's':
		writeJSONString(b, v.text)
	default:
		b.WriteString(v.text)
	}
}

// writeJSONString writes s quoted, without escaping <, > and &.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // the encoder's newline
}

// jsonQuote returns s as a JSON string literal.
func jsonQuote(s string) []byte {
	var b bytes.Buffer
	writeJSONString(&b, s)
	return b.Bytes()
}

// clone returns a deep copy of v.
func (v *jvalue) clone() *jvalue {
	c := &jvalue{kind: v.kind, text: v.text, keys: v.keys}
	if v.vals != nil {
		c.vals = make([]*jvalue, len(v.vals))
		for i, e := range v.vals {
			c.vals[i] = e.clone()
		}
	}
	return c
}
