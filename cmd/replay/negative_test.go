package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/internal/faketarget"
)

// negativeDirs are the folders of the negative fixtures, by profile.
var negativeDirs = map[string]string{
	"beta-2018": "../../fixtures/negative",
	"v1.0":      "../../fixtures/v1.0/negative",
}

// resultLine is a scenario's line in replay run's console report.
var resultLine = regexp.MustCompile(`(?m)^\[\d+/\d+\] (PASS|FAIL|SKIP) (\S+) `)

// outcomes runs replay run with args and returns its exit code, output
// and each scenario's mark (PASS, FAIL, SKIP) by id.
func outcomes(t *testing.T, args ...string) (int, string, map[string]string) {
	t.Helper()
	code, out, errOut := replay(t, append([]string{"run"}, args...)...)
	marks := map[string]string{}
	for _, m := range resultLine.FindAllStringSubmatch(out, -1) {
		marks[m[2]] = m[1]
	}
	return code, out + errOut, marks
}

// negativeIDs are the ids of the negative fixtures of a profile, from
// their files (each file is named as its id ends).
func negativeIDs(t *testing.T, profile string) []string {
	t.Helper()
	entries, err := os.ReadDir(negativeDirs[profile])
	if err != nil {
		t.Fatal(err)
	}
	prefix := map[string]string{"beta-2018": "negative-", "v1.0": "v1.0-negative-"}[profile]
	var ids []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			ids = append(ids, prefix+name)
		}
	}
	if len(ids) == 0 {
		t.Fatalf("no negative fixture for %s", profile)
	}
	return ids
}

// TestNegativeFixturesPassTheSimulator: against the embedded simulator,
// the reference, every negative fixture runs (the simulator mints every
// kind of token) and passes.
func TestNegativeFixturesPassTheSimulator(t *testing.T) {
	t.Parallel()
	for profile, dir := range negativeDirs {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			code, out, marks := outcomes(t, "--profile", profile, dir)
			if code != 0 {
				t.Fatalf("exit %d, want 0:\n%s", code, out)
			}
			want := map[string]string{}
			for _, id := range negativeIDs(t, profile) {
				want[id] = "PASS"
			}
			if diff := cmp.Diff(want, marks); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s\n%s", diff, out)
			}
		})
	}
}

// negativeBreaks maps each of the simulator's breaks of a rule the
// negative fixtures state to the fixtures it must fail, by profile; every
// other negative fixture must still pass under it.
var negativeBreaks = []struct {
	profile, brk string
	fail         []string // ids
	reason       string   // in the output: why the first of fail failed
}{
	{"beta-2018", "no-auth", []string{
		"negative-auth-no-token", "negative-auth-malformed-token", "negative-auth-expired-token",
		"negative-auth-other-audience-token", "negative-auth-bad-signature-token",
		"negative-auth-delegated-token", "negative-auth-invite-without-role",
	}, "status: want 401, got 201"},
	{"beta-2018", "no-body-validation", []string{
		"negative-invite-no-participants", "negative-invite-empty-participants", "negative-invite-participants-not-an-array",
		"negative-invite-participant-without-identity", "negative-invite-invalid-json", "negative-invite-client-context-too-long",
	}, "status: want 400, got 202"},
	{"beta-2018", "long-client-context", []string{"negative-invite-client-context-too-long"}, "status: want 400, got 202"},
	{"v1.0", "no-auth", []string{
		"v1.0-negative-auth-no-token", "v1.0-negative-auth-malformed-token", "v1.0-negative-auth-expired-token",
		"v1.0-negative-auth-other-audience-token", "v1.0-negative-auth-bad-signature-token",
		"v1.0-negative-auth-delegated-token", "v1.0-negative-auth-invite-without-role",
	}, "status: want 401, got 201"},
	{"v1.0", "no-body-validation", []string{
		"v1.0-negative-invite-no-participants", "v1.0-negative-invite-empty-participants", "v1.0-negative-invite-participants-not-an-array",
		"v1.0-negative-invite-participant-without-identity", "v1.0-negative-invite-invalid-json",
		"v1.0-negative-invite-client-context-too-long", "v1.0-negative-invite-more-than-five",
	}, "status: want 400, got 200"},
	{"v1.0", "long-client-context", []string{"v1.0-negative-invite-client-context-too-long"}, "status: want 400, got 200"},
	{"v1.0", "more-than-five-invitees", []string{"v1.0-negative-invite-more-than-five"}, "status: want 400, got 200"},
	{"v1.0", "media-config-optional", []string{"v1.0-negative-create-without-media-config", "v1.0-negative-answer-without-media-config"}, "status: want 400, got 201"},
	{"v1.0", "keepalive-ended-call-ok", []string{"v1.0-negative-keep-alive-ended-call", "v1.0-negative-unknown-call-keep-alive"}, "status: want 404, got 200"},
	{"beta-2018", "unknown-call-500", []string{"negative-unknown-call-get", "negative-unknown-call-invite"}, "status: want 404, got 500"},
	{"v1.0", "unknown-call-500", []string{"v1.0-negative-unknown-call-get", "v1.0-negative-unknown-call-invite"}, "status: want 404, got 500"},
	{"beta-2018", "invite-not-established", []string{"negative-invite-call-not-established"}, "498, 499, got 202"},
	{"v1.0", "invite-not-established", []string{"v1.0-negative-invite-call-not-established"}, "498, 499, got 200"},
	{"v1.0", "screen-sharing-any-media", []string{"v1.0-negative-screen-sharing-role-service-hosted"}, "status: want 400, got 202"},
}

