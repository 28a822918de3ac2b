package suites

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/callconform/callconform/harness/testbed"
)

var (
	// targetFlags are the target flags, and --report-dir, shared with
	// `replay run`.
	targetFlags  = testbed.Register(flag.CommandLine, os.Getenv)
	fixturesDir  = flag.String("fixtures", "", "folder of fixtures to run instead of the built-in ones")
	forbidWindow = flag.Duration("forbid-window", 500*time.Millisecond, "how long specs watch for notifications that must not come")
)

// env is this process's target: with `ginkgo -p` every process opens its
// own receiver and, by default, its own embedded simulator.
var env *testbed.Testbed

// Exit codes of the suite binary besides Ginkgo's own (0 every spec
// passed, 1 a spec failed). A setup problem stops the suite before any spec
// runs, with one line on stderr, and leaves the reports of an earlier run
// alone. Under `ginkgo -p` the Ginkgo CLI chooses the exit code (1): the
// suite is aborted instead, with the same line as the reason.
const (
	exitUsage = 2 // a bad flag value or vars file
	exitSetup = 3 // the target, its token endpoint or the callback port could not be had
)

// setupTimeout bounds the opening of the target.
const setupTimeout = time.Minute

// setupProblem is why this process could not open its target, on one
// line; "" when it could.
var setupProblem string

func TestMain(m *testing.M) {
	if !slices.ContainsFunc(os.Args[1:], isHelpFlag) {
		// A bad flag is its reason and this line, not Ginkgo's whole usage.
		flag.CommandLine.Usage = func() {
			fmt.Fprintln(flag.CommandLine.Output(), "callconform: --help lists the flags")
		}
	}
	flag.Parse()
	code := setUp()
	if suite, _ := GinkgoConfiguration(); code != 0 && suite.ParallelTotal <= 1 {
		fmt.Fprintf(os.Stderr, "callconform: %s\n", setupProblem)
		os.Exit(code)
	}
	code = m.Run()
	if env != nil {
		_ = env.Close()
	}
	os.Exit(code)
}

func isHelpFlag(a string) bool {
	switch a {
	case "-h", "-help", "--h", "--help":
		return true
	}
	return false
}

// setUp opens the target before Ginkgo starts and returns 0, or sets
// setupProblem and returns the exit code.
func setUp() int {
	suite, _ := GinkgoConfiguration()
	if suite.DryRun || flag.Lookup("test.list").Value.String() != "" {
		return 0 // nothing will run
	}
	cfg, err := targetFlags.Config()
	if err != nil {
		setupProblem = "setup: " + targetFlags.Explain(err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if env, err = testbed.Open(ctx, cfg); err != nil {
		setupProblem = "setup: " + targetFlags.Explain(err)
		if errors.Is(err, testbed.ErrConfig) {
			return exitUsage
		}
		return exitSetup
	}
	// The blocks that watch for what must not come (a refused request
	// changes nothing) watch as long as --forbid-window says.
	env.Runner.ForbidWindow = *forbidWindow
	return 0
}

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "callconform conformance")
}

// Under `ginkgo -p` a process whose setup failed did not exit, so that the
// Ginkgo CLI reports the reason once rather than losing track of it: the
// first process aborts the suite for its own problem, every process for
// its own.
var _ = SynchronizedBeforeSuite(abortOnSetupProblem, abortOnSetupProblem)

func abortOnSetupProblem() {
	if setupProblem != "" {
		AbortSuite(setupProblem)
	}
}
