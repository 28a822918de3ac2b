package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// parseJSON reads one JSON value; trailing data is an error.
func parseJSON(raw []byte) (*jvalue, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (*jvalue, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jvalue{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				e, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, k)
				v.vals = append(v.vals, e)
			}
			_, err := dec.Token()
			return v, err
		case '[':
			v := &jvalue{kind: 'a'}
			for dec.More() {
				e, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				v.vals = append(v.vals, e)
			}
			_, err := dec.Token()
			return v, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return jstring(t), nil
	case json.Number:
		return &jvalue{kind: 'n', text: t.String()}, nil
	case bool:
		if t {
			return &jvalue{kind: 'b', text: "true"}, nil
		}
		return &jvalue{kind: 'b', text: "false"}, nil
	case nil:
		return &jvalue{kind: 'z', text: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
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
