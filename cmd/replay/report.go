package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/testbed"
	"github.com/callconform/callconform/internal/atomicfile"
	"github.com/callconform/callconform/internal/report"
)

const reportUsage = `Usage: replay report [flags] REPORT.json

Renders the HTML page of a run again from its report.json (written by
'replay run --report-dir DIR') or from the output of 'replay run --json':
one self-contained file with a sequence diagram per scenario, the failed
expectations and their diffs, and every request and notification.

Examples:
  # writes reports/report.html
  replay report reports/report.json

  replay report --out /tmp/run.html --junit /tmp/junit.xml result.json
  replay report --out - reports/report.json > page.html

Flags:
`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "`file` to write the HTML page to; - = stdout (default: report.html beside REPORT.json)")
	junit := fs.String("junit", "", "also write JUnit XML to this `file`")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), reportUsage)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args, stdout); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("report: name one report.json")
	}
	in := fs.Arg(0)
	f, err := os.Open(in)
	if err != nil {
		return usageErr("report: %v", err)
	}
	r, err := report.ReadJSON(f)
	f.Close()
	if err != nil {
		return usageErr("report: %s: %v", in, err)
	}
	if *out == "" {
		*out = filepath.Join(filepath.Dir(in), report.HTMLFile)
	}
	if err := writeOutput(*out, stdout, func(w io.Writer) error { return report.HTML(w, r) }); err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("report: %w", err)}
	}
	if *junit != "" {
		if err := writeOutput(*junit, stdout, func(w io.Writer) error { return report.JUnit(w, r) }); err != nil {
			return &exitError{code: exitRuntime, err: fmt.Errorf("report: %w", err)}
		}
	}
	if *out != "-" {
		fmt.Fprintf(stdout, "wrote %s (%d scenario(s))\n", *out, len(r.Results))
	}
	return nil
}

// writeOutput writes to stdout for "-", else to path through a temporary
// file renamed into place.
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	return atomicfile.Write(path, 0o644, write)
}

// writeRunReports writes the reports of a `replay run` into dir ("" =
// none). The run spans its scenarios: from the first start to the last end.
func writeRunReports(dir string, r report.Run) error {
	if dir == "" {
		return nil
	}
	if err := report.Write(dir, r); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	return nil
}

// runOutcome is what a run of `replay run` reports: the target, the profile,
// when it started and how long it took, and every result.
func runOutcome(cfg testbed.Config, env *testbed.Testbed, results []*harness.Result) report.Run {
	r := report.Run{Target: cfg.URL, Profile: profileOf(cfg.Profile), Results: results}
	if env != nil && env.Embedded && env.Sim != nil {
		r.Target = "the embedded simulator at " + env.Sim.URL
	}
	var end time.Time
	for _, res := range results {
		if res == nil {
			continue
		}
		if r.Started.IsZero() || res.Start.Before(r.Started) {
			r.Started = res.Start
		}
		if e := res.Start.Add(res.Duration); e.After(end) {
			end = e
		}
	}
	if !r.Started.IsZero() {
		r.Duration = end.Sub(r.Started)
	}
	return r
}
