package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/callconform/callconform/harness/fixture"
)

// encodeYAML writes f as YAML in the order of its fields (id, title... steps;
// in a step, name, send, body, expect...), a body in the order the bot wrote
// it, with header above the document and comments above steps.
func encodeYAML(f *fixture.Fixture, header string, comments map[int]string) ([]byte, error) {
	raw, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	v, err := parseJSON(raw)
	if err != nil {
		return nil, err
	}
	if steps := v.get("steps"); steps != nil {
		for _, st := range steps.vals {
			simplifyStatus(st)
			compactRecorded(st)
		}
	}
	root := yamlNode(v)
	if steps := mappingValue(root, "steps"); steps != nil {
		for _, st := range steps.Content {
			literalRecorded(st)
		}
	}
	if header != "" && len(root.Content) > 0 {
		root.Content[0].HeadComment = header
	}
	for i, k := range root.Content {
		if i%2 == 0 && k.Value == "steps" {
			seq := root.Content[i+1]
			for n, c := range comments {
				if n < len(seq.Content) {
					seq.Content[n].HeadComment = c
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// flowWidth is the widest collection of scalars written on one line.
const flowWidth = 72

// yamlNode converts a JSON value; a short collection of scalars is written
// in flow style ({a: 1, b: x} or [audio, video]).
func yamlNode(v *jvalue) *yaml.Node {
	switch v.kind {
	case 'o':
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		width := 0
		flat := true
		for i, k := range v.keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, yamlNode(v.vals[i]))
			width += len(k) + len(v.vals[i].text) + 4
			if !v.vals[i].scalar() {
				flat = false
			}
		}
		if flat && width <= flowWidth {
			n.Style = yaml.FlowStyle
		}
		return n
	case 'a':
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		width := 0
		flat := true
		for _, e := range v.vals {
			n.Content = append(n.Content, yamlNode(e))
			width += len(e.text) + 2
			if !e.scalar() {
				flat = false
			}
		}
		if flat && width <= flowWidth {
			n.Style = yaml.FlowStyle
		}
		return n
	case 's':
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.text}
	case 'n':
		tag := "!!int"
		if strings.ContainsAny(v.text, ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.text}
	case 'b':
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v.text}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

// scalar reports whether v is not a collection, or an empty one.
func (v *jvalue) scalar() bool {
	return (v.kind != 'o' && v.kind != 'a') || len(v.vals) == 0
}

// writeHead writes a fixture's metadata (its steps left out) with header
// above it, and opens its list of steps.
func writeHead(w io.Writer, f *fixture.Fixture, header string) error {
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	v, err := parseJSON(raw)
	if err != nil {
		return err
	}
	for i, k := range v.keys {
		if k == "steps" {
			v.keys = append(v.keys[:i], v.keys[i+1:]...)
			v.vals = append(v.vals[:i], v.vals[i+1:]...)
			break
		}
	}
	root := yamlNode(v)
	if header != "" && len(root.Content) > 0 {
		root.Content[0].HeadComment = header
	}
	if err := encodeNode(w, root); err != nil {
		return err
	}
	_, err = io.WriteString(w, "steps:\n")
	return err
}

// writeStep writes one step as an item of the list writeHead opened, with
// comment above it.
func writeStep(w io.Writer, st fixture.Step, comment string) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode a recorded step: %w", err)
	}
	v, err := parseJSON(raw)
	if err != nil {
		return fmt.Errorf("encode a recorded step: %w", err)
	}
	simplifyStatus(v)
	compactRecorded(v)
	item := yamlNode(v)
	literalRecorded(item)
	item.HeadComment = comment
	var buf bytes.Buffer
	if err := encodeNode(&buf, &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}}); err != nil {
		return fmt.Errorf("encode a recorded step: %w", err)
	}
	for line := range bytes.Lines(buf.Bytes()) {
		if len(bytes.TrimSpace(line)) > 0 {
			if _, err := io.WriteString(w, "  "); err != nil {
				return err
			}
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// simplifyStatus writes an expected status of one code as the code
// (status: 201 rather than [201]).
func simplifyStatus(st *jvalue) {
	if exp := st.get("expect"); exp != nil {
		for i, k := range exp.keys {
			if k == "status" && exp.vals[i].kind == 'a' && len(exp.vals[i].vals) == 1 {
				exp.vals[i] = exp.vals[i].vals[0]
			}
		}
	}
}

func encodeNode(w io.Writer, n *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}); err != nil {
		return err
	}
	return enc.Close()
}

// compactRecorded turns the recorded answer's body and the exemplars of
// step st into strings holding their compact JSON text: the answer's body
// becomes bodyJson, an exemplar stays exemplar. Written so (one line in a
// literal block, see literalRecorded), each is one YAML node for the
// loader to parse instead of thousands; fixtures/README.md describes the
// form.
func compactRecorded(st *jvalue) {
	if ans := st.get("answer"); ans != nil && ans.kind == 'o' {
		for i, k := range ans.keys {
			if k == "body" {
				ans.keys[i] = "bodyJson"
				ans.vals[i] = jstring(string(ans.vals[i].marshal()))
			}
		}
	}
	for _, e := range expectations(st) {
		for i, k := range e.keys {
			if k == "exemplar" && e.vals[i].kind == 'o' {
				e.vals[i] = jstring(string(e.vals[i].marshal()))
			}
		}
	}
}

// expectations returns the expectations of an await step, or nil.
func expectations(st *jvalue) []*jvalue {
	aw := st.get("await")
	if aw == nil {
		return nil
	}
	exp := aw.get("expect")
	if exp == nil || exp.kind != 'a' {
		return nil
	}
	return exp.vals
}

// literalRecorded writes the strings compactRecorded made as literal
// blocks (`|-`), the JSON text as it is on the line below its key. The
// YAML library writes a string it cannot write so (one with a character
// YAML does not print) quoted instead, which reads back the same.
func literalRecorded(st *yaml.Node) {
	literal := func(n *yaml.Node) {
		if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			n.Style = yaml.LiteralStyle
		}
	}
	literal(mappingValue(mappingValue(st, "answer"), "bodyJson"))
	if exp := mappingValue(mappingValue(st, "await"), "expect"); exp != nil {
		for _, e := range exp.Content {
			literal(mappingValue(e, "exemplar"))
		}
	}
}

// mappingValue returns the value of key in the mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
