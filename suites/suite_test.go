package suites

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/callconform/callconform/harness/testbed"
)

var (
	targetFlags  = testbed.Register(flag.CommandLine, os.Getenv)
	fixturesDir  = flag.String("fixtures", "", "folder of fixtures to run instead of the built-in ones")
	reportDir    = flag.String("report-dir", "", "write junit.xml, report.json and report.html here")
	forbidWindow = flag.Duration("forbid-window", 500*time.Millisecond, "how long specs watch for notifications that must not come")
)

// env is this process's target: with `ginkgo -p` every process opens its
// own receiver and, by default, its own embedded simulator.
var env *testbed.Testbed

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "callconform conformance")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	cfg, err := targetFlags.Config()
	Expect(err).NotTo(HaveOccurred(), "target flags")
	env, err = testbed.Open(context.WithoutCancel(ctx), cfg)
	Expect(err).NotTo(HaveOccurred(), "open the target")
	DeferCleanup(env.Close)
}, NodeTimeout(30*time.Second))
