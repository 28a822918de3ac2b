package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	// Only the label-filter parser of Ginkgo's types package, no DSL: the
	// CLI's --label-filter must mean exactly what the suite's does.
	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconform/callconform/fixtures"
	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/testbed"
	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/report"
)

const runUsage = `Usage: replay run [flags] [PATH...]

Runs scenarios (fixture files, folders or globs; default: the fixtures built
into this binary) against a target and judges status codes, Location headers,
bodies and the order of the notifications the target POSTs back.

With no --target, the embedded simulator (the reference implementation) is
started in-process and used: nothing to configure.

Examples:
  # every built-in scenario against the embedded simulator
  replay run

  # one folder, only the invite scenarios, against an implementation
  replay run --target http://localhost:8480 --label-filter invite fixtures/invite

  # a sandbox tenant: OAuth2 client credentials, a public callback URL (tunnel)
  export CALLCONFORM_CLIENT_SECRET=...   # never on the command line
  replay run --target https://graph.microsoft.com/beta \
    --token-url https://login.microsoftonline.com/$TENANT/oauth2/v2.0/token \
    --client-id $APP_ID --app-id $APP_ID --tenant-id $TENANT \
    --callback-listen :8443 --callback-url https://my-tunnel.example.net \
    --vars sandbox-vars.yaml

  # the negative paths too: the kinds of token only the target's identity
  # provider can make (the embedded simulator mints its own); a scenario
  # whose kind is not given is skipped, naming the flag
  replay run --target http://localhost:8480 --token $TOKEN \
    --token-delegated $USER_TOKEN --token-no-role $NO_ROLE_TOKEN \
    --token-expired $OLD_TOKEN --token-other-audience $ARM_TOKEN fixtures/negative

  # machine-readable result
  replay run --json > result.json

Exit codes: 0 every scenario passed (some may have been skipped), 1 a
scenario failed, 2 usage or fixture error, or nothing was tested (every
scenario skipped), 3 the tool could not work (the target or its token
endpoint cannot be reached, a port cannot be opened, an I/O error).

Flags:
`

// runOptions are replay run's own flags, on top of the target flags it
// shares with the suite binary (testbed.Register).
type runOptions struct {
	labelFilter string
	jsonOut     bool
	parallel    int
	verbose     bool
}

// runFlags returns replay run's flag set: the shared target flags and
// its own.
func runFlags(stderr io.Writer) (*flag.FlagSet, *testbed.Flags, *runOptions) {
	fs := flag.NewFlagSet("replay run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tf := testbed.Register(fs, os.Getenv)
	o := &runOptions{}
	fs.StringVar(&o.labelFilter, "label-filter", "", "run only scenarios whose labels (and profiles) match, in Ginkgo's syntax: 'invite && !transfer'")
	fs.BoolVar(&o.jsonOut, "json", false, "write the result as JSON to stdout instead of the human report")
	fs.IntVar(&o.parallel, "parallel", 4, "scenarios run at once (each has its own callback path)")
	fs.BoolVar(&o.verbose, "v", false, "print every step of every scenario")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), runUsage)
		fs.PrintDefaults()
	}
	return fs, tf, o
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, tf, o := runFlags(stderr)
	if help, err := parseFlags(fs, args, stdout); help || err != nil {
		return err
	}
	cfg, fxs, err := prepareRun(ctx, fs, tf, o)
	if err != nil {
		return err
	}
	warnUnknownVars(stderr, cfg.Vars, fxs)
	env, err := testbed.Open(ctx, cfg)
	if err != nil {
		return setupError(tf, err)
	}
	defer env.Close()
	if !o.jsonOut {
		where := cfg.URL
		if env.Embedded {
			where = "the embedded simulator at " + env.Sim.URL
		}
		fmt.Fprintf(stdout, "running %d scenario(s) against %s (profile %s)\n", len(fxs), excerpt.Printable(where), profileOf(cfg.Profile))
	}
	results := runAll(ctx, env.Runner, fxs, *o, stdout)
	rep := runOutcome(cfg, env, results)
	if o.jsonOut {
		// The report's JSON: redacted as report.json is.
		if err := report.JSON(stdout, rep); err != nil {
			return &exitError{code: exitRuntime, err: err}
		}
	} else {
		printSummary(stdout, results)
	}
	rep.Coverage = coverageOfRun(rep.Profile, fxs)
	if err := writeRunReports(tf.ReportDir(), rep); err != nil {
		return &exitError{code: exitRuntime, err: err}
	}
	return runVerdict(results)
}

