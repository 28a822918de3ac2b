package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/faketarget"
)

// replay runs the CLI in-process and returns its exit code and output.
func replay(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFixture(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunAgainstFakeTargets(t *testing.T) {
	fx := writeFixture(t, faketarget.FlowFixture)
	tests := []struct {
		name   string
		faults faketarget.Faults
		code   int
		want   []string // substrings of the report
	}{
		{"conformant", faketarget.Faults{}, 0, []string{"PASS fake-invite", "1 passed, 0 failed"}},
		{"wrong status", faketarget.Faults{Status: 200}, 1, []string{"FAIL fake-invite", "status: want 202, got 200"}},
		{"no Location", faketarget.Faults{NoLocation: true}, 1, []string{"header Location: want a value matching", "got <absent>"}},
		{"swapped notifications", faketarget.Faults{Swap: true}, 1, []string{`expectation "roster" not met: out of order`, `arrived before "opDone"`}},
		{"dropped notification", faketarget.Faults{DropRoster: true}, 1, []string{`expectation "roster" not met: no notification matched`, "the wait reached its bound"}},
		{"wrong resource", faketarget.Faults{WrongResource: true}, 1, []string{`expectation "opDone" not met`, `+ resource: "/app/calls/other/operations/op1"`}},
		{"never notifies", faketarget.Faults{Silent: true}, 1, []string{`expectation "opDone" not met`, "no notification was received in this block"}},
		// Delivery is at least once: a notification delivered twice is one.
		{"redelivers every notification", faketarget.Faults{Redeliver: true}, 0, []string{"PASS fake-invite", "1 passed, 0 failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := faketarget.Start(tt.faults)
			defer srv.Close()
			code, out, errOut := replay(t, "run", "--target", srv.URL, fx)
			if code != tt.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// A redelivery is neither unexpected nor a second match: a block that fails
// on unexpected notifications still passes against a target that delivers
// everything twice.
func TestRunRedeliveryIsNotUnexpected(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{Redeliver: true})
	defer srv.Close()
	fx := writeFixture(t, strings.Replace(faketarget.FlowFixture, "      within: 1s\n", "      within: 30s\n      unexpected: fail\n", 1))
	code, out, errOut := replay(t, "run", "--target", srv.URL, fx)
	if code != 0 || !strings.Contains(out, "PASS fake-invite") {
		t.Fatalf("exit %d, want 0:\n%s\n%s", code, out, errOut)
	}
}

func TestRunTargetThatNeverAnswers(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{Hang: true})
	defer srv.Close()
	fx := writeFixture(t, strings.Replace(faketarget.FlowFixture, "  - send: POST /app/calls/c1/participants/invite\n", "  - send: POST /app/calls/c1/participants/invite\n    timeout: 300ms\n", 1))
	code, out, _ := replay(t, "run", "--target", srv.URL, fx)
	if code != 1 || !strings.Contains(out, "did not answer in time") {
		t.Fatalf("exit %d, want 1 with a timeout reason:\n%s", code, out)
	}
}

func TestRunNotificationStorm(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{Storm: 10_500})
	defer srv.Close()
	// The block waits for an extra notification that never comes, so the run
	// sees the whole storm.
	fx := writeFixture(t, strings.Replace(faketarget.FlowFixture, "      within: 1s\n", "      within: 5s\n", 1)+
		"        - {name: never, changeType: created, resource: /nowhere}\n")
	code, out, _ := replay(t, "run", "--target", srv.URL, fx)
	if code != 1 || !strings.Contains(out, "too many notifications") {
		t.Fatalf("exit %d, want 1 with too many notifications:\n%s", code, out)
	}
}

func TestRunJSON(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{Swap: true})
	defer srv.Close()
	code, out, _ := replay(t, "run", "--json", "--target", srv.URL, writeFixture(t, faketarget.FlowFixture))
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var doc struct {
		Failed    int `json:"failed"`
		Scenarios []struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Failure struct {
				Step    int `json:"step"`
				Verdict struct {
					Unmet []struct{ Name string } `json:"unmet"`
				} `json:"verdict"`
			} `json:"failure"`
			Timeline []struct{ Kind string } `json:"timeline"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	s := doc.Scenarios[0]
	if doc.Failed != 1 || s.Status != "failed" || s.Failure.Step != 2 || len(s.Failure.Verdict.Unmet) != 1 || s.Failure.Verdict.Unmet[0].Name != "roster" {
		t.Errorf("unexpected JSON result: %s", out)
	}
	if len(s.Timeline) < 4 {
		t.Errorf("timeline has %d events, want request, response and notifications", len(s.Timeline))
	}
}

func TestRunUsageAndFixtureErrors(t *testing.T) {
	bad := writeFixture(t, "id: x\ntitle: X\nsteps:\n  - frob: 1\n")
	code, _, errOut := replay(t, "run", "--target", "http://127.0.0.1:1", bad)
	if code != 2 || !strings.Contains(errOut, bad+":4: step 1: unknown step kind") {
		t.Errorf("bad fixture: exit %d, stderr:\n%s", code, errOut)
	}
	if code, _, _ := replay(t, "run", "--no-such-flag"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code, _, errOut := replay(t, "run", "--target", "ftp://x"); code != 2 || !strings.Contains(errOut, "want an http(s) URL") {
		t.Errorf("bad target: exit %d, stderr %s", code, errOut)
	}
	code, out, _ := replay(t, "run", "--help")
	if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--label-filter") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	if code, _, _ := replay(t); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
}

func TestRunLabelFilter(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	fx := writeFixture(t, faketarget.FlowFixture)
	if code, out, _ := replay(t, "run", "--target", srv.URL, "--label-filter", "invite && !transfer", fx); code != 0 || !strings.Contains(out, "1 passed") {
		t.Errorf("matching filter: exit %d\n%s", code, out)
	}
	if code, _, errOut := replay(t, "run", "--target", srv.URL, "--label-filter", "transfer", fx); code != 2 || !strings.Contains(errOut, "no scenario matches") {
		t.Errorf("filter matching nothing: exit %d\n%s", code, errOut)
	}
}

func TestRunNothingTestedIsNotGreen(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	fx := writeFixture(t, "id: needs-trigger\ntitle: T\nrequires: [incoming-call]\nsteps:\n  - trigger: incoming-call\n")
	code, out, errOut := replay(t, "run", "--target", srv.URL, fx)
	if code != 2 || !strings.Contains(errOut, "nothing was tested: all 1 scenario(s) were skipped") || !strings.Contains(out, `target lacks capability "incoming-call"`) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestRunVarsFile(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	fx := writeFixture(t, faketarget.FlowFixture)
	vars := filepath.Join(t.TempDir(), "vars.yaml")
	if err := os.WriteFile(vars, []byte("usrId: typo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := replay(t, "run", "--target", srv.URL, "--vars", vars, fx)
	if code != 0 || !strings.Contains(errOut, "--vars sets usrId, which no selected scenario reads") {
		t.Errorf("typo in vars: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := replay(t, "run", "--target", srv.URL, "--vars", vars+".missing", fx); code != 2 || !strings.Contains(errOut, "vars file") {
		t.Errorf("missing vars file: exit %d, stderr %q", code, errOut)
	}
}

func TestRunOneFolderUsesBuiltins(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "invite", "invite-group-call.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	// The fixture uses join-channel-meeting-without-media, which the folder
	// does not hold: the built-in one is taken.
	if code, out, errOut := replay(t, "run", dir); code != 0 || !strings.Contains(out, "1 passed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestRunRedactsWhatTheTargetSends: a target that puts a token in its
// answer does not get it printed, in the human output or in --json.
func TestRunRedactsWhatTheTargetSends(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.c2lnbmF0dXJlLXZhbHVl"
	srv := faketarget.Start(faketarget.Faults{Status: 400, Body: `{"error":{"code":"x","message":"bad token ` + jwt + `"}}`})
	defer srv.Close()
	fx := writeFixture(t, faketarget.FlowFixture)
	for _, args := range [][]string{{"run", "--target", srv.URL, fx}, {"run", "--json", "--target", srv.URL, fx}} {
		code, out, errOut := replay(t, args...)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1", args, code)
		}
		if strings.Contains(out+errOut, jwt) || strings.Contains(out+errOut, "c2lnbmF0dXJlLXZhbHVl") {
			t.Errorf("%v printed the target's token:\n%s", args, out)
		}
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("%v: the answer is not shown, redacted:\n%s", args, out)
		}
	}
}

// The embedded simulator speaks v1.0 too: every v1.0 fixture (written from
// the v1.0 pages and real traffic, not from the simulator) passes against
// it, and the beta-2018 ones are skipped for their profile.
func TestRunEmbeddedV1(t *testing.T) {
	code, out, errOut := replay(t, "run", "--profile", "v1.0")
	if code != 0 || !strings.Contains(out, " 0 failed") || strings.Contains(out, "FAIL ") {
		t.Fatalf("exit %d, want 0:\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "PASS v1.0-answer-incoming-voip-call") || !strings.Contains(out, "skipped: fixture is for profile beta-2018; the target runs v1.0") {
		t.Errorf("want v1.0 fixtures run and beta-2018 ones skipped for their profile:\n%s", out)
	}
}
