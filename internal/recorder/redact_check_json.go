package recorder

import (
	"encoding/json"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// embeddedJSON returns the JSON text a recorded fixture holds in the string
// n at path (an exemplar, or an answer's bodyJson: see compactRecorded) as
// a YAML tree, each node on the line of the file its text is on, and the
// path its values are at, the same as when the value is written as YAML
// (bodyJson reads as body). It returns nil for any other string.
func embeddedJSON(n *yaml.Node, path []string) (*yaml.Node, []string) {
	if len(path) == 0 || n.Tag != "!!str" {
		return nil, nil
	}
	last := path[len(path)-1]
	if last != "exemplar" && last != "bodyJson" {
		return nil, nil
	}
	text := strings.TrimSpace(n.Value)
	if !json.Valid([]byte(text)) {
		return nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) == 0 {
		return nil, nil
	}
	lead := strings.Count(n.Value[:len(n.Value)-len(strings.TrimLeft(n.Value, " \t\r\n"))], "\n")
	setLines(doc.Content[0], n, lead)
	if last == "bodyJson" {
		path = append(path[:len(path)-1:len(path)-1], "body")
	}
	return doc.Content[0], path
}

// setLines puts the nodes of root, parsed from the text of the string s
// after lead blank lines, on the lines of the file they are on: from the
// line below s's key for a literal block (`|-`), s's own line for a
// string written otherwise.
func setLines(root, s *yaml.Node, lead int) {
	var walk func(*yaml.Node)
	walk = func(y *yaml.Node) {
		if s.Style&yaml.LiteralStyle != 0 {
			y.Line += s.Line + lead
		} else {
			y.Line = s.Line
		}
		for _, c := range y.Content {
			walk(c)
		}
	}
	walk(root)
}