// noBreak lists the negative fixtures whose rule the simulator has no
// break for: no run here shows them failing. (None today: keep the list,
// so that a fixture added without a break is named, not missed.)
var noBreak = []string{}

// TestEachBreakFailsItsNegativeFixtures: a simulator that breaks a rule
// fails, through replay run alone (exit 1), exactly the negative fixtures
// that state that rule, saying why; the others still pass. Among them the
// issue's headline: a target that accepts calls without a token fails.
func TestEachBreakFailsItsNegativeFixtures(t *testing.T) {
	t.Parallel()
	covered := slices.Clone(noBreak)
	for _, tt := range negativeBreaks {
		covered = append(covered, tt.fail...)
	}
	for profile := range negativeDirs {
		for _, id := range negativeIDs(t, profile) {
			if !slices.Contains(covered, id) {
				t.Errorf("negative fixture %s fails under no break here, and is not listed in noBreak", id)
			}
		}
	}
	for _, tt := range negativeBreaks {
		t.Run(tt.profile+"/"+tt.brk, func(t *testing.T) {
			t.Parallel()
			code, out, marks := outcomes(t, "--profile", tt.profile, "--sim-break", tt.brk, negativeDirs[tt.profile])
			if code != exitFailed {
				t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, out)
			}
			want := map[string]string{}
			for _, id := range negativeIDs(t, tt.profile) {
				want[id] = "PASS"
			}
			for _, id := range tt.fail {
				want[id] = "FAIL"
			}
			if diff := cmp.Diff(want, marks); diff != "" {
				t.Errorf("outcomes under %s (-want +got):\n%s\n%s", tt.brk, diff, out)
			}
			if first := scenarioReport(out, tt.fail[0]); !strings.Contains(first, tt.reason) {
				t.Errorf("the failure of %s does not say %q:\n%s", tt.fail[0], tt.reason, first)
			}
		})
	}
}

