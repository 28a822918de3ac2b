package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/coverage"
	"github.com/callconform/callconform/suites"
)

const coverageUsage = `Usage: replay coverage [--profile P] [--format text|json|yaml] [PATH...]

Maps the fixtures (files, folders or globs; default: the fixtures built
into this binary) and the suite's hand-written specs onto the catalogue
of the Graph calls API (every operation and notification kind of the
reference, per profile), and prints, per profile, a summary line:

  v1.0: 31 of 36 operations covered, 12 of 15 notification kinds

then each operation and each notification kind with the fixtures and
specs that check it, what nothing checks, and the steps that fit nothing
in the catalogue.

A fixture checks an operation with a send step whose method and path
(its {{vars}} standing for ids) fit the operation's; and a notification
kind with a required await expectation whose changeType, resource and
where fit the kind. It counts under the profiles it names (every profile
when it names none), for its own steps: the steps it includes with 'use'
count for the fixture it includes. A spec checks what its
'// Operations:' and '// Notifications:' lines say.

Flags:
  --profile P      one profile: beta-2018 or v1.0 (default: both)
  --format F       text (default), json or yaml

Examples:
  replay coverage                        # the built-in fixtures, both profiles
  replay coverage --profile v1.0
  replay coverage --format json fixtures/v1.0/ > coverage.json
  replay coverage recorded/new-scenario.yaml

Exit codes: 0 the table was printed (whatever it covers), 2 usage error:
an unknown profile or format, or a fixture that does not load.
`

func runCoverage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay coverage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), coverageUsage) }
	profile := fs.String("profile", "", "one profile: beta-2018 or v1.0 (default: both)")
	format := fs.String("format", "text", "text, json or yaml")
	if help, err := parseFlags(fs, args, stdout); help || err != nil {
		return err
	}
	write, ok := map[string]func(io.Writer, ...*coverage.Result) error{
		"text": func(w io.Writer, rs ...*coverage.Result) error {
			// A fixture's steps are from outside: escape what they hold.
			return coverage.WriteText(&consoleWriter{w: w}, rs...)
		},
		"json": coverage.WriteJSON,
		"yaml": coverage.WriteYAML,
	}[*format]
	if !ok {
		return usageErr("coverage: unknown format %q (text, json or yaml); see replay coverage --help", *format)
	}
	cat, err := coverage.Builtin()
	if err != nil {
		return fmt.Errorf("coverage: %w", err)
	}
	profiles := cat.ProfileNames()
	if *profile != "" {
		if _, err := cat.Profile(*profile); err != nil {
			return usageErr("%w; see replay coverage --help", err)
		}
		profiles = []string{*profile}
	}
	fxs, err := loadFixtures(ctx, fs.Args())
	if err != nil {
		return loadError(ctx, fmt.Errorf("coverage: %w", err))
	}
	specs, err := cat.SpecsFromManifest(suites.Manifest)
	if err != nil {
		return fmt.Errorf("coverage: %w", err)
	}
	var results []*coverage.Result
	for _, p := range profiles {
		r, err := coverage.Compute(cat, p, fxs, specs)
		if err != nil {
			return fmt.Errorf("coverage: %w", err)
		}
		results = append(results, r)
	}
	if err := write(stdout, results...); err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("coverage: %w", err)}
	}
	return nil
}

// coverageOfRun is what the fixtures of a run check of the calls API under
// profile, for the run's reports (replay run runs no hand-written spec);
// nil when the catalogue lacks the profile.
func coverageOfRun(profile string, fxs []*fixture.Fixture) *coverage.Result {
	cat, err := coverage.Builtin()
	if err != nil {
		return nil
	}
	r, err := coverage.Compute(cat, profile, fxs, nil)
	if err != nil {
		return nil
	}
	return r
}
