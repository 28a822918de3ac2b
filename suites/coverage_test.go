package suites

import (
	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/internal/coverage"
)

// suiteCoverage is what the suite checks of the calls API under profile
// ("" = harness.DefaultProfile): its fixtures, and its hand-written specs
// as the manifest lists them. nil when that cannot be known (a fixture
// that does not load, a profile the catalogue lacks): the report then has
// no Coverage section, and the fixtures spec says why.
func suiteCoverage(profile string) *coverage.Result {
	if profile == "" {
		profile = harness.DefaultProfile
	}
	cat, err := coverage.Builtin()
	if err != nil {
		return nil
	}
	fxs, err := loadFixtures()
	if err != nil {
		return nil
	}
	specs, err := cat.SpecsFromManifest(Manifest)
	if err != nil {
		return nil
	}
	r, err := coverage.Compute(cat, profile, fxs, specs)
	if err != nil {
		return nil
	}
	return r
}
