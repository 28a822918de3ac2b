package testbed

import (
	"github.com/callconform/callconform/harness/fixture"
)

// ReadVars reads a vars file (--vars) with the fixture loader's bounds
// (fixture.ReadVarsFile): a YAML or JSON mapping of names to strings,
// numbers or booleans, at most fixture.MaxVarsFileSize bytes, without
// aliases, nested values, nulls or repeated names. "" reads nothing. Every
// error names the file (and the line where it can) and wraps ErrConfig.
func ReadVars(path string) (map[string]string, error) {
	vars, err := fixture.ReadVarsFile(path)
	if err != nil {
		return nil, configErr("vars file: %w", err)
	}
	return vars, nil
}
