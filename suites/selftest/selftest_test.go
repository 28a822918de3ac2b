package selftest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/testbed"
	"github.com/callconform/callconform/internal/faketarget"
)

// suiteBin is the suite built as a binary, as `make suite-binary` builds it.
var suiteBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "callconform-selftest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	suiteBin = filepath.Join(dir, "callconform.test")
	args := []string{"test", "-c", "-o", suiteBin}
	if raceBuild {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "github.com/callconform/callconform/suites")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the suite binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// specReport is the part of Ginkgo's JSON report the tests read.
type specReport struct {
	LeafNodeType    string   `json:"LeafNodeType"`
	LeafNodeText    string   `json:"LeafNodeText"`
	ContainerTexts  []string `json:"ContainerHierarchyTexts"`
	State           string   `json:"State"`
	Failure         struct{ Message string }
	LeafNodeLabels  []string   `json:"LeafNodeLabels"`
	ContainerLabels [][]string `json:"ContainerHierarchyLabels"`
}

// labels are the spec's labels, its containers' included.
func (s specReport) labels() []string {
	out := slices.Clone(s.LeafNodeLabels)
	for _, l := range s.ContainerLabels {
		out = append(out, l...)
	}
	return out
}

func (s specReport) name() string { return strings.Join(append(s.ContainerTexts, s.LeafNodeText), " ") }

// otherProfile reports whether s was skipped because its fixture is for
// another profile than the target runs: the one skip a run against the
// embedded simulator may have (it runs one profile per process).
func (s specReport) otherProfile() bool {
	return s.State == "skipped" && strings.Contains(s.Failure.Message, "fixture is for profile")
}

// passing counts the specs that must pass: all but those for another profile.
func passing(specs []specReport) int {
	n := 0
	for _, s := range specs {
		if !s.otherProfile() {
			n++
		}
	}
	return n
}

// runSuite runs the suite binary from an empty folder (so its fixtures must
// be the built-in ones) and returns its exit code and spec reports.
func runSuite(t *testing.T, args ...string) (int, []specReport, string) {
	t.Helper()
	r := startSuite(t.TempDir(), args...)
	if r.err != nil {
		t.Fatalf("run the suite: %v\n%s", r.err, r.out)
	}
	return r.code, readReport(t, r.report, []byte(r.out)), r.out
}

// suiteRun is one run of the suite binary: its exit code, output and the
// path of its JSON report, or why it could not run.
type suiteRun struct {
	code   int
	out    string
	report string
	err    error
}

// startSuite runs the suite binary in work with args; it may be called
// from any goroutine.
func startSuite(work string, args ...string) suiteRun {
	report := filepath.Join(work, "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, suiteBin, append([]string{"--ginkgo.no-color", "--ginkgo.json-report=" + report}, args...)...)
	cmd.Dir = work
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	r := suiteRun{out: string(out), report: report}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		r.err = err
	}
	return r
}

func readReport(t *testing.T, path string, out []byte) []specReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no JSON report: %v\n%s", err, out)
	}
	var suites []struct{ SpecReports []specReport }
	if err := json.Unmarshal(b, &suites); err != nil {
		t.Fatal(err)
	}
	var specs []specReport
	for _, s := range suites {
		for _, r := range s.SpecReports {
			if r.LeafNodeType == "It" {
				specs = append(specs, r)
			}
		}
	}
	return specs
}

// cleanEnv is the environment without CALLCONFORM_ settings, so that a
// developer's target does not leak into the self-test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CALLCONFORM_") {
			env = append(env, kv)
		}
	}
	return env
}

// profileRuns are what a run of the suite under each profile must show:
// at least minSpecs specs run, of them at least minOwn hand-written specs
// labelled with the profile, and the results of withTimeline in report.json
// with their timelines.
var profileRuns = []struct {
	profile          string
	minSpecs, minOwn int
	withTimeline     []string
}{
	{"beta-2018", 25, 18, []string{"invite-group-call", "invite-from-incoming-call", "authorization-refuses-invite-to-an-application-without-calls-initiategroupcalls-all-with-403"}},
	{"v1.0", 40, 24, []string{"v1.0-invite-one-participant", "v1.0-invite-replacing-p2p-call", "authorization-refuses-invite-to-an-application-without-calls-initiategroupcalls-all-with-403"}},
}

