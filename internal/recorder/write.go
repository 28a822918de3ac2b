package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/atomicfile"
)

// Meta names and describes the fixture a recording becomes.
type Meta struct {
	ID          string   // "" = "recorded"; see FixtureID
	Title       string   // "" = "Recorded scenario"
	Description string   // "" = where and when it was recorded
	Labels      []string // nil = [recorded]
}

// ErrNothingRecorded is returned by Encode and WriteFile when no request
// was recorded: a fixture needs at least one step.
var ErrNothingRecorded = errors.New("nothing was recorded")

// FixtureID turns a file name such as "Join meeting.yaml" into a fixture id
// ("join-meeting").
func FixtureID(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(base) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.'
		if !ok {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(c)
	}
	id := strings.TrimLeft(b.String(), ".")
	if id == "" {
		return "recorded"
	}
	return id
}

// Encode returns the fixture of what was recorded so far, as YAML, checked
// to load with the fixture schema. The Recorder keeps recording.
func (r *Recorder) Encode(meta Meta) ([]byte, error) {
	in, err := r.buildInput()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := buildFixture(&buf, in, meta, nil); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if _, err := fixture.Parse(meta.ID+".yaml", data); err != nil {
		return data, fmt.Errorf("the recorded fixture does not load: %w", err)
	}
	return data, nil
}

// buildInput is the recorder's journal so far, exchanges in flight
// included, with its rules.
func (r *Recorder) buildInput() (buildInput, error) {
	j, err := r.journal.pending()
	if err != nil {
		return buildInput{}, fmt.Errorf("read the journal: %w", err)
	}
	return buildInput{journal: j, rules: r.rules, upstream: redactedUpstream(r.upstream.String())}, nil
}

// WriteFile writes the fixture of what was recorded so far to path,
// atomically (a temporary file in the same folder, synced, then renamed)
// with mode 0600. A fixture that does not load is still written, so that
// nothing recorded is lost, and the error says why.
func (r *Recorder) WriteFile(path string, meta Meta) error {
	_, err := r.Write(path, meta)
	return err
}

// Write is WriteFile that says what it wrote: a recording longer than a
// fixture may be is written in parts, path then PartPath(path, 2)...
func (r *Recorder) Write(path string, meta Meta) (BuildResult, error) {
	in, err := r.buildInput()
	if err != nil {
		return BuildResult{}, err
	}
	return writeFixture(path, in, meta)
}

// Finish turns a journal that replay record wrote (Config.JournalPath)
// into a fixture at out, as WriteFile does: the way back from a recorder
// that was killed. A torn last line is skipped and said in the result's
// notes.
func Finish(journalPath, out string, meta Meta) (BuildResult, error) {
	if _, err := os.Stat(journalPath); err != nil {
		return BuildResult{}, fmt.Errorf("finish: %w", err)
	}
	res, err := writeFixture(out, buildInput{journal: fileSnapshot(journalPath)}, meta)
	if err != nil {
		return res, fmt.Errorf("finish %s: %w", journalPath, err)
	}
	return res, nil
}

// fileSnapshot reads a journal file whole.
func fileSnapshot(path string) snapshot {
	return snapshot{open: func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		return f, nil
	}}
}

// writeFixture builds the fixture of in into path, atomically, mode 0600,
// and checks that it loads. A recording longer than a fixture may be is
// written in parts: path, then PartPath(path, 2)...
func writeFixture(path string, in buildInput, meta Meta) (BuildResult, error) {
	res, err := buildFiles(path, in, meta)
	if err != nil {
		return res, err
	}
	if _, err := fixture.Load(res.Files...); err != nil {
		return res, fmt.Errorf("the recorded fixture does not load: %w", err)
	}
	return res, nil
}

// buildFiles builds the fixture of in into path (and its parts),
// atomically, mode 0600.
func buildFiles(path string, in buildInput, meta Meta) (BuildResult, error) {
	var res BuildResult
	var parts []*os.File
	defer func() {
		for _, f := range parts {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	next := func(part int) (io.Writer, error) {
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(PartPath(path, part))+".*.tmp")
		if err != nil {
			return nil, fmt.Errorf("write part %d of the fixture: %w", part, err)
		}
		parts = append(parts, f)
		return f, f.Chmod(0o600)
	}
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		var err error
		res, err = buildFixture(w, in, meta, next)
		return err
	})
	if err != nil {
		return res, err
	}
	res.Files = []string{path}
	for i, f := range parts {
		if err := errors.Join(f.Sync(), f.Close()); err != nil {
			return res, fmt.Errorf("write part %d of the fixture: %w", i+2, err)
		}
		if err := os.Rename(f.Name(), PartPath(path, i+2)); err != nil {
			return res, fmt.Errorf("write part %d of the fixture: %w", i+2, err)
		}
		res.Files = append(res.Files, PartPath(path, i+2))
	}
	parts = nil
	return res, nil
}

// WriteAtomic writes data to path through a temporary file in the same
// folder, synced and renamed over path, so that a reader sees the old file
// or the new one, never part of one.
func WriteAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
