package coverage

import (
	"fmt"
	"slices"
	"strings"

	"github.com/callconform/callconform/harness/fixture"
)

// Spec is a hand-written spec as the suite manifest lists it, with what it
// checks.
type Spec struct {
	ID string
	// Profiles the spec runs under; nil = every profile.
	Profiles []string
	// Operations and Notifications are ids of the catalogue; an id the
	// profile lacks is ignored under it.
	Operations, Notifications []string
}

// Result is the coverage of one profile.
type Result struct {
	Profile string `json:"profile" yaml:"profile"`
	// Summary is "v1.0: 31 of 36 operations covered, 12 of 15 notification kinds".
	Summary       string           `json:"summary" yaml:"summary"`
	Counts        Counts           `json:"counts" yaml:"counts"`
	Operations    []OperationCover `json:"operations" yaml:"operations"`
	Notifications []KindCover      `json:"notifications" yaml:"notifications"`
	Uncovered     Uncovered        `json:"uncovered" yaml:"uncovered"`
	Unknown       []UnknownStep    `json:"unknown,omitempty" yaml:"unknown,omitempty"`
}

// Counts are the numbers of the summary.
type Counts struct {
	Operations           int `json:"operations" yaml:"operations"`
	OperationsCovered    int `json:"operationsCovered" yaml:"operationsCovered"`
	Notifications        int `json:"notifications" yaml:"notifications"`
	NotificationsCovered int `json:"notificationsCovered" yaml:"notificationsCovered"`
}

// OperationCover is one operation and what checks it.
type OperationCover struct {
	ID        string   `json:"id" yaml:"id"`
	Operation string   `json:"operation" yaml:"operation"` // "POST /communications/calls"
	Section   string   `json:"section" yaml:"section"`
	Fixtures  []string `json:"fixtures,omitempty" yaml:"fixtures,omitempty"`
	Specs     []string `json:"specs,omitempty" yaml:"specs,omitempty"`
}

// Covered reports whether a fixture or a spec checks the operation.
func (c OperationCover) Covered() bool { return len(c.Fixtures)+len(c.Specs) > 0 }

// KindCover is one notification kind and what checks it.
type KindCover struct {
	ID       string   `json:"id" yaml:"id"`
	Kind     string   `json:"kind" yaml:"kind"` // "updated call state=establishing"
	Resource string   `json:"resource" yaml:"resource"`
	Section  string   `json:"section" yaml:"section"`
	Fixtures []string `json:"fixtures,omitempty" yaml:"fixtures,omitempty"`
	Specs    []string `json:"specs,omitempty" yaml:"specs,omitempty"`
}

// Covered reports whether a fixture or a spec checks the kind.
func (c KindCover) Covered() bool { return len(c.Fixtures)+len(c.Specs) > 0 }

// Uncovered names what nothing checks: operations as "METHOD path",
// notification kinds by name.
type Uncovered struct {
	Operations    []string `json:"operations" yaml:"operations"`
	Notifications []string `json:"notifications" yaml:"notifications"`
}

// UnknownStep is a send step, or a required expectation of an await block,
// that fits nothing of the profile's catalogue: a path the catalogue lacks,
// or an expectation that does not pin a changeType and a resource.
type UnknownStep struct {
	Fixture string `json:"fixture" yaml:"fixture"`
	File    string `json:"file" yaml:"file"`
	Line    int    `json:"line,omitempty" yaml:"line,omitempty"`
	Step    string `json:"step" yaml:"step"` // "send: POST /x" or "expect opDone: deleted /x"
}

// Compute maps the fixtures and specs that run under profile onto its
// catalogue. A fixture runs under the profiles it names (all when it names
// none); it is credited with its own steps, not those it includes with
// `use` (the included fixture is credited with them). A send step checks
// the operation whose method and path template fit it best; a required
// expectation checks every notification kind it fits (see Kind); optional
// expectations and forbid patterns check none. An unknown profile is an
// error wrapping ErrUnknownProfile.
func Compute(cat *Catalogue, profile string, fxs []*fixture.Fixture, specs []Spec) (*Result, error) {
	p, err := cat.Profile(profile)
	if err != nil {
		return nil, err
	}
	ops := make([]OperationCover, len(p.Operations))
	for i, o := range p.Operations {
		ops[i] = OperationCover{ID: o.ID, Operation: o.String(), Section: o.Section}
	}
	kinds := make([]KindCover, len(p.Notifications))
	for i, k := range p.Notifications {
		kinds[i] = KindCover{ID: k.ID, Kind: k.Name, Resource: k.Resources[0], Section: k.Section}
	}
	r := &Result{Profile: p.Name, Operations: ops, Notifications: kinds}
	for _, f := range fxs {
		if len(f.Profiles) > 0 && !slices.Contains(f.Profiles, p.Name) {
			continue
		}
		r.addFixture(p, f)
	}
	for _, s := range specs {
		if len(s.Profiles) > 0 && !slices.Contains(s.Profiles, p.Name) {
			continue
		}
		r.addSpec(s)
	}
	r.finish()
	return r, nil
}

