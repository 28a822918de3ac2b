package suites

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// bearer returns the Authorization value the target client sends: the run's
// own valid credentials ("" when the target takes none).
func bearer(ctx context.Context) string {
	GinkgoHelper()
	tok, err := env.Runner.Target.Client.Token(ctx)
	Expect(err).NotTo(HaveOccurred(), "the target's token")
	if tok == "" {
		return ""
	}
	return "Bearer " + tok
}
