package selftest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkCoverage checks that the report.json in dir carries the coverage of
// the calls API under profile, with the hand-written specs counted.
func checkCoverage(t *testing.T, dir, profile string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Coverage *struct {
			Profile    string `json:"profile"`
			Summary    string `json:"summary"`
			Operations []struct {
				Specs []string `json:"specs"`
			} `json:"operations"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	c := rep.Coverage
	if c == nil || c.Profile != profile || !strings.HasPrefix(c.Summary, profile+": ") {
		t.Fatalf("report.json: coverage %+v, want the coverage of %s", c, profile)
	}
	for _, o := range c.Operations {
		if len(o.Specs) > 0 {
			return
		}
	}
	t.Errorf("report.json: no operation is checked by a hand-written spec under %s", profile)
}