// prepareRun reads the settings and loads the fixtures to run; every error
// is a usage error.
func prepareRun(ctx context.Context, fs *flag.FlagSet, tf *testbed.Flags, o *runOptions) (testbed.Config, []*fixture.Fixture, error) {
	cfg, err := tf.Config()
	if err != nil {
		return cfg, nil, usageErr("run: %v", err)
	}
	if o.parallel < 1 {
		return cfg, nil, usageErr("run: --parallel must be at least 1")
	}
	fxs, err := loadFixtures(ctx, fs.Args())
	if err != nil {
		return cfg, nil, loadError(ctx, err)
	}
	fxs, err = filterFixtures(fxs, o.labelFilter)
	if err != nil {
		return cfg, nil, usageErr("run: %v", err)
	}
	if len(fxs) == 0 {
		return cfg, nil, usageErr("run: no scenario matches --label-filter %q", o.labelFilter)
	}
	return cfg, fxs, nil
}

// setupError is the error of a run whose target could not be opened: a
// usage error for a settings problem, else the tool could not work; one
// line that says what to do.
func setupError(tf *testbed.Flags, err error) error {
	code := exitRuntime
	if errors.Is(err, testbed.ErrConfig) {
		code = exitUsage
	}
	return &exitError{code: code, err: fmt.Errorf("run: %s", tf.Explain(err))}
}

// runVerdict is the outcome of a run: a failure when a scenario failed, a
// usage error when nothing could be tested.
func runVerdict(results []*harness.Result) error {
	passed, failed, skipped := harness.Count(results)
	if failed > 0 {
		return &exitError{code: exitFailed} // the report says which
	}
	if passed == 0 {
		return usageErr("run: nothing was tested: all %d scenario(s) were skipped (the reasons are above)", skipped)
	}
	return nil
}

// warnUnknownVars names the vars a --vars file sets that no fixture reads:
// most likely a typo.
func warnUnknownVars(w io.Writer, vars map[string]string, fxs []*fixture.Fixture) {
	used := map[string]bool{}
	for _, f := range fxs {
		for _, v := range f.Variables() {
			used[v] = true
		}
	}
	var unknown []string
	for k := range vars {
		if !used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		fmt.Fprintf(w, "replay: warning: --vars sets %s, which no selected scenario reads\n", excerpt.Line(strings.Join(unknown, ", "), 1000))
	}
}

func profileOf(p string) string {
	if p == "" {
		return harness.DefaultProfile
	}
	return p
}

// loadFixtures loads the paths, or the built-in fixtures when there are none.
// A `use` naming a fixture the paths do not hold takes the built-in one, so
// that `replay run fixtures/invite` works on its own. Loading stops when ctx
// ends (Ctrl-C).
func loadFixtures(ctx context.Context, paths []string) ([]*fixture.Fixture, error) {
	builtins, err := fixture.LoadFSContext(ctx, fixtures.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("built-in fixtures: %w", err)
	}
	if len(paths) == 0 {
		return builtins, nil
	}
	return fixture.LoadWithContext(ctx, builtins, paths...)
}

// loadError is the exit of a load that failed: a usage error (a bad
// fixture), unless the user interrupted it.
func loadError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("interrupted while loading fixtures: %w", err)}
	}
	return &exitError{code: exitUsage, err: err}
}

// filterFixtures keeps the fixtures whose labels and profiles match expr
// (Ginkgo's label-filter syntax).
func filterFixtures(fxs []*fixture.Fixture, expr string) ([]*fixture.Fixture, error) {
	if strings.TrimSpace(expr) == "" {
		return fxs, nil
	}
	filter, err := types.ParseLabelFilter(expr)
	if err != nil {
		return nil, fmt.Errorf("--label-filter: %w", err)
	}
	var out []*fixture.Fixture
	for _, f := range fxs {
		if filter(append(slices.Clone(f.Labels), f.Profiles...)) {
			out = append(out, f)
		}
	}
	return out, nil
}