// TestSuitePassesInSeries runs the suite under each profile, the two runs
// side by side: every spec passes but the fixtures of the other profile.
func TestSuitePassesInSeries(t *testing.T) {
	for _, pr := range profileRuns {
		t.Run(pr.profile, func(t *testing.T) {
			t.Parallel()
			reports := t.TempDir()
			code, specs, out := runSuite(t, "--profile="+pr.profile, "--report-dir="+reports)
			if code != 0 {
				t.Fatalf("the suite failed against the simulator (exit %d):\n%s", code, out)
			}
			ran, own := 0, 0
			for _, s := range specs {
				if s.State != "passed" && !s.otherProfile() {
					t.Errorf("%s: %s %s", s.name(), s.State, s.Failure.Message)
				}
				if s.State == "passed" {
					ran++
					if !slices.Contains(s.LeafNodeLabels, "fixture") && slices.Contains(s.labels(), pr.profile) {
						own++
					}
				}
			}
			if ran < pr.minSpecs || own < pr.minOwn {
				t.Errorf("%d specs passed, %d of them hand-written with label %s; want at least %d and %d", ran, own, pr.profile, pr.minSpecs, pr.minOwn)
			}
			checkReports(t, reports, len(specs), passing(specs), pr.withTimeline)
			checkCoverage(t, reports, pr.profile)
		})
	}
}

