package testbed

import (
	"errors"
	"fmt"
	"io"
	"os"

	yaml "go.yaml.in/yaml/v3"
)

// MaxVarsFile bounds the size of a vars file: 1 MiB.
const MaxVarsFile = 1 << 20

// ReadVars reads a vars file: a YAML (or JSON) map of names to strings,
// numbers or booleans, each kept as written. "" reads nothing. Aliases,
// nested values, nulls, repeated names and files over MaxVarsFile are
// refused; every error names the file and wraps ErrConfig.
func ReadVars(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := readCapped(path, MaxVarsFile)
	if err != nil {
		return nil, configErr("vars file: %w", err)
	}
	vars, err := parseVars(b)
	if err != nil {
		return nil, configErr("vars file %s: %w", path, err)
	}
	return vars, nil
}

// parseVars reads the text of a vars file.
func parseVars(b []byte) (map[string]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	return varsOf(&doc)
}

// readCapped reads a file of at most limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, limit>>10)
	}
	return b, nil
}

// varsOf reads the vars of a parsed YAML document: a mapping of scalars.
func varsOf(doc *yaml.Node) (map[string]string, error) {
	vars := map[string]string{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return vars, nil // an empty file
	}
	root := doc.Content[0]
	if root.Kind == yaml.AliasNode {
		return nil, errors.New("aliases are not allowed")
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a map of names to values", root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind == yaml.AliasNode || v.Kind == yaml.AliasNode || k.Tag == "!!merge" {
			return nil, fmt.Errorf("line %d: aliases are not allowed", k.Line)
		}
		if k.Kind != yaml.ScalarNode || k.Tag == "!!null" {
			return nil, fmt.Errorf("line %d: a name must be a string", k.Line)
		}
		if _, dup := vars[k.Value]; dup {
			return nil, fmt.Errorf("line %d: %q is set twice", k.Line, k.Value)
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return nil, fmt.Errorf("line %d: %q must be a string, number or boolean", v.Line, k.Value)
		}
		vars[k.Value] = v.Value
	}
	return vars, nil
}
