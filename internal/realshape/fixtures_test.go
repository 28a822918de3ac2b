package realshape

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconform/callconform/fixtures"
	"github.com/callconform/callconform/harness"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/testbed"
)

// unplayed are the labels of v1.0 fixtures whose operations a realshape
// target does not play (it plays create, answer, invite, keepAlive,
// delete, reject, redirect and transfer): the participant and media
// actions, judged against the simulator, and the negative paths (this
// target checks no token; those are judged against the simulator and its
// breaks, in cmd/replay's negative tests).
var unplayed = []string{"participants", "media", "negative"}

// v1Fixtures returns the built-in fixtures written for the v1.0 profile,
// but those of operations the target does not play.
func v1Fixtures(t *testing.T) []*fixture.Fixture {
	t.Helper()
	all, err := fixture.LoadFS(fixtures.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	var out []*fixture.Fixture
	for _, f := range all {
		if slices.ContainsFunc(f.Labels, func(l string) bool { return slices.Contains(unplayed, l) }) {
			continue
		}
		if slices.Contains(f.Profiles, "v1.0") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatal("no built-in fixture is written for v1.0")
	}
	return out
}

// forms are the options that choose among real forms, each with its name
// in a subtest's name.
var forms = []struct {
	name string
	set  func(o *Options)
}{
	{"url-only", func(o *Options) { o.ResourceURLOnly = true }},
	{"established-first", func(o *Options) { o.EstablishedFirst = true }},
	{"answer-body", func(o *Options) { o.AnswerBody = true }},
	{"invite-location", func(o *Options) { o.InviteLocation = true }},
	{"numeric-result", func(o *Options) { o.NumericResultInfo = true }},
	{"compact-ids", func(o *Options) { o.CompactIDs = true }},
	{"bot-instance", func(o *Options) { o.BotAsInstance = true }},
}

// combination returns the options of combination bits (bit i sets
// forms[i]) and its name.
func combination(bits int) (Options, string) {
	var o Options
	var names []string
	for i, f := range forms {
		if bits&(1<<i) != 0 {
			f.set(&o)
			names = append(names, f.name)
		}
	}
	if len(names) == 0 {
		return o, "as-documented"
	}
	return o, strings.Join(names, "+")
}

// outcome is one fixture's run against a realshape target.
type outcome struct {
	res     *harness.Result
	sources []string // the real bodies the target played
	err     error    // the target or the testbed could not be opened
}

// play runs f against a new target with options o, through the testbed as
// a user would run it against a URL.
func play(ctx context.Context, o Options, f *fixture.Fixture) outcome {
	srv, err := Start(o)
	if err != nil {
		return outcome{err: err}
	}
	defer srv.Close()
	tb, err := testbed.Open(ctx, testbed.Config{URL: srv.URL, Token: "x", Profile: "v1.0", Capabilities: Capabilities})
	if err != nil {
		return outcome{err: fmt.Errorf("open the testbed: %w", err)}
	}
	defer tb.Close()
	res := tb.Runner.Run(ctx, f)
	return outcome{res: res, sources: srv.Sources()}
}

// describe says what a run did: its failure, if any, and the real bodies
// the target played.
func (out outcome) describe() string {
	var b strings.Builder
	if out.res.Failure != nil {
		fmt.Fprintf(&b, "%s\n%s\n", out.res.Reason, out.res.Failure.Message)
	} else if out.res.Reason != "" {
		fmt.Fprintf(&b, "%s\n", out.res.Reason)
	}
	fmt.Fprintf(&b, "real bodies played (internal/realtraffic/testdata):\n  %s", strings.Join(out.sources, "\n  "))
	return b.String()
}

// concurrentRuns bounds the fixture runs under way at once: each mostly
// waits on loopback HTTP, so more than the cores keeps them busy.
const concurrentRuns = 32

// playAll runs each fixture of fxs under each of opts, concurrentRuns at a
// time, and returns the outcomes by option and fixture.
func playAll(ctx context.Context, opts []Options, fxs []*fixture.Fixture) [][]outcome {
	outs := make([][]outcome, len(opts))
	sem := make(chan struct{}, concurrentRuns)
	var wg sync.WaitGroup
	for k, o := range opts {
		outs[k] = make([]outcome, len(fxs))
		for i, f := range fxs {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				outs[k][i] = play(ctx, o, f)
			})
		}
	}
	wg.Wait()
	return outs
}