// checkReports reads what --report-dir wrote: one result per spec in
// report.json and junit.xml, the fixture scenarios with their timelines, and
// an HTML page with a diagram per scenario.
func checkReports(t *testing.T, dir string, specs, passed int, withTimelineIDs []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Passed    int `json:"passed"`
		Scenarios []struct {
			ID       string            `json:"id"`
			Status   string            `json:"status"`
			Labels   []string          `json:"labels"`
			Timeline []json.RawMessage `json:"timeline"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	if rep.Passed != passed || len(rep.Scenarios) != specs {
		t.Errorf("report.json: %d passed of %d results, want %d of %d", rep.Passed, len(rep.Scenarios), passed, specs)
	}
	withTimeline := map[string]bool{}
	for _, s := range rep.Scenarios {
		withTimeline[s.ID] = len(s.Timeline) > 0
	}
	for _, id := range withTimelineIDs {
		if !withTimeline[id] {
			t.Errorf("report.json: %q is missing or has no timeline (ids: %v)", id, keysOf(withTimeline))
		}
	}
	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(junit), "<testcase "); n != specs {
		t.Errorf("junit.xml has %d test cases, want %d", n, specs)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), "<svg"); n < 6 {
		t.Errorf("report.html has %d diagrams, want one per scenario at least for the fixtures", n)
	}
}

func keysOf(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSuitePassesInParallel(t *testing.T) {
	work := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	reports := filepath.Join(work, "reports")
	cmd := exec.CommandContext(ctx, "go", "tool", "ginkgo", "-p", "--no-color", "--json-report=report.json", "--output-dir="+work, suiteBin, "--", "--report-dir="+reports)
	cmd.Dir = filepath.Join("..", "..") // `go tool` finds ginkgo through the module's go.mod
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ginkgo -p: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Running in parallel across") {
		t.Errorf("ginkgo did not run in parallel:\n%s", out)
	}
	specs := readReport(t, filepath.Join(work, "report.json"), out)
	if len(specs) < 20 {
		t.Errorf("only %d specs ran in parallel", len(specs))
	}
	// Results made in other processes reach the reports too.
	checkReports(t, reports, len(specs), passing(specs), profileRuns[0].withTimeline)
}

// TestBrokenTargetFailsTheRightSpec runs the suite against the simulator
// with one rule broken: the spec that states the rule fails, with a reason a
// person can act on, and specs about other rules still pass.
// brokenRunsAtOnce bounds the suite runs of TestBrokenTargetFailsTheRightSpec
// at once: most of their time is spent waiting, not computing.
const brokenRunsAtOnce = 6

func TestBrokenTargetFailsTheRightSpec(t *testing.T) {
	tests := []struct {
		profile     string
		brk, filter string
		failing     string // a spec that must fail
		reason      []string
		passing     string // a spec that must still pass
	}{
		{"beta-2018", "invite-no-location", "invite", "Scenario invite-group-call: Invite a participant into an active group call (202 + Location)",
			[]string{"header Location: want a value matching", "got <absent>"}, ""},
		{"beta-2018", "roster-before-operation", "seed && invite && !transfer && !correlation && !applications-path", "Scenario invite-group-call: Invite a participant into an active group call (202 + Location)",
			[]string{`expectation "roster" not met: out of order`, `arrived before "opDone"`}, ""},
		{"beta-2018", "no-body-validation", "validation || auth", "Invite request body refuses a malformed invite with 400 and changes nothing an empty participants array",
			[]string{"status: want 400, got 202"}, "Authorization refuses a delegated token with 403"},
		{"beta-2018", "no-auth", "auth || join", "Authorization refuses a request without a valid token with 401 no token",
			[]string{"status: want 401, got 201"}, "Scenario join-channel-meeting-without-media: Join channel meeting without media"},
		{"v1.0", "media-config-optional", "validation && !fixture", "Create and answer request body refuses create without mediaConfig with 400",
			[]string{"POST /communications/calls: the answer is not as expected", "status: want 400, got 201"}, "Invite request body refuses a malformed invite with 400 and changes nothing no participants"},
		{"v1.0", "media-config-optional", "validation && !fixture", "Create and answer request body refuses answer without mediaConfig with 400",
			[]string{"answer-without-media-config.yaml", "status: want 400"}, ""},
		{"v1.0", "more-than-five-invitees", "validation && !fixture", "Invite request body refuses a malformed invite with 400 and changes nothing more than five participants",
			[]string{"status: want 400"}, "Invite request body refuses a malformed invite with 400 and changes nothing no participants"},
		{"v1.0", "keepalive-ended-call-ok", "errors && !fixture", "Errors answers 404 to keepAlive on an ended call",
			[]string{"/keepAlive: the answer is not as expected", "status: want 404, got 200"}, "Errors answers 404 for an unknown call GET the call"},
		{"v1.0", "invite-answer-202", "(location || correlation || auth) && !fixture", "Invite Location names an operation of the same call, absolutely",
			[]string{"status: want 200, got 202"}, "Authorization refuses a delegated token with 403"},
		{"v1.0", "no-auth", "auth && !fixture", "Authorization refuses a request without a valid token with 401 no token",
			[]string{"POST /communications/calls: the answer is not as expected", "status: want 401, got 201"}, ""},
		{"v1.0", "no-transfer-accepted", "transfer && !seed", "Scenario v1.0-transfer-p2p-call: Call transfer from a peer-to-peer call",
			[]string{`expectation "transferAccepted" not met`}, "Scenario v1.0-transfer-failed: Call transfer fails, the call is established again"},
		{"beta-2018", "reject-ignored", "reject || redirect", "Scenario reject-incoming-call: Reject an incoming call",
			[]string{`expectation "gone" not met`}, "Scenario redirect-forward: Forward an incoming call"},
		{"v1.0", "prompt-no-completion", "media && !join", "Scenario v1.0-play-prompt: Play a prompt",
			[]string{`expectation "promptDone" not met`}, "Scenario v1.0-update-recording-status: Update recording status"},
		{"beta-2018", "cancel-not-failing", "media && !join", "Scenario cancel-media-processing: Cancel media processing",
			[]string{`expectation "recordCancelled" not met`}, "Scenario play-prompt: Play a prompt"},
		{"v1.0", "tone-sequence-fixed", "tone", "Scenario v1.0-subscribe-to-tone: Subscribe to tones, then receive two",
			[]string{`expectation "tone2" not met`}, ""},
		{"beta-2018", "tone-sequence-fixed", "tone", "Scenario subscribe-to-tone: Subscribe to tones, then receive two",
			[]string{`expectation "tone2" not met`}, ""},
		{"v1.0", "mute-no-roster", "mute || playprompt", "Scenario v1.0-mute-unmute: Mute and unmute the bot",
			[]string{`expectation "botMuted" not met`}, "Scenario v1.0-play-prompt: Play a prompt"},
		{"beta-2018", "mute-no-roster", "mute || playprompt", "Scenario mute-participant: Mute a participant",
			[]string{`expectation "muted" not met`}, "Scenario play-prompt: Play a prompt"},
		{"v1.0", "delete-keeps-invite", "participants && delete", "Scenario v1.0-delete-invitee-cancels-invite: Delete an invitee before they join",
			[]string{`forbidden notification`, `inviteeInRoster`}, "Scenario v1.0-delete-participant: Delete a participant in the call"},
		{"v1.0", "delete-participant-notifies", "participants && delete", "Scenario v1.0-delete-participant: Delete a participant in the call",
			[]string{`forbidden notification`, `rosterAfterRemoval`}, "Scenario v1.0-delete-invitee-cancels-invite: Delete an invitee before they join"},
		{"v1.0", "content-sharing-silent", "contentsharing || recording", "Scenario v1.0-content-sharing: Content sharing session notifications",
			[]string{`expectation "created" not met`}, "Scenario v1.0-update-recording-status: Update recording status"},
	}
	// Most cases wait out an await block's window (the rule is broken, the
	// notification never comes): the runs wait side by side, then each
	// case judges its own.
	runs := make([]suiteRun, len(tests))
	work := t.TempDir()
	slots := make(chan struct{}, brokenRunsAtOnce)
	var wg sync.WaitGroup
	for i, tt := range tests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			dir := filepath.Join(work, strconv.Itoa(i))
			if err := os.Mkdir(dir, 0o755); err != nil {
				runs[i] = suiteRun{err: err}
				return
			}
			runs[i] = startSuite(dir, "--profile="+tt.profile, "--sim-break="+tt.brk, "--ginkgo.label-filter="+tt.filter)
		}()
	}
	wg.Wait()
	for i, tt := range tests {
		t.Run(tt.profile+"/"+tt.brk, func(t *testing.T) {
			r := runs[i]
			if r.err != nil {
				t.Fatalf("run the suite: %v\n%s", r.err, r.out)
			}
			code, specs, out := r.code, readReport(t, r.report, []byte(r.out)), r.out
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", code, out)
			}
			found := map[string]specReport{}
			for _, s := range specs {
				found[s.name()] = s
			}
			s, ok := found[tt.failing]
			if !ok {
				t.Fatalf("spec %q did not run; ran: %v", tt.failing, keys(found))
			}
			if s.State != "failed" {
				t.Fatalf("spec %q %s, want failed", tt.failing, s.State)
			}
			for _, r := range tt.reason {
				if !strings.Contains(s.Failure.Message, r) {
					t.Errorf("failure of %q lacks %q:\n%s", tt.failing, r, s.Failure.Message)
				}
			}
			if tt.passing != "" {
				if p := found[tt.passing]; p.State != "passed" {
					t.Errorf("spec %q %s, want passed: %s", tt.passing, p.State, p.Failure.Message)
				}
			}
		})
	}
}

func keys(m map[string]specReport) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// runBinary runs the suite binary from an empty folder and returns its exit
// code and its combined output; it does not expect any report.
func runBinary(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, suiteBin, append([]string{"--ginkgo.no-color"}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	case err != nil:
		t.Fatalf("run the suite: %v\n%s", err, out)
	}
	return 0, string(out)
}

// TestSetupProblemIsOneLineAndExit3: a target that cannot be reached stops
// the suite before any spec, with one line that says what to do and exit
// code 3 (a failed spec is 1), and the reports of an earlier run stay.
func TestSetupProblemIsOneLineAndExit3(t *testing.T) {
	reports := t.TempDir()
	earlier := filepath.Join(reports, "report.json")
	if err := os.WriteFile(earlier, []byte(`{"earlier":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		code       int
		start, end string // of the one line
	}{
		{"unreachable target", []string{"--target=http://127.0.0.1:1"}, 3,
			"callconform: setup: cannot reach the target at http://127.0.0.1:1: ", "; check --target\n"},
		{"bad flag value", []string{"--target=ftp://x"}, 2,
			`callconform: setup: --target "ftp://x": want an http(s) URL`, "\n"},
		{"verify callbacks without an app id", []string{"--target=http://127.0.0.1:1", "--verify-callbacks", "--openid-config=http://127.0.0.1:1/openid"}, 2,
			"callconform: setup: --verify-callbacks needs --app-id", "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := runBinary(t, append(tt.args, "--report-dir="+reports)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, tt.start) || !strings.HasSuffix(out, tt.end) {
				t.Errorf("output is not one line %q...%q:\n%s", tt.start, tt.end, out)
			}
			b, err := os.ReadFile(earlier)
			if err != nil || string(b) != `{"earlier":true}` {
				t.Errorf("the earlier report was touched: %q, %v", b, err)
			}
			if entries, _ := os.ReadDir(reports); len(entries) != 1 {
				t.Errorf("the report folder holds %d files, want the earlier one only", len(entries))
			}
		})
	}
}

