package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/internal/coverage"
)

// coveredRun is a run of one scenario with the coverage of its profile:
// invite checked by that scenario and a spec, reject by nothing.
func coveredRun() Run {
	return Run{
		Profile: "v1.0",
		Results: []*harness.Result{{ID: "invite-one", Title: "invite", Status: harness.Passed}},
		Coverage: &coverage.Result{
			Profile: "v1.0",
			Summary: "v1.0: 1 of 2 operations covered, 0 of 1 notification kinds",
			Counts:  coverage.Counts{Operations: 2, OperationsCovered: 1, Notifications: 1},
			Operations: []coverage.OperationCover{
				{ID: "invite", Operation: "POST /communications/calls/{callId}/participants/invite", Section: "§1.2", Fixtures: []string{"invite-one", "not-in-this-run"}, Specs: []string{"invite-location"}},
				{ID: "reject", Operation: "POST /communications/calls/{callId}/reject", Section: "§1.1"},
			},
			Notifications: []coverage.KindCover{{ID: "roster-updated", Kind: "updated participants (roster)", Resource: "/communications/calls/{callId}/participants", Section: "§3.1"}},
			Uncovered: coverage.Uncovered{
				Operations:    []string{"POST /communications/calls/{callId}/reject"},
				Notifications: []string{"updated participants (roster)"},
			},
			Unknown: []coverage.UnknownStep{{Fixture: "invite-one", File: "f.yaml", Line: 3, Step: "send: POST /nowhere"}},
		},
	}
}

func TestHTMLShowsTheCoverage(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, coveredRun()); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	sections := find(doc, func(n *html.Node) bool { return element("section")(n) && attr(n, "id") == "coverage" })
	if len(sections) != 1 {
		t.Fatalf("%d Coverage sections, want 1:\n%s", len(sections), b.String())
	}
	sec := sections[0]
	if h := find(sec, element("h2")); len(h) == 0 || text(h[0]) != "Coverage" {
		t.Error("the section has no Coverage heading")
	}
	if p := find(sec, func(n *html.Node) bool { return element("p")(n) && hasClass(n, "summary") }); len(p) != 1 || text(p[0]) != "v1.0: 1 of 2 operations covered, 0 of 1 notification kinds" {
		t.Error("the summary line is missing")
	}
	rows := map[string]*html.Node{}
	for _, tr := range find(sec, element("tr")) {
		if id := attr(tr, "data-id"); id != "" {
			rows[id] = tr
		}
	}
	invite, reject, roster := rows["invite"], rows["reject"], rows["roster-updated"]
	if invite == nil || reject == nil || roster == nil {
		t.Fatalf("rows %v: want invite, reject and roster-updated", rows)
	}
	if !hasClass(invite, "covered") || !hasClass(reject, "uncovered") || !hasClass(roster, "uncovered") {
		t.Error("rows do not say whether they are covered")
	}
	var links []string
	for _, a := range find(invite, element("a")) {
		links = append(links, text(a)+" "+attr(a, "href"))
	}
	if diff := cmp.Diff([]string{"invite-one #s1"}, links); diff != "" {
		t.Errorf("links from the invite row to this run's scenarios (-want +got):\n%s", diff)
	}
	for _, want := range []string{"not-in-this-run", "invite-location", "POST /communications/calls/{callId}/participants/invite"} {
		if !strings.Contains(text(invite), want) {
			t.Errorf("the invite row lacks %q: %q", want, text(invite))
		}
	}
	var uncovered []string
	for _, ul := range find(sec, func(n *html.Node) bool { return element("ul")(n) && hasClass(n, "uncovered") }) {
		for _, li := range find(ul, element("li")) {
			uncovered = append(uncovered, text(li))
		}
	}
	if diff := cmp.Diff([]string{"POST /communications/calls/{callId}/reject", "updated participants (roster)"}, uncovered); diff != "" {
		t.Errorf("uncovered lists (-want +got):\n%s", diff)
	}
	if !strings.Contains(text(sec), "f.yaml: send: POST /nowhere (invite-one)") {
		t.Error("the step that fits nothing is not listed")
	}

	// Without coverage, no section.
	r := coveredRun()
	r.Coverage = nil
	b.Reset()
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `id="coverage"`) {
		t.Error("a run without coverage has a Coverage section")
	}
}

func TestCoverageStepsAreRedacted(t *testing.T) {
	r := coveredRun()
	r.Coverage.Unknown[0].Step = "send: POST /x?token=" + plantedJWT
	for _, write := range []func(*bytes.Buffer, Run) error{
		func(b *bytes.Buffer, r Run) error { return JSON(b, r) },
		func(b *bytes.Buffer, r Run) error { return HTML(b, r) },
	} {
		var b bytes.Buffer
		if err := write(&b, r); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), plantedJWT[:40]) {
			t.Errorf("the report shows the token of a step:\n%s", b.String())
		}
	}
	if !strings.Contains(r.Coverage.Unknown[0].Step, plantedJWT) {
		t.Error("writing the report modified the run")
	}
}

func TestJSONKeepsTheCoverage(t *testing.T) {
	want := coveredRun()
	var b bytes.Buffer
	if err := JSON(&b, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Coverage, got.Coverage); diff != "" {
		t.Errorf("coverage after a round trip (-want +got):\n%s", diff)
	}
}
