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

// v1Fixtures returns the built-in fixtures written for the v1.0 profile.
func v1Fixtures(t *testing.T) []*fixture.Fixture {
	t.Helper()
	all, err := fixture.LoadFS(fixtures.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	var out []*fixture.Fixture
	for _, f := range all {
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
	tb, err := testbed.Open(ctx, testbed.Config{URL: srv.URL, Token: "x", Profile: "v1.0", Capabilities: []string{Capability}})
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

// TestEveryV1FixturePassesEveryRealForm runs every v1.0 fixture against a
// target that answers with the real bodies, under every combination of the
// forms real traffic shows: each fixture must accept them all.
func TestEveryV1FixturePassesEveryRealForm(t *testing.T) {
	fxs := v1Fixtures(t)
	for bits := range 1 << len(forms) {
		o, name := combination(bits)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			outs := make([]outcome, len(fxs))
			var wg sync.WaitGroup
			for i, f := range fxs {
				wg.Go(func() { outs[i] = play(ctx, o, f) })
			}
			wg.Wait()
			for i, f := range fxs {
				t.Run(f.ID, func(t *testing.T) {
					out := outs[i]
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

// TestFixturesFailWhenTheTargetBreaksTheirRule: a target that breaks the
// rule a fixture states fails that fixture, and the failure says which
// rule in words a reader can act on.
func TestFixturesFailWhenTheTargetBreaksTheirRule(t *testing.T) {
	tests := []struct {
		brk     Break
		fixture string
		want    []string // what the failure says
	}{
		{CreateAnswers200, "v1.0-create-p2p-voip-call", []string{"step 1 (send", "status: want 201, got 200"}},
		{NoResultInfo, "v1.0-delete-call", []string{`expectation "terminated" not met`, "resourceData.resultInfo.code", "<absent>"}},
		{RosterFirst, "v1.0-invite-one-participant", []string{`expectation "roster" not met: out of order`, `before "opDone"`}},
		{AcceptMissingMediaConfig, "v1.0-answer-needs-media-config", []string{"status: want 400, got 202"}},
		{KeepAliveAfterEnd, "v1.0-keep-alive-after-end", []string{"status: want 404, got 200"}},
		{NoOperationID, "v1.0-invite-one-participant", []string{"body id: want a string, got <absent>"}},
		{NoEstablished, "v1.0-answer-incoming-voip-call", []string{`expectation "p2pEstablished" not met`}},
	}
	fxs := map[string]*fixture.Fixture{}
	for _, f := range v1Fixtures(t) {
		fxs[f.ID] = f
	}
	for _, tt := range tests {
		t.Run(string(tt.brk), func(t *testing.T) {
			t.Parallel()
			f := fxs[tt.fixture]
			if f == nil {
				t.Fatalf("no v1.0 fixture %s", tt.fixture)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out := play(ctx, Options{Break: tt.brk}, f)
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