// TestSetupProblemUnderGinkgoParallel: under `ginkgo -p` the suite is
// aborted with the same line, said once, and the reports stay.
func TestSetupProblemUnderGinkgoParallel(t *testing.T) {
	work := t.TempDir()
	reports := filepath.Join(work, "reports")
	if err := os.Mkdir(reports, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "tool", "ginkgo", "-p", "--no-color", suiteBin, "--", "--target=http://127.0.0.1:1", "--report-dir="+reports)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("ginkgo -p passed against an unreachable target:\n%s", out)
	}
	line := "setup: cannot reach the target at http://127.0.0.1:1: "
	if n := strings.Count(string(out), line); n != 1 {
		t.Errorf("the reason is said %d times, want once:\n%s", n, out)
	}
	if strings.Contains(string(out), "timed out waiting for all parallel procs") {
		t.Errorf("a process left without reporting to the Ginkgo CLI:\n%s", out)
	}
	if entries, _ := os.ReadDir(reports); len(entries) != 0 {
		t.Errorf("reports were written after a setup problem: %v", entries)
	}
}

// TestSuiteAcceptsEveryTargetFlag: the suite binary takes every flag of
// the registration it shares with replay run (cmd/replay:
// TestRunAcceptsEveryTargetFlag).
func TestSuiteAcceptsEveryTargetFlag(t *testing.T) {
	code, out := runBinary(t, "--help")
	if code != 0 {
		t.Fatalf("--help: exit %d\n%s", code, out)
	}
	for _, name := range testbed.FlagNames() {
		if !regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(name) + `\b`).MatchString(out) {
			t.Errorf("the suite binary lacks --%s", name)
		}
	}
}

