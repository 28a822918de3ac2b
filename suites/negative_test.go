package suites

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/callconform/callconform/harness/fixture"
)

// negative returns the built-in negative fixture of profile p named name
// ("auth-no-token": fixtures/negative/auth-no-token.yaml under beta-2018,
// fixtures/v1.0/negative/ under v1.0): the scenario a hand-written spec
// about a negative path runs, so that the spec and replay run judge the
// same requests the same way.
func negative(p contract, name string) *fixture.Fixture {
	GinkgoHelper()
	id := p.negativePrefix + name
	for _, f := range builtins() {
		if f.ID == id {
			return f
		}
	}
	Fail("no built-in negative fixture " + id)
	return nil
}
