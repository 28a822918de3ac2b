package recorder

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
)

// BenchmarkRecordBuild measures replay record's build of a fixture from a
// journal of 1,000 and 20,000 realistic call flows (a call created with
// the real service's documented bodies, established, a participant
// invited, the call deleted: 3 requests and 6 notification POSTs each,
// flows overlapping eight at a time). It reports the time per flow (the
// build is linear: the two sizes agree within 1.5×), the peak heap during
// the build (bounded by the calls open, not the session: the two sizes
// agree) as peak-live-heap-MB, what the GC found live, and peak-heap-MB,
// which adds the garbage not yet swept and so moves with the GC's pace,
// and the time fixture.Load takes to read the fixture back: all
// its files (load-s; a recording longer than a fixture may be is written
// in parts, each at most fixture.MaxFileSize) and its first part alone
// (load-part-s).
func BenchmarkRecordBuild(b *testing.B) {
	s := loadRealSamples(b)
	for _, flows := range []int{1_000, 20_000} {
		b.Run(fmt.Sprintf("flows=%d", flows), func(b *testing.B) {
			dir := b.TempDir()
			journal := filepath.Join(dir, "session.journal")
			writeSyntheticJournal(b, journal, s, flows)
			out := filepath.Join(dir, "session.yaml")
			var built, loaded, loadedPart time.Duration
			var peak, peakLive uint64
			var files []string
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				runtime.GC()
				stop := make(chan struct{})
				sampled := samplePeakHeap(stop)
				b.StartTimer()
				t0 := time.Now()
				res, err := buildFiles(out, buildInput{journal: fileSnapshot(journal)}, Meta{ID: "session"})
				if err != nil {
					b.Fatal(err)
				}
				built += time.Since(t0)
				b.StopTimer()
				close(stop)
				got := <-sampled
				peak, peakLive = max(peak, got.objects), max(peakLive, got.live)
				files = res.Files
				runtime.GC()
				t1 := time.Now()
				if _, err := fixture.Load(files...); err != nil {
					b.Fatal(err)
				}
				loaded += time.Since(t1)
				runtime.GC()
				t2 := time.Now()
				if _, err := fixture.Load(files[0]); err != nil {
					b.Fatal(err)
				}
				loadedPart += time.Since(t2)
			}
			b.StopTimer()
			jst, _ := os.Stat(journal)
			var fixtureBytes int64
			for _, f := range files {
				st, _ := os.Stat(f)
				fixtureBytes += st.Size()
			}
			b.ReportMetric(float64(built.Nanoseconds())/float64(b.N*flows), "ns/flow")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peakLive)/(1<<20), "peak-live-heap-MB")
			b.ReportMetric(loaded.Seconds()/float64(b.N), "load-s")
			b.ReportMetric(loadedPart.Seconds()/float64(b.N), "load-part-s")
			b.ReportMetric(float64(jst.Size())/(1<<20), "journal-MB")
			b.ReportMetric(float64(fixtureBytes)/(1<<20), "fixture-MB")
			b.ReportMetric(float64(len(files)), "files")
		})
	}
}

// heapPeaks are the highest heap figures seen during a build: objects is
// the heap's objects, live and not yet swept (it moves with the GC's pace
// too); live is the heap the last GC found live (what the build holds).
type heapPeaks struct{ objects, live uint64 }

// samplePeakHeap samples the heap every millisecond until stop is closed,
// then sends the highest values seen.
func samplePeakHeap(stop <-chan struct{}) <-chan heapPeaks {
	out := make(chan heapPeaks, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var peak heapPeaks
		for {
			metrics.Read(s)
			peak.objects = max(peak.objects, s[0].Value.Uint64())
			peak.live = max(peak.live, s[1].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// writeSyntheticJournal writes the journal a recorder would of flows call
// flows, overlapping eight at a time, redacted as it redacts.
func writeSyntheticJournal(tb testing.TB, path string, s *realSamples, flows int) {
	tb.Helper()
	const upstream = "https://graph.microsoft.com/v1.0"
	rules, err := compileRules(DefaultRules())
	if err != nil {
		tb.Fatal(err)
	}
	f, err := createJournal(path, journalHeader{Journal: JournalFormat, Version: journalVersion, Upstream: upstream, Rules: DefaultRules()})
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	scrub := newJournalScrubber(rules, func() (string, string) { return testAppID, testTenantID })
	t0 := time.Unix(1_800_000_000, 0)
	seq := 0
	for g := 0; g < flows; g += 8 {
		var group [][]*exchange
		for i := g; i < min(g+8, flows); i++ {
			group = append(group, s.flow(tb, i, 1, upstream, t0.Add(time.Duration(i)*300*time.Millisecond)))
		}
		for k := range group[0] {
			for _, xs := range group {
				x := xs[k]
				x.seq = seq
				seq++
				if err := f.append(scrub.line(x, false)); err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
}
