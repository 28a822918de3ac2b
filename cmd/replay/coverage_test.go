package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	yaml "go.yaml.in/yaml/v3"

	"github.com/callconform/callconform/internal/coverage"
	"github.com/callconform/callconform/internal/faketarget"
	"github.com/callconform/callconform/internal/report"
)

// rejectFixture is a v1.0 fixture that checks reject, which no built-in
// fixture checks.
const rejectFixture = `id: reject-only
title: reject
profiles: [v1.0]
steps:
  - send: POST /communications/calls/{{uuid}}/reject
    body: {reason: busy}
  - send: POST /communications/calls/{{uuid}}/nowhere
`

func TestCoverageOfTheBuiltinFixtures(t *testing.T) {
	code, out, errOut := replay(t, "coverage")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	summaries := regexp.MustCompile(`(?m)^(beta-2018|v1\.0): \d+ of \d+ operations covered, \d+ of \d+ notification kinds$`).FindAllStringSubmatch(out, -1)
	var profiles []string
	for _, m := range summaries {
		profiles = append(profiles, m[1])
	}
	if diff := cmp.Diff([]string{"beta-2018", "v1.0"}, profiles); diff != "" {
		t.Errorf("summary lines (-want +got):\n%s\n%s", diff, out)
	}
	// Other fixtures and specs may join these lines: each names one that
	// checks the entry today.
	for _, want := range []struct{ line, has string }{
		{"  ok  POST /app/calls/{callId}/participants/invite ", "invite-existing-p2p-meeting, "},
		{"  ok  deleted operation /app/calls/{callId}/operations/{operationId} ", "invite-group-call"},
		{"  ok  POST /communications/calls/{callId}/keepAlive ", "errors-answers-404-to-keepalive-on-an-ended-call"}, // a spec, from the manifest
	} {
		i := strings.Index(out, "\n"+want.line)
		if i < 0 {
			t.Errorf("no line starting %q in:\n%s", want.line, out)
			continue
		}
		line, _, _ := strings.Cut(out[i+1:], "\n")
		if !strings.Contains(line, want.has) {
			t.Errorf("line %q lacks %q", line, want.has)
		}
	}
	for _, want := range []string{"\nuncovered operations (", "\nuncovered notification kinds ("} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

func TestCoverageOfOneProfile(t *testing.T) {
	code, out, errOut := replay(t, "coverage", "--profile", "v1.0")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.HasPrefix(out, "v1.0: ") || strings.Contains(out, "beta-2018:") || strings.Contains(out, "/app/calls") {
		t.Errorf("want v1.0 alone:\n%s", out)
	}
}

func TestCoverageRefusesAnUnknownProfileOrFormat(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "v2.0"}, `replay: coverage: unknown profile "v2.0" (known: beta-2018, v1.0); see replay coverage --help` + "\n"},
		{[]string{"--format", "xml"}, `replay: coverage: unknown format "xml" (text, json or yaml); see replay coverage --help` + "\n"},
	} {
		code, out, errOut := replay(t, append([]string{"coverage"}, tc.args...)...)
		if code != 2 || out != "" || errOut != tc.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestCoverageRefusesABadFixture(t *testing.T) {
	p := writeFixture(t, "id: bad\ntitle: no steps\n")
	code, _, errOut := replay(t, "coverage", p)
	if code != 2 || !strings.Contains(errOut, p) {
		t.Errorf("exit %d, stderr %q; want exit 2 naming %s", code, errOut, p)
	}
}

// TestCoverageOfGivenFixturesAsJSON: with paths, only those fixtures count
// (the specs still do), and a step that fits nothing is listed.
func TestCoverageOfGivenFixturesAsJSON(t *testing.T) {
	p := writeFixture(t, rejectFixture)
	code, out, errOut := replay(t, "coverage", "--format", "json", "--profile", "v1.0", p)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var doc coverage.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	if len(doc.Profiles) != 1 || doc.Profiles[0].Profile != "v1.0" {
		t.Fatalf("profiles: %+v", doc.Profiles)
	}
	r := doc.Profiles[0]
	fixtures := map[string][]string{}
	for _, o := range r.Operations {
		if len(o.Fixtures) > 0 {
			fixtures[o.ID] = o.Fixtures
		}
	}
	if diff := cmp.Diff(map[string][]string{"reject": {"reject-only"}}, fixtures); diff != "" {
		t.Errorf("operations with fixtures (-want +got):\n%s", diff)
	}
	want := []coverage.UnknownStep{{Fixture: "reject-only", File: p, Line: 7, Step: "send: POST /communications/calls/{{uuid}}/nowhere"}}
	if diff := cmp.Diff(want, r.Unknown); diff != "" {
		t.Errorf("unknown steps (-want +got):\n%s", diff)
	}
	i := slices.IndexFunc(r.Operations, func(o coverage.OperationCover) bool { return o.ID == "create-call" })
	if i < 0 || len(r.Operations[i].Specs) == 0 {
		t.Errorf("create-call has no spec: the manifest's specs are not counted")
	}
}

func TestCoverageAsYAML(t *testing.T) {
	code, out, errOut := replay(t, "coverage", "--format", "yaml", "--profile", "beta-2018")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var doc coverage.Document
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	if len(doc.Profiles) != 1 || !strings.HasPrefix(doc.Profiles[0].Summary, "beta-2018: ") || doc.Profiles[0].Counts.Operations == 0 {
		t.Errorf("document: %+v", doc.Profiles)
	}
}

// TestRunReportsCarryTheCoverage: the reports of replay run say what its
// fixtures check under its profile.
func TestRunReportsCarryTheCoverage(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "reports")
	code, out, errOut := replay(t, "run", "--target", srv.URL, "--report-dir", dir, writeFixture(t, faketarget.FlowFixture))
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	f, err := os.Open(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := run.Coverage
	if c == nil || c.Profile != "beta-2018" || !strings.HasPrefix(c.Summary, "beta-2018: 1 of ") {
		t.Fatalf("report.json coverage: %+v", c)
	}
	i := slices.IndexFunc(c.Operations, func(o coverage.OperationCover) bool { return o.ID == "invite" })
	if i < 0 || !cmp.Equal(c.Operations[i].Fixtures, []string{"fake-invite"}) {
		t.Errorf("invite is not checked by the run's fixture: %+v", c.Operations)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<section class="coverage" id="coverage">`) || !strings.Contains(string(page), `<a href="#s1">fake-invite</a>`) {
		t.Error("report.html has no Coverage section linking the run's fixture")
	}
}
