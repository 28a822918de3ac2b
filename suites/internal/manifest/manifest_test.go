package manifest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/coverage"
)

var update = flag.Bool("update", false, "rewrite suites/conformance.yaml")

// Where the module and the suite are, seen from this package.
var (
	moduleRoot = filepath.Join("..", "..", "..")
	suiteDir   = filepath.Join("..", "..")
)

// TestManifestUpToDate fails when suites/conformance.yaml does not match the
// fixtures and the specs: every change to the contract shows up as a diff.
// `make manifest` (go test ./suites/internal/manifest -update) rewrites it.
func TestManifestUpToDate(t *testing.T) {
	fxs, err := fixture.Load(filepath.Join(moduleRoot, "fixtures"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fxs {
		f.File, _ = filepath.Rel(moduleRoot, f.File)
	}
	m, err := Build(fxs, suiteDir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Requirements {
		m.Requirements[i].File = strings.TrimPrefix(m.Requirements[i].File, suiteDir+"/")
		if m.Requirements[i].Kind == "spec" {
			m.Requirements[i].File = "suites/" + m.Requirements[i].File
		}
	}
	got, err := m.YAML()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(suiteDir, "conformance.yaml")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make manifest`)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("suites/conformance.yaml is out of date: run `make manifest` and review the diff.\n%s", lineDiff(string(want), string(got)))
	}
}

func TestSpecWithoutMustIsRefused(t *testing.T) {
	dir := t.TempDir()
	src := "package x\n\nvar _ = Describe(\"D\", func() {\n\tIt(\"has no requirement\", func() {})\n})\n"
	if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Build(nil, dir)
	if err == nil || !strings.Contains(err.Error(), `x_test.go:4: spec "has no requirement" has no `+"`// MUST:`"+` comment`) {
		t.Fatalf("want a refusal naming file and line, got %v", err)
	}
}

func TestFixtureWithoutMustIsRefused(t *testing.T) {
	f := &fixture.Fixture{ID: "no-must", File: "fixtures/x/no-must.yaml"}
	_, err := Build([]*fixture.Fixture{f}, t.TempDir())
	if err == nil || err.Error() != "fixtures/x/no-must.yaml: fixture no-must has no must (the requirement it checks)" {
		t.Fatalf("want a refusal naming the file and the fixture, got %v", err)
	}
}

func TestSpecsInReadsMustSourceLabelsAndEntries(t *testing.T) {
	dir := t.TempDir()
	src := `package x

var _ = Describe("Auth", Label("auth"), func() {
	// MUST: A target MUST refuse.
	// Source: page.md#s
	DescribeTable("refuses", func() {}, Entry("no token", 1), Entry("bad token", 2))
})
`
	if err := os.WriteFile(filepath.Join(dir, "a_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Build(nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	e := m.Requirements[0]
	if e.ID != "auth-refuses" || e.Must != "A target MUST refuse." || e.Source != "page.md#s" || len(e.Entries) != 2 || e.Labels[0] != "auth" {
		t.Fatalf("entry = %+v", e)
	}
}

func TestSpecsInReadsOperationsAndNotifications(t *testing.T) {
	dir := t.TempDir()
	src := `package x

var _ = Describe("Invite", Label("invite"), func() {
	// MUST: A target MUST invite.
	// Operations: invite, get-operation
	// Notifications: operation-deleted,roster-updated
	It("invites", Label("v1.0"), func() {})
})
`
	if err := os.WriteFile(filepath.Join(dir, "a_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Build(nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	e := m.Requirements[0]
	if diff := cmp.Diff([]string{"invite", "get-operation"}, e.Operations); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"operation-deleted", "roster-updated"}, e.Notifications); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

func TestSpecNamingAnUnknownOperationIsRefused(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"// Operations: invite, invitee", `x_test.go:6: spec "invites": operation "invitee" is not in the coverage catalogue`},
		{"// Notifications: roster", `x_test.go:6: spec "invites": notification kind "roster" is not in the coverage catalogue`},
	} {
		dir := t.TempDir()
		src := "package x\n\nvar _ = Describe(\"D\", func() {\n\t// MUST: A target MUST invite.\n\t" + tc.line + "\n\tIt(\"invites\", func() {})\n})\n"
		if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Build(nil, dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want a refusal containing %q, got %v", tc.line, tc.want, err)
		}
	}
}

// TestCoverageSection checks the manifest's coverage: one result per
// profile of the catalogue, fixtures credited under their profile, specs
// under the profile their labels name (every profile when none), and
// counts that follow the fixtures.
func TestCoverageSection(t *testing.T) {
	dir := t.TempDir()
	src := `package x

var _ = Describe("Keep alive", func() {
	// MUST: A target MUST keep a call alive.
	// Operations: keep-alive
	It("keeps", Label("v1.0"), func() {})
	// MUST: A target MUST answer.
	// Operations: answer
	It("answers", func() {})
})
`
	if err := os.WriteFile(filepath.Join(dir, "k_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	get := fixture.Fixture{ID: "get", Must: "A target MUST get.", Profiles: []string{"v1.0"}, File: "fixtures/get.yaml",
		Steps: []fixture.Step{{Send: "GET /communications/calls/{{callId}}"}}}
	find := func(m *Manifest, profile, op string) coverage.OperationCover {
		t.Helper()
		for _, r := range m.Coverage {
			if r.Profile != profile {
				continue
			}
			for _, o := range r.Operations {
				if o.ID == op {
					return o
				}
			}
		}
		t.Fatalf("no operation %s under %s", op, profile)
		return coverage.OperationCover{}
	}

	without, err := Build(nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	var profiles []string
	for _, r := range without.Coverage {
		profiles = append(profiles, r.Profile)
	}
	if diff := cmp.Diff([]string{"beta-2018", "v1.0"}, profiles); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	if got := find(without, "v1.0", "keep-alive").Specs; !cmp.Equal(got, []string{"keep-alive-keeps"}) {
		t.Errorf("v1.0 keep-alive specs = %v", got)
	}
	for _, p := range []string{"beta-2018", "v1.0"} {
		if got := find(without, p, "answer").Specs; !cmp.Equal(got, []string{"keep-alive-answers"}) {
			t.Errorf("%s answer specs = %v, want the unlabelled spec under every profile", p, got)
		}
	}
	if find(without, "v1.0", "get-call").Covered() {
		t.Error("get-call covered without a fixture")
	}

	with, err := Build([]*fixture.Fixture{&get}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := find(with, "v1.0", "get-call").Fixtures; !cmp.Equal(got, []string{"get"}) {
		t.Errorf("v1.0 get-call fixtures = %v, want [get]", got)
	}
	if find(with, "beta-2018", "get-call").Covered() {
		t.Error("beta-2018 get-call covered by a v1.0 fixture")
	}
	v1 := func(m *Manifest) coverage.Counts { return m.Coverage[1].Counts }
	if got, was := v1(with).OperationsCovered, v1(without).OperationsCovered; got != was+1 {
		t.Errorf("v1.0 operations covered: %d with the fixture, %d without; want one more", got, was)
	}
	out, err := with.YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"\ncoverage:\n  - profile: beta-2018\n", "    summary: 'v1.0: ", "      - id: get-call\n        operation: GET /communications/calls/{callId}\n"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("the manifest YAML lacks %q", s)
		}
	}
}

// lineDiff shows the lines only in want (-) or only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
