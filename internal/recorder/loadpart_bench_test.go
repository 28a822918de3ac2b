package recorder

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/callconform/callconform/harness/fixture"
)

// BenchmarkLoadRecordedPart loads the first part of a 1,000-flow
// recording, as BenchmarkRecordBuild's load-part-s does, with nothing
// else in the loop: the one to profile (-cpuprofile) for load time.
func BenchmarkLoadRecordedPart(b *testing.B) {
	s := loadRealSamples(b)
	dir := b.TempDir()
	journal := filepath.Join(dir, "session.journal")
	writeSyntheticJournal(b, journal, s, 1_000)
	res, err := buildFiles(filepath.Join(dir, "session.yaml"), buildInput{journal: fileSnapshot(journal)}, Meta{ID: "session"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(res.Files[0])
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ResetTimer()
	for range b.N {
		if _, err := fixture.Load(res.Files[0]); err != nil {
			b.Fatal(err)
		}
	}
}