// TestEveryV1FixturePassesEveryRealForm runs every v1.0 fixture against a
// target that answers with the real bodies, under every combination of the
// forms real traffic shows: each fixture must accept them all.
func TestEveryV1FixturePassesEveryRealForm(t *testing.T) {
	t.Parallel()
	fxs := v1Fixtures(t)
	var opts []Options
	var names []string
	for bits := range 1 << len(forms) {
		o, name := combination(bits)
		opts, names = append(opts, o), append(names, name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	outs := playAll(ctx, opts, fxs)
	for k, name := range names {
		t.Run(name, func(t *testing.T) {
			for i, f := range fxs {
				t.Run(f.ID, func(t *testing.T) {
					out := outs[k][i]
					if out.err != nil {
						t.Fatal(out.err)
					}
					if out.res.Status != harness.Passed {
						t.Fatalf("status %s under %s:\n%s", out.res.Status, name, out.describe())
					}
					t.Log(out.describe())
				})
			}
		})
	}
}

// breakCase is a rule the target breaks, a fixture that states it, and
// what that fixture's failure says.
type breakCase struct {
	brk     Break
	fixture string
	want    []string
}

// TestFixturesFailWhenTheTargetBreaksTheirRule: a target that breaks the
// rule a fixture states fails that fixture, and the failure says which
// rule in words a reader can act on.
func TestFixturesFailWhenTheTargetBreaksTheirRule(t *testing.T) {
	t.Parallel()
	tests := []breakCase{
		{CreateAnswers200, "v1.0-create-p2p-voip-call", []string{"step 1 (send", "status: want 201, got 200"}},
		{NoResultInfo, "v1.0-delete-call", []string{`expectation "terminated" not met`, "resourceData.resultInfo.code", "<absent>"}},
		{RosterFirst, "v1.0-invite-one-participant", []string{`expectation "roster" not met: out of order`, `before "opDone"`}},
		{AcceptMissingMediaConfig, "v1.0-answer-needs-media-config", []string{"status: want 400, got 202"}},
		{KeepAliveAfterEnd, "v1.0-keep-alive-after-end", []string{"status: want 404, got 200"}},
		{NoOperationID, "v1.0-invite-one-participant", []string{"body id: want a string, got <absent>"}},
		{NoEstablished, "v1.0-answer-incoming-voip-call", []string{`expectation "p2pEstablished" not met`}},
	}
	for _, b := range Breaks {
		if !slices.ContainsFunc(tests, func(tt breakCase) bool { return tt.brk == b }) {
			t.Errorf("break %s has no fixture here that it must fail", b)
		}
	}
	byID := map[string]*fixture.Fixture{}
	for _, f := range v1Fixtures(t) {
		byID[f.ID] = f
	}
	opts := make([]Options, len(tests))
	fxs := make([]*fixture.Fixture, len(tests))
	for k, tt := range tests {
		if fxs[k] = byID[tt.fixture]; fxs[k] == nil {
			t.Fatalf("no v1.0 fixture %s", tt.fixture)
		}
		opts[k] = Options{Break: tt.brk}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Each break with its own fixture: run the pairs, not every fixture
	// under every break.
	outs := make([]outcome, len(tests))
	var wg sync.WaitGroup
	for k := range tests {
		wg.Go(func() { outs[k] = play(ctx, opts[k], fxs[k]) })
	}
	wg.Wait()
	for k, tt := range tests {
		t.Run(string(tt.brk), func(t *testing.T) {
			out := outs[k]
			if out.err != nil {
				t.Fatal(out.err)
			}
			if out.res.Status != harness.Failed || out.res.Failure == nil {
				t.Fatalf("%s passed a target that breaks %s:\n%s", tt.fixture, tt.brk, out.describe())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.res.Failure.Message, w) && !strings.Contains(out.res.Reason, w) {
					t.Errorf("the failure does not say %q:\n%s", w, out.describe())
				}
			}
			t.Log(out.describe())
		})
	}
}
