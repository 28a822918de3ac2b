package recorder

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/callconform/callconform/harness/fixture"
)

// Unscrubbed is a value of a recorded fixture that the fixture's own
// redaction rules would replace: personal data that was put back, or that
// was never scrubbed.
type Unscrubbed struct {
	Line  int    // line of the value in the fixture file
	Path  string // where the value is, member names joined by dots
	Value string // the value as written; mask it before showing it
}

// Unredacted scrubs a recorded fixture again with the redaction rules
// saved in it and returns each value that would change: a real tenant or
// user id, display name, phone number, thread id or joinMeetingId where
// its pseudonym should be, at an identity path, in a var or written
// anywhere else (in a URL, in JSON in a string, in base64), and whatever
// the rules redact. A fixture without saved rules (one written by hand)
// has nothing to check against: Unredacted returns nil. Values the secret
// finder flags are found too; callers that run secret.Find already may
// report one finding per line.
func Unredacted(data []byte) ([]Unscrubbed, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("check redaction: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	root := doc.Content[0]
	rulesNode := member(member(root, "redaction"), "rules")
	if rulesNode == nil {
		return nil, nil
	}
	var saved []fixture.RedactionRule
	if err := rulesNode.Decode(&saved); err != nil {
		return nil, fmt.Errorf("check redaction: rules at line %d: %w", rulesNode.Line, err)
	}
	rules, err := compileRules(saved)
	if err != nil {
		return nil, fmt.Errorf("check redaction: rules at line %d: %w", rulesNode.Line, err)
	}
	r := newRedactor(rules)
	var out []Unscrubbed
	out = append(out, r.checkVars(member(root, "vars"))...)
	var values []scalarAt
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i].Value; k != "redaction" && k != "vars" {
			values = collectScalars(root.Content[i+1], []string{k}, values)
		}
	}
	for _, v := range values {
		r.value(v.path, v.node.Value)
	}
	for _, v := range values {
		if got, _ := r.value(v.path, v.node.Value); got != v.node.Value {
			out = append(out, Unscrubbed{Line: v.node.Line, Path: strings.Join(v.path, "."), Value: v.node.Value})
		}
	}
	return out, nil
}

// checkVars returns the vars that stand for an identity (userId1,
// tenantId1, phone1, threadId1...) with a value that is not a pseudonym,
// and gives each a pseudonym, so that the value is found wherever else it
// is written.
func (r *redactor) checkVars(vars *yaml.Node) []Unscrubbed {
	if vars == nil || vars.Kind != yaml.MappingNode {
		return nil
	}
	var out []Unscrubbed
	for i := 0; i+1 < len(vars.Content); i += 2 {
		name, val := vars.Content[i].Value, vars.Content[i+1]
		ru, ok := r.varRule(name)
		if !ok || val.Kind != yaml.ScalarNode || val.Value == "" || isTemplate(val.Value) || ownPseudonym(ru, val.Value) {
			continue
		}
		r.pseudonym(ru.RedactionRule, val.Value)
		out = append(out, Unscrubbed{Line: val.Line, Path: "vars." + name, Value: val.Value})
	}
	return out
}

// varRule returns the rule of the kind whose pseudonyms a var of this name
// stands for (see varFor), when the fixture has one.
func (r *redactor) varRule(name string) (rule, bool) {
	base := strings.TrimRight(name, "0123456789")
	kind := ""
	switch {
	case base == "userId":
		kind = KindUserID
	case base == "tenantId":
		kind = KindTenantID
	case base == "phone":
		kind = KindPhone
	case strings.HasSuffix(base, "Id") && len(base) > 2:
		kind = kebab(strings.TrimSuffix(base, "Id")) + "-id"
	default:
		return rule{}, false
	}
	for _, ru := range r.rules {
		if ru.Kind == kind {
			return ru, true
		}
	}
	return rule{}, false
}

// kebab turns "joinMeeting" into "join-meeting".
func kebab(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// scalarAt is a scalar of a fixture and its path.
type scalarAt struct {
	path []string
	node *yaml.Node
}

// collectScalars appends the scalars under n with their paths: member
// names, split at dots (resourceData.state), sequences left out.
func collectScalars(n *yaml.Node, path []string, into []scalarAt) []scalarAt {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			segs := []string{k}
			if !strings.HasPrefix(k, "@") {
				segs = strings.Split(k, ".")
			}
			p := append(path[:len(path):len(path)], segs...)
			into = collectScalars(n.Content[i+1], p, into)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			into = collectScalars(c, path, into)
		}
	case yaml.ScalarNode:
		if inner, p := embeddedJSON(n, path); inner != nil {
			return collectScalars(inner, p, into)
		}
		if n.Tag != "!!null" && n.Tag != "!!bool" && n.Value != "" {
			into = append(into, scalarAt{path, n})
		}
	}
	return into
}

// member returns the value of the member named key of a mapping, or nil.
func member(n *yaml.Node, key string) *yaml.Node {
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
