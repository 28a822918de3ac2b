package main

import (
	"context"
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

  # machine-readable result
  replay run --json > result.json

Exit codes: 0 every scenario passed (or was skipped), 1 a scenario failed,
2 usage or fixture error, 3 the tool could not run (listen or I/O error).

Flags:
`

// runOptions are replay run's own flags.
type runOptions struct {
	labelFilter string
	jsonOut     bool
	parallel    int
	verbose     bool
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tf := testbed.Register(fs, os.Getenv)
	var o runOptions
	fs.StringVar(&o.labelFilter, "label-filter", "", "run only scenarios whose labels (and profiles) match, in Ginkgo's syntax: 'invite && !transfer'")
	fs.BoolVar(&o.jsonOut, "json", false, "write the result as JSON to stdout instead of the human report")
	fs.IntVar(&o.parallel, "parallel", 4, "scenarios run at once (each has its own callback path)")
	fs.BoolVar(&o.verbose, "v", false, "print every step of every scenario")
	reportDir := fs.String("report-dir", "", "after the run, write junit.xml, report.json and report.html into `DIR`")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), runUsage)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args, stdout); help || err != nil {
		return err
	}
	cfg, err := tf.Config()
	if err != nil {
		return usageErr("run: %v", err)
	}
	if o.parallel < 1 {
		return usageErr("run: --parallel must be at least 1")
	}
	fxs, err := loadFixtures(fs.Args())
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	fxs, err = filterFixtures(fxs, o.labelFilter)
	if err != nil {
		return usageErr("run: %v", err)
	}
	if len(fxs) == 0 {
		return usageErr("run: no scenario matches --label-filter %q", o.labelFilter)
	}
	warnUnknownVars(stderr, cfg.Vars, fxs)
	env, err := testbed.Open(ctx, cfg)
	if err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("run: %w", err)}
	}
	defer env.Close()
	if !o.jsonOut {
		where := cfg.URL
		if env.Embedded {
			where = "the embedded simulator at " + env.Sim.URL
		}
		fmt.Fprintf(stdout, "running %d scenario(s) against %s (profile %s)\n", len(fxs), where, profileOf(cfg.Profile))
	}
	results := runAll(ctx, env.Runner, fxs, o, stdout)
	rep := runOutcome(cfg, env, results)
	if o.jsonOut {
		// The report's JSON: redacted as report.json is.
		if err := report.JSON(stdout, rep); err != nil {
			return &exitError{code: exitRuntime, err: err}
		}
	} else {
		printSummary(stdout, results)
	}
	if err := writeRunReports(*reportDir, rep); err != nil {
		return &exitError{code: exitRuntime, err: err}
	}
	passed, failed, skipped := harness.Count(results)
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("")}
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
		fmt.Fprintf(w, "replay: warning: --vars sets %s, which no selected scenario reads\n", strings.Join(unknown, ", "))
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
// that `replay run fixtures/invite` works on its own.
func loadFixtures(paths []string) ([]*fixture.Fixture, error) {
	builtins, err := fixture.LoadFS(fixtures.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("built-in fixtures: %w", err)
	}
	if len(paths) == 0 {
		return builtins, nil
	}
	return fixture.LoadWith(builtins, paths...)
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
			res := r.Run(ctx, f)
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

func printResult(w io.Writer, r *harness.Result, done, total int, verbose bool) {
	mark := map[harness.Status]string{harness.Passed: "PASS", harness.Failed: "FAIL", harness.Skipped: "SKIP"}[r.Status]
	fmt.Fprintf(w, "[%d/%d] %s %s (%s) %s\n", done, total, mark, r.ID, r.Duration.Round(time.Millisecond), r.Title)
	if r.Status == harness.Skipped {
		fmt.Fprintf(w, "      skipped: %s\n", r.Reason)
	}
	if verbose || r.Status == harness.Failed {
		for _, s := range r.Steps {
			if s.Status == harness.Skipped && !verbose {
				continue
			}
			fmt.Fprintf(w, "      step %d %-7s %s:%d: %s\n", s.Index, s.Kind, s.File, s.Line, s.Status)
		}
	}
	if len(r.Unmatched) > 0 && (verbose || r.Status == harness.Failed) {
		fmt.Fprintf(w, "      %d notification(s) no await block took:\n", len(r.Unmatched))
		for _, u := range r.Unmatched {
			fmt.Fprintf(w, "        #%d %s\n", u.Index, clipLine(string(u.Item), 160))
		}
	}
	if r.Failure != nil {
		fmt.Fprintf(w, "      %s:%d: step %d (%s) failed:\n", r.Failure.File, r.Failure.Line, r.Failure.Step, r.Failure.Kind)
		for _, line := range strings.Split(r.Failure.Message, "\n") {
			fmt.Fprintf(w, "        %s\n", line)
		}
		printTimeline(w, r)
	}
}

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
		case "request":
			fmt.Fprintf(w, "        %8s step %d → %s %s\n", at, e.Step, e.Method, e.URL)
		case "response":
			fmt.Fprintf(w, "        %8s step %d ← %d (%s)\n", at, e.Step, e.Status, e.Elapsed.Round(time.Microsecond))
		case "notification":
			fmt.Fprintf(w, "        %8s step %d ⇐ notification %s\n", at, e.Step, clipLine(string(e.Body), 160))
		case "refusal", "retry":
			fmt.Fprintf(w, "        %8s step %d ! %s %d %s\n", at, e.Step, e.Kind, e.Status, e.Text)
		}
	}
}

func clipLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func printSummary(w io.Writer, results []*harness.Result) {
	p, f, s := harness.Count(results)
	fmt.Fprintf(w, "\nscenarios: %d passed, %d failed, %d skipped\n", p, f, s)
}
