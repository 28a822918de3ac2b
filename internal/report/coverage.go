package report

import (
	"github.com/callconform/callconform/internal/coverage"
)

// coverageView is the Coverage section of the HTML report: the summary,
// one row per operation and per notification kind, and what nothing
// checks.
type coverageView struct {
	Summary                 string
	Operations, Kinds       []coverRow
	UncoveredOps, Uncovered []string // operations; notification kinds
	Unknown                 []string // steps that fit nothing in the catalogue
}

// coverRow is one operation or notification kind; a fixture of this run
// links to its scenario.
type coverRow struct {
	ID, Name, Section string
	Covered           bool
	Fixtures          []link
	Specs             []string
}

type link struct{ Text, Anchor string }

// coveragePage is the view of c; anchors maps a scenario id to its
// section. nil when the run carries no coverage.
func coveragePage(c *coverage.Result, anchors map[string]string) *coverageView {
	if c == nil {
		return nil
	}
	links := func(ids []string) []link {
		var out []link
		for _, id := range ids {
			out = append(out, link{Text: clipText(id, maxLine), Anchor: anchors[id]})
		}
		return out
	}
	clip := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = clipText(redact(s), maxLine)
		}
		return out
	}
	v := &coverageView{
		Summary:      clipText(c.Summary, maxLine),
		UncoveredOps: clip(c.Uncovered.Operations),
		Uncovered:    clip(c.Uncovered.Notifications),
	}
	for _, o := range c.Operations {
		v.Operations = append(v.Operations, coverRow{ID: o.ID, Name: o.Operation, Section: o.Section, Covered: o.Covered(), Fixtures: links(o.Fixtures), Specs: clip(o.Specs)})
	}
	for _, k := range c.Notifications {
		v.Kinds = append(v.Kinds, coverRow{ID: k.ID, Name: k.Kind + " " + k.Resource, Section: k.Section, Covered: k.Covered(), Fixtures: links(k.Fixtures), Specs: clip(k.Specs)})
	}
	for _, u := range c.Unknown {
		v.Unknown = append(v.Unknown, clipText(redact(u.File+": "+u.Step+" ("+u.Fixture+")"), maxLine))
	}
	return v
}

// cleanCoverage returns a copy of c whose steps from fixtures are redacted
// and clipped as every text of a report is; c is not modified.
func cleanCoverage(c *coverage.Result) *coverage.Result {
	if c == nil {
		return nil
	}
	out := *c
	out.Unknown = make([]coverage.UnknownStep, len(c.Unknown))
	for i, u := range c.Unknown {
		u.Step = clipText(redact(u.Step), maxLine)
		u.File = clipText(redact(u.File), maxLine)
		out.Unknown[i] = u
	}
	if len(out.Unknown) == 0 {
		out.Unknown = nil
	}
	return &out
}
