package coverage

import (
	"bytes"
	"fmt"
	"slices"

	yaml "go.yaml.in/yaml/v3"
)

// ProfilesIn returns the catalogue's profiles that labels name, in
// catalogue order: the profiles a hand-written spec labelled with them
// runs under. nil (every profile) when labels name none.
func (c *Catalogue) ProfilesIn(labels []string) []string {
	var out []string
	for _, p := range c.ProfileNames() {
		if slices.Contains(labels, p) {
			out = append(out, p)
		}
	}
	return out
}

// SpecsFromManifest reads the hand-written specs of a conformance manifest
// (suites/conformance.yaml): each requirement of kind "spec" with its
// operations and notifications, under the profiles its labels name (every
// profile when they name none).
func (c *Catalogue) SpecsFromManifest(data []byte) ([]Spec, error) {
	var m struct {
		Requirements []struct {
			ID            string   `yaml:"id"`
			Kind          string   `yaml:"kind"`
			Labels        []string `yaml:"labels"`
			Operations    []string `yaml:"operations"`
			Notifications []string `yaml:"notifications"`
		} `yaml:"requirements"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var specs []Spec
	for _, r := range m.Requirements {
		if r.Kind != "spec" {
			continue
		}
		specs = append(specs, Spec{ID: r.ID, Profiles: c.ProfilesIn(r.Labels), Operations: r.Operations, Notifications: r.Notifications})
	}
	return specs, nil
}