// runAll runs the fixtures, o.parallel at once, printing a line as each
// ends; results come back in fixture order.
func runAll(ctx context.Context, r *harness.Runner, fxs []*fixture.Fixture, o runOptions, stdout io.Writer) []*harness.Result {
	results := make([]*harness.Result, len(fxs))
	var mu sync.Mutex
	done := 0
	sem := make(chan struct{}, o.parallel)
	var wg sync.WaitGroup
	for i, f := range fxs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res := runOne(ctx, r, f)
			mu.Lock()
			defer mu.Unlock()
			results[i] = res
			done++
			if !o.jsonOut {
				printResult(stdout, res, done, len(fxs), o.verbose)
			}
		}()
	}
	wg.Wait()
	return results
}

// runOne runs f, or skips it with the reason in terms of replay run's
// flags.
func runOne(ctx context.Context, r *harness.Runner, f *fixture.Fixture) *harness.Result {
	if skip := r.SkipReason(f); skip != nil {
		return &harness.Result{ID: f.ID, Title: f.Title, File: f.File, Source: f.Source, Labels: f.Labels, Start: time.Now(),
			Status: harness.Skipped, Reason: testbed.ExplainSkip(skip)}
	}
	return r.Run(ctx, f)
}

// printResult prints a scenario's outcome. What came from outside (the
// fixture's title, the target's answers, the notifications) has its control
// characters escaped: it cannot move the cursor or clear the screen.
func printResult(w io.Writer, r *harness.Result, done, total int, verbose bool) {
	var b strings.Builder
	mark := map[harness.Status]string{harness.Passed: "PASS", harness.Failed: "FAIL", harness.Skipped: "SKIP"}[r.Status]
	fmt.Fprintf(&b, "[%d/%d] %s %s (%s) %s\n", done, total, mark, oneLine(r.ID), r.Duration.Round(time.Millisecond), oneLine(r.Title))
	if r.Status == harness.Skipped {
		fmt.Fprintf(&b, "      skipped: %s\n", oneLine(r.Reason))
	}
	if verbose || r.Status == harness.Failed {
		for _, s := range r.Steps {
			if s.Status == harness.Skipped && !verbose {
				continue
			}
			fmt.Fprintf(&b, "      step %d %-7s %s:%d: %s\n", s.Index, s.Kind, oneLine(s.File), s.Line, s.Status)
		}
	}
	if len(r.Unmatched) > 0 && (verbose || r.Status == harness.Failed) {
		fmt.Fprintf(&b, "      %d notification(s) no await block took:\n", len(r.Unmatched))
		for _, u := range r.Unmatched {
			fmt.Fprintf(&b, "        #%d %s\n", u.Index, excerpt.Line(string(u.Item), 160))
		}
	}
	if r.Failure != nil {
		fmt.Fprintf(&b, "      %s:%d: step %d (%s) failed:\n", oneLine(r.Failure.File), r.Failure.Line, r.Failure.Step, r.Failure.Kind)
		for _, line := range strings.Split(r.Failure.Message, "\n") {
			fmt.Fprintf(&b, "        %s\n", excerpt.Printable(line))
		}
		printTimeline(&b, r)
	}
	_, _ = io.WriteString(w, b.String())
}

// oneLine is text from outside as part of one console line.
func oneLine(s string) string { return excerpt.Line(s, 1000) }

// printTimeline shows what arrived, for a failed scenario.
func printTimeline(w io.Writer, r *harness.Result) {
	fmt.Fprintf(w, "      timeline:\n")
	var t0 time.Time
	for _, e := range r.Timeline {
		if t0.IsZero() {
			t0 = e.At
		}
		at := e.At.Sub(t0).Round(100 * time.Microsecond)
		switch e.Kind {
		case timeline.Request:
			fmt.Fprintf(w, "        %8s step %d → %s %s\n", at, e.Step, oneLine(e.Method), oneLine(e.URL))
		case timeline.Response:
			fmt.Fprintf(w, "        %8s step %d ← %d (%s)\n", at, e.Step, e.Status, e.Elapsed.Round(time.Microsecond))
		case timeline.Notify:
			fmt.Fprintf(w, "        %8s step %d ⇐ notification %s\n", at, e.Step, excerpt.Line(string(e.Body), 160))
		case timeline.Refusal, timeline.Retry:
			fmt.Fprintf(w, "        %8s step %d ! %s %d %s\n", at, e.Step, e.Kind, e.Status, oneLine(e.Text))
		}
	}
}

func printSummary(w io.Writer, results []*harness.Result) {
	p, f, s := harness.Count(results)
	fmt.Fprintf(w, "\nscenarios: %d passed, %d failed, %d skipped\n", p, f, s)
}
