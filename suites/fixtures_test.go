package suites

import (
	"fmt"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/callconform/callconform/fixtures"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/excerpt"
)

// loadFixtures loads the fixtures the suite runs: --fixtures, or the
// built-in ones. It runs at tree construction, after flags are parsed.
func loadFixtures() ([]*fixture.Fixture, error) {
	builtins, err := fixture.LoadFS(fixtures.FS, ".")
	if err != nil || *fixturesDir == "" {
		return builtins, err
	}
	// A `use` of a fixture the folder does not hold takes the built-in one.
	return fixture.LoadWith(builtins, *fixturesDir)
}

// builtins are the built-in fixtures, the base of the hand-written specs'
// inline scenarios.
func builtins() []*fixture.Fixture {
	GinkgoHelper()
	fxs, err := fixture.LoadFS(fixtures.FS, ".")
	Expect(err).NotTo(HaveOccurred())
	return fxs
}

// One spec per fixture, named by its id and title and labelled with its
// labels and profiles. Each fixture states its requirement in its `must`.
var _ = Describe("Scenario", func() {
	fxs, err := loadFixtures()
	if err != nil {
		// A bad fixture is a failed spec naming file, line and reason, not a
		// panic at tree construction.
		// MUST: Every fixture the suite runs MUST load; a bad one fails the suite naming its file, line and reason.
		// Source: fixtures/README.md
		It("fixtures load", func() { Fail(excerpt.Printable(err.Error())) })
		return
	}
	for _, f := range fxs {
		labels := slices.Concat([]string{"fixture"}, f.Labels, f.Profiles)
		It(fmt.Sprintf("%s: %s", excerpt.Line(f.ID, 200), excerpt.Line(f.Title, 200)), Label(labels...), func(ctx SpecContext) {
			runScenario(ctx, f)
		})
	}
})
