package manifest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callconform/callconform/harness/fixture"
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