// TestFailureMessagesAreEscaped: a target answering ESC sequences and NUL
// to a fixture whose title holds ESC fails its spec, readably, with no raw
// control byte in the suite's output.
func TestFailureMessagesAreEscaped(t *testing.T) {
	srv := faketarget.Start(faketarget.Faults{Status: 400, Body: "\x1b[2J\x00"})
	defer srv.Close()
	dir := t.TempDir()
	src := strings.Replace(faketarget.FlowFixture, "title: Invite on the fake target", `title: "Invite \e[2J\e]0;pwned\a on the fake target"`, 1)
	src = strings.Replace(src, "labels: [invite]", "labels: [escaping]", 1)
	if err := os.WriteFile(filepath.Join(dir, "evil.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, specs, out := runSuite(t, "--target="+srv.URL, "--fixtures="+dir, "--ginkgo.label-filter=escaping")
	var failed []string
	for _, s := range specs {
		if s.State == "failed" {
			failed = append(failed, s.name())
		}
	}
	if code != 1 || len(failed) != 1 {
		t.Fatalf("exit %d, failed specs %q, want 1:\n%s", code, failed, out)
	}
	for i := 0; i < len(out); i++ {
		if c := out[i]; (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			t.Fatalf("raw control byte %#x at %d in the output:\n%q", c, i, out)
		}
	}
	for _, want := range []string{`Invite \x1b[2J\x1b]0;pwned\x07 on the fake target`, `answer: 400 \x1b[2J\x00`} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
}