// scenarioReport is the part of replay run's output about scenario id: from its
// result line to the next scenario's.
func scenarioReport(out, id string) string {
	_, rest, ok := strings.Cut(out, "FAIL "+id+" ")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n["); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// TestNegativeFixtureSkipsWithoutItsToken: against another target, a
// fixture that sends a kind of token not given is skipped, naming the flag
// and the variable; given, it runs.
func TestNegativeFixtureSkipsWithoutItsToken(t *testing.T) {
	t.Setenv("CALLCONFORM_TOKEN_DELEGATED", "")
	srv := faketarget.Start(faketarget.Faults{})
	defer srv.Close()
	fx := filepath.Join(negativeDirs["beta-2018"], "auth-delegated-token.yaml")
	code, out, marks := outcomes(t, "--target", srv.URL, "--token", "own", fx)
	if code != exitUsage || marks["negative-auth-delegated-token"] != "SKIP" {
		t.Fatalf("exit %d, marks %v, want 2 and a skip:\n%s", code, marks, out)
	}
	if want := "skipped: needs a delegated (user) token (token: delegated) for this target: pass --token-delegated or set CALLCONFORM_TOKEN_DELEGATED"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	// Given the token, it runs; the fake target answers 202 to everything.
	_, out, marks = outcomes(t, "--target", srv.URL, "--token", "own", "--token-delegated", "user-token", fx)
	if marks["negative-auth-delegated-token"] != "FAIL" || !strings.Contains(out, "status: want 403, got ") {
		t.Errorf("with --token-delegated: marks %v:\n%s", marks, out)
	}
	t.Setenv("CALLCONFORM_TOKEN_DELEGATED", "user-token")
	if _, out, marks = outcomes(t, "--target", srv.URL, "--token", "own", fx); marks["negative-auth-delegated-token"] != "FAIL" {
		t.Errorf("with $CALLCONFORM_TOKEN_DELEGATED: marks %v:\n%s", marks, out)
	}
}

// refusalExpectation is a negative fixture's expectation of a refusal (a
// 400 or 403 with the Graph error), which relaxed replaces.
var refusalExpectation = regexp.MustCompile(`      status: 40[03]\n      body:\n(        error\.[^\n]*\n)+`)

// relaxed is a negative fixture that takes the target's answer whatever
// it is: only its await blocks still judge.
func relaxed(t *testing.T, src string) string {
	t.Helper()
	out := refusalExpectation.ReplaceAllString(src, "      status: [200, 202, 400, 403]\n")
	if out == src {
		t.Fatal("the fixture has no refusal to relax")
	}
	return out
}

// TestForbidBlocksCatchARequestThatChangesSomething: where a negative
// fixture says that the refused request changes nothing, its forbid block
// alone fails a target that carries the request out: each fixture, its
// refusal expectation taken out, fails against the break of its rule for
// the operation that follows.
func TestForbidBlocksCatchARequestThatChangesSomething(t *testing.T) {
	t.Parallel()
	for profile, dir := range negativeDirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		byBreak := map[string]string{}         // break → folder of relaxed fixtures
		want := map[string]map[string]string{} // break → id → FAIL
		var ids []string
		for _, e := range entries {
			src, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(src), "\n      forbid:\n") {
				continue
			}
			brk := "no-body-validation"
			if strings.HasPrefix(e.Name(), "auth-") {
				brk = "no-auth"
			}
			if byBreak[brk] == "" {
				byBreak[brk], want[brk] = t.TempDir(), map[string]string{}
			}
			want[brk][idOf(t, src)] = "FAIL"
			if err := os.WriteFile(filepath.Join(byBreak[brk], e.Name()), []byte(relaxed(t, string(src))), 0o644); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, strings.TrimSuffix(e.Name(), ".yaml"))
		}
		if len(ids) < 7 {
			t.Fatalf("%s: only %d fixtures with a forbid block: %v", profile, len(ids), ids)
		}
		for brk, folder := range byBreak {
			t.Run(profile+"/"+brk, func(t *testing.T) {
				t.Parallel()
				code, out, marks := outcomes(t, "--profile", profile, "--sim-break", brk, folder)
				if code != exitFailed {
					t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, out)
				}
				if diff := cmp.Diff(want[brk], marks); diff != "" {
					t.Fatalf("outcomes (-want +got):\n%s\n%s", diff, out)
				}
				for id := range marks {
					if rep := scenarioReport(out, id); !strings.Contains(rep, `forbidden notification #`) || !strings.Contains(rep, `(pattern "operation")`) {
						t.Errorf("%s does not fail for a forbidden operation:\n%s", id, rep)
					}
				}
			})
		}
	}
}

// idOf is the id a fixture's source declares.
func idOf(t *testing.T, src []byte) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^id: (\S+)$`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("no id in:\n%s", src)
	}
	return string(m[1])
}
