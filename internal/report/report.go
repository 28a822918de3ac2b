// Package report turns the results of a run into files people and CI read:
// JUnit XML, a JSON document, and one self-contained HTML page with a
// sequence diagram per scenario.
package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/internal/atomicfile"
	"github.com/callconform/callconform/internal/coverage"
)

// Run is one run of scenarios against a target.
type Run struct {
	Target   string // what ran: a URL or "the embedded simulator at ..."
	Profile  string
	Started  time.Time
	Duration time.Duration
	Results  []*harness.Result
	// Coverage is what of the calls API the run's fixtures and specs check
	// under its profile; nil = not known (the report has no Coverage
	// section).
	Coverage *coverage.Result
}

// Files written by Write.
const (
	JUnitFile = "junit.xml"
	JSONFile  = "report.json"
	HTMLFile  = "report.html"
)

// Write writes junit.xml, report.json and report.html into dir, creating
// it. Each file is written to a temporary name and renamed, so that a
// reader never sees half a report.
func Write(dir string, r Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer, Run) error
	}{{JUnitFile, JUnit}, {JSONFile, JSON}, {HTMLFile, HTML}} {
		if err := atomicfile.Write(filepath.Join(dir, f.name), 0o644, func(w io.Writer) error { return f.write(w, r) }); err != nil {
			return fmt.Errorf("write reports: %w", err)
		}
	}
	return nil
}

// relTime renders d since the start of a scenario: "+12.3 ms", "+1.204 s".
func relTime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Second {
		return fmt.Sprintf("+%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("+%.3f s", d.Seconds())
}

// start returns the time of a result's first event, or its start.
func start(res *harness.Result) time.Time {
	if len(res.Timeline) > 0 {
		return res.Timeline[0].At
	}
	return res.Start
}
