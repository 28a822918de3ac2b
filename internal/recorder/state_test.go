package recorder

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
)

// TestBuildForgetsEndedCalls: what the build remembers (ids, resources,
// expectation names, operations) is bounded by the calls open and the last
// few ended, not by the number of flows recorded.
func TestBuildForgetsEndedCalls(t *testing.T) {
	s := loadRealSamples(t)
	held := func(flows int) (peak, ids int) {
		const upstream = "https://graph.microsoft.com/v1.0"
		b := newBuilder(newRedactor(mustRules(t)), "/v1.0", "", "", nil)
		b.upBase = upstream
		t0 := time.Unix(1_800_000_000, 0)
		seq := 0
		for i := range flows {
			for _, x := range s.flow(t, i, 1, upstream, t0.Add(time.Duration(i)*3*time.Second)) {
				x.seq = seq
				seq++
				if err := b.add(x); err != nil {
					t.Fatal(err)
				}
			}
			peak = max(peak, len(b.ids)+len(b.declined)+len(b.lastOn)+len(b.names)+len(b.origin)+len(b.opsByCall))
		}
		if err := b.finish(); err != nil {
			t.Fatal(err)
		}
		return peak, len(b.ids)
	}
	// Both fit in one part (a new part forgets everything too).
	const short, long = 2*closeWindow + 16, 4 * closeWindow
	peakShort, _ := held(short)
	peakLong, idsLong := held(long)
	t.Logf("entries held: %d after %d flows, %d after %d", peakShort, short, peakLong, long)
	if peakLong > peakShort+peakShort/10 {
		t.Errorf("the builder held %d entries after %d flows and %d after %d: it grows with the session, ended calls are not forgotten",
			peakShort, short, peakLong, long)
	}
	// A flow mints a call and an operation: the ids of the calls open
	// and of the last 2×closeWindow ended at most.
	if idsLong > 2*2*closeWindow {
		t.Errorf("%d ids known after %d flows, want at most %d", idsLong, long, 2*2*closeWindow)
	}
}

func mustRules(t *testing.T) []rule {
	t.Helper()
	rs, err := compileRules(DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestLongRecordingIsWrittenInParts: a recording longer than a fixture may
// be (fixture.MaxFileSize) is written as several fixtures, each of which
// loads on its own, together holding every request.
func TestLongRecordingIsWrittenInParts(t *testing.T) {
	s := loadRealSamples(t)
	dir := t.TempDir()
	journal := filepath.Join(dir, "long.journal")
	// A part takes 64 KiB of recorded bodies here (2 MiB in use): 30
	// flows, some 200 KiB, take four parts.
	defer func(old int) { maxPartInput = old }(maxPartInput)
	maxPartInput = 64 << 10
	const flows = 30
	writeSyntheticJournal(t, journal, s, flows)
	out := filepath.Join(dir, "long.yaml")
	res, err := Finish(journal, out, Meta{ID: "long"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{out, filepath.Join(dir, "long.part2.yaml"), filepath.Join(dir, "long.part3.yaml"), filepath.Join(dir, "long.part4.yaml")}
	if diff := cmp.Diff(want, res.Files); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	sends := 0
	for i, f := range res.Files {
		fxs, err := fixture.Load(f)
		if err != nil {
			t.Fatalf("part %d does not load on its own: %v", i+1, err)
		}
		if id := fxs[0].ID; i > 0 && id != PartID("long", i+1) {
			t.Errorf("part %d has id %q", i+1, id)
		}
		sends += countSends(fxs[0])
	}
	if sends != 3*flows || res.Requests != 3*flows {
		t.Errorf("%d send steps in the parts (%d requests built), want %d", sends, res.Requests, 3*flows)
	}
}