// addFixture credits f's own steps.
func (r *Result) addFixture(p *Profile, f *fixture.Fixture) {
	x := expander(f.Vars)
	for _, st := range f.Steps {
		if st.From != "" {
			continue
		}
		if st.Send != "" {
			if i := bestOperation(p.Operations, st.Send, x); i >= 0 {
				r.Operations[i].Fixtures = append(r.Operations[i].Fixtures, f.ID)
			} else {
				r.Unknown = append(r.Unknown, UnknownStep{Fixture: f.ID, File: f.File, Line: st.Line, Step: "send: " + st.Send})
			}
		}
		if st.Await == nil {
			continue
		}
		for _, e := range st.Await.Expect {
			if e.Optional {
				continue
			}
			fits := false
			for i, k := range p.Notifications {
				if fitKind(e.Pattern, k, x) {
					r.Notifications[i].Fixtures = append(r.Notifications[i].Fixtures, f.ID)
					fits = true
				}
			}
			if !fits {
				r.Unknown = append(r.Unknown, UnknownStep{Fixture: f.ID, File: f.File, Line: e.Line, Step: describeExpectation(e.Pattern)})
			}
		}
	}
}

// bestOperation returns the index of the operation that fits send
// ("METHOD path") most specifically, or -1.
func bestOperation(ops []Operation, send string, x expander) int {
	method, path := fixture.SplitSend(send)
	path = x.plain(path)
	best, bestScore := -1, -1
	for i, o := range ops {
		if !strings.EqualFold(method, o.Method) {
			continue
		}
		if score, ok := fitPath(path, o.Path); ok && score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

func describeExpectation(p fixture.Pattern) string {
	ct, res := p.ChangeType, strings.TrimSpace(string(p.Resource))
	if ct == "" {
		ct = "(any changeType)"
	}
	if res == "" {
		res = "(any resource)"
	}
	return fmt.Sprintf("expect %s: %s %s", p.Name, ct, res)
}

func (r *Result) addSpec(s Spec) {
	for _, id := range s.Operations {
		for i := range r.Operations {
			if r.Operations[i].ID == id {
				r.Operations[i].Specs = append(r.Operations[i].Specs, s.ID)
			}
		}
	}
	for _, id := range s.Notifications {
		for i := range r.Notifications {
			if r.Notifications[i].ID == id {
				r.Notifications[i].Specs = append(r.Notifications[i].Specs, s.ID)
			}
		}
	}
}

// finish sorts and dedupes the lists, and counts.
func (r *Result) finish() {
	uniq := func(s []string) []string { slices.Sort(s); return slices.Compact(s) }
	r.Uncovered = Uncovered{Operations: []string{}, Notifications: []string{}}
	r.Counts = Counts{Operations: len(r.Operations), Notifications: len(r.Notifications)}
	for i := range r.Operations {
		o := &r.Operations[i]
		o.Fixtures, o.Specs = uniq(o.Fixtures), uniq(o.Specs)
		if o.Covered() {
			r.Counts.OperationsCovered++
		} else {
			r.Uncovered.Operations = append(r.Uncovered.Operations, o.Operation)
		}
	}
	for i := range r.Notifications {
		k := &r.Notifications[i]
		k.Fixtures, k.Specs = uniq(k.Fixtures), uniq(k.Specs)
		if k.Covered() {
			r.Counts.NotificationsCovered++
		} else {
			r.Uncovered.Notifications = append(r.Uncovered.Notifications, k.Kind)
		}
	}
	r.Summary = fmt.Sprintf("%s: %d of %d operations covered, %d of %d notification kinds",
		r.Profile, r.Counts.OperationsCovered, r.Counts.Operations, r.Counts.NotificationsCovered, r.Counts.Notifications)
}
