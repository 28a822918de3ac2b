// Package coverage maps the conformance scenarios onto the Graph calls
// API: which fixtures and hand-written specs check each operation and each
// notification kind of a profile, and which nothing checks.
package coverage

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// Catalogue is every operation and notification kind of the calls API,
// per profile.
type Catalogue struct {
	Profiles []Profile `yaml:"profiles"`
}

// Profile is one version of the contract (see harness.DefaultProfile).
type Profile struct {
	Name          string      `yaml:"name"`
	Description   string      `yaml:"description,omitempty"`
	Operations    []Operation `yaml:"operations"`
	Notifications []Kind      `yaml:"notifications"`
}

// Operation is one request of the API: a method and a path template whose
// {name} segments are parameters.
type Operation struct {
	// ID is the operation's name, the same under every profile it exists in.
	ID      string `yaml:"id" json:"id"`
	Method  string `yaml:"method" json:"method"`
	Path    string `yaml:"path" json:"path"`
	Section string `yaml:"section" json:"section"` // where the reference catalogue describes it
}

// String is "METHOD path".
func (o Operation) String() string { return o.Method + " " + o.Path }

// Kind is one kind of notification: a changeType on a resource, and the
// state (or field) of its resourceData that tells it apart.
type Kind struct {
	ID         string   `yaml:"id" json:"id"`
	Name       string   `yaml:"name" json:"name"` // e.g. "updated call state=establishing"
	ChangeType string   `yaml:"changeType" json:"changeType"`
	Resources  []string `yaml:"resources" json:"resources"` // path templates; any one fits
	// States: the resourceData.state values of the kind; nil = any.
	States []string `yaml:"states,omitempty" json:"states,omitempty"`
	// Field: a gjson path an expectation must check (e.g.
	// resourceData.toneInfo); "" = none.
	Field     string `yaml:"field,omitempty" json:"field,omitempty"`
	ODataType string `yaml:"odataType,omitempty" json:"odataType,omitempty"` // resourceData's @odata.type, for the reader
	Section   string `yaml:"section" json:"section"`
}

// ErrUnknownProfile is wrapped by Catalogue.Profile and Compute when a
// profile is not in the catalogue.
var ErrUnknownProfile = errors.New("unknown profile")

// Profile returns the named profile, or an error wrapping
// ErrUnknownProfile that lists the known ones.
func (c *Catalogue) Profile(name string) (*Profile, error) {
	for i := range c.Profiles {
		if c.Profiles[i].Name == name {
			return &c.Profiles[i], nil
		}
	}
	return nil, fmt.Errorf("coverage: %w %q (known: %s)", ErrUnknownProfile, name, strings.Join(c.ProfileNames(), ", "))
}

// ProfileNames returns the profiles' names, in catalogue order.
func (c *Catalogue) ProfileNames() []string {
	var names []string
	for _, p := range c.Profiles {
		names = append(names, p.Name)
	}
	return names
}

// HasOperation reports whether some profile has an operation with id.
func (c *Catalogue) HasOperation(id string) bool {
	for _, p := range c.Profiles {
		if slices.ContainsFunc(p.Operations, func(o Operation) bool { return o.ID == id }) {
			return true
		}
	}
	return false
}

// HasKind reports whether some profile has a notification kind with id.
func (c *Catalogue) HasKind(id string) bool {
	for _, p := range c.Profiles {
		if slices.ContainsFunc(p.Notifications, func(k Kind) bool { return k.ID == id }) {
			return true
		}
	}
	return false
}

//go:embed catalogue.yaml
var builtinYAML []byte

var builtin = sync.OnceValues(func() (*Catalogue, error) { return Parse(builtinYAML) })

// Builtin returns the catalogue of the reference
// (graph-calls-catalogue.md §1-§3). Callers must not modify it.
func Builtin() (*Catalogue, error) { return builtin() }

// Parse reads a catalogue from YAML and checks it: unknown fields, a
// profile without a name, a duplicate id, a method or path template that
// is not one, or a notification kind without changeType or resource are
// errors.
func Parse(data []byte) (*Catalogue, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Catalogue
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse catalogue: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("parse catalogue: %w", err)
	}
	return &c, nil
}

var changeTypes = []string{"created", "updated", "deleted"}

func (c *Catalogue) check() error {
	if len(c.Profiles) == 0 {
		return errors.New("no profiles")
	}
	names := map[string]bool{}
	for _, p := range c.Profiles {
		if p.Name == "" {
			return errors.New("a profile has no name")
		}
		if names[p.Name] {
			return fmt.Errorf("profile %q twice", p.Name)
		}
		names[p.Name] = true
		ids := map[string]bool{}
		for _, o := range p.Operations {
			switch {
			case o.ID == "":
				return fmt.Errorf("profile %s: operation %s has no id", p.Name, o)
			case ids[o.ID]:
				return fmt.Errorf("profile %s: operation id %q twice", p.Name, o.ID)
			case o.Method == "" || strings.ToUpper(o.Method) != o.Method:
				return fmt.Errorf("profile %s: operation %s: method %q is not an upper-case HTTP method", p.Name, o.ID, o.Method)
			case !strings.HasPrefix(o.Path, "/"):
				return fmt.Errorf("profile %s: operation %s: path %q does not start with /", p.Name, o.ID, o.Path)
			}
			ids[o.ID] = true
		}
		ids = map[string]bool{}
		for _, k := range p.Notifications {
			switch {
			case k.ID == "":
				return fmt.Errorf("profile %s: notification kind %q has no id", p.Name, k.Name)
			case ids[k.ID]:
				return fmt.Errorf("profile %s: notification kind id %q twice", p.Name, k.ID)
			case !slices.Contains(changeTypes, k.ChangeType):
				return fmt.Errorf("profile %s: notification kind %s: changeType %q is not one of %s", p.Name, k.ID, k.ChangeType, strings.Join(changeTypes, ", "))
			case len(k.Resources) == 0:
				return fmt.Errorf("profile %s: notification kind %s has no resource", p.Name, k.ID)
			}
			for _, r := range k.Resources {
				if !strings.HasPrefix(r, "/") {
					return fmt.Errorf("profile %s: notification kind %s: resource %q does not start with /", p.Name, k.ID, r)
				}
			}
			ids[k.ID] = true
		}
	}
	return nil
}
