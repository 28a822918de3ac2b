package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/callconform/callconform/internal/faketarget"
)

func TestReportDirFromRun(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{WrongResource: true})
	defer srv.Close()
	fx := writeFixture(t, regexp.MustCompile(`within: \S+`).ReplaceAllString(faketarget.FlowFixture, "within: 300ms"))
	dir := filepath.Join(t.TempDir(), "reports")
	code, out, errOut := replay(t, "run", "--target", srv.URL, "--report-dir", dir, fx)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "[1/1] FAIL fake-invite") || !strings.Contains(out, "0 passed, 1 failed") {
		t.Errorf("the progress and summary are gone:\n%s", out)
	}
	var junit struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &junit); err != nil || junit.Tests != 1 || junit.Failures != 1 {
		t.Errorf("junit.xml: %v, tests %d failures %d", err, junit.Tests, junit.Failures)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<svg") || !strings.Contains(string(page), `data-expectation="opDone"`) {
		t.Error("report.html lacks the diagram or the failed expectation")
	}

	// replay report renders the page again from report.json.
	again := filepath.Join(t.TempDir(), "again.html")
	code, out, errOut = replay(t, "report", "--out", again, filepath.Join(dir, "report.json"))
	if code != 0 || !strings.Contains(out, "wrote "+again+" (1 scenario(s))") {
		t.Fatalf("report: exit %d\n%s\n%s", code, out, errOut)
	}
	b, err = os.ReadFile(again)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(page) {
		t.Error("the page rendered from report.json differs from the one the run wrote")
	}
	code, out, _ = replay(t, "report", "--out", "-", filepath.Join(dir, "report.json"))
	if code != 0 || out != string(page) {
		t.Errorf("report --out -: exit %d, %d bytes, want the page", code, len(out))
	}
}

func TestReportDirWithJSONOutput(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	dir := t.TempDir()
	code, out, errOut := replay(t, "run", "--json", "--target", srv.URL, "--report-dir", dir, writeFixture(t, faketarget.FlowFixture))
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	for _, f := range []string{"junit.xml", "report.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// The --json document reads as a report too.
	runJSON := filepath.Join(t.TempDir(), "result.json")
	if err := os.WriteFile(runJSON, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := replay(t, "report", runJSON); code != 0 {
		t.Fatalf("report of run --json: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(runJSON), "report.html")); err != nil {
		t.Errorf("report.html beside the JSON: %v", err)
	}
}

func TestReportRefusesWhatIsNotAReport(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(p, []byte(`{"passed": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"report", p}, "not a callconform report"},
		{[]string{"report"}, "name one report.json"},
		{[]string{"report", filepath.Join(t.TempDir(), "missing.json")}, "missing.json"},
	} {
		code, _, errOut := replay(t, tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}
